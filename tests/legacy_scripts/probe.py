"""A TF1-style script that reports what it sees, as JSON, then exits with status 3.

It imports TF1's module paths, a helper module next to it (which imports
tensorflow itself), plots with plt.show(), and reads mnist.validation /
num_examples, the way TF1 scripts did.
"""
import json
import os
import sys

import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data
import tensorflow.examples.tutorials.mnist.input_data as input_data_again
from tensorflow.contrib.learn.python.learn.datasets import mnist as contrib_mnist
from tensorflow.contrib.learn.python.learn.datasets.mnist import read_data_sets
import matplotlib
import matplotlib.pyplot as plt

import probe_helper

mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
fake = read_data_sets("MNIST_data/", fake_data=True, one_hot=True)
fake_images, fake_labels = fake.train.next_batch(2, fake_data=True)

x = tf.placeholder(tf.float32, [None, 784])
total = tf.reduce_sum(x)
with tf.Session() as sess:
    batch_xs, batch_ys = mnist.train.next_batch(100)
    batch_sum = float(sess.run(total, feed_dict={x: batch_xs}))

plt.plot([1, 2, 3])
plt.show()  # must not block

try:
    from tensorflow.contrib import factorization  # noqa: F401  (out of scope under run-legacy)
    contrib_import_error = None
except ImportError as err:
    contrib_import_error = str(err)

facts = {
    "argv": sys.argv,
    "name": __name__,
    "file": os.path.basename(__file__),
    "path0": sys.path[0],
    "cwd": os.getcwd(),
    "tf_name": tf.__name__,
    "has_placeholder": hasattr(tf, "placeholder"),
    "has_contrib": hasattr(tf, "contrib"),
    "executing_eagerly": tf.executing_eagerly(),
    "same_module": input_data is input_data_again and input_data is contrib_mnist,
    "helper_has_placeholder": probe_helper.has_placeholder(),
    "backend": matplotlib.get_backend(),
    "train": mnist.train.num_examples,
    "validation": mnist.validation.num_examples,
    "test": mnist.test.num_examples,
    "validation_shape": list(mnist.validation.images.shape),
    "batch_sum": batch_sum,
    "fake_label": fake_labels[0],
    "fake_pixels": sum(fake_images[0]),
    "contrib_import_error": contrib_import_error,
}
print("PROBE " + json.dumps(facts))
print("to stderr", file=sys.stderr)
sys.exit(3)
