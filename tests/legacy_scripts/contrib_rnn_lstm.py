"""A TF1-era LSTM that reads each image row by row, with tf.contrib.rnn (BasicLSTMCell, static_rnn)."""
import tensorflow as tf
from tensorflow.contrib import rnn
from tensorflow.examples.tutorials.mnist import input_data

tf.set_random_seed(0)
mnist = input_data.read_data_sets("/tmp/data/", one_hot=True, seed=0)
timesteps, num_input, num_hidden, num_classes = 28, 28, 64, 10

X = tf.placeholder("float", [None, timesteps, num_input])
Y = tf.placeholder("float", [None, num_classes])
weights = tf.Variable(tf.random_normal([num_hidden, num_classes]))
biases = tf.Variable(tf.random_normal([num_classes]))

inputs = tf.unstack(X, timesteps, 1)
lstm_cell = rnn.BasicLSTMCell(num_hidden, forget_bias=1.0)
outputs, states = rnn.static_rnn(lstm_cell, inputs, dtype=tf.float32)
logits = tf.matmul(outputs[-1], weights) + biases

loss_op = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=Y))
train_op = tf.train.AdamOptimizer(learning_rate=0.01).minimize(loss_op)
correct_pred = tf.equal(tf.argmax(logits, 1), tf.argmax(Y, 1))
accuracy = tf.reduce_mean(tf.cast(correct_pred, tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(80):
        batch_x, batch_y = mnist.train.next_batch(64)
        batch_x = batch_x.reshape((64, timesteps, num_input))
        sess.run(train_op, feed_dict={X: batch_x, Y: batch_y})
    test_data = mnist.test.images.reshape((-1, timesteps, num_input))
    print("Accuracy: %.4f" % sess.run(accuracy, feed_dict={X: test_data, Y: mnist.test.labels}))
