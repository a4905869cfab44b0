"""Benchmarks for `docs/performance.md`: run them all with `python -m bench` (or `make bench`).

Each benchmark is a module with a `run(...)` that returns its measurements as a dict; the
runner prints a summary and, on the very last line, the ratios against the targets. They are
never part of the test suite's pass/fail.
"""

from typing import Any


def show(figures: dict[str, Any]) -> None:
    """Print a benchmark's figures, for `python -m bench.<name>` run alone."""
    for key, value in figures.items():
        print(f"  {key}: {value}")
