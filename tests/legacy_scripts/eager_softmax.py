"""A TF1-era eager script: tf.enable_eager_execution() with tf.contrib.eager (Iterator, implicit_gradients, Variable)."""
import tensorflow as tf
import tensorflow.contrib.eager as tfe
from tensorflow.examples.tutorials.mnist import input_data

tf.enable_eager_execution()
tf.set_random_seed(0)
mnist = input_data.read_data_sets("MNIST_data/", one_hot=True, seed=0)

W = tfe.Variable(tf.zeros([784, 10]), name="W")
b = tfe.Variable(tf.zeros([10]), name="b")


def loss_fn(x, y):
    return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=tf.matmul(x, W) + b))


grad_fn = tfe.implicit_gradients(loss_fn)
optimizer = tf.train.GradientDescentOptimizer(0.5)
dataset = tf.data.Dataset.from_tensor_slices((mnist.train.images, mnist.train.labels)).batch(100)
for step, (x, y) in enumerate(tfe.Iterator(dataset)):
    optimizer.apply_gradients(grad_fn(x, y))
    if step == 30:
        break
print("EAGER %s %d" % (tf.executing_eagerly(), len(grad_fn(x, y))))
logits = tf.matmul(tf.constant(mnist.test.images), W) + b
correct = tf.equal(tf.argmax(logits, 1), tf.argmax(mnist.test.labels, 1))
print("Accuracy: %.4f" % tf.reduce_mean(tf.cast(correct, tf.float32)).numpy())
