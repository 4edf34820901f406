"""Benchmark modules run by scripts/bench.py; each exposes ``run(args)``."""
