"""A Keras 2.2-era MLP: np_utils, objectives, RMSprop(lr=, decay=), get_session/set_session, fit in a TF1 graph."""
import numpy as np
import tensorflow as tf
from keras import backend as K
from keras import objectives
from keras.backend.tensorflow_backend import set_session
from keras.layers.core import Activation, Dense, Dropout
from keras.models import Model, Sequential
from keras.optimizers import RMSprop
from keras.utils import np_utils
from tensorflow.examples.tutorials.mnist import input_data

np.random.seed(0)
tf.set_random_seed(0)
config = tf.ConfigProto()
config.gpu_options.allow_growth = True
set_session(tf.Session(config=config))

mnist = input_data.read_data_sets("MNIST_data", seed=0)
x_train, x_test = mnist.train.images, mnist.test.images
y_train = np_utils.to_categorical(mnist.train.labels, 10)
y_test = np_utils.to_categorical(mnist.test.labels, 10)

model = Sequential()
model.add(Dense(output_dim=128, input_shape=(784,), init="glorot_uniform"))  # Keras 1 keywords, as 2.2 took them
model.add(Activation("relu"))
model.add(Dropout(p=0.2))
model.add(Dense(10, activation="softmax"))
optimizer = RMSprop(lr=0.002, decay=1e-4)
model.compile(loss=objectives.categorical_crossentropy, optimizer=optimizer, metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=64, nb_epoch=2, verbose=0, validation_data=(x_test, y_test))
loss, acc = model.evaluate(x_test, y_test, verbose=0)
predicted = model.predict(x_test[:10])
session = K.get_session()
lr = K.get_value(model.optimizer.lr)
iterations = K.get_value(model.optimizer.iterations)
decayed = session.run(model.optimizer._decayed_lr(tf.float32))
print("OPTIMIZER %s lr=%.4f iterations=%d decayed=%.6f" % (type(optimizer).__name__, lr, iterations, decayed))
print("PREDICT %s %s" % (predicted.shape, np.allclose(predicted.sum(axis=1), 1.0, atol=1e-4)))
print("HISTORY %s" % sorted(history.history))
hidden = Model(input=model.input, output=model.layers[1].output)  # Keras 1's input=/output=, as 2.2 took them
print("HIDDEN %s %s" % (hidden.predict(x_test[:5]).shape, isinstance(hidden, Model)))
print("Accuracy: %.4f" % acc)
import keras  # noqa: E402  (a name Keras 2.2.4 had and tf_keras lacks: a LegacySymbolError naming it)

try:
    keras.utils.multi_gpu_model(model, gpus=2)
except AttributeError as err:
    print("MISSING %s: %s" % (type(err).__name__, err))
