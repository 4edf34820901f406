"""A TF1-era canned-estimator script: DNNClassifier and LinearClassifier on numeric_column features of input_data."""
import sys

import numpy as np
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

tf.logging.set_verbosity(tf.logging.ERROR)
model_dir = sys.argv[1] if len(sys.argv) > 1 else None
mnist = input_data.read_data_sets("MNIST_data", seed=0)
train_x, train_y = mnist.train.images, mnist.train.labels.astype(np.int32)
test_x, test_y = mnist.test.images, mnist.test.labels.astype(np.int32)
columns = [tf.feature_column.numeric_column("x", shape=[784])]
config = tf.estimator.RunConfig(tf_random_seed=0)

classifier = tf.estimator.DNNClassifier(hidden_units=[64], feature_columns=columns, n_classes=10,
                                        model_dir=model_dir, config=config)
train_fn = tf.estimator.inputs.numpy_input_fn({"x": train_x}, train_y, batch_size=50, num_epochs=None, shuffle=True)
classifier.train(input_fn=train_fn, steps=300)
eval_fn = tf.estimator.inputs.numpy_input_fn({"x": test_x}, test_y, num_epochs=1, shuffle=False)
results = classifier.evaluate(input_fn=eval_fn)
print("METRICS %s" % sorted(results))
predictions = list(classifier.predict(tf.estimator.inputs.numpy_input_fn({"x": test_x[:3]}, shuffle=False)))
first = predictions[0]
print("PREDICTIONS %s %s %s" % (sorted(first), first["class_ids"].dtype, first["classes"]))
print("VARIABLES %s" % " ".join(n for n in classifier.get_variable_names() if n.startswith("dnn/")))

linear = tf.estimator.LinearClassifier(feature_columns=columns, n_classes=10, config=config,
                                       label_vocabulary=[str(d) for d in range(10)])
to_text = np.vectorize(str)
linear.train(tf.estimator.inputs.numpy_input_fn({"x": train_x}, to_text(train_y), batch_size=50, num_epochs=None,
                                                shuffle=True), steps=200)
linear_results = linear.evaluate(tf.estimator.inputs.numpy_input_fn({"x": test_x}, to_text(test_y), shuffle=False))
print("LINEAR accuracy %.4f" % linear_results["accuracy"])
print("Accuracy: %.4f" % results["accuracy"])
