"""The committed pairs from public lists load and are well formed; the figures add up; the
generator is deterministic and keeps its promises on a small feed."""

from __future__ import annotations

import csv
import random
from collections import Counter
from pathlib import Path

import pytest

from bench import make_csl_pairs, pairs
from bench.names import quality

SAMPLE_FEED = Path(__file__).resolve().parents[1] / "fixtures/csl/sample.csv"


def test_the_committed_pairs_load_with_known_kinds_and_both_labels():
    rows = pairs.load()
    assert len(rows) > 1_000
    assert list(rows[0]) == list(make_csl_pairs.COLUMNS)
    assert {row["kind"] for row in rows} <= set(pairs.KINDS)
    assert {row["is_match"] for row in rows} == set(pairs.LABELS)
    for name in {row["set"] for row in rows}:
        labels = Counter(row["is_match"] for row in rows if row["set"] == name)
        assert labels["true"] and labels["false"], name
    assert all(row["name1"].strip() and row["name2"].strip() for row in rows)
    trivial = [row for row in rows
               if make_csl_pairs.squash(row["name1"]) == make_csl_pairs.squash(row["name2"])]
    assert not trivial


def test_the_committed_kinds_follow_from_the_strings_alone():
    rows = pairs.load()
    assert all(make_csl_pairs.kind(row["name1"], row["name2"]) == row["kind"] for row in rows)


def test_quality_on_a_hand_made_list():
    rows = [{"is_match": label} for label in ("true", "true", "true", "false", "false")]
    scores = [0.95, 0.7, 0.2, 0.8, 0.1]  # tp, tp (at the threshold), fn, fp, tn
    assert quality(rows, scores) == {"precision": 0.667, "recall": 0.667, "f1": 0.667,
                                     "pairs": 5, "false_positives": 1, "false_negatives": 1}
    assert quality(rows[3:], scores[3:])["recall"] == 0.0  # no true pairs: nothing to divide


@pytest.mark.parametrize(("one", "two", "expected"), [
    ("AL-QAIDA", "القاعدة", "script"),
    ("IRAN ALLOY STEEL COMPANY", "IASCO", "acronym"),
    ("HODA TRADING", "Hoda Trading Company, Ltd.", "contained"),
    ("AZIA SHIPPING COMPANY", "OOO SUDOKHODNAIA KOMPANIIA AZIA", "shared_words"),
    ("AL-MULATHAMUN BATTALION", "AL-MURABITOUN", "different_words"),
    ("Iasco", "IRAN ALLOY STEEL COMPANY", "different_words"),  # capitals as written only
])
def test_kind_rules(one, two, expected):
    assert make_csl_pairs.kind(one, two) == expected


def test_the_generator_is_deterministic_and_pairs_no_entity_with_itself(tmp_path):
    outs = [tmp_path / f"{n}.csv" for n in range(2)]
    for out in outs:
        assert make_csl_pairs.main([str(SAMPLE_FEED), "--out", str(out)]) == 0
    assert outs[0].read_bytes() == outs[1].read_bytes()
    with outs[0].open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    entities = make_csl_pairs.read_sources([SAMPLE_FEED])
    names = {entity.id: {make_csl_pairs.squash(n) for n in entity.names()} for entity in entities}
    positives = [row for row in rows if row["is_match"] == "true"]
    negatives = [row for row in rows if row["is_match"] == "false"]
    assert positives and negatives and len(negatives) <= len(positives)
    for row in negatives:
        one, two = row["entity_id"].split("|")
        assert one != two and not names[one] & names[two]
        assert make_csl_pairs.negative_words(row["name1"]) & make_csl_pairs.negative_words(
            row["name2"])
    # BIS packs a further name into the name field after "Affiliated Entity:".
    assert any(row["source"].endswith(":name-field") for row in positives)


def test_the_cap_keeps_each_kinds_share_and_small_strata_whole():
    rng = random.Random(1)
    made = ([{"set": "x", "kind": "shared_words", "n": str(i)} for i in range(600)]
            + [{"set": "x", "kind": "contained", "n": str(i)} for i in range(300)]
            + [{"set": "x", "kind": "acronym", "n": str(i)} for i in range(40)])
    kept = make_csl_pairs.cap(made, 340, rng)
    shares = Counter(pair["kind"] for pair in kept)
    assert shares == {"acronym": 40, "shared_words": 200, "contained": 100}
