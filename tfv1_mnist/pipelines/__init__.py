"""The jobs the commands run: train a model, write its outputs, reproduce the seed.

Pattern: Flax's ``train_and_evaluate(config, workdir)`` one level up.  A command
module parses flags and prints; the pipeline here loads nothing itself (the
data comes in as a ``datasets.Mnist``), trains through the model packages, and
writes metrics, figures, TensorBoard events and checkpoints under one folder.
"""
