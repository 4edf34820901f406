"""What each measured difference is, in the words of ``tfv1_mnist.verdicts``.

Pattern: a pure function from ``compare.json``'s dict to a list of
``{"between", "source", "detail"}``.  The figures come from the measurements;
the words about *why* come from the registry (each implementation's ``note``,
each model's ``notes``), so a user's own pair is explained as the built-in ones are.
"""

from __future__ import annotations

from typing import Any, Mapping

from tfv1_mnist.compare.metrics import EARLY_STEPS
from tfv1_mnist.verdicts import MEANING, ROUND_OFF

__all__ = ["explain", "switches", "fmt"]


def switches(env: Mapping[str, Any]) -> str:
    """``"op determinism on, TF32 off"`` from an ``environment()`` dict."""
    on_off = {True: "on", False: "off"}
    return f"op determinism {on_off[bool(env.get('op_determinism'))]}, TF32 {on_off[bool(env.get('tf32'))]}"


def fmt(x) -> str:
    """A difference with 3 significant digits (``0`` for zero, ``n/a`` for None)."""
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return "0" if x == 0 else f"{x:.2e}"
    return str(x)


def _pair_detail(name: str, ref: str, e: Mapping[str, Any]) -> str:
    v = e["verdict"][name]
    text = (f"{MEANING.get(v, v)}. Max relative step-loss difference {fmt(e['max_rel_step_loss_diff'][name])} "
            f"over {e['curve_steps']} steps (first {EARLY_STEPS}: {fmt(e['max_rel_early_step_loss_diff'][name])}), "
            f"final weights {fmt(e['max_abs_weight_diff'][name])} apart")
    if e["max_rel_epoch_loss_diff"].get(name) is not None:
        text += f", epoch loss {fmt(e['max_rel_epoch_loss_diff'][name])}"
    nan = e["nonfinite_mismatch_steps"][name]
    if nan:
        text += f"; NaN at {nan} step(s) in only one of them"
    return text


def explain(result: Mapping[str, Any]) -> list[dict]:
    """Which differences are round-off and which come from different formulas.

    Args:
      result: ``compare.run``'s dict (or ``compare.json``).

    Returns:
      A list of ``{"between", "source", "detail"}``; ``source`` is one of
      ``verdicts.SOURCES``: a compared pair's own verdict (the table's word),
      or ``formula`` (the implementations or variants compute something
      different, by design).
    """
    out: list[dict] = []
    for model, section in result.get("models", {}).items():
        settings = section["settings"]
        ref = settings["reference"]
        notes = settings.get("notes", {})
        several = len(section["variants"]) > 1
        for label, e in section["variants"].items():
            where = f"{model} {label}" if several else model
            for name in e["verdict"]:
                detail = _pair_detail(name, ref, e)
                note = notes.get(name, "").strip()
                if note:
                    detail += f". {note[0].upper()}{note[1:]}"
                out.append({"between": f"{where}: {name} vs {ref}", "source": e["verdict"][name],
                            "detail": detail})
        for between, source, detail in settings.get("model_notes", []):
            out.append({"between": between, "source": source, "detail": detail})
    env = result.get("environment", {})
    out.append({
        "between": "environment",
        "source": ROUND_OFF,
        "detail": f"oneDNN opts {env.get('onednn', '?')} (1 reorders float32 reductions), {switches(env)}"
                  " (GPU only); these change last bits, never formulas",
    })
    return out
