"""The seed's TF1 softmax regression: placeholders, a Session, gradient descent.

The seed trains ``y = softmax(x W + b)`` on MNIST with
``-reduce_sum(y_ * log(y))`` and ``GradientDescentOptimizer(0.01)``, for 1000
steps of ``next_batch(100)``, recording after every step the loss of that
step's batch (a second ``Session.run``, so the loss *after* the update).

Pattern: TF 1.x ``mnist.py`` / ``fully_connected_feed.py``.  The graph builders
``placeholder_inputs``, ``inference``, ``loss``, ``training`` and
``evaluation`` only build; ``fill_feed_dict`` makes a feed.  Two runners use
them, each in its own ``tf.Graph`` with a ``tf.compat.v1.Session`` it closes:

* ``train_feed`` is the seed's loop as written: per step, ``Session.run`` of
  the train op, then of the loss, both fed from numpy.  It is the reference.
* ``train`` gives the same per-step losses about 3x faster per step
  (``scripts/benchmarks/bench_softmax.py``): the training set lives in the graph
  (a variable loaded once), and one ``Session.run`` runs ``steps_per_run`` steps
  in a ``tf.while_loop``.  The run gathers its steps' batches by index into one
  block; each iteration slices its batch, applies the update, and then, under
  an explicit control dependency on the update, re-reads the loss on the same
  batch, exactly what the seed's second ``Session.run`` measured.  The last
  run also counts the test set's right answers after its steps, so the
  evaluation needs no run (and no graph optimisation) of its own.

Nothing here calls ``disable_v2_behavior``, so v1 and v2 code share a process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import os
import pathlib
import time
from typing import Callable

import numpy as np
import tensorflow as tf
from tensorflow.core.protobuf import rewriter_config_pb2

from tfv1_mnist import batching, ops
from tfv1_mnist.config import SoftmaxConfig
from tfv1_mnist.errors import ConfigError, Tfv1MnistError

__all__ = [
    "NUM_CLASSES",
    "IMAGE_PIXELS",
    "SCOPE",
    "ROWS_PER_RUN",
    "NonFiniteLossError",
    "SoftmaxResult",
    "placeholder_inputs",
    "inference",
    "loss",
    "training",
    "evaluation",
    "fill_feed_dict",
    "initial_values",
    "default_batches",
    "train",
    "train_feed",
]

_log = logging.getLogger(__name__)

NUM_CLASSES = 10
IMAGE_PIXELS = 28 * 28
#: The variable scope of the model: its variables are ``softmax_linear/weights``
#: and ``softmax_linear/biases``.
SCOPE = "softmax_linear"

# Op-level seeds of the two initializers.  With the graph-level seed set to
# ``config.seed`` they make the initial values depend on the seed alone, not on
# how many ops were built before them, so ``initial_values`` matches ``train``.
_WEIGHTS_SEED = 1
_BIASES_SEED = 2


class NonFiniteLossError(Tfv1MnistError):
    """A step's loss was NaN or infinite and ``stop_on_nan`` was set.

    Attributes:
      step: 0-based index of the first non-finite step.
      value: that step's loss (``nan`` or ``inf``).
      losses: float32 [step + 1], the losses up to and including it.
    """

    def __init__(self, message: str, step: int, value: float, losses: np.ndarray):
        super().__init__(message)
        self.step = step
        self.value = value
        self.losses = losses


@dataclasses.dataclass(frozen=True)
class SoftmaxResult:
    """What a softmax trainer returns (``softmax_v1.train``, ``softmax_v2.train``).

    Attributes:
      loss: float32 [steps], the loss of each step's batch after its update.
      weights: float32 [784, 10], the trained W.
      biases: float32 [10], the trained b.
      test_accuracy: fraction of ``datasets.test`` classified right.
      nan_steps: how many entries of ``loss`` are not finite.
      train_seconds: wall time of the training steps (graph building, data
        upload, the session's first optimisation of the step graph, and the
        test evaluation excluded; ``softmax_v1.train`` counts the test set
        inside its last training run, well under 1% of the time).
      examples_per_second: ``steps * batch_size / train_seconds``.
      config: the ``SoftmaxConfig`` trained with.
      train_cpu_seconds: process CPU time of the training steps (all threads),
        which a busy machine disturbs less than ``train_seconds``.
    """

    loss: np.ndarray
    weights: np.ndarray
    biases: np.ndarray
    test_accuracy: float
    nan_steps: int
    train_seconds: float
    examples_per_second: float
    config: SoftmaxConfig
    train_cpu_seconds: float = float("nan")


# ----------------------------------------------------------------- graph builders


def placeholder_inputs(batch_size: int | None = None):
    """Builds the input placeholders.

    Args:
      batch_size: the static batch dimension, or None for any size.

    Returns:
      images_placeholder: float32 - [batch_size, IMAGE_PIXELS].
      labels_placeholder: float32 - [batch_size, NUM_CLASSES], one-hot.  (The
        seed fed ``input_data``'s float64 one-hot labels; the feed converts.)
    """
    images = tf.compat.v1.placeholder(tf.float32, [batch_size, IMAGE_PIXELS], name="images")
    labels = tf.compat.v1.placeholder(tf.float32, [batch_size, NUM_CLASSES], name="labels")
    return images, labels


def _initializers(init: str, initial):
    if initial is not None:
        weights, biases = _check_initial(initial)
        return tf.compat.v1.constant_initializer(weights), tf.compat.v1.constant_initializer(biases)
    if init == "zeros":
        return tf.compat.v1.zeros_initializer(), tf.compat.v1.zeros_initializer()
    if init != "normal":
        raise ConfigError(f"init must be 'normal' or 'zeros', got {init!r}: fix --init")
    seeded = tf.compat.v1.get_default_graph().seed is not None
    # The seed's tf.random_normal(shape): mean 0, stddev 1.
    return (
        tf.compat.v1.random_normal_initializer(0.0, 1.0, seed=_WEIGHTS_SEED if seeded else None),
        tf.compat.v1.random_normal_initializer(0.0, 1.0, seed=_BIASES_SEED if seeded else None),
    )


def inference(images, init: str = "normal", initial=None):
    """Builds the model up to the logits: ``images @ weights + biases``.

    The first call in a graph creates the variables ``softmax_linear/weights``
    (float32 [784, 10]) and ``softmax_linear/biases`` (float32 [10]); later calls
    reuse them, so training steps and the evaluation share one set.

    Args:
      images: float32 - [batch_size, IMAGE_PIXELS].
      init: ``"normal"`` (the seed's ``random_normal``, stddev 1; seeded by the
        graph-level seed when one is set) or ``"zeros"``.
      initial: optional (weights float32 [784, 10], biases float32 [10]) to
        start from instead; wins over ``init``.

    Returns:
      logits: float32 - [batch_size, NUM_CLASSES].
    """
    weights, biases = _get_variables(init, initial)
    with tf.compat.v1.name_scope(SCOPE):
        return tf.matmul(images, weights) + biases


def _get_variables(init: str = "normal", initial=None):
    """Creates (first call in a graph) or reuses the model's W and b."""
    w_init, b_init = _initializers(init, initial)
    with tf.compat.v1.variable_scope(SCOPE, reuse=tf.compat.v1.AUTO_REUSE):
        weights = tf.compat.v1.get_variable(
            "weights", [IMAGE_PIXELS, NUM_CLASSES], tf.float32, initializer=w_init)
        biases = tf.compat.v1.get_variable("biases", [NUM_CLASSES], tf.float32, initializer=b_init)
    return weights, biases


def loss(logits, labels, config: SoftmaxConfig = SoftmaxConfig()):
    """Builds the training loss.

    ``config.loss == "naive"`` is the seed's ``-reduce_sum(y_ * log(softmax(logits)))``,
    which turns NaN once a probability underflows to 0; ``"stable"`` is the
    same cross-entropy through ``log_softmax``.

    Args:
      logits: float32 - [batch_size, NUM_CLASSES].
      labels: float32 - [batch_size, NUM_CLASSES], one-hot.
      config: its ``loss`` and ``reduction`` (``"sum"`` over the batch, as the
        seed, or ``"mean"``) are used.

    Returns:
      loss: float32 scalar.
    """
    return ops.model_loss(labels, logits, kind=config.loss, reduction=config.reduction)


def training(loss_tensor, learning_rate: float, global_step=None):
    """Builds the op that applies one step of plain gradient descent.

    Args:
      loss_tensor: float32 scalar, from ``loss()``.
      learning_rate: the gradient-descent step size, a float or a float32
        scalar tensor.
      global_step: optional int64 variable to increment, as in the tutorial.

    Returns:
      train_op: the op that updates every trainable variable.
    """
    optimizer = tf.compat.v1.train.GradientDescentOptimizer(learning_rate)
    # GATE_NONE: no control edges grouping each op's gradients (the default's
    # extra NoOp and Identity nodes); the values are the same.
    return optimizer.minimize(loss_tensor, global_step=global_step,
                              gate_gradients=optimizer.GATE_NONE)


def evaluation(logits, labels):
    """Builds the count of correct predictions, as the seed measured them.

    The seed compared ``argmax(y, 1)`` with ``argmax(y_, 1)``; unlike the
    tutorial's ``in_top_k``, a row of NaN logits then predicts class 0.

    Args:
      logits: float32 - [batch_size, NUM_CLASSES].
      labels: float32 - [batch_size, NUM_CLASSES], one-hot.

    Returns:
      int32 scalar: how many rows are classified right.
    """
    correct = tf.equal(tf.argmax(logits, 1), tf.argmax(labels, 1))
    return tf.reduce_sum(tf.cast(correct, tf.int32))


def fill_feed_dict(data_set, images_pl, labels_pl, batch_size: int | None = None,
                   index: np.ndarray | None = None) -> dict:
    """Fills the feed dict for one step, as the tutorial did.

    Args:
      data_set: an ``input_data.DataSet`` (``.images`` float32 [N, 784],
        ``.labels`` one-hot [N, 10], ``.next_batch``).
      images_pl: the images placeholder from ``placeholder_inputs``.
      labels_pl: the labels placeholder.
      batch_size: with ``index`` None, takes ``data_set.next_batch(batch_size)``.
      index: int64 [batch_size] rows of ``data_set.images`` to feed instead.

    Returns:
      ``{images_pl: float32 [batch_size, 784], labels_pl: [batch_size, 10]}``.
    """
    if index is not None:
        images, labels = data_set.images[index], data_set.labels[index]
    else:
        images, labels = data_set.next_batch(batch_size)
    return {images_pl: images, labels_pl: labels}


# ----------------------------------------------------------------------- helpers
# softmax_v2.train uses these too: the checks, the non-finite-loss watch, the
# progress bar and the TensorBoard writer.


def _check_initial(initial):
    weights, biases = (np.asarray(v, dtype=np.float32) for v in initial)
    if weights.shape != (IMAGE_PIXELS, NUM_CLASSES) or biases.shape != (NUM_CLASSES,):
        raise ConfigError(
            f"initial values must be W [{IMAGE_PIXELS}, {NUM_CLASSES}] and b [{NUM_CLASSES}], "
            f"got {weights.shape} and {biases.shape}")
    return weights, biases


def _seeded_graph(config: SoftmaxConfig) -> tf.Graph:
    graph = tf.Graph()
    if config.seed is not None:
        graph.seed = config.seed
    return graph


def initial_values(config: SoftmaxConfig) -> tuple[np.ndarray, np.ndarray]:
    """The initial (W, b) that ``train(config, ...)`` draws.

    Identical to ``train``'s draw when ``config.seed`` is set (the graph-level
    seed plus fixed op seeds); a fresh random draw when it is None.

    Returns:
      weights float32 [784, 10], biases float32 [10].
    """
    with _seeded_graph(config).as_default() as graph:
        inference(tf.zeros([1, IMAGE_PIXELS]), init=config.init)
        weights, biases = _model_variables(graph)
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.variables_initializer([weights, biases]))
            return tuple(sess.run([weights, biases]))


