"""Name-matching quality on our own labelled pairs from public lists (`csl_pairs/pairs.csv`).

    python -m bench.pairs [CSV]

The pairs come from `bench.make_csl_pairs` (sources and rules in `data/csl_pairs/README.md`):
an organisation's primary name with each of its aliases (true), and names of two different
organisations that share a word (false). A pair is predicted a match when `similarity` of the
alias, as a vendor would write it, to the main name, as the list has it, reaches
`REVIEW_THRESHOLD`, as in `bench.names`. Figures per `set` (the list the pairs came from) and
per `kind` within it; a kind that has only true pairs has no precision to speak of, so read its
recall. The set is for seeing, not for fitting: nothing in the matcher is to be tuned pair by
pair to it.

Speed is measured cold, as in `bench.names`: the name caches are emptied before each of
`ROUNDS` passes over a set's pairs, and the best pass counts.
"""

from __future__ import annotations

import csv
import os
import sys
from collections import defaultdict
from itertools import zip_longest
from pathlib import Path
from typing import Any

from bench import show
from bench.names import cold_pass, quality
from service.screening.matcher import REVIEW_THRESHOLD

PAIRS = Path(os.environ.get("CSL_PAIRS",
                            Path(__file__).resolve().parent / "data/csl_pairs/pairs.csv"))
KINDS = ("script", "acronym", "contained", "shared_words", "different_words")
LABELS = ("true", "false")
ROUNDS = 5
EXAMPLES = 15


def load(path: Path = PAIRS) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _misses(rows: list[dict[str, str]], scores: list[float]) -> list[str]:
    """Up to `EXAMPLES` misses, taken in turn from each (set, kind, label), worst first."""
    groups: dict[tuple[str, str, str], list[tuple[float, str]]] = defaultdict(list)
    for row, score in zip(rows, scores, strict=True):
        actual = row["is_match"] == "true"
        if (score >= REVIEW_THRESHOLD) == actual:
            continue
        what = "FN" if actual else "FP"
        wrongness = REVIEW_THRESHOLD - score if actual else score
        groups[row["set"], row["kind"], what].append(
            (-wrongness, f"{row['name1']} | {row['name2']} | {score:.2f}"
                         f" ({what}, {row['set']} {row['kind']})"))
    ordered = [[text for _, text in sorted(groups[key])] for key in sorted(groups)]
    turns = (text for turn in zip_longest(*ordered) for text in turn if text is not None)
    return [text for text, _ in zip(turns, range(EXAMPLES), strict=False)]


def run(path: Path = PAIRS) -> dict[str, Any]:
    rows = load(path)
    result: dict[str, Any] = {"threshold": REVIEW_THRESHOLD}
    scores: list[float] = [0.0] * len(rows)
    by_set: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        by_set[row["set"]].append(index)
    for name, picked in sorted(by_set.items()):
        subset = [rows[i] for i in picked]
        passes = [cold_pass(subset, vendor="name2", listed="name1") for _ in range(ROUNDS)]
        for i, score in zip(picked, passes[0][0], strict=True):
            scores[i] = score
        figures = quality(subset, passes[0][0])
        result.update({f"{name}_{key}": value for key, value in figures.items()})
        result[f"{name}_pairs_per_s"] = round(len(subset) / min(s for _, s in passes))
        for kind in KINDS:
            chosen = [i for i in picked if rows[i]["kind"] == kind]
            if chosen:
                figures = quality([rows[i] for i in chosen], [scores[i] for i in chosen])
                result.update({f"{name}_{kind}_{key}": value for key, value in figures.items()})
    if len(by_set) > 1:
        result.update({f"all_{key}": value for key, value in quality(rows, scores).items()})
    result["misses"] = _misses(rows, scores)
    return result


if __name__ == "__main__":
    figures = run(Path(sys.argv[1]) if len(sys.argv) > 1 else PAIRS)
    misses = figures.pop("misses")
    show(figures)
    print("  misses:")
    for miss in misses:
        print(f"    {miss}")
