"""``tf.contrib.rnn`` for legacy scripts: TF 2's v1 cells, plus the stacked bidirectional RNNs.

TF 1.15's ``tf.contrib.rnn`` re-exported the core cells (``BasicLSTMCell``,
``MultiRNNCell``, the wrappers...) and ``static_rnn``/``static_bidirectional_rnn``;
those are still in ``tf.compat.v1.nn.rnn_cell`` and ``tf.compat.v1.nn`` (under
Keras 2, which the run-legacy child has).  ``stack_bidirectional_rnn`` and
``stack_bidirectional_dynamic_rnn`` lived only in contrib: they are ported
below from TF 1.15's ``tensorflow/contrib/rnn/python/ops/rnn.py`` (Apache 2.0,
The TensorFlow Authors), with the same checks, scopes (``stack_bidirectional_rnn/cell_%d``)
and results, so checkpoints keep their variable names.

Pattern: a thin re-export plus a faithful port, each noted with its origin.
"""

from __future__ import annotations

import types

__all__ = ["CELL_NAMES", "FUNCTION_NAMES", "contrib_rnn", "stack_bidirectional_dynamic_rnn", "stack_bidirectional_rnn"]

#: ``tf.contrib.rnn`` names that ``tf.compat.v1.nn.rnn_cell`` still has.
CELL_NAMES = (
    "RNNCell", "BasicRNNCell", "BasicLSTMCell", "LSTMCell", "GRUCell", "LSTMStateTuple",
    "MultiRNNCell", "DropoutWrapper", "ResidualWrapper", "DeviceWrapper",
)
#: ``tf.contrib.rnn`` functions that ``tf.compat.v1.nn`` still has.
FUNCTION_NAMES = ("static_rnn", "static_bidirectional_rnn", "static_state_saving_rnn")

# Contrib-only names and what to use instead (they stay errors: none maps without
# changing variable names or maths).
REPLACEMENTS = {
    "LSTMBlockCell": "tf.nn.rnn_cell.LSTMCell (same gates, other variable names: old checkpoints do not load)",
    "LSTMBlockFusedCell": "tf.nn.rnn_cell.LSTMCell with tf.nn.dynamic_rnn",
    "GRUBlockCell": "tf.nn.rnn_cell.GRUCell",
    "GRUBlockCellV2": "tf.nn.rnn_cell.GRUCell",
    "LayerNormBasicLSTMCell": "tf.keras.layers.LSTMCell with tf.keras.layers.LayerNormalization",
    "AttentionCellWrapper": "tf.keras.layers.Attention",
}


def _stack_layers(cells_fw, cells_bw, initial_states_fw, initial_states_bw):
    """TF 1.15's checks (and messages); then a list of ``(i, cell_fw, cell_bw, initial_fw, initial_bw)``, one per layer.

    TF writes this part out in both stack functions; here they share it.
    """
    _check_stack_args(cells_fw, cells_bw, initial_states_fw, initial_states_bw)
    return [(i, cell_fw, cell_bw, initial_states_fw[i] if initial_states_fw else None,
             initial_states_bw[i] if initial_states_bw else None)
            for i, (cell_fw, cell_bw) in enumerate(zip(cells_fw, cells_bw))]


def _check_stack_args(cells_fw, cells_bw, initial_states_fw, initial_states_bw) -> None:
    if not cells_fw:
        raise ValueError("Must specify at least one fw cell for BidirectionalRNN.")
    if not cells_bw:
        raise ValueError("Must specify at least one bw cell for BidirectionalRNN.")
    if not isinstance(cells_fw, list):
        raise ValueError("cells_fw must be a list of RNNCells (one per layer).")
    if not isinstance(cells_bw, list):
        raise ValueError("cells_bw must be a list of RNNCells (one per layer).")
    if len(cells_fw) != len(cells_bw):
        raise ValueError("Forward and Backward cells must have the same depth.")
    for states, cells, which in ((initial_states_fw, cells_fw, "fw"), (initial_states_bw, cells_bw, "bw")):
        if states is not None and (not isinstance(states, list) or len(states) != len(cells)):
            raise ValueError(f"initial_states_{which} must be a list of state tensors (one per layer).")


