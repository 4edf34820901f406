"""``tf.estimator.Estimator`` for TF1-era MNIST scripts: train, evaluate and predict on v1 graphs.

TF 1.15's Estimator (``tensorflow_estimator/python/estimator/estimator.py``)
builds a fresh graph for every call, calls the user's ``input_fn`` and
``model_fn`` in it, and runs it in a ``MonitoredTrainingSession`` (train) or a
``MonitoredSession`` restoring the latest checkpoint (evaluate, predict).
This module does the same, for one machine, with TF1's rules (checkpoints,
``graph.pbtxt`` and events in ``model_dir``, ``eval/`` for evaluation; see
each method).  What is outside this subset (``warm_start_from``,
``saving_listeners``, exports, distribution) raises `LegacyUnsupportedError`.

Pattern: TF1's class, its argument checks and messages, over tf.compat.v1.train.
"""

from __future__ import annotations

import copy
import inspect
import os
import tempfile

from tfv1_mnist.legacy.common import LegacyUnsupportedError
from tfv1_mnist.legacy.estimator.results import StopAfterNEvals, batch_length, extract_keys, write_eval_summary
from tfv1_mnist.legacy.estimator.spec import EstimatorSpec, ModeKeys, RunConfig

__all__ = ["Estimator"]

_MODEL_FN_ARGS = {"features", "labels", "mode", "params", "config"}


def _fn_args(fn) -> tuple[str, ...]:
    return tuple(inspect.signature(fn).parameters)


def _unsupported(what: str, instead: str) -> LegacyUnsupportedError:
    return LegacyUnsupportedError(f"{what} is outside run-legacy's tf.estimator subset; {instead}")


