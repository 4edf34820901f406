"""The seed's TF1 softmax regression: placeholders, a Session, gradient descent.

The seed trains ``y = softmax(x W + b)`` on MNIST with
``-reduce_sum(y_ * log(y))`` and ``GradientDescentOptimizer(0.01)``, for 1000
steps of ``next_batch(100)``, recording after every step the loss of that
step's batch (a second ``Session.run``, so the loss *after* the update).

Pattern: TF 1.x ``mnist.py`` / ``fully_connected_feed.py``.  The graph builders
``placeholder_inputs``, ``inference``, ``loss``, ``training`` and
``evaluation`` only build; ``fill_feed_dict`` makes a feed.  The runners use
them, each in its own ``tf.Graph`` with a ``tf.compat.v1.Session`` it closes:

* ``train`` gives the seed's per-step losses about 3x faster per step
  (``scripts/benchmarks/bench_softmax.py``): the training set lives in the graph
  (a variable loaded once), and one ``Session.run`` runs ``steps_per_run`` steps
  in a TF1 ``while_loop``.  Each iteration gathers its batch by index, applies
  the update, and then, under an explicit control dependency on the update,
  re-reads the loss on the same batch, exactly what the seed's second
  ``Session.run`` measured.  The last run also counts the test set's right
  answers after its steps, so the evaluation needs no run (and no graph
  optimisation) of its own.  With ``config.xla`` the steps are instead one
  call of ``softmax.fast``'s XLA-compiled loop inside the same graph: the
  fast path, equal to the seed's losses up to float32 round-off.
* ``train_on_schedule`` is ``train`` behind the one contract of every trainer
  (``tfv1_mnist.contract``), registered as ``IMPLEMENTATION``.
* ``train_feed`` is the seed's loop as written: per step, ``Session.run`` of
  the train op, then of the loss, both fed from numpy.  It is the reference
  ``train`` is checked against.

``v2`` is the TF2 twin, with the same runner names; what both share (the data,
the initial values, the checks, the reports) is in ``common``.  Nothing here
calls ``disable_v2_behavior`` or flips another process-wide switch, so v1 and
v2 code share a process.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import time
from typing import Callable

import numpy as np
import tensorflow as tf
from tensorflow.core.protobuf import rewriter_config_pb2
# Private: the TF1 loop builder behind tf.compat.v1.while_loop (see _tf1_while_loop).
from tensorflow.python.ops import control_flow_ops as _tf1_control_flow

from tfv1_mnist import contract, ops
from tfv1_mnist.config import SoftmaxConfig
from tfv1_mnist.errors import ConfigError
from tfv1_mnist.softmax import common, fast
from tfv1_mnist.softmax.common import (
    IMAGE_PIXELS,
    NUM_CLASSES,
    SCOPE,
    NonFiniteLossError,
    SoftmaxResult,
    default_batches,
    initial_values,
)

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
    "train_on_schedule",
    "train_on_schedule_xla",
    "train_feed",
    "IMPLEMENTATION",
    "IMPLEMENTATION_XLA",
]


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
    w_init, b_init = common.initializers(init, initial)
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
    tutorial's ``in_top_k``, a row of NaN logits then predicts class 0
    (``ops.correct_count``, the count of every model here).

    Args:
      logits: float32 - [batch_size, NUM_CLASSES].
      labels: float32 - [batch_size, NUM_CLASSES], one-hot.

    Returns:
      int32 scalar: how many rows are classified right.
    """
    return ops.correct_count(labels, logits)


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


# ------------------------------------------------------------------- the TF1 loop


def _model_variables(graph: tf.Graph):
    by_name = {v.op.name: v for v in graph.get_collection(tf.compat.v1.GraphKeys.GLOBAL_VARIABLES)}
    return by_name[f"{SCOPE}/weights"], by_name[f"{SCOPE}/biases"]


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


