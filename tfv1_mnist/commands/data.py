"""The data commands of ``tfv1-mnist``: ``fetch`` and ``convert``.

Pattern: each command is a parser built in `register` and a ``run_*(args) ->
int`` function; the work is done by `tfv1_mnist.datasets.fetch` and
`tfv1_mnist.datasets`, so these functions only turn flags into calls.
Nothing here imports TensorFlow.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import tempfile

from tfv1_mnist.errors import ConfigError

__all__ = ["register", "run_fetch", "run_convert"]


def register(subparsers) -> None:
    """Adds ``fetch`` and ``convert`` to ``subparsers``."""
    p = subparsers.add_parser(
        "fetch",
        help="download the full MNIST (verified by sha256) into the cache",
        description="Download the full MNIST, verify its sha256 and store it. Default destination: the "
        "cache folder ~/.cache/tfv1_mnist (or $TFV1_MNIST_CACHE), where every --data default looks. "
        "Without internet, the error says which files to copy there by hand.",
    )
    p.add_argument("--dest", metavar="DIR", default=None, help="folder to download into (default: the cache folder)")
    p.add_argument(
        "--format", dest="fmt", choices=("npz", "idx"), default="npz",
        help="npz: Keras' mnist.npz (default); idx: the four gzipped IDX files TF1's input_data read",
    )
    p.add_argument("--timeout", type=float, default=30.0, metavar="S", help="seconds to wait for a server (default: 30)")
    p.set_defaults(func=run_fetch, tensorflow=False)

    p = subparsers.add_parser(
        "convert",
        help="convert between an .npz file and a folder of IDX files",
        description="Convert a data set between the Keras .npz layout and a folder of the four gzipped IDX "
        "files. SRC is anything --data accepts (an .npz, an IDX folder, or 'sample'). The output format "
        "follows DEST: a name ending in .npz gets an .npz file, anything else a folder of IDX files. "
        "Outputs are written atomically.",
    )
    p.add_argument("src", metavar="SRC", help="an .npz file, a folder of IDX files, or 'sample'")
    p.add_argument("dest", metavar="DEST", help="the .npz file or IDX folder to write")
    p.add_argument("--force", action="store_true", help="overwrite DEST if it exists")
    p.add_argument(
        "--uncompressed", action="store_true",
        help="store npz members uncompressed (np.savez's format; Keras' mnist.npz is deflated)",
    )
    p.set_defaults(func=run_convert, tensorflow=False)


def run_fetch(args: argparse.Namespace) -> int:
    """Runs ``tfv1-mnist fetch``."""
    from tfv1_mnist.datasets.fetch import fetch

    path = fetch(args.dest, args.fmt, progress=not getattr(args, "quiet", False), timeout=args.timeout)
    print(f"MNIST ({args.fmt}) ready at {path}")
    return 0


def _idx_files_in(folder: pathlib.Path) -> list[pathlib.Path]:
    from tfv1_mnist import datasets

    names = {c for key in datasets.IDX_FILES for c in datasets.idx_candidates(key)}
    return [folder / n for n in sorted(names) if (folder / n).exists()]


def run_convert(args: argparse.Namespace) -> int:
    """Runs ``tfv1-mnist convert SRC DEST``."""
    from tfv1_mnist import datasets

    src_spec = args.src
    dest = pathlib.Path(args.dest).expanduser()
    if src_spec.strip().lower() != "sample":
        src = pathlib.Path(src_spec).expanduser()
        if src.exists() and dest.exists() and src.resolve() == dest.resolve():
            raise ConfigError(f"SRC and DEST are the same path ({dest}); name another DEST")
    to_npz = dest.suffix.lower() == ".npz"
    if to_npz:
        if dest.is_dir():
            raise ConfigError(f"DEST {dest} is a folder; name an .npz file")
        if dest.exists() and not args.force:
            raise ConfigError(f"DEST {dest} exists; pass --force to overwrite it")
    else:
        if args.uncompressed:
            raise ConfigError(f"--uncompressed applies to an .npz DEST only; {dest} would get gzipped IDX files")
        if dest.exists() and not dest.is_dir():
            raise ConfigError(f"DEST {dest} is a file; name a folder for IDX output, or a .npz file")
        if dest.is_dir() and _idx_files_in(dest) and not args.force:
            raise ConfigError(f"DEST {dest} already holds IDX files; pass --force to overwrite them")
    data = datasets.load(src_spec)
    if to_npz:
        datasets.write_npz(dest, **data.arrays(), compress=not args.uncompressed)
        written = dest
    elif dest.is_dir():
        # Replace the four files one by one (each atomically); other files there stay.
        for stale in _idx_files_in(dest):
            if stale.name not in datasets.IDX_FILES.values():
                stale.unlink()  # another naming of the same file would shadow or confuse the new one
        datasets.write_idx_folder(dest, data)
        written = dest
    else:
        # A new folder appears complete or not at all.
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = pathlib.Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
        try:
            datasets.write_idx_folder(tmp, data)
            os.chmod(tmp, 0o755)
            os.rename(tmp, dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        written = dest
    print(f"wrote {written}: {data.name}, {data.num_train} train / {data.num_test} test")
    return 0
