"""A TF1-era MLP whose sizes come from NumPy values, with a NumPy flag default and a private TF import."""
import numpy as np
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data
from tensorflow.python.framework.ops import Tensor
from tensorflow.python.framework import ops

flags = tf.app.flags
flags.DEFINE_integer("hidden", np.int64(64), "hidden units")
flags.DEFINE_integer("steps", np.prod([20, 15]), "training steps")
flags.DEFINE_float("learning_rate", np.float64(0.3), "learning rate")
FLAGS = flags.FLAGS

tf.set_random_seed(2)
mnist = input_data.read_data_sets("MNIST_data/", one_hot=False)
# uint8 labels: under NumPy 1, max() + 1 was an int64; under NumPy 2 it stays uint8
n_classes = mnist.train.labels.astype(np.uint8).max() + 1
side = np.uint8(28)

x = tf.placeholder(tf.float32, [None, 784])
y = tf.placeholder(tf.int64, [None])
images = tf.reshape(x, np.array([-1, side, side, 1]))
flat = tf.reshape(images, [-1, 784])
W1 = tf.Variable(tf.truncated_normal([784, FLAGS.hidden], stddev=0.05, seed=1))
b1 = tf.Variable(tf.zeros([FLAGS.hidden]))
W2 = tf.Variable(tf.random_normal([FLAGS.hidden, n_classes], stddev=0.05, seed=2))
b2 = tf.Variable(tf.random_uniform([n_classes], maxval=0.01, seed=3))
hidden = tf.nn.relu(tf.matmul(flat, W1) + b1)
logits = tf.matmul(hidden, W2) + b2
loss = tf.losses.sparse_softmax_cross_entropy(labels=y, logits=logits)
train_op = tf.train.GradientDescentOptimizer(FLAGS.learning_rate).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32))

# TF 1.15 refused an explicitly uint8 shape array for random ops too: this one still fails, with TF1's message
try:
    tf.random_normal(np.array([2, 3], np.uint8))
    uint8_array = "accepted"
except TypeError as err:
    uint8_array = str(err)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for _ in range(FLAGS.steps):
        batch_x, batch_y = mnist.train.next_batch(50)
        sess.run(train_op, feed_dict={x: batch_x, y: batch_y})
    acc = sess.run(accuracy, feed_dict={x: mnist.test.images, y: mnist.test.labels})

print("CONVERSIONS %s %s %s %s %s" % (type(n_classes).__name__, isinstance(logits, Tensor),
                                      ops.IndexedSlices.__name__, FLAGS.hidden, FLAGS.steps))
print("UINT8-ARRAY %s" % uint8_array)
print("Accuracy: %.4f" % acc)
