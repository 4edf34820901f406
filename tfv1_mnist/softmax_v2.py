"""Alias of `tfv1_mnist.softmax.v2`, kept for existing imports."""
import importlib, sys
sys.modules[__name__] = importlib.import_module("tfv1_mnist.softmax.v2")
