"""The TF1 graph of the seed's softmax regression: the tutorial's builders and the training loop's.

Pattern: TF 1.x ``mnist.py``, which only builds: ``placeholder_inputs``,
``inference`` (in the name scope ``softmax_linear``, variables ``weights`` and
``biases``), ``loss``, ``training`` (``GradientDescentOptimizer``) and
``evaluation`` (the count of right answers), plus ``fill_feed_dict``.  Beside
them, what ``v1.train`` runs: ``build_loop`` (the seed's steps as one TF1
``while_loop``, built graph-locally by ``tf1_while_loop``), ``build_xla_loop``
(the fast path) and ``session_config``.  The runners are in ``softmax.v1``.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from tensorflow.core.protobuf import rewriter_config_pb2
# Private: the TF1 loop builder behind tf.compat.v1.while_loop (see tf1_while_loop).
from tensorflow.python.ops import control_flow_ops as _tf1_control_flow

from tfv1_mnist import ops
from tfv1_mnist.config import SoftmaxConfig
from tfv1_mnist.softmax import fast, resident
from tfv1_mnist.softmax.data import IMAGE_PIXELS, NUM_CLASSES
from tfv1_mnist.softmax.initial import SCOPE, initializers

__all__ = [
    "ROWS_PER_RUN",
    "placeholder_inputs",
    "inference",
    "get_variables",
    "loss",
    "training",
    "evaluation",
    "fill_feed_dict",
    "model_variables",
    "tf1_while_loop",
    "session_config",
    "build_loop",
    "build_xla_loop",
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
    weights, biases = get_variables(init, initial)
    with tf.compat.v1.name_scope(SCOPE):
        return tf.matmul(images, weights) + biases


def get_variables(init: str = "normal", initial=None):
    """Creates (first call in a graph) or reuses the model's W and b."""
    w_init, b_init = initializers(init, initial)
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


def model_variables(graph: tf.Graph):
    by_name = {v.op.name: v for v in graph.get_collection(tf.compat.v1.GraphKeys.GLOBAL_VARIABLES)}
    return by_name[f"{SCOPE}/weights"], by_name[f"{SCOPE}/biases"]



# ------------------------------------------------------------------- the TF1 loop


def tf1_while_loop(cond, body, loop_vars, name: str):
    """``tf.compat.v1.while_loop(..., parallel_iterations=1, back_prop=False)`` as TF1 built it.

    TF2's functional ``While`` passes every captured tensor (the data, the
    variables, the index table) through each iteration as a loop variable; TF1's
    frames (``Enter``/``Merge``/``Switch``/``NextIteration``/``Exit``) enter them
    once as loop constants: fewer ops per step (docs/benchmarks.md).
    ``tf.compat.v1.while_loop`` builds
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
        carry; carry a raw ``TensorArrayV3``'s flow instead (see ``build_loop``).
      name: the loop's name scope.

    Returns:
      The loop variables after the last iteration, a tuple.

    Raises:
      RuntimeError: called eagerly or inside a ``tf.function``.
    """
    graph = tf.compat.v1.get_default_graph()
    if tf.executing_eagerly() or graph.building_function:
        raise RuntimeError("tf1_while_loop builds a TF1 graph: call it under tf.Graph().as_default()")
    with tf.compat.v1.name_scope(name, "while", list(loop_vars)):
        context = _tf1_control_flow.WhileContext(parallel_iterations=1, back_prop=False)
        if context.outer_context is None:  # as while_loop does: outermost loops only
            graph.add_to_collection(tf.compat.v1.GraphKeys.WHILE_CONTEXT, context)
        return tuple(context.BuildLoop(cond, body, tuple(loop_vars), None, False))


#: Examples ``train`` trains on per ``Session.run`` by default (250 steps of
#: 100): longer runs amortise the run; each step gathers its own batch.
ROWS_PER_RUN = 25_000