def default_batches(config: SoftmaxConfig, num_examples: int) -> np.ndarray:
    """TF1 ``next_batch`` order for ``config``: int64 [steps, batch_size] row indices.

    ``np.random.RandomState(config.seed)`` reproduces what the seed saw after
    ``read_data_sets(..., seed=config.seed)``; unseeded when the seed is None.
    """
    if config.batch_size > num_examples:
        raise ConfigError(
            f"--batch-size {config.batch_size} is larger than the training set "
            f"({num_examples} examples): pass a smaller --batch-size")
    return batching.tf1_batch_indices(
        num_examples, config.batch_size, config.steps, np.random.RandomState(config.seed))


def _model_variables(graph: tf.Graph):
    by_name = {v.op.name: v for v in graph.get_collection(tf.compat.v1.GraphKeys.GLOBAL_VARIABLES)}
    return by_name[f"{SCOPE}/weights"], by_name[f"{SCOPE}/biases"]


def _check_datasets(datasets) -> None:
    for name in ("train", "test"):
        data_set = getattr(datasets, name)
        images, labels = np.shape(data_set.images), np.shape(data_set.labels)
        if len(images) != 2 or images[1] != IMAGE_PIXELS or labels != (images[0], NUM_CLASSES):
            raise ConfigError(
                f"datasets.{name} must hold images [N, {IMAGE_PIXELS}] and one-hot labels "
                f"[N, {NUM_CLASSES}], got {list(images)} and {list(labels)}: build it with "
                "input_data.from_mnist(mnist, one_hot=True) (reshape=True, the default)")


