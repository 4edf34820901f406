"""Export of a trained ``v2.CNN``: a SavedModel with two signatures, and a Keras file.

Pattern: TF's ``tf.saved_model.save`` of a small ``tf.Module`` holding the
CNN's variables and two ``tf.function`` signatures (``serving_default``: float32
in [0, 1]; ``serving_uint8``: uint8 0..255), plus the seed's
``keras_reference.build_model()`` saved as ``model.keras`` with the same weights.
``load_exported`` reads a SavedModel back as an ``ExportedModel``.  Both files
are written under temporary names and renamed into place.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pathlib
import shutil
import tempfile

import numpy as np
import tensorflow as tf

from tfv1_mnist.cnn import inputs, keras_reference, shapes
from tfv1_mnist.cnn.v2 import CNN
from tfv1_mnist.errors import DataError
from tfv1_mnist.outputs import atomic_path, current_umask

__all__ = ["export", "load_exported", "ExportedModel"]


def _image_spec(dtype) -> tf.TensorSpec:
    # Unknown rank, so [N,28,28] and [N,28,28,1] both match one signature.
    return tf.TensorSpec(shape=None, dtype=dtype, name="images")


class _Serving(tf.Module):
    """What the SavedModel holds: the CNN's variables and two signatures."""

    def __init__(self, model: CNN):
        super().__init__(name="serving")
        self.model = model
        self.normalize = tf.Variable(model.normalize, trainable=False, name="normalize")

        @tf.function(input_signature=[_image_spec(tf.float32)], autograph=False)
        def serving_default(images):
            """images: float32 [N,28,28(,1)] in [0, 1] -> {'probabilities': float32 [N,10]}."""
            x = _checked(images)
            return {"probabilities": tf.nn.softmax(self.model(x * 255.0))}

        @tf.function(input_signature=[_image_spec(tf.uint8)], autograph=False)
        def serving_uint8(images):
            """images: uint8 [N,28,28(,1)] in 0..255 -> {'probabilities': float32 [N,10]}."""
            x = _checked(images)
            return {"probabilities": tf.nn.softmax(self.model(x))}

        self.serving_default = serving_default
        self.serving_uint8 = serving_uint8


def _checked(images: tf.Tensor) -> tf.Tensor:
    shape = tf.shape(images)
    rank = tf.rank(images)
    ok = tf.logical_and(
        tf.logical_or(tf.equal(rank, 3), tf.logical_and(tf.equal(rank, 4),
                                                        tf.equal(shape[-1], 1))),
        tf.reduce_all(tf.equal(tf.concat([shape, [0, 0, 0]], 0)[1:3], [28, 28])))
    with tf.control_dependencies([tf.debugging.Assert(ok, ["images must be [N,28,28] or "
                                                           "[N,28,28,1], got shape", shape])]):
        return inputs.as_nhwc(images)


#: What ``tf.saved_model.save`` logs (through absl, at INFO) for each signature:
#: "Function `serving_default` contains input name(s) resource with unsupported
#: characters which will be renamed to ...".  The inputs it renames are the
#: variables the signature captures, not ``images``: nothing a user can act on.
_RENAMED_INPUTS_NOTICE = "with unsupported characters which will be renamed"


class _DropRenamedInputsNotice(logging.Filter):
    """Drops ``_RENAMED_INPUTS_NOTICE`` records; lets every other record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        return _RENAMED_INPUTS_NOTICE not in record.getMessage()


@contextlib.contextmanager
def _quiet_save():
    """During one save only: the renamed-inputs notice is dropped, TensorFlow's INFO lines muted.

    Both loggers are restored on exit (a filter removed, a level reset), so
    nothing outlives the save.
    """
    tf_logger = logging.getLogger("tensorflow")
    absl_logger = logging.getLogger("absl")
    old_level = tf_logger.level
    notice = _DropRenamedInputsNotice()
    # tf.saved_model.save also logs "Assets written" at INFO.
    tf_logger.setLevel(max(old_level, logging.WARNING))
    absl_logger.addFilter(notice)
    try:
        yield
    finally:
        absl_logger.removeFilter(notice)
        tf_logger.setLevel(old_level)


def export(model: CNN, out_dir: str | os.PathLike) -> dict:
    """Writes ``out_dir/saved_model`` (two signatures) and ``out_dir/model.keras``.

    ``serving_default`` takes float32 [N,28,28] or [N,28,28,1] in [0, 1];
    ``serving_uint8`` takes uint8 0..255.  Both return
    ``{"probabilities": float32 [N,10]}`` and embed the training-time scaling.
    ``model.keras`` is ``keras_reference.build_model()`` holding the same weights;
    like the seed's ``model.save``, it expects inputs scaled as in training
    (raw 0..255 unless trained with ``normalize``).

    Both are written to a temporary name and renamed into place.

    Returns:
      ``{"saved_model": path, "keras": path}``.
    """
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / "saved_model"
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=".saved_model.", dir=out))
    try:
        os.chmod(tmp, 0o777 & ~current_umask())  # mkdtemp's 0700 would hide it from other users
        serving = _Serving(model)
        with _quiet_save():
            tf.saved_model.save(serving, str(tmp), signatures={
                "serving_default": serving.serving_default,
                "serving_uint8": serving.serving_uint8,
            })
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    keras_model = keras_reference.build_model()
    keras_model.set_weights(model.get_weights())
    # Build the (fresh) optimizer so the file loads without a variable-count warning.
    keras_model.optimizer.build(keras_model.trainable_variables)
    keras_path = out / "model.keras"
    with atomic_path(keras_path) as tmp_keras:
        keras_model.save(tmp_keras)
    return {"saved_model": str(target), "keras": str(keras_path)}


class ExportedModel:
    """A loaded ``saved_model`` folder, used by ``predict`` and ``evaluate``."""

    def __init__(self, path: pathlib.Path, loaded):
        self.path = path
        self._loaded = loaded
        self._uint8 = loaded.signatures["serving_uint8"]
        self._float = loaded.signatures["serving_default"]

    def predict_proba(self, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Probabilities for uint8 [N,28,28(,1)] (0..255) or float32 (0..1) images.

        Returns:
          float32 [N, 10].
        """
        images = np.asarray(images)
        fn = self._uint8 if images.dtype == np.uint8 else self._float
        if images.dtype != np.uint8:
            images = images.astype(np.float32)
        out = [fn(images=tf.constant(images[s:s + batch_size]))["probabilities"].numpy()
               for s in range(0, len(images), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, shapes.NUM_CLASSES), np.float32)


def load_exported(path: str | os.PathLike) -> ExportedModel:
    """Loads ``path`` (a run folder OUT or ``OUT/saved_model``).

    Raises:
      DataError: no SavedModel with the two signatures is there.
    """
    path = pathlib.Path(path)
    if (path / "saved_model").is_dir():
        path = path / "saved_model"
    if not (path / "saved_model.pb").is_file():
        raise DataError(f"{path} holds no SavedModel (saved_model.pb): pass the --out folder of "
                        "`tfv1-mnist cnn`, or its saved_model/ subfolder")
    try:
        loaded = tf.saved_model.load(str(path))
        return ExportedModel(path, loaded)
    except (KeyError, OSError, ValueError, tf.errors.OpError) as err:
        raise DataError(f"cannot load the SavedModel in {path}: {err}") from err
