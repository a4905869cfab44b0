"""The ways registries and OTA requests write a listed name that spelling alone misses: each
reaches review, says which rule found it, and has a look-alike that must stay under the bar."""

from __future__ import annotations

import pytest

from service.screening.matcher import REVIEW_THRESHOLD, Screener, similarity
from service.screening.romanise import romanised

LISTED = [
    ("acme", ["Shenzhen Acme Information Technology Co., Ltd."]),
    ("zhongke", ["Beijing Zhongke Technology Co., Ltd."]),
    ("smic", ["Semiconductor Manufacturing International Corporation"]),
    ("cetc", ["China Electronics Technology Group Corporation"]),
    ("kalashnikov", ["Kalashnikov Concern JSC", "Kontsern Kalashnikov AO"]),
    ("rosoboron", ["Rosoboronexport"]),
    ("zte", ["Zhongxing Telecommunication Equipment Corporation"]),
    ("huawei", ["Huawei Technologies Co., Ltd.", "华为技术有限公司"]),
    ("telecom", ["Acme Telecommunications Corporation"]),
]


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(LISTED)


@pytest.mark.parametrize(("vendor", "designation", "rule"), [
    ("Acme", "acme", "brand_contained"),
    ("Acme Information Technology", "acme", "place_prefix_dropped"),
    ("SZ Acme Information Technology", "acme", "place_abbreviation"),
    ("BJ Zhongke Tech", "zhongke", "word_variant"),
    ("Acme Telecom", "telecom", "word_variant"),
    ("SMIC", "smic", "initials"),
    ("CETC", "cetc", "initials"),
    ("Zhong Xing Telecommunication Equipment", "zte", "run_together"),
])
def test_each_rule_reaches_review_and_names_itself(screener: Screener, vendor: str,
                                                   designation: str, rule: str) -> None:
    hit = next((h for h in screener.screen([vendor]) if h.designation_id == designation), None)
    assert hit is not None, f"{vendor!r} missed {designation}"
    assert hit.score >= REVIEW_THRESHOLD
    assert rule in hit.evidence["rules"]


@pytest.mark.parametrize(("vendor", "designation", "script"), [
    ("ООО «Ромашка»", None, None),
    ("АО Концерн Калашников", "kalashnikov", "cyrillic"),
    ("Рособоронэкспорт", "rosoboron", "cyrillic"),
    ("中兴通讯股份有限公司", "zte", "cjk"),
    ("Huawei Technologies Co Ltd", "huawei", None),
])
def test_names_in_other_scripts_meet_their_latin_spelling(
        screener: Screener, vendor: str, designation: str | None, script: str | None) -> None:
    hits = {h.designation_id: h for h in screener.screen([vendor])}
    if designation is None:
        assert not hits
        return
    assert designation in hits
    if script is not None:
        assert script in hits[designation].evidence["transliterated"]["vendor"]


def test_cyrillic_legal_forms_are_legal_forms() -> None:
    assert similarity("ПАО Сбербанк", "Sberbank PJSC") == 1.0
    assert similarity("ООО Ромашка", "Romashka LLC") == 1.0
    # generic words meet their translation: Kontsern is Concern, Tongxun Telecommunications
    assert similarity("АО Концерн Калашников", "Kalashnikov Concern JSC") >= REVIEW_THRESHOLD
    assert similarity("Zhongxing Tongxun", "Zhongxing Telecommunications") >= REVIEW_THRESHOLD
    # a joint-stock company is not a limited liability one
    assert similarity("АО Ромашка", "Romashka LLC") < REVIEW_THRESHOLD


def test_chinese_is_read_as_pinyin() -> None:
    assert romanised("华为技术有限公司") == "huawei technology ltd"
    assert romanised("中国银行") == "china bank"
    # 长城 (Great Wall) is "changcheng"; read a character at a time it is "zhangcheng", which
    # the typo rule still pairs with the pinyin a registry writes
    assert romanised("长城汽车") == "zhangcheng automotive"
    assert similarity("长城汽车", "Changcheng Automotive Co") >= REVIEW_THRESHOLD
    assert romanised("深圳市中兴通讯") == "shenzhen zhongxing telecommunications"
    assert romanised("Acme Ltd") is None


@pytest.mark.parametrize(("a", "b"), [
    ("Acme", "Shenzhen Apex Information Technology Co., Ltd."),  # another brand
    ("Acme Trading", "Acme Electronics Ltd"),             # each has a word the other lacks
    ("Apple", "Apple Pie Bakery"),                        # distinctive words left over
    ("Acme 2", "Acme Information Technology"),            # a number is a sibling, not more
    ("Beijing Technology", "Beijing Zhongke Technology Co., Ltd."),  # no distinctive word
    ("Acme GmbH", "Shenzhen Acme Technology AG"),         # legal forms of different kinds
    ("Universal Trading", "University Trading"),          # distinctive words are not cut
    ("SZ Trading", "Shenzhen Trading"),                   # two words: initials, not a place
    ("Sber", "Sberbank"),
    ("ABC", "Alpha Beta Group"),                          # a left-out word ends no run
    ("ABC", "Alpha Bravo Industries"),                    # another letter
])
def test_look_alikes_stay_under_the_review_bar(a: str, b: str) -> None:
    assert similarity(a, b) < REVIEW_THRESHOLD, (a, b)


def test_a_two_letter_acronym_must_spell_its_words_exactly() -> None:
    assert similarity("CT", "China Telecom") >= REVIEW_THRESHOLD
    assert similarity("CT", "China Mobile Telecom") < REVIEW_THRESHOLD
