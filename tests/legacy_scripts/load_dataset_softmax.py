"""A TF1-era softmax regression on tf.contrib.learn.datasets.load_dataset('mnist')."""
import numpy as np
import tensorflow as tf

tf.set_random_seed(0)
mnist = tf.contrib.learn.datasets.load_dataset("mnist")
train_data = mnist.train.images  # Returns np.array
train_labels = np.asarray(mnist.train.labels, dtype=np.int32)
eval_data = mnist.test.images
eval_labels = np.asarray(mnist.test.labels, dtype=np.int32)

x = tf.placeholder(tf.float32, [None, 784])
labels = tf.placeholder(tf.int32, [None])
W = tf.Variable(tf.zeros([784, 10]))
b = tf.Variable(tf.zeros([10]))
logits = tf.matmul(x, W) + b
loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
train_step = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1, output_type=tf.int32), labels), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for start in range(0, 5000, 100):
        idx = np.arange(start, start + 100) % len(train_data)
        sess.run(train_step, {x: train_data[idx], labels: train_labels[idx]})
    print("Accuracy: %.4f" % sess.run(accuracy, {x: eval_data, labels: eval_labels}))
