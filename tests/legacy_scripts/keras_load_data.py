"""A TF1-era tf.keras script: tf.keras.datasets.mnist.load_data() and a Sequential model, plus standalone Keras."""
import keras
import tensorflow as tf

tf.set_random_seed(0)
(x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
x_train, x_test = x_train / 255.0, x_test / 255.0
print("KERAS %s %s %s" % (tf.keras.layers.Dense.__module__, keras.__version__, x_train.shape[1:]))

model = tf.keras.models.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(64, activation=tf.nn.relu),
    tf.keras.layers.Dense(10, activation=tf.nn.softmax),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train[:2000], y_train[:2000], epochs=1, batch_size=50, verbose=0)
loss, acc = model.evaluate(x_test, y_test, verbose=0)
print("Accuracy: %.4f" % acc)