def stack_bidirectional_rnn(cells_fw, cells_bw, inputs, initial_states_fw=None, initial_states_bw=None,
                            dtype=None, sequence_length=None, scope=None):
    """Stacks bidirectional static RNN layers (TF 1.15's ``tf.contrib.rnn.stack_bidirectional_rnn``).

    Each layer's depth-concatenated forward and backward outputs are the next
    layer's inputs (https://arxiv.org/abs/1303.5778).

    Args:
      cells_fw: list of RNNCell, one per layer, forward direction.
      cells_bw: list of RNNCell, one per layer, backward direction.
      inputs: length-T list of float tensors [batch_size, input_size].
      initial_states_fw: optional list of initial states, one per layer, each
        [batch_size, cell_fw.state_size].
      initial_states_bw: the same for ``cells_bw``.
      dtype: dtype of the initial states; needed when they are not given.
      sequence_length: optional int32/int64 [batch_size], each sequence's length.
      scope: variable scope (default ``"stack_bidirectional_rnn"``).

    Returns:
      ``(outputs, output_states_fw, output_states_bw)``: a length-T list of
      float [batch_size, fw.output_size + bw.output_size], and tuples with
      each layer's final forward and backward state.

    Raises:
      ValueError: empty or non-list cells, different depths, or initial
        states that are not one per layer (TF1's messages).
    """
    import tensorflow as tf

    v1 = tf.compat.v1
    layers = _stack_layers(cells_fw, cells_bw, initial_states_fw, initial_states_bw)
    states_fw, states_bw = [], []
    prev_layer = inputs
    with v1.variable_scope(scope or "stack_bidirectional_rnn"):
        for i, cell_fw, cell_bw, initial_state_fw, initial_state_bw in layers:
            with v1.variable_scope("cell_%d" % i) as cell_scope:
                prev_layer, state_fw, state_bw = v1.nn.static_bidirectional_rnn(
                    cell_fw, cell_bw, prev_layer, initial_state_fw=initial_state_fw,
                    initial_state_bw=initial_state_bw, sequence_length=sequence_length, dtype=dtype,
                    scope=cell_scope)
            states_fw.append(state_fw)
            states_bw.append(state_bw)
    return prev_layer, tuple(states_fw), tuple(states_bw)


def stack_bidirectional_dynamic_rnn(cells_fw, cells_bw, inputs, initial_states_fw=None, initial_states_bw=None,
                                    dtype=None, sequence_length=None, parallel_iterations=None,
                                    time_major=False, scope=None):
    """Stacks bidirectional dynamic RNN layers (TF 1.15's ``tf.contrib.rnn.stack_bidirectional_dynamic_rnn``).

    Args:
      cells_fw, cells_bw, initial_states_fw, initial_states_bw, dtype,
        sequence_length, scope: as in `stack_bidirectional_rnn`.
      inputs: float tensor [batch_size, max_time, depth] ([max_time,
        batch_size, depth] when ``time_major``).
      parallel_iterations: ``tf.nn.dynamic_rnn``'s (default 32).
      time_major: whether ``inputs`` and the outputs are time-major.

    Returns:
      ``(outputs, output_states_fw, output_states_bw)``: outputs float
      [batch_size, max_time, fw.output_size + bw.output_size] (time-major if
      asked), and tuples with each layer's final states.

    Raises:
      ValueError: as `stack_bidirectional_rnn`.
    """
    import tensorflow as tf

    v1 = tf.compat.v1
    layers = _stack_layers(cells_fw, cells_bw, initial_states_fw, initial_states_bw)
    states_fw, states_bw = [], []
    prev_layer = inputs
    with v1.variable_scope(scope or "stack_bidirectional_rnn"):
        for i, cell_fw, cell_bw, initial_state_fw, initial_state_bw in layers:
            with v1.variable_scope("cell_%d" % i):
                outputs, (state_fw, state_bw) = v1.nn.bidirectional_dynamic_rnn(
                    cell_fw, cell_bw, prev_layer, initial_state_fw=initial_state_fw,
                    initial_state_bw=initial_state_bw, sequence_length=sequence_length,
                    parallel_iterations=parallel_iterations, dtype=dtype, time_major=time_major)
                prev_layer = tf.concat(outputs, 2)  # the next layer's input
            states_fw.append(state_fw)
            states_bw.append(state_bw)
    return prev_layer, tuple(states_fw), tuple(states_bw)


def contrib_rnn(name: str = "tensorflow.contrib.rnn") -> types.ModuleType:
    """The names of ``tf.contrib.rnn`` that have a faithful counterpart, as a new module.

    Needs Keras 2 (``TF_USE_LEGACY_KERAS=1`` before TensorFlow was imported)
    for the cells.
    """
    import tensorflow as tf

    v1 = tf.compat.v1
    module = types.ModuleType(name, "TF 1.15's tf.contrib.rnn, as far as TF 2 still has it (tfv1_mnist.legacy.rnn).")
    for cell in CELL_NAMES:
        module.__dict__[cell] = getattr(v1.nn.rnn_cell, cell)
    for function in FUNCTION_NAMES:
        module.__dict__[function] = getattr(v1.nn, function)
    module.__dict__.update(
        stack_bidirectional_rnn=stack_bidirectional_rnn,
        stack_bidirectional_dynamic_rnn=stack_bidirectional_dynamic_rnn,
    )
    return module
