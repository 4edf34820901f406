"""A TF1-era softmax regression written against NumPy 1: np.float, np.int, np.asfarray, np.reshape(newshape=)."""
import numpy as np
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

tf.set_random_seed(0)
np.random.seed(0)
mnist = input_data.read_data_sets("MNIST_data/", one_hot=False)

x = tf.placeholder(tf.float32, [None, 784])
y = tf.placeholder(tf.int64, [None])
W = tf.Variable(tf.zeros([784, 10]))
b = tf.Variable(tf.zeros([10]))
logits = tf.matmul(x, W) + b
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
train_step = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
correct = tf.equal(tf.argmax(logits, 1), y)
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(300):
        images, labels = mnist.train.next_batch(100)
        images = np.reshape(np.asfarray(images), newshape=(-1, 784))  # NumPy 1 keywords
        labels = labels.astype(np.int)
        sess.run(train_step, feed_dict={x: images.astype(np.float), y: labels})
    test_images = np.array(mnist.test.images, dtype=np.float_, copy=False)
    acc = sess.run(accuracy, feed_dict={x: test_images, y: mnist.test.labels.astype(np.int)})
    # tf.argmax without an axis takes axis 0 (TF1's default): the busiest class per column.
    first_axis = sess.run(tf.argmax(tf.constant([[1, 5], [3, 2]])))

print("NUMPY1 %s %s %s %s" % (np.float is float, np.int is int, np.NaN != np.NaN, np.product([2, 3])))
print("ARGMAX-NO-AXIS %s" % first_axis.tolist())
print("Accuracy: %.4f" % acc)
