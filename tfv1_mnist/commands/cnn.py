"""The ``cnn``-group commands of ``tfv1-mnist``: ``cnn``, ``predict`` and ``evaluate``.

Pattern (Flax's ``main.py``): flags override ``CNNConfig`` fields, and the work
happens in ``cnn_v2.train_and_evaluate``.  TensorFlow is imported only when a
command runs.  With ``--seed`` the training job runs through
``determinism.run_seeded`` (a spawned process with op determinism on), so a
seeded run never switches the calling process into determinism.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import pathlib
import shutil
import sys

from tfv1_mnist.commands import add_data_argument, add_out_argument, add_seed_argument
from tfv1_mnist.config import CNNConfig

__all__ = ["register", "run_cnn", "run_predict", "run_evaluate", "train_job"]

_log = logging.getLogger(__name__)


def register(subparsers) -> None:
    """Adds ``cnn``, ``predict`` and ``evaluate`` to ``subparsers``."""
    defaults = CNNConfig()
    p = subparsers.add_parser(
        "cnn", help="train the seed's Keras CNN with a TF2 custom loop (tf.function + GradientTape)",
        description="Trains the seed's CNN (10,000 parameters) with Adam, validating on the test "
        "set each epoch. Writes OUT/metrics.json, OUT/history.png, OUT/checkpoints/, "
        "OUT/saved_model/, OUT/model.keras and TensorBoard scalars in OUT/tensorboard/. "
        "--seed S also turns on op determinism, in a child process so that nothing else is "
        "affected; two runs with the same seed give identical histories.")
    add_data_argument(p)
    p.add_argument("--epochs", type=int, default=defaults.epochs,
                   help=f"passes over the training set (default: {defaults.epochs})")
    p.add_argument("--batch-size", type=int, default=defaults.batch_size,
                   help=f"examples per step (default: {defaults.batch_size})")
    p.add_argument("--learning-rate", type=float, default=defaults.learning_rate,
                   help=f"Adam's learning rate (default: {defaults.learning_rate})")
    p.add_argument("--normalize", action="store_true",
                   help="scale pixels to [0, 1] (the seed fed raw 0-255 pixels)")
    add_seed_argument(p)
    add_out_argument(p, "runs/cnn")
    p.add_argument("--resume", action="store_true",
                   help="continue from the latest checkpoint in OUT/checkpoints")
    p.set_defaults(func=run_cnn)

    p = subparsers.add_parser(
        "predict", help="classify PNG digits (or an .npz of images) with a saved CNN",
        description="Prints the predicted digit and its probability for each image. PNGs may "
        "be any size, grey or colour, with or without alpha; they are prepared as MNIST was "
        "(inverted if dark-on-light, fitted into 20x20, centred by mass in 28x28).")
    p.add_argument("--model", required=True, metavar="DIR",
                   help="the --out folder of `tfv1-mnist cnn`, or its saved_model/ subfolder")
    p.add_argument("files", nargs="+", metavar="FILE", help="PNG images or .npz files of images")
    p.set_defaults(func=run_predict)

    p = subparsers.add_parser(
        "evaluate", help="accuracy and confusion matrix of a saved CNN on a data set",
        description="Evaluates a saved CNN on the test split of --data and prints its accuracy "
        "and confusion matrix (rows: true class, columns: predicted).")
    p.add_argument("--model", required=True, metavar="DIR",
                   help="the --out folder of `tfv1-mnist cnn`, or its saved_model/ subfolder")
    add_data_argument(p)
    p.set_defaults(func=run_evaluate)


def _config_from_args(args: argparse.Namespace) -> CNNConfig:
    return CNNConfig(epochs=args.epochs, batch_size=args.batch_size,
                     learning_rate=args.learning_rate, normalize=bool(args.normalize),
                     seed=args.seed)


def train_job(config: dict, data_spec: str | None, out: str, resume: bool, progress: bool) -> dict:
    """Trains, evaluates and writes every output of ``tfv1-mnist cnn``.

    Module-level and with plain arguments so that it can run in a spawned process.

    Args:
      config: ``dataclasses.asdict(CNNConfig)``.
      data_spec: ``--data``.
      out: the output folder.
      resume: continue from ``out/checkpoints``.
      progress: show a Progbar per epoch.

    Returns:
      dict with ``test_accuracy``, ``test_loss`` and ``out``.
    """
    from tfv1_mnist import cnn_v2, datasets, plots
    from tfv1_mnist.outputs import provenance, write_json
    from tfv1_mnist.summaries import ScalarWriter

    cfg = CNNConfig(**config)
    data = datasets.load(data_spec)
    out_dir = pathlib.Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    _log.info("training the CNN on %s (%d examples) for %d epochs into %s", data.name,
              len(data.x_train), cfg.epochs, out_dir)
    model, history = cnn_v2.train_and_evaluate(cfg, data, out_dir, resume=resume,
                                               progress=progress)
    # The last epoch's validation is the test set under the final weights (also
    # when a resumed run had nothing left to train), so it is not run again.
    test = {"loss": history["val_loss"][-1], "accuracy": history["val_accuracy"][-1]}
    epoch_seconds = list(history["epoch_seconds"])
    train_seconds = float(sum(epoch_seconds))
    n_epochs = len(epoch_seconds)
    metrics = {
        "history": {k: history[k] for k in ("loss", "accuracy", "val_loss", "val_accuracy")},
        "test_accuracy": test["accuracy"],
        "test_loss": test["loss"],
        "epoch_seconds": epoch_seconds,
        "train_seconds": train_seconds,
        "examples_per_second": (len(data.x_train) * n_epochs / train_seconds
                                if train_seconds > 0 else None),
        "params": model.num_params,
        "steps_per_epoch": -(-len(data.x_train) // cfg.batch_size),
        "config": dataclasses.asdict(cfg),
        "provenance": provenance(dataset=data, seed=cfg.seed, run_seed=model.run_seed,
                                 command="cnn", resumed=bool(resume),
                                 op_determinism=_determinism_enabled()),
    }
    plots.plot_history(history, out_dir / "history.png")
    tb_dir = out_dir / "tensorboard"
    if tb_dir.exists():  # rewritten whole, so a resumed run shows each epoch once
        shutil.rmtree(tb_dir)
    with ScalarWriter(tb_dir) as tb:
        for epoch in range(n_epochs):
            for key in ("loss", "accuracy", "val_loss", "val_accuracy", "epoch_seconds"):
                tb.scalar(f"epoch/{key}", history[key][epoch], step=epoch + 1)
        for step, value in enumerate(history["step_loss"], start=1):
            tb.scalar("step/loss", value, step=step)
    cnn_v2.export(model, out_dir)
    write_json(out_dir / "metrics.json", metrics)
    return {"test_accuracy": test["accuracy"], "test_loss": test["loss"], "out": str(out_dir)}


def _determinism_enabled() -> bool:
    from tfv1_mnist import determinism

    return determinism.is_enabled()


def run_cnn(args: argparse.Namespace) -> int:
    """``tfv1-mnist cnn``: trains, then prints the test accuracy and what it wrote."""
    from tfv1_mnist import determinism

    cfg = _config_from_args(args)
    progress = not getattr(args, "quiet", False)
    result = determinism.run_seeded(cfg.seed, train_job, dataclasses.asdict(cfg), args.data,
                                    str(args.out), bool(args.resume), progress)
    print(f"test accuracy: {result['test_accuracy']:.4f}  (test loss {result['test_loss']:.4f})")
    print(f"wrote {result['out']}/metrics.json, history.png, checkpoints/, saved_model/, "
          "model.keras, tensorboard/")
    return 0


def run_predict(args: argparse.Namespace) -> int:
    """``tfv1-mnist predict``: one line per image, ``NAME: digit D (p=0.xxx)``."""
    import numpy as np

    from tfv1_mnist import cnn_v2, imaging

    named = imaging.load_images(args.files)  # a bad file fails before the model loads
    model = cnn_v2.load_exported(args.model)
    proba = model.predict_proba(np.stack([img for _, img in named]))
    for (name, _), p in zip(named, proba):
        digit = int(np.argmax(p))
        print(f"{name}: digit {digit} (p={p[digit]:.3f})")
    return 0


def format_confusion(matrix, class_names=None) -> str:
    """Renders an int [K, K] confusion matrix (rows true, columns predicted) as text."""
    k = len(matrix)
    names = [str(c) for c in (class_names or range(k))]
    width = max(5, max(len(n) for n in names) + 1, len(str(int(max(map(max, matrix))))) + 1)
    lines = ["true\\pred".ljust(10) + "".join(n[:width - 1].rjust(width) for n in names)]
    for name, row in zip(names, matrix):
        lines.append(name[:9].ljust(10) + "".join(str(int(v)).rjust(width) for v in row))
    return "\n".join(lines)


def run_evaluate(args: argparse.Namespace) -> int:
    """``tfv1-mnist evaluate``: accuracy and confusion matrix on the test split."""
    import numpy as np

    from tfv1_mnist import cnn_v2, datasets

    model = cnn_v2.load_exported(args.model)
    data = datasets.load(args.data)
    proba = model.predict_proba(data.x_test)
    pred = proba.argmax(1)
    y = np.asarray(data.y_test).astype(np.int64)
    matrix = np.zeros((10, 10), np.int64)
    np.add.at(matrix, (y, pred), 1)
    accuracy = float((pred == y).mean()) if len(y) else float("nan")
    print(f"{data.name} test set: {len(y)} examples, accuracy {accuracy:.4f}")
    print(format_confusion(matrix.tolist(), list(getattr(data, "class_names", range(10)))))
    sys.stdout.flush()
    return 0
