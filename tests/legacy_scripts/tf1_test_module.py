"""A TF1-era test module: tf.test.TestCase, self.test_session(), tf.placeholder, tf.layers, tf.contrib.rnn.

It passes under `tfv1-mnist run-legacy` (tf.test.main) and `pytest -p tfv1_mnist --tf1`.
"""
import numpy as np
import tensorflow as tf


class LegacyOpsTest(tf.test.TestCase):

  def testSoftmaxRowsSumToOne(self):
    with self.test_session() as sess:
      x = tf.placeholder(tf.float32, [None, 10])
      rows = sess.run(tf.reduce_sum(tf.nn.softmax(x), 1), {x: np.random.RandomState(0).randn(4, 10) * 10})
    self.assertAllClose(rows, np.ones(4), rtol=1e-6)

  def testLayersDenseShapeAndNames(self):
    with self.test_session() as sess:
      x = tf.placeholder(tf.float32, [None, 784])
      logits = tf.layers.dense(x, 10, name="softmax_linear")
      sess.run(tf.global_variables_initializer())
      self.assertEqual(sess.run(logits, {x: np.zeros((3, 784))}).shape, (3, 10))
      self.assertEqual(sorted(v.op.name for v in tf.trainable_variables()),
                       ["softmax_linear/bias", "softmax_linear/kernel"])

  def testStackBidirectionalRnnEqualsTwoBidirectionalLayers(self):
    rng = np.random.RandomState(0)
    with self.test_session() as sess:
      inputs = [tf.constant(rng.randn(2, 4), tf.float32) for _ in range(3)]
      cells = [tf.contrib.rnn.LSTMCell(5) for _ in range(4)]
      outputs, states_fw, states_bw = tf.contrib.rnn.stack_bidirectional_rnn(
          cells[:2], cells[2:], inputs, dtype=tf.float32)
      # the same cells (so the same weights), layer by layer
      layer1, _, _ = tf.nn.static_bidirectional_rnn(cells[0], cells[2], inputs, dtype=tf.float32, scope="ref1")
      layer2, _, _ = tf.nn.static_bidirectional_rnn(cells[1], cells[3], layer1, dtype=tf.float32, scope="ref2")
      sess.run(tf.global_variables_initializer())
      got, expected = sess.run([outputs, layer2])
    self.assertEqual(len(got), 3)
    self.assertEqual(got[0].shape, (2, 10))
    self.assertEqual((len(states_fw), len(states_bw)), (2, 2))
    self.assertAllClose(got, expected, rtol=1e-6, atol=1e-6)
    names = sorted(v.op.name for v in tf.global_variables())
    self.assertIn("stack_bidirectional_rnn/cell_0/fw/lstm_cell/kernel", names)
    self.assertIn("stack_bidirectional_rnn/cell_1/bw/lstm_cell/bias", names)

  def testStackBidirectionalDynamicRnnShapesNamesAndChecks(self):
    with self.test_session() as sess:
      inputs = tf.constant(np.random.RandomState(1).randn(2, 3, 4), tf.float32)
      outputs, states_fw, _ = tf.contrib.rnn.stack_bidirectional_dynamic_rnn(
          [tf.nn.rnn_cell.GRUCell(5)], [tf.nn.rnn_cell.GRUCell(6)], inputs, dtype=tf.float32)
      sess.run(tf.global_variables_initializer())
      self.assertEqual(sess.run(outputs).shape, (2, 3, 11))
      self.assertEqual(len(states_fw), 1)
      names = [v.op.name for v in tf.global_variables()]
      self.assertIn("stack_bidirectional_rnn/cell_0/bidirectional_rnn/bw/gru_cell/candidate/kernel", names)
      with self.assertRaisesRegex(ValueError, "Forward and Backward cells must have the same depth."):
        tf.contrib.rnn.stack_bidirectional_dynamic_rnn(
            [tf.nn.rnn_cell.GRUCell(5)], [tf.nn.rnn_cell.GRUCell(5)] * 2, inputs, dtype=tf.float32)


if __name__ == "__main__":
  tf.test.main()
