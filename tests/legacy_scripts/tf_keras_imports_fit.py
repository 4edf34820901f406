"""TF 1.x tf.keras through its import paths: tensorflow.keras / tensorflow.python.keras, Adam(lr=, decay=), fit."""
import tensorflow as tf
from tensorflow.keras.layers import Dense, Flatten
from tensorflow.keras.models import Sequential
from tensorflow.keras.optimizers import Adam
from tensorflow.python.keras import backend as K
from tensorflow.python.keras.utils import np_utils

tf.set_random_seed(0)
(x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
x_train, x_test = x_train / 255.0, x_test / 255.0
model = Sequential([Flatten(input_shape=(28, 28)), Dense(64, activation="relu"), Dense(10, activation="softmax")])
optimizer = Adam(lr=0.002, decay=1e-3)
model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, np_utils.to_categorical(y_train, 10), epochs=1, batch_size=32, verbose=0)
loss, acc = model.evaluate(x_test, np_utils.to_categorical(y_test, 10), verbose=0)
print("OPTIMIZER %s %s %.4f" % (type(optimizer).__module__, type(model.optimizer).__name__,
                                K.get_value(optimizer.lr)))
print("SESSION %s" % (K.get_session() is tf.keras.backend.get_session()))
print("Accuracy: %.4f" % acc)
