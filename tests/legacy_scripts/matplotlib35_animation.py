"""A TF1-era script that trains inside a FuncAnimation callback and plots its loss live (matplotlib 3.5 names)."""
import matplotlib
matplotlib.use("TkAgg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np
import tensorflow as tf
from matplotlib import cm
from matplotlib.animation import FuncAnimation
from tensorflow.examples.tutorials.mnist import input_data

tf.set_random_seed(1)
mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)

x = tf.placeholder(tf.float32, [None, 784])
y_ = tf.placeholder(tf.float32, [None, 10])
W = tf.Variable(tf.zeros([784, 10]))
b = tf.Variable(tf.zeros([10]))
y = tf.matmul(x, W) + b
cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_, logits=y))
train_step = tf.train.GradientDescentOptimizer(0.5).minimize(cross_entropy)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(y, 1), tf.argmax(y_, 1)), tf.float32))

sess = tf.Session()
sess.run(tf.global_variables_initializer())

plt.style.use("seaborn-whitegrid")
fig, (ax_loss, ax_weights) = plt.subplots(1, 2, figsize=(8, 3))
fig.canvas.set_window_title("Training softmax regression")
line, = ax_loss.plot([], [])
ax_loss.set_xlim(0, 200)
ax_loss.set_ylim(0, 2.5)
image = ax_weights.imshow(np.zeros((28, 28)), cmap=cm.get_cmap("seismic"), vmin=-0.5, vmax=0.5)
losses = []
calls = []


def update(frame):
    calls.append(frame)
    batch_xs, batch_ys = mnist.train.next_batch(100)
    _, loss = sess.run([train_step, cross_entropy], feed_dict={x: batch_xs, y_: batch_ys})
    losses.append(loss)
    line.set_data(range(len(losses)), losses)
    image.set_data(sess.run(W)[:, 3].reshape(28, 28))
    return line, image


animation = FuncAnimation(fig, update, frames=200, interval=10, repeat=False)
print("Click the figure to start")
pressed = plt.waitforbuttonpress()
title = fig.canvas.get_window_title()
plt.show()

acc = sess.run(accuracy, feed_dict={x: mnist.test.images, y_: mnist.test.labels})
print("ANIMATION pressed=%s calls=%d first=%s last=%s title=%s" % (
    pressed, len(calls), calls[0], calls[-1], title))
plt.plot(losses)
plt.pause(5.0)
clicks = plt.ginput(2, timeout=0)
print("GINPUT %s" % clicks)
plt.show()
print("Accuracy: %.4f" % acc)
