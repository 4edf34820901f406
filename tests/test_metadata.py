"""setup.cfg builds without setuptools' warnings: an SPDX licence, and the embedded sample's folder packaged."""

from __future__ import annotations

import configparser
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cfg() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(REPO / "setup.cfg")
    return parser


def test_the_licence_is_an_spdx_expression_and_no_classifier(cfg):
    assert cfg["metadata"]["license"] == "Apache-2.0"
    classifiers = [c.strip() for c in cfg["metadata"]["classifiers"].splitlines() if c.strip()]
    assert not [c for c in classifiers if c.startswith("License ::")]  # setuptools >= 77 deprecates them


def test_every_folder_with_package_files_is_in_the_packages_configuration(cfg):
    setuptools = pytest.importorskip("setuptools")
    find = cfg["options.packages.find"]
    split = lambda key: [p.strip() for p in find.get(key, "").replace("\n", ",").split(",") if p.strip()]  # noqa: E731
    assert cfg["options"]["packages"].strip() == "find_namespace:"
    found = set(setuptools.find_namespace_packages(str(REPO), include=split("include"), exclude=split("exclude")))
    assert "tfv1_mnist._data" in found
    holders = {p.parent.relative_to(REPO).as_posix().replace("/", ".")
               for pattern in ("*.py", "*.npz") for p in (REPO / "tfv1_mnist").rglob(pattern)}
    assert holders <= found
    assert not [name for name in found if "__pycache__" in name]
    assert cfg["options.package_data"]["tfv1_mnist._data"].strip() == "*.npz"
