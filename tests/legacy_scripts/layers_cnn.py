"""A TF1-era CNN written with tf.layers (conv2d, max_pooling2d, dense, dropout), fed from input_data."""
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

tf.set_random_seed(0)
mnist = input_data.read_data_sets("MNIST_data/", one_hot=True, seed=0)

x = tf.placeholder(tf.float32, [None, 784])
y_ = tf.placeholder(tf.float32, [None, 10])
training = tf.placeholder_with_default(False, [])
images = tf.reshape(x, [-1, 28, 28, 1])
conv = tf.layers.conv2d(images, filters=8, kernel_size=5, padding="same", activation=tf.nn.relu)
pool = tf.layers.max_pooling2d(conv, pool_size=2, strides=2)
flat = tf.layers.flatten(pool)
hidden = tf.layers.dense(flat, 64, activation=tf.nn.relu)
dropped = tf.layers.dropout(hidden, rate=0.2, training=training)
logits = tf.layers.dense(dropped, 10)
loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_, logits=logits))
train_step = tf.train.AdamOptimizer(1e-3).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y_, 1)), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(60):
        batch_xs, batch_ys = mnist.train.next_batch(50)
        sess.run(train_step, feed_dict={x: batch_xs, y_: batch_ys, training: True})
    print("Accuracy: %.4f" % sess.run(accuracy, feed_dict={x: mnist.test.images, y_: mnist.test.labels}))
