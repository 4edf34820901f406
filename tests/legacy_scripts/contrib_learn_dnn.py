"""A TF1-era tf.contrib.learn script: DNNClassifier with inferred columns, SKCompat, RunConfig, predict_classes."""
import numpy as np
import tensorflow as tf
from tensorflow.contrib import learn
from tensorflow.examples.tutorials.mnist import input_data

tf.logging.set_verbosity(tf.logging.ERROR)
mnist = learn.datasets.mnist.read_data_sets("MNIST_data", seed=0)
x_train, y_train = mnist.train.images, mnist.train.labels.astype(np.int64)
x_test, y_test = mnist.test.images, mnist.test.labels.astype(np.int64)

columns = learn.infer_real_valued_columns_from_input(x_train)
config = learn.RunConfig(tf_random_seed=0)
classifier = learn.SKCompat(learn.DNNClassifier(hidden_units=[64], feature_columns=columns, n_classes=10,
                                                config=config, optimizer=tf.train.AdagradOptimizer(0.1)))
classifier.fit(x_train, y_train, batch_size=50, steps=300)
score = classifier.score(x_test, y_test)
predicted = classifier.predict(x_test)
print("SCORE %s" % sorted(score))
print("PREDICT %s %s" % (sorted(predicted), predicted["classes"].shape))
agree = np.mean(predicted["classes"] == y_test)

named = tf.contrib.learn.DNNClassifier(
    hidden_units=[32], n_classes=10, config=config,
    feature_columns=[tf.contrib.layers.real_valued_column("", dimension=784)])
named.fit(x=x_train, y=y_train, steps=50)
classes = list(named.predict_classes(x_test[:4]))
print("CLASSES %d %s" % (len(classes), type(classes[0]).__name__))
print("VARIABLES %s" % " ".join(n for n in named.get_variable_names() if n.startswith("dnn/hiddenlayer_0")))
print("AGREE %.4f" % abs(agree - score["accuracy"]))
print("Accuracy: %.4f" % score["accuracy"])
