"""Spellings of one name get one key; the legal form and the jurisdiction stay in it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.screening.normalise import fold, name_key

# Letters that stress folding: look-alikes, characters case folding turns into other letters,
# compatibility forms, zero-width characters, Chinese and Korean, punctuation names use.
TRICKY = ("abcdlost AKPHO ΗΑΒΟΡΤΧηαβοχ НАВСОРЕаеорсухІЈЅҺіјѕһ ОБЩЕСТВОСЁёй ͅΣσςßﬁİıǅ "
          "\u200b\u200d\u00ad\ufeff 华为技术有限公司株式会社주식회사 ＨＵＡＷＥＩ١ .,&'’()-/?\"")
LEGAL_WORDS = ["company", "limited", "co", "ltd", "joint", "stock", "open", "sp", "z", "o", "a",
               "s", "de", "cv", "l", "t", "d", "&", "'s", "Inc.", "gesellschaft", "mit",
               "beschränkter", "haftung", "ООО", "С", "corporation"]
names = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(TRICKY)),
    st.lists(st.sampled_from(LEGAL_WORDS)).map(" ".join),
)


@pytest.mark.parametrize("spelling", [
    "HUAWEI TECHNOLOGIES CO., LTD.",
    "Huawei Technologies Company Limited",
    "huawei technologies co ltd",
    "Huawei  Technologies Co. Ltd",
])
def test_legal_form_spellings_share_one_key(spelling: str) -> None:
    assert name_key(spelling) == "huawei technologies co ltd"


@pytest.mark.parametrize(("one", "other"), [
    ("Deutsche Bank AG", "Deutsche Bank GmbH"),
    ("Bank of China (Hong Kong) Limited", "Bank of China (Singapore) Limited"),
])
def test_legal_form_and_jurisdiction_stay_in_the_key(one: str, other: str) -> None:
    assert name_key(one) != name_key(other)


def test_look_alike_letters_and_zero_width_characters_read_as_latin() -> None:
    disguised = "\u0397uaw\u0435i\u200b Te\u0441hnologies\u00ad Co., Ltd."  # Greek Η, Cyrillic е, с
    assert name_key(disguised) == "huawei technologies co ltd"


def test_compatibility_forms_and_accents_fold() -> None:
    assert name_key("ＨＵＡＷＥＩ Düsseldorf GmbH") == "huawei dusseldorf gmbh"


def test_a_genuinely_cyrillic_name_is_transliterated_not_read_as_look_alikes() -> None:
    assert name_key('ООО "АЯС 2000"') == "ooo ayas 2000"
    assert name_key("Общество с ограниченной ответственностью Байкал") == "ooo baykal"


def test_initials_join_and_ampersand_is_and() -> None:
    assert name_key("A.B.C. Company") == name_key("ABC Co.") == "abc co"
    assert name_key("Procter & Gamble") == name_key("Procter and Gamble")


def test_apostrophes_inside_words_are_dropped() -> None:
    assert name_key("People’s Liberation Army") == name_key("Peoples Liberation Army")
    assert name_key("'Ndrangheta") == "ndrangheta"


def test_chinese_passes_through_and_spaces_between_characters_close() -> None:
    assert name_key("华为技术有限公司") == "华为技术有限公司"
    assert name_key("华为技术 有限公司") == "华为技术有限公司"


def test_a_caseless_letter_that_folds_into_greek_is_folded_through() -> None:
    assert fold("\u0345") == fold(fold("\u0345")) == "i"


@settings(max_examples=300, deadline=None)
@given(names)
def test_name_key_is_idempotent(name: str) -> None:
    key = name_key(name)
    assert name_key(key) == key


@settings(max_examples=300, deadline=None)
@given(names)
def test_fold_is_idempotent(name: str) -> None:
    folded = fold(name)
    assert fold(folded) == folded
