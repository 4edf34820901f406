#!/usr/bin/env python
"""Benchmarks: every speed and accuracy claim of the README, as JSON lines.

Each area lives in ``scripts/benchmarks/bench_<area>.py`` and exposes
``run(args) -> Iterator[dict]``.  Competitors are measured side by side in the
same run (interleaved repeats, medians) and reported as ratios, because shared
machines are noisy.  One JSON object per line goes to stdout (and to ``--out``);
progress goes to stderr.

    python scripts/bench.py                  # everything
    python scripts/bench.py softmax cnn      # some areas
    python scripts/bench.py --quick loader   # small sizes, for a smoke run
    python scripts/bench.py legacy           # run-legacy's start-up against a bare TensorFlow import
    python scripts/bench.py profile          # the two trainers' steps, op by op
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pathlib
import platform
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

AREAS = ("loader", "softmax", "cnn", "legacy", "distribute", "profile")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("areas", nargs="*", metavar="AREA",
                        help=f"areas to run (default: all of {', '.join(AREAS)})")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run, not a measurement")
    parser.add_argument("--data", default=None, help="data set for areas that take one (default: each area's own)")
    parser.add_argument("--out", default=None, help="also append the JSON lines to this file")
    args = parser.parse_args(argv)
    from tfv1_mnist.outputs import to_jsonable

    unknown = sorted(set(args.areas) - set(AREAS))
    if unknown:
        parser.error(f"unknown area(s) {', '.join(unknown)}; choose from {', '.join(AREAS)}")
    areas = args.areas or list(AREAS)
    machine = {"machine": platform.machine(), "cpu_count": os.cpu_count(),
               "processor": platform.processor() or platform.platform()}
    sink = open(args.out, "a") if args.out else None
    try:
        for area in areas:
            module = importlib.import_module(f"benchmarks.bench_{area}")
            print(f"bench: {area}", file=sys.stderr)
            for record in module.run(args):
                record = {"area": area, **record, "quick": args.quick, **machine,
                          "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
                line = json.dumps(to_jsonable(record), allow_nan=False)
                print(line, flush=True)
                if sink:
                    sink.write(line + "\n")
                    sink.flush()
    finally:
        if sink:
            sink.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