class Estimator:
    """TF 1.15's ``tf.estimator.Estimator``, on one machine.

    Args:
      model_fn: ``model_fn(features, labels, mode, params, config)`` (any
        subset that includes ``features``) returning an `EstimatorSpec`.
      model_dir: checkpoints, graph and events; default ``config.model_dir``,
        else a new temporary folder.
      config: a `RunConfig`.
      params: a dict passed to ``model_fn`` as ``params``.
      warm_start_from: not supported (raises).

    Raises:
      ValueError: ``model_fn`` without ``features``, with unexpected
        arguments, or without ``params`` while ``params`` is given; two
        different model_dirs (TF1's messages).
      LegacyUnsupportedError: ``warm_start_from``.
    """

    def __init__(self, model_fn, model_dir=None, config=None, params=None, warm_start_from=None):
        if warm_start_from is not None:
            raise _unsupported("Estimator(warm_start_from=...)", "restore the variables in model_fn with "
                               "tf.train.init_from_checkpoint instead")
        args = set(_fn_args(model_fn)) - {"self"}
        if "features" not in args:
            raise ValueError("model_fn ({}) must include features argument.".format(model_fn))
        if params is not None and "params" not in args:
            raise ValueError("model_fn ({}) does not include params argument, but params ({}) is passed to "
                             "Estimator.".format(model_fn, params))
        unexpected = args - _MODEL_FN_ARGS
        if unexpected:
            raise ValueError("model_fn ({}) has following not expected args: {}".format(model_fn, sorted(unexpected)))
        config = RunConfig() if config is None else config
        if not isinstance(config, RunConfig):
            raise ValueError("config must be an instance of `RunConfig`, but provided {}.".format(config))
        if model_dir and config.model_dir and os.fspath(model_dir) != config.model_dir:
            raise ValueError("`model_dir` are set both in constructor and `RunConfig`, but with different values. "
                             "In constructor: '{}', in `RunConfig`: '{}' ".format(model_dir, config.model_dir))
        model_dir = os.fspath(model_dir or config.model_dir or "")
        if not model_dir:
            import tensorflow as tf

            model_dir = tempfile.mkdtemp()
            tf.compat.v1.logging.warning("Using temporary folder as model directory: %s", model_dir)
        self._model_fn = model_fn
        self._model_fn_args = args
        self._config = config.replace(model_dir=model_dir)
        self._params = copy.deepcopy(params or {})

    model_dir = property(lambda self: self._config.model_dir, doc="Where checkpoints and events go (str).")
    config = property(lambda self: self._config, doc="The `RunConfig`, with model_dir filled in.")
    params = property(lambda self: copy.deepcopy(self._params), doc="A copy of ``params``.")

    def _call_input_fn(self, input_fn, mode):
        import tensorflow as tf

        kwargs = {}
        names = _fn_args(input_fn)
        if "mode" in names:
            kwargs["mode"] = mode
        if "params" in names:
            kwargs["params"] = self.params
        if "config" in names:
            kwargs["config"] = self._config
        with tf.device("/cpu:0"):
            result = input_fn(**kwargs)
        if isinstance(result, tf.data.Dataset):
            result = tf.compat.v1.data.make_one_shot_iterator(result).get_next()
        if isinstance(result, (list, tuple)):
            if len(result) != 2:
                raise ValueError(f"input_fn returned {len(result)} values; return features or (features, labels)")
            return result[0], result[1]
        return result, None

    def _call_model_fn(self, features, labels, mode) -> EstimatorSpec:
        kwargs = {}
        if "labels" in self._model_fn_args:
            kwargs["labels"] = labels
        elif labels is not None:
            raise ValueError("model_fn does not take labels, but input_fn returns labels.")
        if "mode" in self._model_fn_args:
            kwargs["mode"] = mode
        if "params" in self._model_fn_args:
            kwargs["params"] = self.params
        if "config" in self._model_fn_args:
            kwargs["config"] = self._config
        spec = self._model_fn(features=features, **kwargs)
        if not isinstance(spec, EstimatorSpec):
            raise ValueError("model_fn should return an EstimatorSpec. Given: {}".format(spec))
        return spec

    def _graph(self):
        import tensorflow as tf

        graph = tf.Graph()
        with graph.as_default():
            if self._config.tf_random_seed is not None:
                tf.compat.v1.set_random_seed(self._config.tf_random_seed)
        return graph

    def latest_checkpoint(self):
        """The newest checkpoint's path in ``model_dir``, or None."""
        import tensorflow as tf

        return tf.train.latest_checkpoint(self.model_dir)

    def _global_step_on_disk(self) -> int:
        import tensorflow as tf

        path = self.latest_checkpoint()
        return 0 if path is None else int(tf.train.load_variable(path, "global_step"))

    def train(self, input_fn, hooks=None, steps=None, max_steps=None, saving_listeners=None):
        """Trains from the latest checkpoint in ``model_dir`` (TF1's ``Estimator.train``).

        Args:
          input_fn: returns ``(features, labels)``, or a ``tf.data.Dataset`` of them.
          hooks: extra ``SessionRunHook``s (e.g. ``tf.train.LoggingTensorHook``).
          steps: train this many more steps (``global_step += steps``).
          max_steps: train until ``global_step`` reaches it; nothing when it has.
          saving_listeners: not supported (raises).

        Returns:
          self.

        Raises:
          ValueError: both ``steps`` and ``max_steps``, or one of them <= 0.
          LegacyUnsupportedError: ``saving_listeners``.
        """
        import tensorflow as tf

        if saving_listeners:
            raise _unsupported("Estimator.train(saving_listeners=...)", "evaluate after train() returns")
        if steps is not None and max_steps is not None:
            raise ValueError("Can not provide both steps and max_steps.")
        if steps is not None and steps <= 0:
            raise ValueError("Must specify steps > 0, given: {}".format(steps))
        if max_steps is not None and max_steps <= 0:
            raise ValueError("Must specify max_steps > 0, given: {}".format(max_steps))
        if max_steps is not None and max_steps <= self._global_step_on_disk():
            tf.compat.v1.logging.info("Skipping training since max_steps has already saved.")
            return self
        hooks = list(hooks or [])
        if steps is not None or max_steps is not None:
            hooks.append(tf.compat.v1.train.StopAtStepHook(steps, max_steps))
        loss = self._train_model(input_fn, hooks)
        tf.compat.v1.logging.info("Loss for final step: %s.", loss)
        return self

    def _train_model(self, input_fn, hooks):
        import tensorflow as tf

        v1, config = tf.compat.v1, self._config
        with self._graph().as_default():
            global_step = v1.train.get_or_create_global_step()
            features, labels = self._call_input_fn(input_fn, ModeKeys.TRAIN)
            spec = self._call_model_fn(features, labels, ModeKeys.TRAIN)
            v1.summary.scalar("loss", spec.loss)
            scaffold = spec.scaffold or v1.train.Scaffold()
            if scaffold.saver is None and not v1.get_collection(v1.GraphKeys.SAVERS):
                v1.add_to_collection(v1.GraphKeys.SAVERS, v1.train.Saver(
                    sharded=True, max_to_keep=config.keep_checkpoint_max,
                    keep_checkpoint_every_n_hours=config.keep_checkpoint_every_n_hours,
                    defer_build=True, save_relative_paths=True))
            all_hooks = hooks + list(spec.training_hooks) + [
                v1.train.NanTensorHook(spec.loss),
                v1.train.LoggingTensorHook({"loss": spec.loss, "step": global_step},
                                           every_n_iter=config.log_step_count_steps),
            ]
            chief_hooks = [v1.train.CheckpointSaverHook(
                config.model_dir, save_secs=config.save_checkpoints_secs,
                save_steps=config.save_checkpoints_steps, scaffold=scaffold)]
            loss = None
            with v1.train.MonitoredTrainingSession(
                    master="", is_chief=True, checkpoint_dir=config.model_dir, scaffold=scaffold,
                    hooks=all_hooks, chief_only_hooks=chief_hooks + list(spec.training_chief_hooks),
                    save_checkpoint_secs=0,  # the CheckpointSaverHook above saves
                    save_summaries_steps=config.save_summary_steps, config=config.session_config,
                    log_step_count_steps=config.log_step_count_steps) as session:
                while not session.should_stop():
                    _, loss = session.run([spec.train_op, spec.loss])
        return loss

    def evaluate(self, input_fn, steps=None, hooks=None, checkpoint_path=None, name=None):
        """Evaluates the latest checkpoint (TF1's ``Estimator.evaluate``).

        Args:
          input_fn: as for `train`; evaluation runs until it is exhausted or
            ``steps`` batches.
          steps: at most this many batches.
          hooks: extra ``SessionRunHook``s.
          checkpoint_path: a checkpoint to evaluate instead of the latest.
          name: events go to ``model_dir/eval_<name>`` (default ``eval``).

        Returns:
          dict: each ``eval_metric_ops`` value, ``loss`` (float32, the mean
          loss over the batches) and ``global_step`` (int64).

        Raises:
          ValueError: ``steps <= 0``, or a metric named ``loss``.
        """
        import tensorflow as tf

        v1 = tf.compat.v1
        if steps is not None and steps <= 0:
            raise ValueError("Must specify steps > 0, given: {}".format(steps))
        checkpoint_path = checkpoint_path or self.latest_checkpoint()
        if not checkpoint_path:
            v1.logging.info("Could not find trained model in model_dir: {}, running initialization to evaluate."
                            .format(self.model_dir))
        with self._graph().as_default():
            global_step = v1.train.get_or_create_global_step()
            features, labels = self._call_input_fn(input_fn, ModeKeys.EVAL)
            spec = self._call_model_fn(features, labels, ModeKeys.EVAL)
            if "loss" in spec.eval_metric_ops:
                raise ValueError('Metric with name "loss" is not allowed, because Estimator already defines a '
                                 "default metric with the same name.")
            metrics = dict(spec.eval_metric_ops, loss=v1.metrics.mean(spec.loss))
            values = {key: value for key, (value, _) in metrics.items()}
            values["global_step"] = global_step
            final = v1.train.FinalOpsHook(values)
            all_hooks = list(hooks or []) + list(spec.evaluation_hooks) + [final]
            if steps is not None:
                all_hooks.append(StopAfterNEvals(steps))
            creator = v1.train.ChiefSessionCreator(
                scaffold=spec.scaffold or v1.train.Scaffold(), checkpoint_filename_with_path=checkpoint_path,
                config=self._config.session_config)
            updates = [update for _, update in metrics.values()]
            with v1.train.MonitoredSession(session_creator=creator, hooks=all_hooks) as session:
                while not session.should_stop():
                    session.run(updates)
        results = final.final_ops_values
        v1.logging.info("Saving dict for global step %d: %s", results["global_step"],
                        ", ".join(f"{k} = {v}" for k, v in sorted(results.items())))
        write_eval_summary(self.model_dir, results, name)
        return results

    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None, yield_single_examples=True):
        """Yields predictions of the latest checkpoint (TF1's ``Estimator.predict``, a generator).

        Args:
          input_fn: returns features (labels, if returned, are ignored); it
            should end (e.g. ``numpy_input_fn(num_epochs=1)``).
          predict_keys: keep only these keys of a dict of predictions.
          hooks: extra ``SessionRunHook``s.
          checkpoint_path: a checkpoint to use instead of the latest.
          yield_single_examples: one example at a time (default) or whole batches.

        Yields:
          Per example, a dict key -> numpy value (or the value itself when
          ``predictions`` is one tensor).

        Raises:
          ValueError: ``predict_keys`` with non-dict predictions or matching
            none of them; predictions of different batch lengths.
        """
        import tensorflow as tf

        v1 = tf.compat.v1
        checkpoint_path = checkpoint_path or self.latest_checkpoint()
        if not checkpoint_path:
            v1.logging.info("Could not find trained model in model_dir: {}, running initialization to predict."
                            .format(self.model_dir))
        with self._graph().as_default():
            v1.train.get_or_create_global_step()
            features, _ = self._call_input_fn(input_fn, ModeKeys.PREDICT)
            spec = self._call_model_fn(features, None, ModeKeys.PREDICT)
            predictions = extract_keys(spec.predictions, predict_keys)
            creator = v1.train.ChiefSessionCreator(
                scaffold=spec.scaffold or v1.train.Scaffold(), checkpoint_filename_with_path=checkpoint_path,
                config=self._config.session_config)
            with v1.train.MonitoredSession(
                    session_creator=creator, hooks=list(hooks or []) + list(spec.prediction_hooks)) as session:
                while not session.should_stop():
                    batch = session.run(predictions)
                    if not yield_single_examples:
                        yield batch
                    elif not isinstance(batch, dict):
                        yield from batch
                    else:
                        for i in range(batch_length(batch)):
                            yield {key: value[i] for key, value in batch.items()}

    def get_variable_names(self) -> list[str]:
        """Names of the variables in the latest checkpoint."""
        import tensorflow as tf

        return [name for name, _ in tf.train.list_variables(self._require_checkpoint())]

    def get_variable_value(self, name: str):
        """The value (numpy) of variable ``name`` in the latest checkpoint."""
        import tensorflow as tf

        return tf.train.load_variable(self._require_checkpoint(), name)

    def _require_checkpoint(self) -> str:
        path = self.latest_checkpoint()
        if not path:
            raise ValueError("Could not find trained model in model_dir: {}.".format(self.model_dir))
        return path

    def export_savedmodel(self, *args, **kwargs):
        """Not supported: raises `LegacyUnsupportedError`."""
        raise _unsupported("Estimator.export_savedmodel", "load the checkpoint and save with tf.saved_model")

    export_saved_model = export_savedmodel
