"""The ``cnn``-group commands of ``tfv1-mnist``: ``cnn``, ``predict`` and ``evaluate``.

Pattern (Flax's ``main.py``): flags override ``CNNConfig`` fields, the command
loads ``--data``, the work happens in the pipeline
``tfv1_mnist.pipelines.cnn.train_and_evaluate`` (training, metrics,
TensorBoard, export; a seeded run in a child process with op determinism on),
and the command prints.  TensorFlow is imported only when a command runs.
``--strategy``, ``--replicas``, ``--workers`` and ``--cluster-timeout`` fill a
``distribute.StrategySpec``; the pipeline runs the job as that strategy needs
(docs/distribute.md).
"""

from __future__ import annotations

import argparse
import logging
import sys

from tfv1_mnist.commands import add_data_argument, add_out_argument, add_seed_argument
from tfv1_mnist.config import CNNConfig
from tfv1_mnist.distribute.strategy import KINDS, StrategySpec

__all__ = ["register", "run_cnn", "run_predict", "run_evaluate"]

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
                   help="continue from the latest checkpoint in OUT/checkpoints (also with another "
                   "number of replicas or workers)")
    _add_strategy_arguments(p)
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


def _add_strategy_arguments(p: argparse.ArgumentParser) -> None:
    """``--strategy``, ``--replicas``, ``--workers``, ``--cluster-timeout`` and ``--deadline``."""
    spec = StrategySpec()
    p.add_argument("--strategy", choices=KINDS, default=spec.kind,
                   help="tf.distribute strategy: default (one device), mirrored (several devices of "
                   "this machine, in a child process) or multi-worker (several processes or machines; "
                   "each reads TF_CONFIG unless --workers starts them) (default: %(default)s)")
    p.add_argument("--replicas", type=int, default=spec.replicas, metavar="N",
                   help="devices of a mirrored run: N GPUs, or without a GPU the CPU split into N "
                   "logical devices (default: %(default)s)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="with --strategy multi-worker: start N local worker processes on 127.0.0.1 "
                   "ports picked here, their output lines prefixed [worker i]")
    p.add_argument("--cluster-timeout", type=float, default=spec.cluster_timeout, metavar="SECONDS",
                   help="seconds a multi-worker worker waits for its peers before it exits naming the "
                   "missing one (default: %(default)g)")
    p.add_argument("--deadline", type=float, default=3600.0, metavar="SECONDS",
                   help="with --workers: seconds the whole run may take before every worker is killed "
                   "(default: %(default)g)")


def _config_from_args(args: argparse.Namespace) -> CNNConfig:
    return CNNConfig(epochs=args.epochs, batch_size=args.batch_size,
                     learning_rate=args.learning_rate, normalize=bool(args.normalize),
                     seed=args.seed)


def _strategy_from_args(args: argparse.Namespace) -> StrategySpec:
    return StrategySpec(kind=args.strategy, replicas=args.replicas, workers=args.workers,
                        cluster_timeout=args.cluster_timeout)


def run_cnn(args: argparse.Namespace) -> int:
    """``tfv1-mnist cnn``: trains, then prints the test accuracy and what it wrote."""
    from tfv1_mnist import datasets
    from tfv1_mnist.pipelines import cnn as cnn_pipeline

    cfg = _config_from_args(args)
    strategy = _strategy_from_args(args)
    data = datasets.load(args.data)
    progress = not getattr(args, "quiet", False)
    run = cnn_pipeline.train_and_evaluate(cfg, data, args.out, strategy=strategy, resume=bool(args.resume),
                                          progress=progress, deadline=args.deadline)
    print(f"test accuracy: {run.test_accuracy:.4f}  (test loss {run.metrics['test_loss']:.4f})")
    print(run.describe())
    return 0


def run_predict(args: argparse.Namespace) -> int:
    """``tfv1-mnist predict``: one line per image, ``NAME: digit D (p=0.xxx)``."""
    import numpy as np

    from tfv1_mnist import imaging
    from tfv1_mnist.cnn import export

    named = imaging.load_images(args.files)  # a bad file fails before the model loads
    model = export.load_exported(args.model)
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

    from tfv1_mnist import datasets, report
    from tfv1_mnist.cnn import export

    model = export.load_exported(args.model)
    data = datasets.load(args.data)
    proba = model.predict_proba(data.x_test)
    pred = proba.argmax(1)
    y = np.asarray(data.y_test).astype(np.int64)
    matrix = report.confusion_matrix(y, pred)
    accuracy = float((pred == y).mean()) if len(y) else float("nan")
    print(f"{data.name} test set: {len(y)} examples, accuracy {accuracy:.4f}")
    print(format_confusion(matrix.tolist(), list(getattr(data, "class_names", range(10)))))
    sys.stdout.flush()
    return 0
