"""TensorBoard scalars without the tensorboard package, and the seed's figures."""

import numpy as np
import tensorflow as tf
from PIL import Image

from tfv1_mnist import plots
from tfv1_mnist.summaries import ScalarWriter


def _read_scalars(logdir):
    values = {}
    for f in sorted(logdir.glob("events.out.tfevents.*")):
        for record in tf.data.TFRecordDataset(str(f)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for v in event.summary.value:
                assert v.metadata.plugin_data.plugin_name == "scalars"
                values.setdefault(v.tag, []).append((event.step, float(tf.make_ndarray(v.tensor))))
    return values


def test_scalar_writer_works_inside_a_v1_graph(tmp_path):
    with tf.Graph().as_default() as g:
        with ScalarWriter(tmp_path / "tb") as tb:
            for step, value in enumerate([2.5, 1.25, float("nan")]):
                tb.scalar("loss", value, step)
        assert not g.get_operations(), "logging must not add ops to the user's graph"
    got = _read_scalars(tmp_path / "tb")["loss"]
    assert [s for s, _ in got] == [0, 1, 2]
    assert got[0][1] == 2.5 and got[1][1] == 1.25 and np.isnan(got[2][1])


def test_plot_loss_writes_png_even_with_non_finite_steps(tmp_path):
    losses = [3.0, 2.0, float("nan"), None, 1.0]
    plots.plot_loss(losses, tmp_path / "loss.png")
    with Image.open(tmp_path / "loss.png") as img:
        assert img.format == "PNG" and img.size[0] > 200
    assert [p.name for p in tmp_path.iterdir()] == ["loss.png"]


def test_plot_history_writes_two_panel_png(tmp_path):
    h = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.6], "accuracy": [0.6, 0.8], "val_accuracy": [0.55, 0.75]}
    plots.plot_history(h, tmp_path / "history.png")
    with Image.open(tmp_path / "history.png") as img:
        width, height = img.size
    assert width > 1.8 * height  # two panels side by side
