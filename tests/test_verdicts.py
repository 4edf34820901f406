"""The verdict words come from one place: ``tfv1_mnist.verdicts``."""

from __future__ import annotations

import pathlib
import re

from tfv1_mnist import compare, verdicts
from tfv1_mnist.compare import metrics

PACKAGE = pathlib.Path(verdicts.__file__).parent
REPO = PACKAGE.parent


def test_metrics_verdicts_are_the_vocabulary():
    words = {metrics.verdict(0.0), metrics.verdict(1e-7), metrics.verdict(1e-3, tolerance=1e-2),
             metrics.verdict(0.5), metrics.verdict(1e-7, nonfinite_mismatch=1)}
    assert words == set(verdicts.VERDICTS)
    assert set(verdicts.SOURCES) == set(verdicts.MEANING)


def test_no_module_spells_a_verdict_word_itself():
    quoted = re.compile("|".join(rf"[\"']{re.escape(w)}[\"']" for w in verdicts.SOURCES))
    offenders = [f"{path.relative_to(REPO)}:{i}" for path in sorted(PACKAGE.rglob("*.py"))
                 if path.name != "verdicts.py"
                 for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if quoted.search(line)]
    assert not offenders, f"spell verdict words with tfv1_mnist.verdicts' constants: {offenders}"


def _result(step_loss: dict) -> dict:
    n = len(step_loss["v1"])
    names = [k for k in step_loss if k != "v1"]
    entry = {"verdict": {}, "max_rel_step_loss_diff": {}, "max_rel_early_step_loss_diff": {},
             "max_abs_weight_diff": {}, "max_rel_epoch_loss_diff": {}, "nonfinite_mismatch_steps": {},
             "curve_steps": n, "max_abs_step_loss_diff": {}, "test_accuracy": {"v1": 0.5}, "steps": n}
    for name in names:
        d = max(abs(a - b) / abs(b) for a, b in zip(step_loss[name], step_loss["v1"]))
        entry["verdict"][name] = metrics.verdict(d)
        entry["test_accuracy"][name] = 0.5
        for key in ("max_rel_step_loss_diff", "max_rel_early_step_loss_diff", "max_abs_step_loss_diff"):
            entry[key][name] = d
        entry["max_abs_weight_diff"][name] = d
        entry["max_rel_epoch_loss_diff"][name] = None
        entry["nonfinite_mismatch_steps"][name] = 0
    return {"models": {"m": {"settings": {"model": "m", "reference": "v1", "steps": n},
                             "variants": {"default": entry}}}}


def test_table_and_explanations_call_each_pair_the_same():
    result = _result({"v1": [2.0, 1.0], "same": [2.0, 1.0], "close": [2.0, 1.0000001], "far": [2.0, 1.5]})
    differences = {d["between"]: d["source"] for d in compare.explain(result)}
    for name, word in result["models"]["m"]["variants"]["default"]["verdict"].items():
        assert differences[f"m: {name} vs v1"] == word
    assert [differences[f"m: {n} vs v1"] for n in ("same", "close", "far")] == [
        verdicts.IDENTICAL, verdicts.ROUND_OFF, verdicts.DIFFERENT]
