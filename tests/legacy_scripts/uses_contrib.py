"""A TF1 script that uses tf.contrib, which has no counterpart on TF 2."""
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
x = tf.placeholder(tf.float32, [None, 784])
hidden = tf.contrib.layers.fully_connected(x, 128)
print("unreachable")
