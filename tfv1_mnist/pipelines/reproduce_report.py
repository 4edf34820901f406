"""The reproduction's report: ``report.md`` and ``report.html`` from the runs' results.

Pattern: one function that lays out the sections with ``report.Report`` (which
renders Markdown and HTML and writes both whole); the numbers come from the
runs' summaries and the comparison's dict, never recomputed here.
"""

from __future__ import annotations

import pathlib
from typing import Any

from tfv1_mnist import compare
from tfv1_mnist.report import Report, fmt_accuracy, fmt_seconds

__all__ = ["write_report"]


# over 60 lines: the report's sections in the order the reader meets them.
def write_report(out: pathlib.Path, summary: dict, runs: list[dict], result: dict, compare_files: dict,
                 plan: Any, seed: int, data_arg: str | None, quick: bool, *, full: Any, expected_full: str,
                 shown_out: pathlib.Path | None = None) -> None:
    """Writes ``out/report.md`` and ``out/report.html``.

    Args:
      out: the reproduction's folder.
      summary: ``reproduce``'s summary (``report.json``).
      runs: the runs' dicts (with their figures), softmax seed, softmax stable, CNN.
      result: the comparison's dict.
      compare_files: ``{name: path}`` the comparison wrote.
      plan: the ``Plan`` run; ``full``: the full run's ``Plan``.
      seed, data_arg, quick: the command's settings, for the command line shown.
      expected_full: the full run's expected time, in words.
      shown_out: the ``--out`` the command line shown names (default ``out``).
    """
    ds = summary["dataset"]
    prov = summary["provenance"]
    doc = Report("Reproducing the seed's TF1 MNIST programs", out)
    command = "tfv1-mnist reproduce" + (f" --data {data_arg}" if data_arg and not (quick and data_arg == "sample")
                                        else "") + (" --quick" if quick else "") + f" --seed {seed} --out {shown_out or out}"
    doc.paragraph(f"Produced by `{command}` in {fmt_seconds(summary['wall_seconds'])} "
                  f"(TensorFlow {prov.get('tensorflow')}, NumPy {prov.get('numpy')}, Python {prov.get('python')}, "
                  f"{prov.get('threads', {}).get('cpu_count', '?')} CPUs). Every run is seeded with {seed}; "
                  "the numbers below are read from the JSON files beside this report.")
    if quick:
        doc.paragraph(f"**Quick run**: the comparison's CNN runs {plan.compare_epochs} epoch instead of "
                      f"{full.compare_epochs}; everything else, the CNN's {plan.cnn_epochs} epochs included, is "
                      f"the full run's. The full run takes {expected_full}.")
    else:
        doc.paragraph(f"Expected time of this full run: {expected_full}.")

    doc.heading("Data set")
    doc.table(["name", "path", "sha256", "train", "test", "classes"],
              [[ds["name"], ds["path"] or "(in memory)", f"`{ds['sha256'][:16]}…`" if ds["sha256"] else "n/a",
                ds["train"], ds["test"], " ".join(ds["class_names"])]])

    doc.heading("Runs")
    rows = []
    for r in runs:
        s = r["settings"]
        if "steps" in s:
            settings = (f"{s['loss']} loss, {s['init']} init, {s['steps']} steps x {s['batch_size']}, "
                        f"lr {s['learning_rate']}, {s['reduction']} reduction")
        else:
            settings = f"{s['epochs']} epochs x batch {s['batch_size']}, Adam lr {s['learning_rate']}, " \
                       f"{'normalized' if s['normalize'] else 'raw 0-255'} pixels"
        rows.append([r["name"], f"`{r['command']}`", settings, fmt_accuracy(r["test_accuracy"]),
                     fmt_seconds(r["train_seconds"]), fmt_seconds(r["wall_seconds"]), f"[{r['metrics']}]({r['metrics']})"])
    doc.table(["run", "equivalent command", "settings", "test accuracy", "training time", "wall time", "metrics"],
              rows)
    seed_run = runs[0]
    if seed_run.get("nan_steps"):
        doc.paragraph(f"The seed's naive loss `-reduce_sum(y * log(softmax(xW + b)))` was not finite at "
                      f"{seed_run['nan_steps']} of {seed_run['settings']['steps']} steps: a probability "
                      "underflowed to 0 inside `log`. The stable loss (`--loss stable`) never does.")
    else:
        doc.paragraph("The seed's naive loss stayed finite at every step on this data; the stable loss "
                      "computes the same values without the risk of `log(0)`.")

    doc.heading("The seed's figures")
    doc.figure(runs[0]["figures"]["loss"], "Softmax regression (v1, seed settings): loss per step")
    doc.figure(runs[1]["figures"]["loss"], "Softmax regression (v1, stable loss): loss per step")
    doc.figure(runs[2]["figures"]["history"], "CNN (v2, seed settings): accuracy and loss per epoch")
    hist = runs[2]["history"]
    doc.table(["epoch", "loss", "accuracy", "val_loss", "val_accuracy"],
              [[i + 1, f"{hist['loss'][i]:.4f}", fmt_accuracy(hist["accuracy"][i]), f"{hist['val_loss'][i]:.4f}",
                fmt_accuracy(hist["val_accuracy"][i])] for i in range(len(hist["loss"]))])

    doc.heading("v1 / v2 comparison")
    doc.paragraph(f"`{summary['compare']['command']}` — every implementation starts from the same initial "
                  "values and replays the same batch indices, so differences come from the computation "
                  "alone. Full numbers: [compare/compare.json](compare/compare.json); schema in docs/compare.md. "
                  "It runs in a child process with oneDNN off (`TF_ENABLE_ONEDNN_OPTS=0`), op determinism on and "
                  "TF32 off, and the CNN for fewer epochs, so its accuracies can differ from the runs above: "
                  "in the last digits for the softmax regressor, by amplified round-off for the CNN.")
    header, table_rows = compare.table_rows(result)
    doc.table(header, table_rows)
    doc.bullets([f"**{d['between']}** ({d['source']}): {d['detail']}" for d in result.get("differences", [])])
    for name, caption in (("softmax_loss_overlay.png", "Softmax: v1 and v2 losses, and their difference (log)"),
                          ("cnn_step_loss_overlay.png", "CNN: per-step losses of v2, Keras fit and the v1 twin"),
                          ("cnn_epoch_loss_overlay.png", "CNN: epoch losses")):
        if name in compare_files:
            doc.figure(compare_files[name], caption)

    doc.heading("What the models learned")
    doc.paragraph("The softmax regressor's weights, one 28x28 template per class (red raises the class's "
                  "score, blue lowers it). The seed starts from random-normal values with standard deviation 1, "
                  "which dominate the trained weights; the change from the initial values shows what was learned.")
    for r, label in ((runs[0], "seed settings"), (runs[1], "stable loss")):
        doc.figure(r["figures"]["weights"], f"Softmax weights ({label}) as ten 28x28 class templates")
        doc.figure(r["figures"]["weights_learned"], f"Softmax weights ({label}): change from the initial values")
    doc.heading("Confusion matrices", level=3)
    for r in runs:
        doc.figure(r["figures"]["confusion"], f"{r['name']}: confusion matrix on the test set")
    doc.heading("Worst-classified test digits", level=3)
    for r in runs:
        doc.figure(r["figures"]["worst"], f"{r['name']}: worst-classified test digits (true class and p, its "
                                          "probability, the sort key; predicted class and its probability)")
    doc.write("report")