def _tf1_while_loop(cond, body, loop_vars, name: str):
    """``tf.compat.v1.while_loop(..., parallel_iterations=1, back_prop=False)`` as TF1 built it.

    TF2's functional ``While`` passes every captured tensor (the data, the
    variables, the index table) through each iteration as a loop variable; TF1's
    frames (``Enter``/``Merge``/``Switch``/``NextIteration``/``Exit``) enter them
    once as loop constants.  That is about 20% fewer ops per step, and fewer ops
    is what this loop's speed is made of.  ``tf.compat.v1.while_loop`` builds
    TF1 frames only while control flow v2 is off for the whole process; this
    builds them in the default graph alone, with the ``WhileContext`` that
    ``while_loop`` itself uses, and leaves every process-wide setting as it is.

    ``WhileContext`` and ``BuildLoop`` are TensorFlow's private API
    (``tensorflow/python/ops/control_flow_ops.py``, called from
    ``while_loop.py``); ``tests/test_softmax_v1.py`` fails if they change.

    Args:
      cond: ``cond(*loop_vars)`` -> bool scalar tensor.
      body: ``body(*loop_vars)`` -> the next loop variables.
      loop_vars: tuple of tensors.  Not a ``tf.TensorArray``: with control flow
        v2 on, TensorFlow builds only its v2 form, which TF1 frames cannot
        carry; carry a raw ``TensorArrayV3``'s flow instead (see ``_build_loop``).
      name: the loop's name scope.

    Returns:
      The loop variables after the last iteration, a tuple.

    Raises:
      RuntimeError: called eagerly or inside a ``tf.function``.
    """
    graph = tf.compat.v1.get_default_graph()
    if tf.executing_eagerly() or graph.building_function:
        raise RuntimeError("_tf1_while_loop builds a TF1 graph: call it under tf.Graph().as_default()")
    with tf.compat.v1.name_scope(name, "while", list(loop_vars)):
        context = _tf1_control_flow.WhileContext(parallel_iterations=1, back_prop=False)
        if context.outer_context is None:  # as while_loop does: outermost loops only
            graph.add_to_collection(tf.compat.v1.GraphKeys.WHILE_CONTEXT, context)
        return tuple(context.BuildLoop(cond, body, tuple(loop_vars), None, False))


#: Examples ``train`` trains on per ``Session.run`` by default (250 steps of
#: 100): longer runs amortise the run; each step gathers its own batch.
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
    # The ops of TF1's tf.TensorArray(tf.float32, size=0, dynamic_size=True),
    # written directly: the loop carries its flow (see _tf1_while_loop).
    handle, flow = tf.raw_ops.TensorArrayV3(
        size=0, dtype=tf.float32, dynamic_size=True, identical_element_shapes=True,
        name="step_losses")

    def step(i, flow):
        # flow comes from the previous step's write, which follows its update and
        # its loss read; this step's variable reads must wait for both, and
        # nothing else orders them across iterations.
        with tf.control_dependencies([flow]):
            # Each step gathers its own batch (313 KB of images at 100 x 784),
            # small enough to stay in cache for the step's three matmuls.  A
            # whole run's batches gathered into one block up front (78 MB for
            # 250 steps) and sliced per step measured slower
            # (docs/benchmarks.md): the block goes out to memory and back.
            index = batch_indices[i]
            images = images_var.sparse_read(index, name="batch_images")
            labels = labels_var.sparse_read(index, name="batch_labels")
            train_op = training(loss(inference(images), labels, config), learning_rate)
        with tf.control_dependencies([train_op]):
            # The seed's second Session.run: the same batch, after the update.
            after = loss(inference(images), labels, config)
        flow = tf.raw_ops.TensorArrayWriteV3(handle=handle, index=i, value=after, flow_in=flow)
        return i + 1, flow, after

    if config.stop_on_nan:
        # A third loop variable, the last loss, lets the loop stop after it.
        _, flow, _ = _tf1_while_loop(
            lambda i, flow, last: tf.logical_and(i < num_steps, tf.math.is_finite(last)),
            lambda i, flow, last: step(i, flow), (tf.constant(0), flow, tf.constant(0.0)),
            name="train_steps")
    else:
        _, flow = _tf1_while_loop(
            lambda i, flow: i < num_steps, lambda i, flow: step(i, flow)[:2],
            (tf.constant(0), flow), name="train_steps")
    with tf.compat.v1.name_scope("step_losses_stack"):
        written = tf.raw_ops.TensorArraySizeV3(handle=handle, flow_in=flow)
        losses = tf.raw_ops.TensorArrayGatherV3(
            handle=handle, indices=tf.range(0, written), flow_in=flow, dtype=tf.float32,
            element_shape=[])
    return batch_indices, losses


