"""A TF1 script that uses a part of tf.contrib that run-legacy does not provide."""
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
x = tf.placeholder(tf.float32, [None, 784])
clusters = tf.contrib.factorization.KMeans(x, 10)
print("unreachable")
