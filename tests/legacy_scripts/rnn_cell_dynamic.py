"""A TF1-era two-layer GRU over image rows: tf.nn.rnn_cell (GRUCell, MultiRNNCell, DropoutWrapper) and dynamic_rnn."""
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

tf.set_random_seed(0)
mnist = input_data.read_data_sets("MNIST_data", one_hot=True, seed=0)

x = tf.placeholder(tf.float32, [None, 28, 28])
y = tf.placeholder(tf.float32, [None, 10])
keep_prob = tf.placeholder_with_default(1.0, [])
cells = [tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.GRUCell(48), output_keep_prob=keep_prob) for _ in range(2)]
stacked = tf.nn.rnn_cell.MultiRNNCell(cells)
outputs, state = tf.nn.dynamic_rnn(stacked, x, dtype=tf.float32)
logits = tf.layers.dense(state[-1], 10)
loss = tf.losses.softmax_cross_entropy(onehot_labels=y, logits=logits)
train = tf.train.AdamOptimizer(0.01).minimize(loss)
correct = tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1))
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(80):
        xs, ys = mnist.train.next_batch(64)
        sess.run(train, {x: xs.reshape(-1, 28, 28), y: ys, keep_prob: 0.9})
    print("Accuracy: %.4f" % sess.run(accuracy, {x: mnist.test.images.reshape(-1, 28, 28), y: mnist.test.labels}))
