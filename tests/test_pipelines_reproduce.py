"""End-to-end test of ``tfv1-mnist reproduce --quick``: the report, its figures, and that
every number in report.md is the one in the JSON files."""

from __future__ import annotations

import json
import os
import re

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

from tfv1_mnist import cli, compare  # noqa: E402
from tfv1_mnist.pipelines import reproduce_plan as reproduce  # noqa: E402


def _table(md: str, heading: str) -> list[list[str]]:
    """Body rows (cells stripped) of the first table after the line ``heading``."""
    lines = md.split("\n" + heading + "\n", 1)[1].splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("|"))
    block = []
    for ln in lines[start:]:
        if not ln.startswith("|"):
            break
        block.append([c.strip() for c in re.split(r"(?<!\\)\|", ln)[1:-1]])
    return block[2:]


def test_quick_plan_changes_only_the_comparison_epochs():
    full, quick = reproduce.FULL, reproduce.QUICK
    changed = {k for k in full.__dataclass_fields__ if getattr(full, k) != getattr(quick, k)}
    assert changed == {"compare_epochs"}
    assert (full.cnn_epochs, quick.cnn_epochs, full.compare_epochs, quick.compare_epochs) == (10, 10, 2, 1)


@pytest.mark.slow
def test_reproduce_quick_end_to_end(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["reproduce", "--quick", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "report.md" in printed

    for name in ("report.md", "report.html", "report.json", "compare/compare.json", "compare/compare.md",
                 "softmax_seed/metrics.json", "softmax_stable/metrics.json", "cnn/metrics.json"):
        assert (out / name).is_file(), name
    md = (out / "report.md").read_text()
    figures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert len(figures) >= 14
    for fig in figures:
        assert (out / fig).read_bytes()[:4] == b"\x89PNG", fig
    html = (out / "report.html").read_text()
    assert html.count('src="data:image/png;base64,') == len(figures)
    assert not re.search(r'src="(?!data:)', html)  # self-contained

    summary = json.loads((out / "report.json").read_text())
    assert summary["quick"] is True and summary["dataset"]["name"] == "sample"
    assert summary["provenance"]["seed"] == 0

    # Runs table: accuracy of each run equals its metrics.json.
    runs = _table(md, "## Runs")
    assert len(runs) == 3
    for row, run in zip(runs, summary["runs"]):
        metrics = json.loads((out / run["metrics"]).read_text())
        assert row[0] == run["name"]
        assert row[3] == f"{metrics['test_accuracy']:.4f}"
        assert row[4] == f"{metrics['train_seconds']:.1f} s"
        assert "provenance" in metrics
    cnn = json.loads((out / "cnn/metrics.json").read_text())
    assert cnn["config"]["epochs"] == 10 and len(cnn["history"]["loss"]) == 10
    assert cnn["provenance"]["op_determinism"] is True  # as `tfv1-mnist cnn --seed 0` runs it
    assert (out / "cnn" / "model.keras").is_file() and (out / "cnn" / "saved_model").is_dir()
    assert cnn["params"] == 10_000

    # CNN epoch table equals cnn/metrics.json's history.
    epochs = _table(md, "## The seed's figures")
    hist = cnn["history"]
    assert [r[1] for r in epochs] == [f"{v:.4f}" for v in hist["loss"]]
    assert [r[4] for r in epochs] == [f"{v:.4f}" for v in hist["val_accuracy"]]

    # Comparison table equals what compare.json renders to.
    doc = json.loads((out / "compare/compare.json").read_text())
    assert doc["environment"]["onednn"] == "0" and doc["environment"]["op_determinism"] is True
    _, rows = compare.table_rows(doc)
    cmp_rows = _table(md, "## v1 / v2 comparison")
    assert cmp_rows == rows
    assert doc["models"]["softmax"]["variants"]["stable"]["max_rel_step_loss_diff"]["v2"] <= 1e-5
    assert doc["models"]["cnn"]["settings"]["config"]["epochs"] == 1


@pytest.mark.parametrize("command", ["compare", "reproduce"])
def test_impossible_seed_is_a_usage_error_before_any_work(command, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main([command, "--seed", "-1", "--data", "sample", "--out", str(out)]) == cli.EXIT_USAGE
    assert "--seed must be in [0, 2**31), got -1" in capsys.readouterr().err
    assert not out.exists()