def session_config() -> tf.compat.v1.ConfigProto:
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
      step but cost time in every session (docs/benchmarks.md).
    * The older graph optimiser that runs after Grappler (common subexpressions,
      constant folding) is off too (``L0``), for the same reason.
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


def build_loop(config: SoftmaxConfig, images_var, labels_var, learning_rate):
    """Builds the in-graph multi-step loop over the resident training set.

    Args:
      config: the ``SoftmaxConfig``.
      images_var: uint8 or float32 variable [N, 784], the training images (``resident.pack``).
      labels_var: float32 variable [N, 10], their one-hot labels.
      learning_rate: float32 scalar tensor, built outside so that it enters the loop once.

    Returns:
      batch_indices: int64 placeholder [K, batch_size], one row per step.
      losses: float32 [K], each step's loss after its update (fewer than K only
        when ``config.stop_on_nan`` stops the loop after a non-finite one).
    """
    batch_size = config.batch_size
    batch_indices = tf.compat.v1.placeholder(tf.int64, [None, batch_size], name="batch_indices")
    num_steps = tf.shape(batch_indices, out_type=tf.int32)[0]
    # The ops of TF1's tf.TensorArray(tf.float32, size=0, dynamic_size=True),
    # written directly: the loop carries its flow (see tf1_while_loop).
    handle, flow = tf.raw_ops.TensorArrayV3(
        size=0, dtype=tf.float32, dynamic_size=True, identical_element_shapes=True,
        name="step_losses")

    def step(i, flow):
        # flow comes from the previous step's write, which follows its update and
        # its loss read; this step's variable reads must wait for both, and
        # nothing else orders them across iterations.
        with tf.control_dependencies([flow]):
            # Each step gathers its own batch (78 KB of bytes at 100 x 784,
            # converted to the 313 KB of floats input_data made), small enough
            # to stay in cache for the step's three matmuls.  A whole run's
            # batches gathered into one block up front (78 MB of floats for
            # 250 steps) and sliced per step measured slower
            # (docs/benchmarks.md): the block goes out to memory and back.
            index = batch_indices[i]
            images = resident.unpack(images_var.sparse_read(index, name="batch_images"))
            labels = labels_var.sparse_read(index, name="batch_labels")
            train_op = training(loss(inference(images), labels, config), learning_rate)
        with tf.control_dependencies([train_op]):
            # The seed's second Session.run: the same batch, after the update.
            after = loss(inference(images), labels, config)
        flow = tf.raw_ops.TensorArrayWriteV3(handle=handle, index=i, value=after, flow_in=flow)
        return i + 1, flow, after

    if config.stop_on_nan:
        # A third loop variable, the last loss, lets the loop stop after it.
        _, flow, _ = tf1_while_loop(
            lambda i, flow, last: tf.logical_and(i < num_steps, tf.math.is_finite(last)),
            lambda i, flow, last: step(i, flow), (tf.constant(0), flow, tf.constant(0.0)),
            name="train_steps")
    else:
        _, flow = tf1_while_loop(
            lambda i, flow: i < num_steps, lambda i, flow: step(i, flow)[:2],
            (tf.constant(0), flow), name="train_steps")
    with tf.compat.v1.name_scope("step_losses_stack"):
        written = tf.raw_ops.TensorArraySizeV3(handle=handle, flow_in=flow)
        losses = tf.raw_ops.TensorArrayGatherV3(
            handle=handle, indices=tf.range(0, written), flow_in=flow, dtype=tf.float32,
            element_shape=[])
    return batch_indices, losses


def build_xla_loop(config: SoftmaxConfig, images_var, labels_var, weights, biases):
    """Builds the fast path: one call of ``fast.make_steps(config)`` and the update of W and b.

    Args:
      config: the ``SoftmaxConfig``.
      images_var: uint8 or float32 variable [N, 784], the training images
        (``resident.pack``).
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
