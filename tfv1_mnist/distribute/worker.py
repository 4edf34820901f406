"""The process the launcher starts for each worker: ``python -m tfv1_mnist.distribute.worker``.

Pattern: a job runner with plain arguments, as ``determinism.run_isolated``'s
child, but as a command line (``argv``): the launcher starts it N times, each
with its own ``TF_CONFIG``.  It calls ``module:function(**kwargs)`` and, like
the ``tfv1-mnist`` command, turns the package's errors into one line on stderr,
``tfv1-mnist: error: ...``, and exit status 2 (usage) or 1 (anything else).
"""

from __future__ import annotations

import importlib
import json
import logging
import sys
from typing import Any, Mapping, Sequence

from tfv1_mnist import console, failures, lifeline
from tfv1_mnist.errors import ConfigError

__all__ = ["argv", "main"]


def argv(target: str, kwargs: Mapping[str, Any], *, log_level: int = logging.INFO) -> list[str]:
    """The command line that runs ``target`` (``"package.module:function"``) with JSON ``kwargs``."""
    return [sys.executable, "-m", __name__, target, json.dumps(dict(kwargs)), str(int(log_level))]


def main(args: Sequence[str] | None = None) -> int:
    """Runs the job ``argv`` describes; returns the exit status."""
    lifeline.bind_from_env()  # first: end with the launcher, however it ends
    target, payload, level = list(sys.argv[1:] if args is None else args)
    console.configure_logging(int(level))
    if int(level) > logging.DEBUG:
        console.quiet_tensorflow_start()
    module_name, _, name = target.partition(":")
    fn = getattr(importlib.import_module(module_name), name)
    try:
        fn(**json.loads(payload))
    except ConfigError as err:
        print(f"tfv1-mnist: error: {err}", file=sys.stderr, flush=True)
        return 2
    except Exception as err:  # every failure as one line, as the tfv1-mnist command does
        print(f"tfv1-mnist: error: {failures.one_line(err)}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
