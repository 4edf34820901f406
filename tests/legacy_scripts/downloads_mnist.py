"""A TF1-era script that downloads MNIST itself (urllib, then Keras' get_file) and parses the IDX files by hand."""
import gzip
import os
import struct
import sys

import numpy as np
import tensorflow as tf
from six.moves import urllib

SOURCE = "http://yann.lecun.com/exdb/mnist/"
WORK_DIRECTORY = "data"


def maybe_download(filename):
    if not tf.gfile.Exists(WORK_DIRECTORY):
        tf.gfile.MakeDirs(WORK_DIRECTORY)
    filepath = os.path.join(WORK_DIRECTORY, filename)
    if not tf.gfile.Exists(filepath):
        filepath, _ = urllib.request.urlretrieve(SOURCE + filename, filepath)
        size = tf.gfile.Stat(filepath).length
        print("Successfully downloaded", filename, size, "bytes.")
    return filepath


def extract(filename):
    with gzip.open(filename) as bytestream:
        magic, count = struct.unpack(">II", bytestream.read(8))
        if magic == 2051:
            rows, cols = struct.unpack(">II", bytestream.read(8))
            data = np.frombuffer(bytestream.read(count * rows * cols), dtype=np.uint8)
            return data.reshape(count, rows * cols).astype(np.float32) / 255.0
        return np.frombuffer(bytestream.read(count), dtype=np.uint8).astype(np.int64)


train_x = extract(maybe_download("train-images-idx3-ubyte.gz"))
train_y = extract(maybe_download("train-labels-idx1-ubyte.gz"))
test_x = extract(maybe_download("t10k-images-idx3-ubyte.gz"))
test_y = extract(maybe_download("t10k-labels-idx1-ubyte.gz"))

# Keras' copy, through the same kind of call the Keras examples made
if not os.path.isdir("keras-cache"):
    os.makedirs("keras-cache")
npz = tf.keras.utils.get_file("mnist.npz", origin="https://s3.amazonaws.com/img-datasets/mnist.npz",
                              cache_dir=os.path.abspath("keras-cache"))
with np.load(npz) as f:
    keras_test_count = len(f["y_test"])
# Anything else still goes to the network (none here): the script sees the failure as before
try:
    urllib.request.urlopen("http://127.0.0.1:9/not-mnist.bin", timeout=2)
    other = "reached"
except (urllib.error.URLError, OSError) as err:
    other = type(err).__name__

tf.set_random_seed(3)
x = tf.placeholder(tf.float32, [None, 784])
y = tf.placeholder(tf.int64, [None])
W = tf.Variable(tf.zeros([784, 10]))
b = tf.Variable(tf.zeros([10]))
logits = tf.matmul(x, W) + b
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32))
rng = np.random.RandomState(0)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(300):
        idx = rng.randint(0, len(train_x), 100)
        sess.run(train, feed_dict={x: train_x[idx], y: train_y[idx]})
    acc = sess.run(accuracy, feed_dict={x: test_x, y: test_y})
print("DOWNLOADS %d %d %d %s" % (len(train_x), len(test_x), keras_test_count, other))
print("Accuracy: %.4f" % acc)
sys.exit(0)