def _check_batches(batches, config: SoftmaxConfig, num_examples: int) -> np.ndarray:
    if batches is None:
        return default_batches(config, num_examples)
    batches = np.asarray(batches, dtype=np.int64)
    if batches.shape != (config.steps, config.batch_size):
        raise ConfigError(
            f"batches must be [steps, batch_size] = [{config.steps}, {config.batch_size}], "
            f"got {list(batches.shape)}")
    if batches.size and (batches.min() < 0 or batches.max() >= num_examples):
        raise ConfigError(f"batch indices must lie in [0, {num_examples}), the training set")
    return batches


def _non_finite_message(step: int, value: float, config: SoftmaxConfig) -> str:
    """The one log line (and error text) for the first non-finite loss."""
    if config.loss == "naive":
        reason = ("a softmax probability underflowed to 0 inside log() of the seed's loss "
                  "-reduce_sum(y * log(softmax(logits)))")
        fix = "use --loss stable (cross-entropy through log-softmax)"
    else:
        reason = "the logits overflowed: training diverged"
        fix = "lower --learning-rate or use --reduction mean"
    then = ("Stopped (--stop-on-nan)" if config.stop_on_nan else
            "Training continues, as the seed's did, unless --stop-on-nan is given")
    return f"step {step} (counting from 0): loss is {value}, not finite: {reason}; fix: {fix}. {then}"


