"""A TF1-era MLP with tf.contrib.layers: fully_connected, flatten, xavier_initializer, l2_regularizer."""
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

tf.set_random_seed(0)
mnist = input_data.read_data_sets("MNIST_data/", one_hot=True, seed=0)

x = tf.placeholder(tf.float32, [None, 28, 28, 1])
y_ = tf.placeholder(tf.float32, [None, 10])
flat = tf.contrib.layers.flatten(x)
hidden = tf.contrib.layers.fully_connected(
    flat, 128, weights_initializer=tf.contrib.layers.xavier_initializer(),
    weights_regularizer=tf.contrib.layers.l2_regularizer(1e-4))
logits = tf.contrib.layers.fully_connected(hidden, 10, activation_fn=None,
                                           weights_regularizer=tf.contrib.layers.l2_regularizer(1e-4))
loss = tf.losses.softmax_cross_entropy(y_, logits) + tf.losses.get_regularization_loss()
train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y_, 1)), tf.float32))
print("REGULARIZERS %d" % len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for _ in range(100):
        xs, ys = mnist.train.next_batch(100)
        sess.run(train_op, {x: xs.reshape(-1, 28, 28, 1), y_: ys})
    print("Accuracy: %.4f" % sess.run(accuracy, {x: mnist.test.images.reshape(-1, 28, 28, 1), y_: mnist.test.labels}))
