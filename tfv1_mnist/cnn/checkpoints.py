"""The CNN's checkpoints: one per epoch, and a run that resumes from the latest.

A checkpoint holds the model, the optimizer, the epoch, the history so far and
the settings that must not change on resume (the config but its epochs, and
the run's seed).  ``EpochCheckpoints`` is the whole plumbing of
``v2.train_and_evaluate``: ``EpochCheckpoints(config, workdir, resume=...)``
finds (or clears) the checkpoints and the run's seed before the model is
built, ``restore(model, optimizer)`` returns the epoch and history to go on
from, and ``save(epoch, history)`` writes one.  Checkpoints hold one copy of
each variable, so a run can resume with another number of replicas.

Pattern: ``tf.train.Checkpoint`` and ``tf.train.CheckpointManager``, as
TensorFlow's checkpoint guide.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import pathlib
import shutil

import tensorflow as tf

from tfv1_mnist.cnn import results, seeded
from tfv1_mnist.config import CNNConfig
from tfv1_mnist.errors import ConfigError

__all__ = ["EpochCheckpoints"]

_log = logging.getLogger(__name__)


class EpochCheckpoints:
    """The checkpoints of one CNN run, in ``workdir/checkpoints``.

    Args:
      config: the ``CNNConfig``; ``config.seed`` None draws a run seed (kept
        in the checkpoint, so a resumed run continues the same orders).
      workdir: folder of ``checkpoints/``, or None for none.  With several
        workers, a folder every worker sees: each resumes from it.
      write_dir: where this process writes ``checkpoints/``, if not
        ``workdir``: a worker other than the chief passes a temporary folder
        (``distribute.write_dir``), since only the chief writes to ``workdir``.
      resume: continue from the latest checkpoint; without it, existing
        checkpoints are removed.

    Attributes:
      latest: the checkpoint to resume from, or None.
      run_seed: the seed of the initial weights and the epoch orders.

    Raises:
      ConfigError: ``resume`` without a ``workdir``, or a checkpoint written
        with other settings.
    """

    def __init__(self, config: CNNConfig, workdir: str | os.PathLike | None, *,
                 write_dir: str | os.PathLike | None = None, resume: bool = False):
        self.config = config
        ckpt_dir = pathlib.Path(workdir) / "checkpoints" if workdir is not None else None
        self.save_dir = pathlib.Path(write_dir) / "checkpoints" if write_dir is not None else ckpt_dir
        if resume and ckpt_dir is None:
            raise ConfigError("resume needs a workdir (--out) holding checkpoints/")
        self.latest = tf.train.latest_checkpoint(str(ckpt_dir)) if resume else None
        if resume and self.latest is None:
            _log.info("no checkpoint in %s; starting from epoch 1", ckpt_dir)
        if self.latest is not None:
            self.run_seed = _check_resumable(self.latest, config)
        else:
            self.run_seed = config.seed if config.seed is not None else seeded.draw_run_seed()
            if self.save_dir is not None and self.save_dir.exists():
                _log.info("removing old checkpoints in %s (pass --resume to continue them)", self.save_dir)
                shutil.rmtree(self.save_dir)
        self._manager = None

    def restore(self, model: tf.Module, optimizer) -> tuple[int, dict]:
        """Tracks ``model`` and ``optimizer``; restores them from ``latest`` if resuming.

        Returns:
          ``(epochs already trained, the history so far)``: ``(0, empty)`` for a new run.
        """
        self._epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
        self._history = tf.Variable(json.dumps(results.empty_history()), dtype=tf.string,
                                    trainable=False, name="history")
        settings = tf.Variable(json.dumps(_config_fingerprint(self.config, self.run_seed)),
                               dtype=tf.string, trainable=False, name="settings")
        checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer, epoch=self._epoch,
                                         history=self._history, settings=settings)
        if self.save_dir is not None:
            self._manager = tf.train.CheckpointManager(checkpoint, str(self.save_dir), max_to_keep=2,
                                                       checkpoint_name="ckpt")
        if self.latest is None:
            return 0, results.empty_history()
        checkpoint.restore(self.latest).assert_existing_objects_matched()
        start = int(self._epoch.numpy())
        _log.info("resumed from %s after epoch %d", self.latest, start)
        if start >= self.config.epochs:
            _log.info("checkpoint is already at epoch %d of %d; nothing to train", start,
                      self.config.epochs)
        return start, json.loads(self._history.numpy().decode())

    def save(self, epochs_done: int, history: dict) -> None:
        """Writes the checkpoint after ``epochs_done`` epochs (nothing without a folder)."""
        if self._manager is None:
            return
        self._epoch.assign(epochs_done)
        self._history.assign(json.dumps(history))
        self._manager.save(checkpoint_number=epochs_done)


def _config_fingerprint(config: CNNConfig, run_seed: int) -> dict:
    d = dataclasses.asdict(config)
    d.pop("epochs")
    d["run_seed"] = int(run_seed)
    return d


def _check_resumable(latest: str, config: CNNConfig) -> int:
    """Returns the run seed stored in ``latest``; raises ConfigError if settings differ."""
    reader = tf.train.load_checkpoint(latest)
    saved = json.loads(reader.get_tensor("settings/.ATTRIBUTES/VARIABLE_VALUE").decode())
    run_seed = int(saved["run_seed"])
    wanted = _config_fingerprint(config, run_seed)
    if config.seed is None:  # an unseeded resume continues the checkpoint's drawn seed
        wanted["seed"] = saved.get("seed")
    diff = {k: (saved.get(k), v) for k, v in wanted.items() if saved.get(k) != v}
    if diff:
        flags = ", ".join(f"{k}: checkpoint {a!r} vs now {b!r}" for k, (a, b) in diff.items())
        raise ConfigError(
            f"cannot resume from {latest}: settings differ ({flags}); "
            "pass the same flags, or drop --resume to start over")
    return run_seed