class _NanWatch:
    """Counts non-finite losses, logs the first once, raises if asked to stop."""

    def __init__(self, config: SoftmaxConfig):
        self.config = config
        self.count = 0
        self.first: int | None = None

    def update(self, start: int, losses: np.ndarray, so_far: Callable[[], np.ndarray]) -> None:
        bad = ~np.isfinite(losses)
        if not bad.any():
            return
        self.count += int(bad.sum())
        if self.first is None:
            self.first = start + int(np.argmax(bad))
            value = float(losses[self.first - start])
            message = _non_finite_message(self.first, value, self.config)
            if self.config.stop_on_nan:  # the error carries the message, printed once
                raise NonFiniteLossError(message, step=self.first, value=value,
                                         losses=so_far()[: self.first + 1])
            _log.warning(message)


def _progbar(steps: int, progress: bool):
    if not progress:
        return None
    import keras

    return keras.utils.Progbar(steps, unit_name="step")


def _progbar_update(bar, done: int, losses: np.ndarray) -> None:
    if bar is None:
        return
    last = float(losses[-1]) if losses.size else float("nan")
    bar.update(done, values=[("loss", last)] if math.isfinite(last) else None)


def _write_tensorboard(workdir, losses: np.ndarray) -> None:
    from tfv1_mnist.summaries import ScalarWriter

    with ScalarWriter(pathlib.Path(workdir) / "tensorboard") as writer:
        for step, value in enumerate(losses):
            writer.scalar("loss", float(value), step)


