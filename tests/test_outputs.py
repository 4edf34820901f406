"""Atomic writes, NaN-free JSON and provenance."""

import json
import math

import numpy as np
import pytest

from tfv1_mnist import outputs


def test_write_json_turns_non_finite_into_null(tmp_path):
    path = outputs.write_json(tmp_path / "m.json", {
        "loss": [1.5, float("nan"), np.float32("inf"), np.float64(2.0)],
        "arr": np.arange(3, dtype=np.int64),
        "nested": {"x": -math.inf},
    })
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    data = json.loads(text)
    assert data["loss"] == [1.5, None, None, 2.0]
    assert data["arr"] == [0, 1, 2]
    assert data["nested"]["x"] is None


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "sub" / "out.bin"
    with pytest.raises(RuntimeError):
        with outputs.atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("crash mid-write")
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_atomic_path_keeps_old_file_until_complete(tmp_path):
    target = tmp_path / "out.txt"
    outputs.write_text(target, "old")
    with pytest.raises(KeyboardInterrupt):
        with outputs.atomic_path(target) as tmp:
            tmp.write_text("new but partial")
            raise KeyboardInterrupt
    assert target.read_text() == "old"
    outputs.write_text(target, "new")
    assert target.read_text() == "new"


def test_atomic_path_keeps_suffix_for_format_sniffing_writers(tmp_path):
    with outputs.atomic_path(tmp_path / "a.npz") as tmp:
        assert tmp.suffix == ".npz"
        np.savez(tmp, x=np.zeros(2))
    assert np.load(tmp_path / "a.npz")["x"].shape == (2,)


def test_unserialisable_object_is_a_type_error(tmp_path):
    with pytest.raises(TypeError, match="object"):
        outputs.write_json(tmp_path / "bad.json", {"x": object()})
    assert not (tmp_path / "bad.json").exists()


def test_provenance_names_versions_data_seed_and_threads():
    class Data:
        name, path, sha256 = "sample", "/x/sample.npz", "ab" * 32

    info = outputs.provenance(Data(), seed=7, command="softmax")
    assert info["seed"] == 7 and info["command"] == "softmax"
    assert info["dataset"] == {"name": "sample", "path": "/x/sample.npz", "sha256": "ab" * 32}
    for key in ("tfv1_mnist", "tensorflow", "numpy", "threads"):
        assert info[key], key
    assert {"intra_op", "inter_op"} <= set(info["threads"])


def test_outputs_get_the_usual_file_mode(tmp_path):
    import os

    mask = os.umask(0o022)
    try:
        path = outputs.write_text(tmp_path / "r.md", "x")
    finally:
        os.umask(mask)
    assert (path.stat().st_mode & 0o777) == 0o644
