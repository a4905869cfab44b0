"""`python -m bench.scale` (`make bench-scale`): the fleet-scale figures, each with its target.

Not part of the tests and not part of `make bench`: each part builds a database of a real
fleet's size (a million devices, ten million logged decisions), which takes minutes.

- `devices`: the bulk import rate (first and last tenth), an admin write and the snapshot
  rebuild with no devices and with a million, and a web process's memory with each.
- `flips`: the flip scan after a licence revocation with 1,000,000 devices, 5,000 models and
  2,000 updates, and the device counts of what flipped.
- `log`: fetching one logged decision with 10,000,000 logged (PostgreSQL, partitioned by
  month), and the export rate.

Each part runs on SQLite, and on a fresh PostgreSQL database next to it when `DATABASE_URL`
names one. The last line prints every figure with its target, `met` or `MISSED`.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback

PARTS = ("devices", "flips", "log")
Figure = tuple[str, str, str, bool]  # (name, value, target, met)


def _run(part: str) -> list[Figure]:
    print(f"\n== {part} ==", flush=True)
    try:
        figures: list[Figure] = importlib.import_module(f"bench.scale_{part}").run()
    except Exception as exc:  # one failing part must not hide the others' figures
        traceback.print_exc(limit=3, file=sys.stdout)
        return [(f"{part}", f"error: {type(exc).__name__}: {exc}", "", False)]
    for figure in figures:
        print(f"  {_shown(*figure)}", flush=True)
    return figures


def _shown(name: str, value: str, target: str, met: bool) -> str:
    """A figure with its target and whether it is met; one without a target is context."""
    if target.strip("-() ") == "":
        return f"{name}: {value}"
    return f"{name}: {value} (target {target}, {'met' if met else 'MISSED'})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", metavar="part", help=f"any of {', '.join(PARTS)}")
    args = parser.parse_args(argv)
    if unknown := set(args.parts) - set(PARTS):
        parser.error(f"unknown part {', '.join(sorted(unknown))}; the parts: {', '.join(PARTS)}")
    # The parts write with no Redis to tell: its warnings, once per write, would bury the figures.
    logging.disable(logging.WARNING)
    figures = [figure for part in args.parts or PARTS for figure in _run(part)]
    print()
    print(" · ".join(_shown(*figure) for figure in figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
