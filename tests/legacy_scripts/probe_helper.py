"""A module next to a legacy script: it gets TF1's `tensorflow` too."""
import tensorflow as tf


def has_placeholder():
    return hasattr(tf, "placeholder") and hasattr(tf, "Session")
