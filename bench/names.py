"""Name-matching quality on OpenSanctions' labelled pairs (`name_bench/cases.csv`).

A pair is predicted a match when `similarity` reaches `REVIEW_THRESHOLD` (equal keys score 1).
Figures for the Company and Organization pairs, the ones a vendor screen meets, and for all
pairs. The peer, OpenSanctions logic-v2 at 0.7, gets F1 0.875 (P 0.847, R 0.904) on the
company pairs, 0.796 on all, at about 2,000 pairs/s. The set is for seeing, not for fitting:
nothing in the matcher is tuned pair by pair to it.

Speed is measured cold: the name caches are emptied before each of `ROUNDS` passes over all
pairs, and the best pass counts.
"""

from __future__ import annotations

import csv
import os
import time
from pathlib import Path
from typing import Any

from bench import show
from service.screening.matcher import REVIEW_THRESHOLD, similarity
from service.screening.normalise import name_key
from service.screening.parts import parse

# OpenSanctions' labelled pairs, copied with their licence note (MIT) into bench/data.
CASES = Path(os.environ.get("NAME_BENCH_CASES",
                            Path(__file__).resolve().parent / "data/name_bench/cases.csv"))
COMPANY = {"Company", "Organization"}
ROUNDS = 5


def load(path: Path = CASES) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def quality(rows: list[dict[str, str]], scores: list[float]) -> dict[str, float]:
    """Precision, recall and F1 of predicting `is_match` by score >= REVIEW_THRESHOLD."""
    tp = fp = fn = 0
    for row, score in zip(rows, scores, strict=True):
        predicted, actual = score >= REVIEW_THRESHOLD, row["is_match"] == "true"
        tp += predicted and actual
        fp += predicted and not actual
        fn += actual and not predicted
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
            "pairs": len(rows), "false_positives": fp, "false_negatives": fn}


def cold_pass(rows: list[dict[str, str]], vendor: str = "name1",
              listed: str = "name2") -> tuple[list[float], float]:
    """Each row's score of its `vendor` name against its `listed` one, and the seconds they
    took, the name caches emptied first."""
    parse.cache_clear()
    name_key.cache_clear()
    start = time.perf_counter()
    scores = [similarity(row[vendor], row[listed]) for row in rows]
    return scores, time.perf_counter() - start


def run(path: Path = CASES) -> dict[str, Any]:
    rows = load(path)
    passes = [cold_pass(rows) for _ in range(ROUNDS)]
    scores, elapsed = passes[0][0], min(seconds for _, seconds in passes)
    company = [i for i, row in enumerate(rows) if row["schema"] in COMPANY]
    result: dict[str, Any] = {"threshold": REVIEW_THRESHOLD}
    for prefix, picked in (("company", company), ("all", list(range(len(rows))))):
        figures = quality([rows[i] for i in picked], [scores[i] for i in picked])
        result.update({f"{prefix}_{key}": value for key, value in figures.items()})
    result["pairs_per_s"] = round(len(rows) / elapsed)
    return result


if __name__ == "__main__":
    show(run())