def _build_xla_loop(config: SoftmaxConfig, images_var, labels_var, weights, biases):
    """Builds the fast path: one call of ``fast.make_steps(config)`` and the update of W and b.

    Args:
      config: the ``SoftmaxConfig``.
      images_var: float32 variable [N, 784], the training images.
      labels_var: float32 variable [N, 10], their one-hot labels.
      weights: the model's W variable, float32 [784, 10]; biases: b, float32 [10].

    Returns:
      batch_indices: int64 placeholder [K, batch_size], one row per step.
      num_steps: int32 scalar placeholder, K unless fed (0 compiles the loop for
        K without training).
      losses: float32 [K'], each step's loss after its update; W and b are
        assigned their new values before it is read.
    """
    batch_indices = tf.compat.v1.placeholder(tf.int64, [None, config.batch_size],
                                             name="batch_indices")
    num_steps = tf.compat.v1.placeholder_with_default(
        tf.shape(batch_indices, out_type=tf.int32)[0], [], name="num_steps")
    losses, done, new_weights, new_biases = fast.make_steps(config)(
        batch_indices, num_steps, weights.read_value(), biases.read_value(),
        images_var.read_value(), labels_var.read_value())
    update = tf.group(weights.assign(new_weights), biases.assign(new_biases))
    with tf.control_dependencies([update]):
        losses = tf.identity(losses[:done], name="step_losses")
    return batch_indices, num_steps, losses


# ----------------------------------------------------------------------- runners


