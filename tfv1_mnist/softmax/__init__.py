"""The softmax regressor: the TF1 tutorial graph (`v1`) and its `tf.Module` twin (`v2`)."""
