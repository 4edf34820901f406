"""Tests for tfv1_mnist.imaging: the MNIST recipe for PNGs, and npz images."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tfv1_mnist import datasets, imaging
from tfv1_mnist.errors import DataError


@pytest.fixture(scope="module")
def real_digit() -> tuple[np.ndarray, int]:
    """A real MNIST digit from the embedded sample: uint8 [28,28] and its label."""
    data = datasets.load("sample")
    return data.x_test[0], int(data.y_test[0])


def render_on_paper(digit: np.ndarray, scale: int = 4, canvas=(150, 130), mode="RGB"):
    """Upscales ``digit`` and draws it dark-on-white, off-centre, on a larger page."""
    big = np.asarray(Image.fromarray(digit).resize((28 * scale, 28 * scale),
                                                   Image.Resampling.BICUBIC))
    page = np.zeros(canvas, np.uint8)
    page[10:10 + big.shape[0], 7:7 + big.shape[1]] = big
    page = 255 - page  # ink dark, paper white
    if mode == "RGB":
        return Image.fromarray(np.stack([page, page, page], -1), "RGB")
    return Image.fromarray(page, "L")


def centre_of_mass(x: np.ndarray) -> tuple[float, float]:
    x = x.astype(np.float64)
    r = np.arange(x.shape[0])
    return float((x.sum(1) * r).sum() / x.sum()), float((x.sum(0) * r).sum() / x.sum())


def test_recovers_a_real_digit_drawn_dark_on_a_large_rgb_page(real_digit, tmp_path):
    digit, _ = real_digit
    path = tmp_path / "digit.png"
    render_on_paper(digit).save(path)
    got = imaging.load_png(path)
    assert got.shape == (28, 28) and got.dtype == np.uint8
    corr = np.corrcoef(got.ravel().astype(float), digit.ravel().astype(float))[0, 1]
    assert corr > 0.9
    assert np.abs(got.astype(int) - digit.astype(int)).mean() < 20
    cy, cx = centre_of_mass(got)
    assert abs(cy - 14) <= 0.6 and abs(cx - 14) <= 0.6


def test_polarity_and_alpha_do_not_matter(real_digit, tmp_path):
    digit, _ = real_digit
    page = np.asarray(render_on_paper(digit, mode="L"))
    Image.fromarray(page).save(tmp_path / "dark_on_light.png")
    Image.fromarray(255 - page).save(tmp_path / "light_on_dark.png")
    # Black ink on a transparent background, and white ink on a transparent one.
    rgba = np.zeros(page.shape + (4,), np.uint8)
    rgba[..., 3] = 255 - page
    Image.fromarray(rgba, "RGBA").save(tmp_path / "black_on_clear.png")
    rgba[..., :3] = 255
    Image.fromarray(rgba, "RGBA").save(tmp_path / "white_on_clear.png")
    ref = imaging.load_png(tmp_path / "dark_on_light.png").astype(int)
    for name in ("light_on_dark", "black_on_clear", "white_on_clear"):
        got = imaging.load_png(tmp_path / f"{name}.png").astype(int)
        assert np.abs(got - ref).max() <= 2, name


def test_fits_a_20_pixel_box_keeping_the_aspect_ratio():
    page = np.full((300, 200), 255, np.uint8)
    page[50:250, 90:130] = 0  # a 200x40 dark bar
    got = imaging.to_mnist(page)
    rows = np.nonzero(got.max(1) > 0)[0]
    cols = np.nonzero(got.max(0) > 128)[0]
    assert rows[-1] - rows[0] + 1 == 20
    assert 3 <= cols[-1] - cols[0] + 1 <= 5


def test_blank_and_bad_files_raise_data_error_naming_the_file(tmp_path):
    Image.fromarray(np.full((40, 40), 255, np.uint8)).save(tmp_path / "blank.png")
    (tmp_path / "garbage.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    for name, pattern in (("blank.png", "blank"), ("garbage.png", "not a readable image"),
                          ("missing.png", "no such file")):
        with pytest.raises(DataError, match=pattern) as info:
            imaging.load_png(tmp_path / name)
        assert name in str(info.value)


def test_npz_images_any_layout(tmp_path):
    x = np.random.RandomState(0).randint(0, 256, (3, 28, 28)).astype(np.uint8)
    np.savez(tmp_path / "a.npz", images=x, labels=np.array([1, 2, 3]))
    got, labels = imaging.load_npz_images(tmp_path / "a.npz")
    np.testing.assert_array_equal(got, x)
    np.testing.assert_array_equal(labels, [1, 2, 3])
    np.savez(tmp_path / "b.npz", whatever=x.reshape(3, 784).astype(np.float32) / 255.0)
    got, labels = imaging.load_npz_images(tmp_path / "b.npz")
    np.testing.assert_array_equal(got, x)
    assert labels is None
    named = imaging.load_images([tmp_path / "a.npz"])
    assert [n for n, _ in named] == [f"{tmp_path / 'a.npz'}[{i}]" for i in range(3)]


def test_bad_npz_raises_data_error_naming_the_file(tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 broken")
    np.savez(tmp_path / "two.npz", a=np.zeros((2, 28, 28)), b=np.zeros(2))
    np.savez(tmp_path / "shape.npz", images=np.zeros((2, 27, 28), np.uint8))
    np.savez(tmp_path / "empty.npz", images=np.zeros((0, 28, 28), np.uint8), labels=np.zeros(0))
    np.savez(tmp_path / "text.npz", images=np.full((2, 28, 28), "a"))
    np.savez(tmp_path / "scalar.npz", images=np.zeros((2, 28, 28), np.uint8), labels=np.array(3))
    np.savez(tmp_path / "count.npz", images=np.zeros((2, 28, 28), np.uint8), labels=np.zeros(3))
    for name, pattern in (("bad.npz", "not a valid .npz"), ("two.npz", "no image array"),
                          ("shape.npz", "shape"), ("empty.npz", "holds no images"),
                          ("text.npz", "dtype"), ("scalar.npz", r"one label per image \(2\), got shape \(\)"),
                          ("count.npz", r"one label per image \(2\), got shape \(3,\)")):
        with pytest.raises(DataError, match=pattern) as info:
            imaging.load_npz_images(tmp_path / name)
        assert name in str(info.value)