# ----------------------------------------------------------------------- runners


def _evaluate(sess, correct, images_pl, labels_pl, data_set, variables):
    """Runs the test accuracy and fetches ``variables`` in one ``Session.run``.

    Returns:
      (accuracy float, NaN for an empty set; then the variables' values).
    """
    n = data_set.images.shape[0]
    if n == 0:
        return (float("nan"), *sess.run(list(variables)))
    count, *values = sess.run([correct, *variables],
                              {images_pl: data_set.images, labels_pl: data_set.labels})
    return (float(count) / n, *values)


@contextlib.contextmanager
def _v1_control_flow():
    """Builds ``tf.compat.v1.while_loop`` as TF1 did (Enter/Merge/Switch frames).

    TF2's functional ``While`` passes every captured tensor (the data, the
    variables, the index table) through each iteration as a loop variable; TF1's
    frames enter them once as loop constants.  That is about 20% fewer ops per
    step, and fewer ops is what this loop's speed is made of.  The switch is
    process-wide, so it is restored as soon as the loop is built; it only affects
    graphs built meanwhile outside ``tf.function`` (which always uses ``While``).
    """
    was_v2 = tf.compat.v1.control_flow_v2_enabled()
    tf.compat.v1.disable_control_flow_v2()
    try:
        yield
    finally:
        if was_v2:
            tf.compat.v1.enable_control_flow_v2()


#: Examples ``train`` gathers per ``Session.run`` by default: each run copies
#: its steps' batches into one block first (slicing a block is cheaper than a
#: gather per step), and longer runs amortise the run.
ROWS_PER_RUN = 25_000


def _session_config() -> tf.compat.v1.ConfigProto:
    """The session settings of ``train``: what a few-hundred-microsecond step needs.

    * Ops run in the thread that calls ``Session.run``: the loop is sequential,
      and on ops this small, hand-offs to the inter-op pool cost more than they save.
    * Grappler runs only the passes this graph needs, once: arithmetic
      optimisation (it turns ``log(softmax(x))`` of the loss read after the update
      into ``LogSoftmax``, as it does in the seed's second ``Session.run``, so the
      recorded losses match the seed's bit for bit), remapping (it fuses
      ``MatMul`` + bias add into one kernel, as in the seed's runs), pruning and
      dependency optimisation.  The default pipeline runs twice and adds passes
      (memory, layout, MLIR, constant folding...) that change nothing in the
      step but cost about 10 ms per session, the time of 40 training steps.
    * The older graph optimiser that runs after Grappler (common subexpressions,
      constant folding) is off too (``L0``): a few milliseconds less per
      session, no measurable change per step.
    """
    rewriter = rewriter_config_pb2.RewriterConfig
    off = rewriter.OFF
    rewrite = rewriter(
        meta_optimizer_iterations=rewriter.ONE,
        disable_tfg_optimizer=True,
        memory_optimization=rewriter.NO_MEM_OPT,
        constant_folding=off, shape_optimization=off, layout_optimizer=off,
        loop_optimization=off, function_optimization=off, debug_stripper=off,
        common_subgraph_elimination=off, implementation_selector=off)
    return tf.compat.v1.ConfigProto(
        inter_op_parallelism_threads=-1,
        graph_options=tf.compat.v1.GraphOptions(
            rewrite_options=rewrite,
            optimizer_options=tf.compat.v1.OptimizerOptions(opt_level=tf.compat.v1.OptimizerOptions.L0)))


