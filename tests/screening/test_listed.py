"""Every name a designation goes by, read from the sample feed's names and alt names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from service.screening.listed import listed_names
from service.screening.normalise import name_key

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "csl" / "sample.json"
Entries = list[dict[str, Any]]


@pytest.fixture(scope="module")
def entries() -> list[dict[str, Any]]:
    results: Entries = json.loads(SAMPLE.read_text(encoding="utf-8"))["results"]
    return results


def names_of(entries: Entries, start: str) -> list[str]:
    """The listed names of the first sample entry whose name starts with `start`."""
    entry = next(e for e in entries if e["name"].startswith(start))
    return listed_names(entry["name"], entry["alt_names"])


def test_huawei_splits_into_its_full_name_short_name_and_affiliate(entries: Entries) -> None:
    names = names_of(entries, "Huawei Technologies Co")
    assert names[:3] == ["Huawei Technologies Co., Ltd.", "Huawei",
                         "Huawei Terminal (Shenzhen) Co., Ltd."]
    assert "HMN Technologies" in names


def test_an_alt_name_repeating_the_affiliate_is_given_once(entries: Entries) -> None:
    names = names_of(entries, "Huawei Technologies Co")
    assert [name_key(n) for n in names].count("huawei terminal shenzhen co ltd") == 1
    assert len({name_key(n) for n in names}) == len(names)


def test_a_parenthesised_jurisdiction_stays_in_the_name(entries: Entries) -> None:
    assert names_of(entries, "Bank of China") == ["Bank of China (Hong Kong) Limited"]


def test_a_lost_character_becomes_an_apostrophe(entries: Entries) -> None:
    names = names_of(entries, "Huawei Technologies D") + names_of(entries, "Aviation")
    assert not any("?" in name for name in names)
    assert "Aviation Industry Corporation of China, Xi'an Aircraft Industry Group" in names


def test_every_sample_entry_gives_its_main_name_first_and_no_blank(entries: Entries) -> None:
    for entry in entries:
        names = listed_names(entry["name"], entry["alt_names"])
        assert names and all(name.strip() for name in names)
        assert name_key(names[0]) == name_key(
            entry["name"].replace("?", "'").split("  Affiliated")[0].split(" (Huawei)")[0])


def test_bis_alias_lists_and_parenthesised_aliases_split() -> None:
    name = "Beijing Foo Ltd., a.k.a., the following two aliases: -Bar Co.; and -Baz Ltd."
    assert listed_names(name, []) == ["Beijing Foo Ltd.", "Bar Co.", "Baz Ltd."]
    assert listed_names("Example Co. (a.k.a. Sample Inc.)", []) == ["Example Co.", "Sample Inc."]


@pytest.mark.parametrize("name", [
    "Example Holdings (HK) Limited (Hong Kong)", "Example Corp (Group)", "Example Co. (Pty)",
])
def test_a_trailing_place_generic_word_or_legal_form_is_no_short_name(name: str) -> None:
    assert listed_names(name, []) == [name]


def test_a_trailing_short_name_is_split_out() -> None:
    assert listed_names("Zhongxing Telecommunication Equipment Corporation (ZTE)", []) == [
        "Zhongxing Telecommunication Equipment Corporation", "ZTE"]
