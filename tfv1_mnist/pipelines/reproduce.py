"""The reproduction: the seed's two programs, the v1/v2 comparison, one report.

Pattern: a pipeline of the package's own jobs; ``tfv1-mnist reproduce``
(``commands.reproduce``) parses flags and calls ``reproduce``.

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

import dataclasses
import logging
import os
import pathlib
import time

import numpy as np

from tfv1_mnist import batching, compare, outputs, plots, report, softmax
from tfv1_mnist.cnn import export
from tfv1_mnist.config import CNNConfig, SoftmaxConfig
from tfv1_mnist.pipelines import cnn as cnn_pipeline
from tfv1_mnist.pipelines.reproduce_plan import EXPECTED_FULL, FULL, Plan
from tfv1_mnist.pipelines.reproduce_report import write_report

__all__ = ["reproduce"]

_log = logging.getLogger(__name__)


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
    pred = np.nan_to_num(proba, nan=0.0).argmax(1)
    cm = report.confusion_matrix(data.y_test, pred)
    figs = {"confusion": out / "confusion.png", "worst": out / "worst_digits.png"}
    plots.plot_confusion_matrix(cm, figs["confusion"], data.class_names, title=f"{title}: confusion matrix")
    idx = report.worst_examples(proba, data.y_test, k=worst)
    conf = np.nan_to_num(proba[idx, pred[idx]], nan=0.0)
    p_true = np.nan_to_num(proba[idx, data.y_test[idx]], nan=0.0)
    plots.plot_worst_digits(data.x_test[idx], data.y_test[idx], pred[idx], conf, figs["worst"],
                            data.class_names, title=f"{title}: worst-classified test digits", true_probability=p_true)
    return {**figs, "confusion_matrix": cm}


def _softmax_run(name: str, title: str, loss: str, data, out: pathlib.Path, plan: Plan, seed: int,
                 data_arg: str | None, shown: pathlib.Path) -> dict:
    run_dir = out / name
    config = SoftmaxConfig(steps=plan.softmax_steps, loss=loss, seed=seed)
    _log.info("%s: %d steps of %d, %s loss", title, config.steps, config.batch_size, loss)
    start = time.perf_counter()
    result = softmax.v1.train(config, data)
    wall = time.perf_counter() - start
    command = _command("softmax", data_arg, shown / name, impl="v1", loss=loss, seed=seed, steps=config.steps)
    metrics = {
        "provenance": outputs.provenance(dataset=data, seed=seed, command=command),
        "test_accuracy": float(result.test_accuracy),
        "loss": result.loss.tolist(),
        "nan_steps": int(result.nan_steps),
        "train_seconds": float(result.train_seconds),
        "wall_seconds": wall,
        "examples_per_second": float(result.examples_per_second),
        "config": dataclasses.asdict(config),
        "validation_size": batching.tf1_validation_size(data.num_train),
    }
    outputs.write_json(run_dir / "metrics.json", metrics)
    plots.plot_loss(result.loss, run_dir / "loss.png", title=f"{title}: training loss")
    plots.plot_weight_templates(result.weights, run_dir / "weights.png", data.class_names,
                                title=f"{title}: weights as class templates")
    # With the seed's random-normal start (stddev 1) the initial noise hides what 1000 small steps
    # learned; the change from the initial values shows it.
    initial_w, _ = softmax.initial_values(config)
    plots.plot_weight_templates(result.weights - initial_w, run_dir / "weights_learned.png", data.class_names,
                                title=f"{title}: learned change of the weights (W - W_initial)")
    proba = softmax.data.predict_proba(result.weights, result.biases, data.x_test)
    figs = _model_figures(run_dir, title, proba, data, plan.worst)
    return {"name": title, "key": name, "command": command, "settings": dataclasses.asdict(config),
            "test_accuracy": metrics["test_accuracy"], "train_seconds": metrics["train_seconds"],
            "wall_seconds": wall, "nan_steps": metrics["nan_steps"], "metrics": f"{name}/metrics.json",
            "figures": {"loss": run_dir / "loss.png", "weights": run_dir / "weights.png",
                        "weights_learned": run_dir / "weights_learned.png", **figs}}


def _cnn_run(data, out: pathlib.Path, plan: Plan, seed: int, data_arg: str | None,
             shown: pathlib.Path) -> dict:
    """Runs exactly what ``tfv1-mnist cnn --seed S --out OUT/cnn`` runs, then draws its figures.

    The job is the ``cnn`` command's own pipeline (``pipelines.cnn``): a
    spawned child with op determinism on, so the run listed as the equivalent
    command gives the same numbers, and it leaves the same outputs (metrics,
    checkpoints, SavedModel, ``model.keras``).
    """
    run_dir = out / "cnn"
    title = "CNN v2, seed settings"
    config = CNNConfig(epochs=plan.cnn_epochs, seed=seed)
    _log.info("%s: %d epochs of batch %d", title, config.epochs, config.batch_size)
    start = time.perf_counter()
    metrics = cnn_pipeline.train_and_evaluate(config, data, run_dir, progress=False).metrics
    wall = time.perf_counter() - start
    proba = export.load_exported(run_dir).predict_proba(data.x_test)
    figs = _model_figures(run_dir, title, proba, data, plan.worst)
    command = _command("cnn", data_arg, shown / "cnn", epochs=config.epochs, seed=seed)
    return {"name": title, "key": "cnn", "command": command, "settings": dataclasses.asdict(config),
            "test_accuracy": metrics["test_accuracy"], "train_seconds": metrics["train_seconds"],
            "wall_seconds": wall, "history": metrics["history"], "metrics": "cnn/metrics.json",
            "figures": {"history": run_dir / "history.png", **figs}}


def reproduce(data, out: str | os.PathLike, *, plan: Plan = FULL, seed: int = 0, data_arg: str | None = None,
              quick: bool = False, shown_out: str | os.PathLike | None = None) -> dict:
    """Runs the whole reproduction into ``out`` and returns the report's summary.

    Args:
      data: a ``datasets.Mnist``.
      out: the output folder.
      plan: ``FULL`` or ``QUICK`` (or any ``Plan``).
      seed: seeds every run.
      data_arg: the ``--data`` value, for the commands the report lists.
      quick: recorded in the report.
      shown_out: the ``--out`` the report's commands name, when ``out`` is
        its staging folder (``workdir.run_folder``); default ``out``.

    Returns:
      The dict written to ``OUT/report.json`` (``provenance``, ``dataset``,
      ``plan``, ``runs``, ``compare``, ``wall_seconds``).
    """
    out = pathlib.Path(out)
    shown = pathlib.Path(out if shown_out is None else shown_out)
    start = time.perf_counter()
    runs = [
        _softmax_run("softmax_seed", "Softmax v1, seed settings", "naive", data, out, plan, seed, data_arg,
                     shown),
        _softmax_run("softmax_stable", "Softmax v1, stable loss", "stable", data, out, plan, seed, data_arg,
                     shown),
        _cnn_run(data, out, plan, seed, data_arg, shown),
    ]
    cmp_start = time.perf_counter()
    result = compare.run_in_child(data, onednn=False, model="all", seed=seed,
                                  settings={"steps": plan.compare_steps, "epochs": plan.compare_epochs})
    cmp_command = _command("compare", data_arg, shown / "compare", model="all", seed=seed,
                           steps=plan.compare_steps, epochs=plan.compare_epochs)
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
    write_report(out, summary, runs, result, compare_files, plan, seed, data_arg, quick,
                 full=FULL, expected_full=EXPECTED_FULL, shown_out=shown)
    return summary