def _build_loop(config: SoftmaxConfig, images_var, labels_var, learning_rate):
    """Builds the in-graph multi-step loop over the resident training set.

    Args:
      config: the ``SoftmaxConfig``.
      images_var: float32 variable [N, 784], the training images.
      labels_var: float32 variable [N, 10], their one-hot labels.
      learning_rate: float32 scalar tensor, built outside the loop so that it
        enters the loop once instead of being made again every step.

    Returns:
      batch_indices: int64 placeholder [K, batch_size], one row per step.
      losses: float32 [K], each step's loss after its update (fewer than K
        only with ``config.stop_on_nan``: the loop stops after the first
        non-finite one).
    """
    batch_size = config.batch_size
    batch_indices = tf.compat.v1.placeholder(tf.int64, [None, batch_size], name="batch_indices")
    num_steps = tf.shape(batch_indices, out_type=tf.int32)[0]
    # One gather for the whole run; each step then takes a slice along the first
    # axis, which shares the block's buffer instead of copying it.  (A gather
    # per step costs more than the gather and slice together.)
    rows = tf.reshape(batch_indices, [-1])
    run_images = images_var.sparse_read(rows, name="run_images")
    run_labels = labels_var.sparse_read(rows, name="run_labels")
    losses = tf.TensorArray(tf.float32, size=0, dynamic_size=True, name="step_losses")

    def step(i, losses):
        # losses.flow comes from the previous step's write, which follows its
        # update and its loss read; this step's variable reads must wait for
        # both, and nothing else orders them across iterations.
        with tf.control_dependencies([losses.flow]):
            begin = tf.stack([i * batch_size, 0])
            images = tf.slice(run_images, begin, [batch_size, IMAGE_PIXELS])
            labels = tf.slice(run_labels, begin, [batch_size, NUM_CLASSES])
            train_op = training(loss(inference(images), labels, config), learning_rate)
        with tf.control_dependencies([train_op]):
            # The seed's second Session.run: the same batch, after the update.
            after = loss(inference(images), labels, config)
        return i + 1, losses.write(i, after), after

    if config.stop_on_nan:
        # A third loop variable, the last loss, lets the loop stop after it.
        _, losses, _ = tf.compat.v1.while_loop(
            lambda i, losses, last: tf.logical_and(i < num_steps, tf.math.is_finite(last)),
            lambda i, losses, last: step(i, losses), (tf.constant(0), losses, tf.constant(0.0)),
            parallel_iterations=1, back_prop=False, name="train_steps")
    else:
        _, losses = tf.compat.v1.while_loop(
            lambda i, losses: i < num_steps, lambda i, losses: step(i, losses)[:2],
            (tf.constant(0), losses),
            parallel_iterations=1, back_prop=False, name="train_steps")
    return batch_indices, losses.stack()


