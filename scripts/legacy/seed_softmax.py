# Softmax regression on MNIST, written for TensorFlow 1.x.
#
# This is the project's seed program exactly as a TF1 user wrote it.  It is
# kept unmodified on purpose: run it on today's TensorFlow with
#
#     tfv1-mnist run-legacy scripts/legacy/seed_softmax.py
#
from tensorflow.examples.tutorials.mnist import input_data
import tensorflow as tf
import matplotlib.pyplot as plt

mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)

X = tf.placeholder(tf.float32, [None, 784])
Y = tf.placeholder(tf.float32, [None, 10])

W = tf.Variable(tf.random_normal([784, 10]))
b = tf.Variable(tf.random_normal([10]))

hypothesis = tf.nn.softmax(tf.matmul(X, W) + b)
loss = -tf.reduce_sum(Y * tf.log(hypothesis))
train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)

sess = tf.Session()
sess.run(tf.global_variables_initializer())

losses = []
for step in range(1000):
    batch_xs, batch_ys = mnist.train.next_batch(100)
    sess.run(train, feed_dict={X: batch_xs, Y: batch_ys})
    losses.append(sess.run(loss, feed_dict={X: batch_xs, Y: batch_ys}))

plt.plot(losses)
plt.xlabel("step")
plt.ylabel("loss")
plt.show()

correct_prediction = tf.equal(tf.argmax(hypothesis, 1), tf.argmax(Y, 1))
accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
print("Accuracy:", sess.run(accuracy, feed_dict={X: mnist.test.images, Y: mnist.test.labels}))
