#!/usr/bin/env bash
# Runs a command inside the project's virtual environment, creating it first.
#
#   scripts/with-venv.sh tfv1-mnist reproduce --quick
#   scripts/with-venv.sh python -m pytest -q
#
# The venv lives in .venv/ (override with TFV1_MNIST_VENV).  It is (re)installed
# whenever setup.cfg or pyproject.toml change, so a fresh clone needs nothing but
# Python >= 3.10 and pip.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${TFV1_MNIST_VENV:-$root/.venv}"
python="${PYTHON:-python3}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
export MPLBACKEND="${MPLBACKEND:-Agg}"

if [ ! -x "$venv/bin/python" ]; then
  echo "Creating a virtual environment in $venv" >&2
  "$python" -m venv "$venv"
fi
stamp="$venv/.tfv1_mnist-installed"
want="$(cat "$root/setup.cfg" "$root/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "Installing tfv1_mnist and its test dependencies into $venv (about a minute)" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  # setuptools' generic "Editable installation" banner says nothing about this project.
  PYTHONWARNINGS="ignore:Editable installation" \
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$root[test]" >&2
  echo "$want" > "$stamp"
fi
cd "$root"
export PATH="$venv/bin:$PATH"
exec "$@"
