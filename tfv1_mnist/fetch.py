"""Alias of `tfv1_mnist.datasets.fetch`, kept for existing imports."""
import importlib, sys
sys.modules[__name__] = importlib.import_module("tfv1_mnist.datasets.fetch")
