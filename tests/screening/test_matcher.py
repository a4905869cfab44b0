"""Screening vendors against listed names: exact hits, review hits, evidence, bounded work."""

from __future__ import annotations

import json
import time

import pytest

from service.screening.index import NameIndex
from service.screening.matcher import REVIEW_THRESHOLD, Hit, Screener, similarity
from service.screening.parts import parse
from service.screening.scoring import align, explain

LISTED = [
    ("huawei", ["Huawei Technologies Co., Ltd.", "Huawei",
                "Huawei Terminal (Shenzhen) Co., Ltd."]),
    ("boc-hk", ["Bank of China (Hong Kong) Limited"]),
    ("db", ["Deutsche Bank AG"]),
    ("huawei-cn", ["华为技术有限公司"]),
    ("hikvision", ["Hangzhou Hikvision Digital Technology Co., Ltd.", "Hikvision"]),
]


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(LISTED)


def hit_for(hits: list[Hit], designation_id: str) -> Hit | None:
    return next((hit for hit in hits if hit.designation_id == designation_id), None)


@pytest.mark.parametrize("vendor", [
    "HUAWEI TECHNOLOGIES CO., LTD.",
    "Huawei Technologies Company Limited",
    "\u0397uaw\u0435i Te\u0441hnologies Co Ltd",  # Greek Η, Cyrillic е and с
    "Hua\u200bwei\u200d Technologies, Co., Ltd.",
])
def test_a_disguised_listed_name_is_an_exact_hit(screener: Screener, vendor: str) -> None:
    hit = hit_for(screener.screen([vendor]), "huawei")
    assert hit is not None and hit.exact and hit.score == 1.0
    assert hit.listed_name == "Huawei Technologies Co., Ltd." and hit.vendor_name == vendor


@pytest.mark.parametrize("vendor", [
    "Huawel Technologies Co., Ltd.",
    "Huawei Technolgies Co Ltd",
    "Hikvison Digital Technology Co., Ltd.",
    "Shenzhen Huawei Terminal Co., Ltd.",
])
def test_a_near_spelling_goes_to_review(screener: Screener, vendor: str) -> None:
    hits = screener.screen([vendor])
    assert hits and not hits[0].exact and REVIEW_THRESHOLD <= hits[0].score < 1.0


def test_a_conflicting_legal_form_is_no_exact_hit_and_scores_low() -> None:
    vendor, listed = parse("Deutsche Bank GmbH"), parse("Deutsche Bank AG")
    found = align(vendor, listed)
    assert found.score < REVIEW_THRESHOLD
    evidence = explain(vendor, listed, found)
    assert evidence["conflicts"] == ["legal_form"]
    assert evidence["legal_forms"] == {"vendor": ["gmbh"], "listed": ["ag"]}


def test_a_missing_legal_form_is_no_conflict() -> None:
    assert similarity("Deutsche Bank", "Deutsche Bank AG") >= REVIEW_THRESHOLD


def test_a_conflicting_jurisdiction_scores_low(screener: Screener) -> None:
    assert hit_for(screener.screen(["Bank of China (Singapore) Limited"]), "boc-hk") is None
    vendor = parse("Bank of China (Singapore) Limited")
    listed = parse("Bank of China (Hong Kong) Limited")
    evidence = explain(vendor, listed, align(vendor, listed))
    assert evidence["conflicts"] == ["jurisdiction"]
    assert "singapore" in evidence["jurisdictions"]["vendor"]
    assert "hong kong" in evidence["jurisdictions"]["listed"]


def test_chinese_names_match_themselves_exactly_and_near_variants(screener: Screener) -> None:
    exact = hit_for(screener.screen(["华为技术有限公司"]), "huawei-cn")
    assert exact is not None and exact.exact
    for variant in ["华为技术股份有限公司", "深圳市华为技术有限公司"]:
        near = hit_for(screener.screen([variant]), "huawei-cn")
        assert near is not None and not near.exact and near.score >= REVIEW_THRESHOLD


def test_hits_are_one_per_designation_best_first_with_json_evidence(screener: Screener) -> None:
    hits = screener.screen(["Huawei Technologies Co., Ltd.", "Huawei", "Hikvision Digital"])
    assert [hit.designation_id for hit in hits][:1] == ["huawei"]
    assert len({hit.designation_id for hit in hits}) == len(hits)
    assert [(h.exact, h.score) for h in hits] == sorted(((h.exact, h.score) for h in hits),
                                                         reverse=True)
    assert all(json.loads(json.dumps(hit.evidence)) == hit.evidence for hit in hits)
    near = hit_for(hits, "hikvision")
    assert near is not None and near.evidence["words"]


def test_an_unrelated_vendor_has_no_hits(screener: Screener) -> None:
    assert screener.screen(["Acme Widgets Inc.", "Globex Corporation"]) == []


def test_a_vendor_sharing_no_word_is_not_a_candidate() -> None:
    index = NameIndex()
    index.add(0, parse("Huawei Technologies Co., Ltd."))
    index.add(1, parse("Hangzhou Hikvision Digital Technology Co., Ltd."))
    assert index.candidates([parse("Acme Widgets Inc.")], 10, REVIEW_THRESHOLD) == []
    assert index.candidates([parse("Huawei Technologies Co Ltd")], 10, REVIEW_THRESHOLD) == [0]
    assert index.candidates([parse("Ηuawеi Tech")], 10, REVIEW_THRESHOLD) == [0]


def test_a_typo_finds_its_word_but_a_name_that_cannot_reach_the_threshold_is_dropped() -> None:
    index = NameIndex()
    index.add(0, parse("Volgakish Energy Limited"))
    assert index.candidates([parse("Volgokish Energy Ltd")], 10, REVIEW_THRESHOLD) == [0]
    assert index.candidates([parse("Acme Volgakish")], 10, REVIEW_THRESHOLD) == []
    assert similarity("Acme Volgakish", "Volgakish Energy Limited") < REVIEW_THRESHOLD


def test_generic_words_and_places_alone_find_no_name() -> None:
    index = NameIndex()
    index.add(0, parse("Shenzhen Volgakish Energy Limited"))
    assert index.candidates([parse("Zentrovia Shenzhen Energy")], 10, REVIEW_THRESHOLD) == []


@pytest.mark.parametrize("huge", ["x" * 10_000, "Huawei " * 1_500, "华" * 10_000,
                                  "A." * 5_000, "(" * 10_000])
def test_a_ten_kilobyte_name_returns_quickly(screener: Screener, huge: str) -> None:
    start = time.perf_counter()
    hits = screener.screen([huge])
    assert 0.0 <= similarity(huge, "Huawei Technologies") <= 1.0
    assert time.perf_counter() - start < 0.5
    assert all(hit.score <= 1.0 for hit in hits)


def test_a_name_of_punctuation_alone_matches_nothing() -> None:
    screener = Screener([("blank", ["???", ""]), ("db", ["Deutsche Bank AG"])])
    assert screener.screen(["...", "", "-"]) == []


def test_an_exact_hit_carries_the_same_evidence_as_a_review_hit(screener: Screener) -> None:
    hit = hit_for(screener.screen(["Bank of China (Hong Kong) Ltd."]), "boc-hk")
    assert hit is not None and hit.exact
    assert hit.evidence["method"] == "equal keys"
    assert hit.evidence["jurisdictions"]["vendor"] == ["china", "hong kong"]
    assert hit.evidence["legal_forms"] == {"vendor": ["ltd"], "listed": ["ltd"]}