def train(
    config: SoftmaxConfig,
    datasets,
    *,
    batches=None,
    initial=None,
    workdir: str | os.PathLike | None = None,
    progress: bool = False,
    steps_per_run: int | None = None,
    step_callback: Callable[[int, float, np.ndarray, np.ndarray], None] | None = None,
) -> SoftmaxResult:
    """Trains the seed's softmax regression in graph mode, ``steps_per_run`` steps a run.

    Same per-step losses as ``train_feed`` (the seed's loop) for the same
    initial values and batches, in about a third of the time.

    Three kinds of ``Session.run``: one uploads the training set into
    variables and initialises the model; one runs the step graph on zero steps,
    so the session optimises it before the clock starts; then the training
    runs, each of which also evaluates the test set after its steps (an empty
    one but for the last run) and fetches W and b.

    Args:
      config: the ``SoftmaxConfig``.
      datasets: ``input_data.Datasets``: ``.train`` and ``.test`` with
        ``.images`` float32 [N, 784] and one-hot ``.labels`` [N, 10].
      batches: int64 [steps, batch_size] row indices into
        ``datasets.train.images``; None draws TF1's ``next_batch`` order
        (``default_batches``).
      initial: (W float32 [784, 10], b float32 [10]) to start from; None draws
        them per ``config.init`` and ``config.seed`` (``initial_values``).
      workdir: if given, writes a ``tf.compat.v1.train.Saver`` checkpoint to
        ``workdir/checkpoint/`` and the loss scalar to ``workdir/tensorboard/``.
      progress: show a ``keras.utils.Progbar``.
      steps_per_run: steps per ``Session.run``; None: as many as gather
        ``ROWS_PER_RUN`` examples (250 steps of 100, about 78 MB of images).
      step_callback: if given, called after every step as
        ``step_callback(step, loss, weights, biases)`` (the seed printed W every
        step); runs one step per ``Session.run``.

    Returns:
      A ``SoftmaxResult``.  Its ``train_seconds`` covers the training runs,
      including the test evaluation at the end of the last one (a 1000-image
      sample adds well under 1%).

    Raises:
      NonFiniteLossError: a loss was not finite and ``config.stop_on_nan``.
      ConfigError: ``batches`` or ``initial`` have the wrong shape.
    """
    _check_datasets(datasets)
    train_set, test_set = datasets.train, datasets.test
    num_examples = train_set.images.shape[0]
    batches = _check_batches(batches, config, num_examples)
    if initial is not None:
        initial = _check_initial(initial)
    if step_callback is not None:
        steps_per_run = 1
    elif steps_per_run is None:
        steps_per_run = max(1, ROWS_PER_RUN // config.batch_size)
    if steps_per_run < 1:
        raise ConfigError(f"steps_per_run must be >= 1, got {steps_per_run}")

    with _seeded_graph(config).as_default() as graph:
        # The placeholders carry the training set in the upload run and the test
        # set in the training runs.
        images_pl, labels_pl = placeholder_inputs()
        weights, biases = _get_variables(config.init, initial)
        # The training set, resident in the graph: uploaded once, gathered by index.
        data_images = tf.compat.v1.Variable(
            images_pl, trainable=False, collections=[], name="train_images")
        data_labels = tf.compat.v1.Variable(
            labels_pl, trainable=False, collections=[], name="train_labels")
        learning_rate = tf.constant(config.learning_rate, tf.float32, name="learning_rate")
        with _v1_control_flow():
            batch_indices, step_losses = _build_loop(
                config, data_images, data_labels, learning_rate)
        with tf.control_dependencies([step_losses]):
            # After the run's last step: the test set's count of right answers,
            # and the values of W and b.
            correct = evaluation(inference(images_pl), labels_pl)
            weights_after, biases_after = weights.read_value(), biases.read_value()
        upload = tf.group(
            tf.compat.v1.variables_initializer([weights, biases]),
            data_images.initializer, data_labels.initializer)
        saver = tf.compat.v1.train.Saver([weights, biases]) if workdir is not None else None
        graph.finalize()

        with tf.compat.v1.Session(graph=graph, config=_session_config()) as sess:
            sess.run(upload, {images_pl: train_set.images, labels_pl: train_set.labels})
            fetches = [step_losses, correct, weights_after, biases_after]
            no_test = {images_pl: test_set.images[:0], labels_pl: test_set.labels[:0]}
            # A run of zero steps: the session optimises the step graph and builds
            # its executor here, so that train_seconds measures the runs alone.
            sess.run(fetches, {batch_indices: batches[:0], **no_test})
            losses = np.full(config.steps, np.nan, dtype=np.float32)
            watch = _NanWatch(config)
            bar = _progbar(config.steps, progress)
            start, start_cpu = time.perf_counter(), time.process_time()
            done = 0
            while done < config.steps:
                chunk = batches[done: done + steps_per_run]
                last_run = done + chunk.shape[0] >= config.steps
                test = ({images_pl: test_set.images, labels_pl: test_set.labels}
                        if last_run else no_test)
                got, count, final_w, final_b = sess.run(fetches, {batch_indices: chunk, **test})
                losses[done: done + got.shape[0]] = got
                watch.update(done, got, lambda: losses)
                done += got.shape[0]
                if step_callback is not None:
                    step_callback(done - 1, float(got[-1]), final_w, final_b)
                _progbar_update(bar, done, got)
            train_seconds = time.perf_counter() - start
            train_cpu_seconds = time.process_time() - start_cpu
            n_test = test_set.images.shape[0]
            test_accuracy = float(count) / n_test if n_test else float("nan")
            if saver is not None:
                path = pathlib.Path(workdir) / "checkpoint"
                path.mkdir(parents=True, exist_ok=True)
                saver.save(sess, str(path / "model.ckpt"), global_step=config.steps)
    if workdir is not None:
        _write_tensorboard(workdir, losses)
    return SoftmaxResult(
        loss=losses, weights=final_w, biases=final_b, test_accuracy=test_accuracy,
        nan_steps=watch.count, train_seconds=train_seconds,
        examples_per_second=config.steps * config.batch_size / max(train_seconds, 1e-12),
        config=config, train_cpu_seconds=train_cpu_seconds)


def train_feed(
    config: SoftmaxConfig,
    datasets,
    *,
    batches=None,
    initial=None,
    progress: bool = False,
) -> SoftmaxResult:
    """The seed's loop as written: two fed ``Session.run`` calls per step.

    Per step: ``sess.run(train_op, feed)``, then ``sess.run(loss, feed)`` on the
    same feed, so the recorded loss is the batch's loss after the update.  The
    reference ``train`` is checked against, and the baseline of the speed
    benchmark.

    Args:
      config, datasets, batches, initial, progress: as in ``train``.  With
        ``batches`` given, batch ``i`` is ``datasets.train.images[batches[i]]``;
        ``batches="next_batch"`` calls ``datasets.train.next_batch`` instead, as
        the seed did.

    Returns:
      A ``SoftmaxResult``.

    Raises:
      NonFiniteLossError: a loss was not finite and ``config.stop_on_nan``.
    """
    _check_datasets(datasets)
    train_set = datasets.train
    use_next_batch = isinstance(batches, str) and batches == "next_batch"
    if not use_next_batch:
        batches = _check_batches(batches, config, train_set.images.shape[0])
    with _seeded_graph(config).as_default() as graph:
        images_pl, labels_pl = placeholder_inputs()
        logits = inference(images_pl, init=config.init, initial=initial)
        loss_op = loss(logits, labels_pl, config)
        train_op = training(loss_op, config.learning_rate)
        correct = evaluation(logits, labels_pl)
        weights, biases = _model_variables(graph)
        init = tf.compat.v1.global_variables_initializer()
        graph.finalize()
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(init)
            # Warm both runs up on an empty batch (a zero update), as ``train`` does.
            empty = {images_pl: train_set.images[:0], labels_pl: train_set.labels[:0]}
            sess.run(train_op, empty)
            sess.run(loss_op, empty)
            losses = np.full(config.steps, np.nan, dtype=np.float32)
            watch = _NanWatch(config)
            bar = _progbar(config.steps, progress)
            start, start_cpu = time.perf_counter(), time.process_time()
            for step in range(config.steps):
                feed = fill_feed_dict(
                    train_set, images_pl, labels_pl, config.batch_size,
                    index=None if use_next_batch else batches[step])
                sess.run(train_op, feed_dict=feed)
                losses[step] = sess.run(loss_op, feed_dict=feed)
                watch.update(step, losses[step: step + 1], lambda: losses)
                _progbar_update(bar, step + 1, losses[step: step + 1])
            train_seconds = time.perf_counter() - start
            train_cpu_seconds = time.process_time() - start_cpu
            test_accuracy, final_w, final_b = _evaluate(
                sess, correct, images_pl, labels_pl, datasets.test, (weights, biases))
    return SoftmaxResult(
        loss=losses, weights=final_w, biases=final_b, test_accuracy=test_accuracy,
        nan_steps=watch.count, train_seconds=train_seconds,
        examples_per_second=config.steps * config.batch_size / max(train_seconds, 1e-12),
        config=config, train_cpu_seconds=train_cpu_seconds)
