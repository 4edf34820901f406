"""``tfv1-mnist reproduce``: the seed's two programs, the v1/v2 comparison, one report.

Runs, in order and all seeded (``--seed``, default 0) so that the report is
reproducible:

1. the softmax regressor in v1 (graph, Session) with the seed's settings
   (naive loss, random-normal init, 1000 steps of 100, learning rate 0.01);
2. the same with the stable loss;
3. the CNN in v2 (custom loop) with the seed's settings (10 epochs, batch 32,
   Adam 0.001, raw pixels);
4. the comparison (``tfv1-mnist compare``) in a child process with oneDNN off;

then writes ``OUT/report.md`` and ``OUT/report.html`` (figures embedded) and
``OUT/report.json``.  ``--quick`` changes one number, the comparison's CNN runs
1 epoch instead of 2, and uses the embedded sample unless ``--data`` is given (the
full MNIST, once fetched, is the default otherwise).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import pathlib
import time

from tfv1_mnist.commands import add_data_argument, add_out_argument, add_seed_argument, check_seed

__all__ = ["Plan", "FULL", "QUICK", "EXPECTED_FULL", "register", "run_reproduce", "reproduce"]

_log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Plan:
    """What ``reproduce`` runs.

    Attributes:
      softmax_steps: steps of each softmax run (the seed's 1000).
      cnn_epochs: epochs of the CNN run (the seed's 10).
      compare_steps: softmax steps in the comparison.
      compare_epochs: CNN epochs in the comparison.
      curve_steps: leading CNN steps compared step by step.
      worst: how many worst-classified digits each grid shows.
    """

    softmax_steps: int = 1000
    cnn_epochs: int = 10
    compare_steps: int = 1000
    compare_epochs: int = 2
    curve_steps: int = 300
    worst: int = 24


FULL = Plan()
QUICK = dataclasses.replace(FULL, compare_epochs=1)

#: Wall time of the full run on the 2-core development machine (stated in the report and --help),
#: measured: 32 s on the embedded sample (`reproduce --data sample`); 193 s on full-size
#: Fashion-MNIST (60,000 / 10,000 images, the shapes of the full MNIST).
EXPECTED_FULL = ("about 30 seconds on the embedded sample and about 3.2 minutes on a full-size data set "
                 "(60,000 training images, measured on Fashion-MNIST) on 2 CPU cores")


def register(subparsers) -> None:
    """Adds ``reproduce`` to ``subparsers``."""
    parser = subparsers.add_parser(
        "reproduce",
        help="reproduce the seed's softmax and CNN programs, compare v1 with v2, write a report",
        description="Trains the seed's softmax regressor (v1, seed settings and stable loss) and CNN "
                    "(v2, seed settings), runs the v1/v2 comparison, and writes OUT/report.md and "
                    f"OUT/report.html. The full run takes {EXPECTED_FULL}. --quick compares the CNN "
                    "for 1 epoch instead of 2, on the embedded sample unless --data is given: under 3 "
                    "minutes on 2 cores.",
    )
    add_data_argument(parser)
    add_out_argument(parser, "runs/reproduce")
    add_seed_argument(parser, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="comparison CNN 1 epoch (not 2), embedded sample by default")
    parser.set_defaults(func=run_reproduce)


def run_reproduce(args: argparse.Namespace) -> int:
    """Runs ``tfv1-mnist reproduce``; returns the exit status."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from tfv1_mnist import datasets

    check_seed(args.seed)
    spec = args.data if args.data is not None else ("sample" if args.quick else None)
    data = datasets.load(spec)
    summary = reproduce(data, args.out, plan=QUICK if args.quick else FULL, seed=args.seed,
                        data_arg=spec, quick=args.quick)
    for run in summary["runs"]:
        print(f"{run['name']}: test accuracy {run['test_accuracy']:.4f} ({run['train_seconds']:.1f} s training)")
    print(f"wrote {os.path.join(args.out, 'report.md')} and report.html in {summary['wall_seconds']:.0f} s")
    return 0


# --------------------------------------------------------------------------- the pipeline


def _command(name: str, data_arg: str | None, out: pathlib.Path, **flags) -> str:
    parts = [f"tfv1-mnist {name}"]
    if data_arg is not None:
        parts.append(f"--data {data_arg}")
    for key, value in flags.items():
        parts.append(f"--{key.replace('_', '-')} {value}")
    parts.append(f"--out {out}")
    return " ".join(parts)


def _model_figures(out: pathlib.Path, title: str, proba, data, worst: int) -> dict:
    """Confusion matrix and worst-digit grid of one model; returns {kind: path}."""
    import numpy as np

    from tfv1_mnist import plots, report

    pred = np.nan_to_num(proba, nan=0.0).argmax(1)
    cm = report.confusion_matrix(data.y_test, pred)
    figs = {"confusion": out / "confusion.png", "worst": out / "worst_digits.png"}
    plots.plot_confusion_matrix(cm, figs["confusion"], data.class_names, title=f"{title}: confusion matrix")
    idx = report.worst_examples(proba, data.y_test, k=worst)
    conf = np.nan_to_num(proba[idx, pred[idx]], nan=0.0)
    plots.plot_worst_digits(data.x_test[idx], data.y_test[idx], pred[idx], conf, figs["worst"],
                            data.class_names, title=f"{title}: worst-classified test digits")
    return {**figs, "confusion_matrix": cm}


def _softmax_run(name: str, title: str, loss: str, data, out: pathlib.Path, plan: Plan, seed: int,
                 data_arg: str | None) -> dict:
    import numpy as np

    from tfv1_mnist import compare, input_data, outputs, plots, report, softmax_v1
    from tfv1_mnist.config import SoftmaxConfig

    run_dir = out / name
    config = SoftmaxConfig(steps=plan.softmax_steps, loss=loss, seed=seed)
    ds = input_data.from_mnist(data, one_hot=True, validation_size=compare.seed_validation_size(data.num_train),
                               rng=np.random.RandomState(seed))
    _log.info("%s: %d steps of %d, %s loss", title, config.steps, config.batch_size, loss)
    start = time.perf_counter()
    result = softmax_v1.train(config, ds)
    wall = time.perf_counter() - start
    command = _command("softmax", data_arg, run_dir, impl="v1", loss=loss, seed=seed, steps=config.steps)
    metrics = {
        "provenance": outputs.provenance(dataset=data, seed=seed, command=command),
        "test_accuracy": float(result.test_accuracy),
        "loss": result.loss.tolist(),
        "nan_steps": int(result.nan_steps),
        "train_seconds": float(result.train_seconds),
        "wall_seconds": wall,
        "examples_per_second": float(result.examples_per_second),
        "config": dataclasses.asdict(config),
        "validation_size": ds.validation.num_examples,
    }
    outputs.write_json(run_dir / "metrics.json", metrics)
    plots.plot_loss(result.loss, run_dir / "loss.png", title=f"{title}: training loss")
    plots.plot_weight_templates(result.weights, run_dir / "weights.png", data.class_names,
                                title=f"{title}: weights as class templates")
    # With the seed's random-normal start (stddev 1) the initial noise hides what 1000 small steps
    # learned; the change from the initial values shows it.
    initial_w, _ = softmax_v1.initial_values(config)
    plots.plot_weight_templates(result.weights - initial_w, run_dir / "weights_learned.png", data.class_names,
                                title=f"{title}: learned change of the weights (W - W_initial)")
    proba = report.softmax_proba(result.weights, result.biases, data.x_test)
    figs = _model_figures(run_dir, title, proba, data, plan.worst)
    return {"name": title, "key": name, "command": command, "settings": dataclasses.asdict(config),
            "test_accuracy": metrics["test_accuracy"], "train_seconds": metrics["train_seconds"],
            "wall_seconds": wall, "nan_steps": metrics["nan_steps"], "metrics": f"{name}/metrics.json",
            "figures": {"loss": run_dir / "loss.png", "weights": run_dir / "weights.png",
                        "weights_learned": run_dir / "weights_learned.png", **figs}}


def _cnn_run(data, out: pathlib.Path, plan: Plan, seed: int, data_arg: str | None) -> dict:
    """Runs exactly what ``tfv1-mnist cnn --seed S --out OUT/cnn`` runs, then draws its figures.

    The job is the ``cnn`` command's own (``pipelines.cnn.train_job``) under
    ``determinism.run_seeded``: a spawned child with op determinism on, so the
    run listed as the equivalent command gives the same numbers, and it leaves
    the same outputs (metrics, checkpoints, SavedModel, ``model.keras``).
    """
    import json

    from tfv1_mnist import determinism
    from tfv1_mnist.cnn import export
    from tfv1_mnist.config import CNNConfig
    from tfv1_mnist.pipelines import cnn as cnn_pipeline

    run_dir = out / "cnn"
    title = "CNN v2, seed settings"
    config = CNNConfig(epochs=plan.cnn_epochs, seed=seed)
    _log.info("%s: %d epochs of batch %d", title, config.epochs, config.batch_size)
    # The child reloads the data by path; in-memory data sets are written for it first.
    spec = data.path or None
    if not spec:
        from tfv1_mnist import datasets

        spec = str(run_dir / "data.npz")
        datasets.write_npz(spec, x_train=data.x_train, y_train=data.y_train,
                           x_test=data.x_test, y_test=data.y_test)
    start = time.perf_counter()
    determinism.run_seeded(seed, cnn_pipeline.train_job, dataclasses.asdict(config), spec,
                           str(run_dir), False, False)
    wall = time.perf_counter() - start
    metrics = json.loads((run_dir / "metrics.json").read_text())
    proba = export.load_exported(run_dir).predict_proba(data.x_test)
    figs = _model_figures(run_dir, title, proba, data, plan.worst)
    command = _command("cnn", data_arg, run_dir, epochs=config.epochs, seed=seed)
    return {"name": title, "key": "cnn", "command": command, "settings": dataclasses.asdict(config),
            "test_accuracy": metrics["test_accuracy"], "train_seconds": metrics["train_seconds"],
            "wall_seconds": wall, "history": metrics["history"], "metrics": "cnn/metrics.json",
            "figures": {"history": run_dir / "history.png", **figs}}


def reproduce(data, out: str | os.PathLike, *, plan: Plan = FULL, seed: int = 0, data_arg: str | None = None,
              quick: bool = False) -> dict:
    """Runs the whole reproduction into ``out`` and returns the report's summary.

    Args:
      data: a ``datasets.Mnist``.
      out: the output folder.
      plan: ``FULL`` or ``QUICK`` (or any ``Plan``).
      seed: seeds every run.
      data_arg: the ``--data`` value, for the commands the report lists.
      quick: recorded in the report.

    Returns:
      The dict written to ``OUT/report.json`` (``provenance``, ``dataset``,
      ``plan``, ``runs``, ``compare``, ``wall_seconds``).
    """
    from tfv1_mnist import compare, outputs
    from tfv1_mnist.commands.compare import run_kwargs

    out = pathlib.Path(out)
    start = time.perf_counter()
    runs = [
        _softmax_run("softmax_seed", "Softmax v1, seed settings", "naive", data, out, plan, seed, data_arg),
        _softmax_run("softmax_stable", "Softmax v1, stable loss", "stable", data, out, plan, seed, data_arg),
        _cnn_run(data, out, plan, seed, data_arg),
    ]
    _log.info("comparing v1 and v2 (child process, oneDNN off)")
    cmp_start = time.perf_counter()
    result = compare.run_isolated(data, onednn=False, **run_kwargs("all", plan.compare_steps, plan.compare_epochs,
                                                                   seed, plan.curve_steps))
    cmp_command = _command("compare", data_arg, out / "compare", model="all", seed=seed,
                           steps=plan.compare_steps, epochs=plan.compare_epochs, curve_steps=plan.curve_steps)
    compare_files = compare.write_outputs(result, out / "compare", dataset=data,
                                          extra_provenance={"command": cmp_command})
    cmp_seconds = time.perf_counter() - cmp_start
    wall = time.perf_counter() - start
    summary = {
        "provenance": outputs.provenance(dataset=data, seed=seed, quick=quick),
        "dataset": {"name": data.name, "path": data.path, "sha256": data.sha256, "train": data.num_train,
                    "test": data.num_test, "class_names": list(data.class_names)},
        "plan": dataclasses.asdict(plan),
        "quick": quick,
        "runs": [{k: v for k, v in r.items() if k not in ("figures",)} for r in runs],
        "compare": {"command": cmp_command, "seconds": cmp_seconds, "json": "compare/compare.json",
                    "table": compare.to_markdown(result)},
        "wall_seconds": wall,
    }
    outputs.write_json(out / "report.json", summary)
    _write_report(out, summary, runs, result, compare_files, plan, seed, data_arg, quick)
    return summary


# --------------------------------------------------------------------------- the report


def _write_report(out: pathlib.Path, summary: dict, runs: list[dict], result: dict, compare_files: dict,
                  plan: Plan, seed: int, data_arg: str | None, quick: bool) -> None:
    from tfv1_mnist import compare
    from tfv1_mnist.report import Report, fmt_accuracy, fmt_seconds

    ds = summary["dataset"]
    prov = summary["provenance"]
    doc = Report("Reproducing the seed's TF1 MNIST programs", out)
    command = "tfv1-mnist reproduce" + (f" --data {data_arg}" if data_arg and not (quick and data_arg == "sample")
                                        else "") + (" --quick" if quick else "") + f" --seed {seed} --out {out}"
    doc.paragraph(f"Produced by `{command}` in {fmt_seconds(summary['wall_seconds'])} "
                  f"(TensorFlow {prov.get('tensorflow')}, NumPy {prov.get('numpy')}, Python {prov.get('python')}, "
                  f"{prov.get('threads', {}).get('cpu_count', '?')} CPUs). Every run is seeded with {seed}; "
                  "the numbers below are read from the JSON files beside this report.")
    if quick:
        doc.paragraph(f"**Quick run**: the comparison's CNN runs {plan.compare_epochs} epoch instead of "
                      f"{FULL.compare_epochs}; everything else, the CNN's {plan.cnn_epochs} epochs included, is "
                      f"the full run's. The full run takes {EXPECTED_FULL}.")
    else:
        doc.paragraph(f"Expected time of this full run: {EXPECTED_FULL}.")

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
        doc.figure(r["figures"]["worst"], f"{r['name']}: worst-classified test digits (true, predicted, probability)")
    doc.write("report")