def train(
    config: SoftmaxConfig,
    data,
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
      data: a ``datasets.Mnist`` (uint8; preprocessed by ``common.prepare``,
        TF1's validation split held out), or ``input_data.Datasets`` as TF1
        code builds them: ``.train`` and ``.test`` with ``.images`` float32
        [N, 784] and one-hot ``.labels`` [N, 10].
      batches: int64 [steps, batch_size] row indices into the training images
        (after the split); None draws TF1's ``next_batch`` order
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
      ConfigError: ``data``, ``batches`` or ``initial`` have the wrong shape.
    """
    data = common.as_datasets(data, seed=config.seed)
    train_set, test_set = data.train, data.test
    num_examples = train_set.images.shape[0]
    batches = common.check_batches(batches, config, num_examples)
    if initial is not None:
        initial = common.check_initial(initial)
    if step_callback is not None:
        steps_per_run = 1
    elif steps_per_run is None:
        # The fast path compiles once per table shape: all steps in one run.
        steps_per_run = config.steps if config.xla else max(1, ROWS_PER_RUN // config.batch_size)
    if steps_per_run < 1:
        raise ConfigError(f"steps_per_run must be >= 1, got {steps_per_run}")

    with common.seeded_graph(config).as_default() as graph:
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
        if config.xla:
            batch_indices, num_steps, step_losses = _build_xla_loop(
                config, data_images, data_labels, weights, biases)
        else:
            batch_indices, step_losses = _build_loop(config, data_images, data_labels, learning_rate)
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
            # its executor here (and XLA compiles the fast path's loop for the
            # runs' table shape), so that train_seconds measures the runs alone.
            warm_up = ({batch_indices: batches[:steps_per_run], num_steps: 0} if config.xla
                       else {batch_indices: batches[:0]})
            start = time.perf_counter()
            sess.run(fetches, {**warm_up, **no_test})
            compile_seconds = time.perf_counter() - start if config.xla else 0.0
            losses = np.full(config.steps, np.nan, dtype=np.float32)
            watch = common.NanWatch(config)
            bar = common.progbar(config.steps, progress)
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
                common.progbar_update(bar, done, got)
            train_seconds = time.perf_counter() - start
            train_cpu_seconds = time.process_time() - start_cpu
            n_test = test_set.images.shape[0]
            test_accuracy = float(count) / n_test if n_test else float("nan")
            if saver is not None:
                path = pathlib.Path(workdir) / "checkpoint"
                path.mkdir(parents=True, exist_ok=True)
                saver.save(sess, str(path / "model.ckpt"), global_step=config.steps)
    if workdir is not None:
        common.write_tensorboard(workdir, losses)
    return SoftmaxResult(
        loss=losses, weights=final_w, biases=final_b, test_accuracy=test_accuracy,
        nan_steps=watch.count, train_seconds=train_seconds, config=config,
        train_cpu_seconds=train_cpu_seconds, compile_seconds=compile_seconds)


def train_on_schedule(config: SoftmaxConfig, data, schedule: contract.Schedule,
                      initial) -> contract.TrainResult:
    """``train`` behind the contract: ``train(config, data, schedule, initial) -> TrainResult``.

    ``data`` is a ``datasets.Mnist``, ``initial`` is ``[W, b]``; the config takes
    the schedule's steps and batch size (``common.train_on_schedule``).
    """
    return common.train_on_schedule(train, config, data, schedule, initial)


def train_on_schedule_xla(config: SoftmaxConfig, data, schedule: contract.Schedule,
                          initial) -> contract.TrainResult:
    """``train_on_schedule`` on the fast path (``config.xla`` set): ``IMPLEMENTATION_XLA``."""
    return common.train_on_schedule(train, dataclasses.replace(config, xla=True), data, schedule,
                                    initial)


def train_feed(
    config: SoftmaxConfig,
    data,
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
      config, data, batches, initial, progress: as in ``train``.  With
        ``batches`` given, batch ``i`` is ``data.train.images[batches[i]]``;
        ``batches="next_batch"`` calls ``data.train.next_batch`` instead, as
        the seed did.

    Returns:
      A ``SoftmaxResult``.

    Raises:
      NonFiniteLossError: a loss was not finite and ``config.stop_on_nan``.
    """
    data = common.as_datasets(data, seed=config.seed)
    train_set = data.train
    use_next_batch = isinstance(batches, str) and batches == "next_batch"
    if not use_next_batch:
        batches = common.check_batches(batches, config, train_set.images.shape[0])
    with common.seeded_graph(config).as_default() as graph:
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
            watch = common.NanWatch(config)
            bar = common.progbar(config.steps, progress)
            start, start_cpu = time.perf_counter(), time.process_time()
            for step in range(config.steps):
                feed = fill_feed_dict(
                    train_set, images_pl, labels_pl, config.batch_size,
                    index=None if use_next_batch else batches[step])
                sess.run(train_op, feed_dict=feed)
                losses[step] = sess.run(loss_op, feed_dict=feed)
                watch.update(step, losses[step: step + 1], lambda: losses)
                common.progbar_update(bar, step + 1, losses[step: step + 1])
            train_seconds = time.perf_counter() - start
            train_cpu_seconds = time.process_time() - start_cpu
            test_accuracy, final_w, final_b = _evaluate(
                sess, correct, images_pl, labels_pl, data.test, (weights, biases))
    return SoftmaxResult(
        loss=losses, weights=final_w, biases=final_b, test_accuracy=test_accuracy,
        nan_steps=watch.count, train_seconds=train_seconds, config=config,
        train_cpu_seconds=train_cpu_seconds)


IMPLEMENTATION = contract.Implementation(
    model="softmax", name="v1", train=train_on_schedule,
    summary="TF1 graph: placeholders, a Session, GradientDescentOptimizer; "
            "the steps of a run in one TF1 while_loop",
    note="the seed's own program, the reference: the loss of each step is re-read after its update "
         "(the seed's second Session.run)")

IMPLEMENTATION_XLA = contract.Implementation(
    model="softmax", name="v1_xla", train=train_on_schedule_xla,
    summary="the fast path: v1's graph and Session, the steps in one XLA-compiled "
            "functional While (softmax.fast)",
    note="XLA fuses the elementwise ops and chooses its own reduction order, so the step losses "
         "differ from the seed's graph by float32 round-off, which the raw sum-loss amplifies "
         "over the steps")
