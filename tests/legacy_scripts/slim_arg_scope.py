"""A TF1-era slim model: tf.contrib.slim with arg_scope over conv2d and fully_connected, slim.get_variables."""
import tensorflow as tf
import tensorflow.contrib.slim as slim
from tensorflow.contrib.framework import arg_scope
from tensorflow.examples.tutorials.mnist import input_data

tf.set_random_seed(0)
mnist = input_data.read_data_sets("MNIST_data/", one_hot=True, seed=0)


def lenet(images):
    with arg_scope([slim.conv2d, slim.fully_connected], activation_fn=tf.nn.relu,
                   weights_initializer=slim.xavier_initializer(),
                   weights_regularizer=slim.l2_regularizer(1e-4)):
        net = slim.conv2d(images, 8, [5, 5], scope="conv1")
        net = slim.max_pool2d(net, [2, 2], scope="pool1")
        net = slim.flatten(net)
        net = slim.fully_connected(net, 64, scope="fc3")
        return slim.fully_connected(net, 10, activation_fn=None, scope="fc4")


x = tf.placeholder(tf.float32, [None, 784])
y = tf.placeholder(tf.float32, [None, 10])
logits = lenet(tf.reshape(x, [-1, 28, 28, 1]))
print("VARIABLES " + " ".join(v.op.name for v in slim.get_variables()))
loss = tf.losses.softmax_cross_entropy(y, logits)
total_loss = tf.losses.get_total_loss()
train_op = tf.train.AdamOptimizer(1e-3).minimize(total_loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1)), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for _ in range(60):
        xs, ys = mnist.train.next_batch(50)
        sess.run(train_op, {x: xs, y: ys})
    print("Accuracy: %.4f" % sess.run(accuracy, {x: mnist.test.images, y: mnist.test.labels}))
