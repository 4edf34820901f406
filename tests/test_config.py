"""Configs: the seed's defaults, frozen, validated early."""

import dataclasses

import pytest

from tfv1_mnist.config import CNNConfig, SoftmaxConfig
from tfv1_mnist.errors import ConfigError


def test_softmax_defaults_are_the_seeds_settings():
    c = SoftmaxConfig()
    assert (c.steps, c.batch_size, c.learning_rate) == (1000, 100, 0.01)
    assert (c.loss, c.reduction, c.init, c.seed) == ("naive", "sum", "normal", None)


def test_cnn_defaults_are_the_seeds_settings():
    c = CNNConfig()
    assert (c.epochs, c.batch_size, c.learning_rate, c.normalize) == (10, 32, 0.001, False)


def test_configs_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        SoftmaxConfig().steps = 5


@pytest.mark.parametrize("field,value,flag", [
    ("steps", 0, "--steps"), ("batch_size", -1, "--batch-size"),
    ("learning_rate", 0.0, "--learning-rate"), ("loss", "exact", "--loss"),
    ("reduction", "max", "--reduction"), ("init", "ones", "--init"), ("seed", -3, "--seed"),
])
def test_softmax_impossible_settings_name_the_flag(field, value, flag):
    with pytest.raises(ConfigError, match=flag):
        SoftmaxConfig(**{field: value})


@pytest.mark.parametrize("field,value,flag", [
    ("epochs", 0, "--epochs"), ("batch_size", 0, "--batch-size"), ("learning_rate", -1.0, "--learning-rate"),
    ("seed", 2**31, "--seed"),
])
def test_cnn_impossible_settings_name_the_flag(field, value, flag):
    with pytest.raises(ConfigError, match=flag):
        CNNConfig(**{field: value})


def test_config_error_is_a_value_error():
    assert issubclass(ConfigError, ValueError)
