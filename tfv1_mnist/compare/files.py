"""The comparison written out: the table, ``compare.md``, ``compare.json`` and the overlay figures.

Pattern: pure formatting (``table_rows``, ``to_markdown``) over ``compare.json``'s
dict, and one writer (``write_outputs``) that renders each file whole and then
writes it atomically (``tfv1_mnist.outputs``).
"""

from __future__ import annotations

import os
import pathlib
from typing import Any, Mapping

from tfv1_mnist.compare.explanations import fmt, switches

__all__ = ["TABLE_HEADER", "table_rows", "to_markdown", "write_outputs", "figure_names"]

TABLE_HEADER = ("model", "compared", "max abs loss diff", "max rel loss diff", "max abs weight diff",
                "test accuracy (compared / reference)", "verdict")


def _acc(x) -> str:
    return "n/a" if x is None else f"{x:.4f}"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|")


def table_rows(result: Mapping[str, Any]) -> tuple[tuple[str, ...], list[list[str]]]:
    """The comparison table: ``(header, rows)`` of strings.

    One row per compared implementation, model and variant, over the variant's
    compared steps (the epoch-level relative difference in brackets where the
    runs have epochs).  Accuracies are fractions with 4 decimals, differences 3
    significant digits.
    """
    rows = []
    for model, section in result.get("models", {}).items():
        ref = section["settings"]["reference"]
        several = len(section["variants"]) > 1
        for label, e in section["variants"].items():
            acc = e["test_accuracy"]
            nan = e["nan_steps"]
            for name in e["verdict"]:
                compared = f"{name} vs {ref}, {e['curve_steps']} steps"
                epochs = len(e.get("history", {}).get(ref, {}).get("loss", []))
                if epochs:
                    compared += f" / {epochs} epoch(s)"
                if nan.get(name) or nan.get(ref):
                    compared += f", non-finite loss at {nan.get(name)}/{nan.get(ref)} steps"
                rel = fmt(e["max_rel_step_loss_diff"][name])
                if e["max_rel_epoch_loss_diff"].get(name) is not None:
                    rel += f" (epoch {fmt(e['max_rel_epoch_loss_diff'][name])})"
                rows.append([_cell(f"{model} ({label} loss)" if several else model), _cell(compared),
                             fmt(e["max_abs_step_loss_diff"][name]), rel, fmt(e["max_abs_weight_diff"][name]),
                             f"{_acc(acc.get(name))} / {_acc(acc.get(ref))}", e["verdict"][name]])
    return TABLE_HEADER, rows


def to_markdown(result: Mapping[str, Any]) -> str:
    """The comparison as a Markdown table plus the explanations.

    Args:
      result: ``compare.run``'s dict (or ``compare.json`` without provenance).

    Returns:
      Markdown text.
    """
    header, rows = table_rows(result)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    env = result.get("environment", {})
    lines += ["",
              f"Environment: TF_ENABLE_ONEDNN_OPTS={env.get('onednn', '?')}, {switches(env)}, "
              f"devices {', '.join(env.get('devices', [])) or '?'}.",
              "", "What the differences are:", ""]
    for d in result.get("differences", []):
        lines.append(f"- **{d['between']}** ({d['source']}): {d['detail']}")
    return "\n".join(lines) + "\n"


def figure_names(section: Mapping[str, Any]) -> dict[str, str]:
    """``{"step": file name, "epoch": file name?}`` of a model section's overlay figures.

    A model trained in epochs gets ``MODEL_step_loss_overlay.png`` and
    ``MODEL_epoch_loss_overlay.png``; one trained in plain steps gets
    ``MODEL_loss_overlay.png``.
    """
    model = section["settings"]["model"]
    if any(e.get("history") for e in section["variants"].values()):
        return {"step": f"{model}_step_loss_overlay.png", "epoch": f"{model}_epoch_loss_overlay.png"}
    return {"step": f"{model}_loss_overlay.png"}


def write_outputs(result: Mapping[str, Any], out: str | os.PathLike, dataset=None,
                  extra_provenance: Mapping[str, Any] | None = None) -> dict:
    """Writes ``compare.json``, ``compare.md`` and each model's overlay figures into ``out``.

    Args:
      result: ``run``'s (or ``run_in_child``'s) dict.
      out: the output folder.
      dataset: the ``datasets.Mnist`` compared on (for provenance).
      extra_provenance: more provenance fields (e.g. the command line).

    Returns:
      ``{name: path}`` of the files written.
    """
    from tfv1_mnist import outputs, plots

    out = pathlib.Path(out)
    models = result.get("models", {})
    seed = next((s["settings"]["seed"] for s in models.values()), None)
    doc = {"provenance": outputs.provenance(dataset=dataset, seed=seed, comparison_environment=result.get("environment"),
                                            **dict(extra_provenance or {})),
           **result}
    written = {"compare.json": outputs.write_json(out / "compare.json", doc),
               "compare.md": outputs.write_text(out / "compare.md", "# v1 / v2 comparison\n\n" + to_markdown(result))}
    for model, section in models.items():
        ref = section["settings"]["reference"]
        names = figure_names(section)
        variants = section["variants"]
        several = len(variants) > 1
        curves, pairs = {}, []
        for label, e in variants.items():
            for impl, losses in e["step_loss"].items():
                curves[f"{impl} {label}" if several else impl] = losses
            pairs += [((f"{impl} {label}", f"{ref} {label}") if several else (impl, ref))
                      for impl in e["step_loss"] if impl != ref]
        impls = " vs ".join(dict.fromkeys(i for e in variants.values() for i in e["step_loss"]))
        path = out / names["step"]
        if plots.plot_loss_overlay(curves, path, pairs=pairs, title=f"{model}: loss per step ({impls})"):
            written[names["step"]] = path
        if "epoch" in names:
            epoch_curves = {(f"{impl} {label}" if several else impl): h["loss"]
                            for label, e in variants.items() for impl, h in e.get("history", {}).items()}
            path = out / names["epoch"]
            if plots.plot_loss_overlay(epoch_curves, path, pairs=pairs, title=f"{model}: epoch loss (running mean)",
                                       xlabel="epoch"):
                written[names["epoch"]] = path
    return written
