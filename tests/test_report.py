"""Tests of the report's document model and its numpy helpers, and of the report figures."""

from __future__ import annotations

import base64
import pathlib

import numpy as np
import pytest

from tfv1_mnist import plots, report


def test_confusion_matrix_counts():
    m = report.confusion_matrix([0, 1, 1, 2, 2, 2], [0, 1, 2, 2, 2, 0], num_classes=3)
    np.testing.assert_array_equal(m, [[1, 0, 0], [0, 1, 1], [1, 0, 2]])
    assert m.dtype == np.int64 and m.sum() == 6
    with pytest.raises(ValueError, match="labels"):
        report.confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError, match=r"y_pred holds classes outside 0\.\.2 \(min -1, max 1\)"):
        report.confusion_matrix([0, 1], [-1, 1], num_classes=3)
    with pytest.raises(ValueError, match="y_true holds classes outside"):
        report.confusion_matrix([0, 3], [0, 1], num_classes=3)


def test_worst_examples_puts_confident_mistakes_first():
    proba = np.array([
        [0.9, 0.1],   # right, confident
        [0.2, 0.8],   # wrong (true 0), p_true 0.2
        [0.6, 0.4],   # right, less confident
        [0.05, 0.95],  # wrong (true 0), p_true 0.05 -> worst
        [np.nan, np.nan],  # NaN model output counts as p_true 0, predicted 0 -> right for class 0
    ])
    y = np.array([0, 0, 0, 0, 1])
    idx = report.worst_examples(proba, y, k=4)
    # row 4: argmax of [0, 0] is 0 != 1, so it is wrong with p_true 0: the worst of all.
    assert idx.tolist() == [4, 3, 1, 2]
    assert report.worst_examples(proba, y, k=10).size == 5


def test_formatting():
    assert report.fmt_accuracy(0.91234) == "0.9123"
    assert report.fmt_accuracy(None) == "n/a"
    assert report.fmt_seconds(3.14159) == "3.1 s"


def test_report_renders_markdown_and_self_contained_html(tmp_path):
    fig = tmp_path / "figs" / "loss.png"
    plots.plot_loss([3.0, 2.0, float("nan"), 1.0], fig)
    doc = report.Report("Reproduction <report>", tmp_path)
    doc.heading("Runs").paragraph("Ran `tfv1-mnist softmax` with **seed** settings & more.")
    doc.table(["run", "accuracy"], [["softmax | v1", "0.9123"]])
    doc.bullets(["one", "two"]).code("tfv1-mnist reproduce --quick")
    doc.figure(fig, "The loss curve")
    md = doc.markdown()
    assert md.startswith("# Reproduction <report>\n")
    assert "| softmax \\| v1 | 0.9123 |" in md
    assert "![The loss curve](figs/loss.png)" in md
    assert "```console\ntfv1-mnist reproduce --quick\n```" in md
    page = doc.html()
    assert "<title>Reproduction &lt;report&gt;</title>" in page
    assert "<code>tfv1-mnist softmax</code>" in page and "<strong>seed</strong>" in page
    assert "&amp; more" in page
    marker = 'src="data:image/png;base64,'
    assert marker in page and "figs/loss.png" not in page
    encoded = page.split(marker, 1)[1].split('"', 1)[0]
    assert base64.b64decode(encoded) == fig.read_bytes()
    paths = doc.write()
    assert paths["md"].read_text() == md and paths["html"].read_text() == page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figs", "report.html", "report.md"]


def test_report_figures_are_written(tmp_path):
    rng = np.random.RandomState(0)
    plots.plot_loss_overlay({"v1": [3.0, 2.0, 1.0], "v2": [3.0, 2.0001, 1.001]}, tmp_path / "o.png",
                            title="overlay")
    plots.plot_loss_overlay({"v1 naive": [1.0, np.nan], "v2 naive": [1.0, np.nan]}, tmp_path / "o2.png",
                            pairs=[("v2 naive", "v1 naive")])
    plots.plot_weight_templates(rng.randn(784, 10), tmp_path / "w.png")
    plots.plot_confusion_matrix(report.confusion_matrix(rng.randint(0, 10, 50), rng.randint(0, 10, 50)),
                                tmp_path / "c.png")
    plots.plot_worst_digits(rng.randint(0, 255, (5, 28, 28)).astype(np.uint8), [1] * 5, [2] * 5, [0.9] * 5,
                            tmp_path / "d.png")
    for name in ("o.png", "o2.png", "w.png", "c.png", "d.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    with pytest.raises(ValueError, match="784, 10"):
        plots.plot_weight_templates(np.zeros((10, 784)), tmp_path / "bad.png")
    assert not (tmp_path / "bad.png").exists()


def test_figures_in_a_relative_output_folder(tmp_path, monkeypatch):
    """``reproduce --out runs/x`` passes paths relative to the current directory."""
    from tfv1_mnist.report import Report

    monkeypatch.chdir(tmp_path)
    out = pathlib.Path("runs") / "x"
    plots.plot_loss([3.0, 2.0, 1.0], out / "sub" / "loss.png")
    doc = Report("t", out)
    doc.figure(out / "sub" / "loss.png", "loss")
    written = doc.write()
    assert "](sub/loss.png)" in written["md"].read_text()
    assert "data:image/png;base64," in written["html"].read_text()
    with pytest.raises(ValueError, match="outside"):
        doc.figure(tmp_path / "elsewhere.png", "no")


def test_report_write_leaves_nothing_when_a_figure_is_unreadable(tmp_path):
    fig = tmp_path / "loss.png"
    plots.plot_loss([3.0, 2.0, 1.0], fig)
    doc = report.Report("t", tmp_path).paragraph("text")
    doc.figure(fig, "loss")
    fig.unlink()
    with pytest.raises(FileNotFoundError):
        doc.write()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_loss_overlay_names_a_missing_curve(tmp_path):
    with pytest.raises(ValueError, match="no curve named 'v3'"):
        plots.plot_loss_overlay({"v1": [1.0], "v2": [1.0]}, tmp_path / "o.png", reference="v3")
    with pytest.raises(ValueError, match="no curve named 'v1 stable'"):
        plots.plot_loss_overlay({"v1": [1.0], "v2": [1.0]}, tmp_path / "o.png", pairs=[("v2", "v1 stable")])
    assert not (tmp_path / "o.png").exists()


def test_worst_digit_captions_show_the_sort_key(tmp_path, monkeypatch):
    rng = np.random.RandomState(0)
    proba = rng.dirichlet(np.ones(10), size=40)
    y = rng.randint(0, 10, 40)
    idx = report.worst_examples(proba, y, k=8)
    p_true = proba[idx, y[idx]]
    seen = {}
    save = plots.save_figure
    monkeypatch.setattr(plots, "save_figure",
                        lambda fig, path, **kw: (seen.update(titles=[ax.get_title() for ax in fig.axes],
                                                             suptitle=fig._suptitle.get_text()), save(fig, path, **kw)))
    plots.plot_worst_digits(rng.randint(0, 255, (8, 28, 28)).astype(np.uint8), y[idx], proba[idx].argmax(1),
                            proba[idx].max(1), tmp_path / "d.png", true_probability=p_true)
    shown = [float(t.split("(p=")[1].split(")")[0]) for t in seen["titles"]]
    assert shown == sorted(shown) and np.allclose(shown, p_true, atol=0.005)
    assert "sorted by p" in seen["suptitle"]
