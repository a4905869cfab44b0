"""Parsing CSL feeds: both formats, their variants, every refusal, and the digests."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import date
from pathlib import Path

import pytest

from service.feeds.csl import Entry, FeedInvalid, count_by_list, list_code, parse
from tests.feeds.feed_server import FIXTURES

SAMPLE_JSON = FIXTURES / "sample.json"
SAMPLE_CSV = FIXTURES / "sample.csv"


def entries(path: Path, fmt: str, **kwargs: int) -> dict[str, Entry]:
    return {entry.key: entry for entry in parse(path, fmt, **kwargs)}


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def csv_rows(path: Path = SAMPLE_CSV) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def json_with(change: dict[str, object], index: int = 0) -> bytes:
    document = json.loads(SAMPLE_JSON.read_bytes())
    document["results"][index].update(change)
    return json.dumps(document).encode()


@pytest.mark.parametrize("stem", ["sample", "sample-next"])
def test_json_and_csv_of_one_feed_give_the_same_entries(stem):
    from_json = list(parse(FIXTURES / f"{stem}.json", "csl-json"))
    from_csv = list(parse(FIXTURES / f"{stem}.csv", "csl-csv"))
    assert from_json == from_csv
    assert {e.digest() for e in from_json} == {e.digest() for e in from_csv}
    assert set(from_json) == set(from_csv)  # entries are hashable


def test_sample_entries_carry_the_fields_the_rules_need():
    found = entries(SAMPLE_JSON, "csl-json")
    huawei = found["e1f0c1"]
    assert huawei.source == "EL" and huawei.country == "CN"
    assert huawei.start == date(2019, 5, 16) and huawei.end is None
    assert huawei.reference == "84 FR 22964, 5/21/2019; 84 FR 43495, 8/21/19; 85 FR 51603, 8/20/20"
    assert huawei.detail["addresses"] == ["Bantian Huawei Base, Longgang District, Shenzhen, CN"]
    assert len(huawei.alt_names) == 7 and huawei.alt_names[0] == "Huawei"
    dpl = found["e1f0cc"]
    assert (dpl.source, dpl.end, dpl.detail["standard_order"]) == ("DPL", date(2025, 3, 13), "Y")
    assert found["e1f0c8"].source == "MEU" and found["e1f0c9"].source == "CMIC"
    assert count_by_list(found.values()) == {"EL": 8, "MEU": 1, "CMIC": 1, "SDN": 2, "DPL": 1}


def test_semicolons_split_multi_valued_csv_cells_but_not_single_valued_ones():
    found = entries(SAMPLE_CSV, "csl-csv")
    assert found["e1f0ca"].detail["programs"] == ["UKRAINE-EO13662", "CAATSA - RUSSIA"]
    assert found["e1f0ca"].alt_names == ("ROSOBORONEXPORT OAO",
                                         "RUSSIAN DEFENSE EXPORT ROSOBORONEXPORT")
    assert found["e1f0cb"].alt_names == ("SMYTH, John",)  # a comma inside one alias
    assert str(found["e1f0c1"].reference).count(";") == 2


def test_bis_mangled_characters_stay_raw():
    assert entries(SAMPLE_CSV, "csl-csv")["e1f0c3"].name == "Huawei Technologies D?sseldorf GmbH"


def test_csv_without_id_column_gets_stable_derived_keys(tmp_path):
    rows = [row[1:] for row in csv_rows()]
    path = write(tmp_path, "no-id.csv", csv_bytes(rows))
    first, second = list(parse(path, "csl-csv")), list(parse(path, "csl-csv"))
    assert [e.key for e in first] == [e.key for e in second]
    keys = {e.name: e.key for e in first}
    assert keys["JSC ROSOBORONEXPORT"] == "SDN:17020"
    assert keys["ZTE Parsian"].startswith("EL:name:")
    with_ids = sorted(e.digest() for e in parse(SAMPLE_CSV, "csl-csv"))
    assert sorted(e.digest() for e in first) == with_ids  # only the keys differ


def test_a_csv_line_that_is_not_utf8_is_read_as_cp1252_without_garbling_the_rest(tmp_path):
    rows = csv_rows()
    lines = csv_bytes(rows).splitlines(keepends=True)
    lines[3] = lines[3].replace(b"D?sseldorf", "Düsseldorf".encode("cp1252"))
    found = entries(write(tmp_path, "mixed.csv", b"".join(lines)), "csl-csv")
    assert found["e1f0c3"].name == "Huawei Technologies Düsseldorf GmbH"
    assert "§744.11" in found["e1f0c1"].detail["license_requirement"]  # UTF-8 lines intact


@pytest.mark.parametrize(("source", "fmt"), [(SAMPLE_JSON, "csl-json"), (SAMPLE_CSV, "csl-csv")])
def test_a_byte_order_mark_is_tolerated(tmp_path, source, fmt):
    path = write(tmp_path, "bom", b"\xef\xbb\xbf" + source.read_bytes())
    assert list(parse(path, fmt)) == list(parse(source, fmt))


@pytest.mark.parametrize(("source", "code"), [
    ("Entity List (EL) - Bureau of Industry and Security", "EL"),
    ("Military End User (MEU) List - Bureau of Industry and Security", "MEU"),
    ("Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury Department",
     "CMIC"),
    ("Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department", "MBS"),
    ("Capta List (CAP) - Treasury Department", "CAP"),
    ("Non-SDN Palestinian Legislative Council List (NS-PLC) - Treasury Department", "PLC"),
    ("ITAR Debarred (DTC) - State Department", "DTC"),
    ("SDN", "SDN"),
    ("Foreign End User List (EUL) - Japan", None),
])
def test_list_codes_come_from_the_source_names(source, code):
    assert list_code(source) == code


def _without_header() -> bytes:
    return csv_bytes(csv_rows()[1:])


def _lacking_column() -> bytes:
    return csv_bytes([[c for c in row if c != "alt_names"] for row in
                      [csv_rows()[0]]] + csv_rows()[1:])


BROKEN = {
    "empty": (b"", "csl-json", "empty"),
    "blank": (b"  \n\n ", "csl-csv", "empty"),
    "html_json": (b"<!DOCTYPE html><html><body>Maintenance</body></html>", "csl-json", "HTML"),
    "html_csv": (b"\n  <html><body>502 Bad Gateway</body></html>", "csl-csv", "HTML"),
    "truncated_json": (SAMPLE_JSON.read_bytes()[:7000], "csl-json", "truncated or malformed JSON"),
    "json_list": (b"[1, 2]", "csl-json", "does not start with '{'"),
    "json_without_results": (b'{"error": "rate limited"}', "csl-json", "no entries"),
    "json_item_not_object": (b'{"results": ["x"]}', "csl-json", "not an object"),
    "csv_without_header": (_without_header(), "csl-csv", "no CSL header"),
    "csv_lacking_column": (_lacking_column(), "csl-csv", "lacks the columns alt_names"),
    "csv_cut_mid_row": (SAMPLE_CSV.read_bytes()[:2000], "csl-csv", "cells where the header has"),
    "csv_cut_mid_quote": (SAMPLE_CSV.read_bytes()[:SAMPLE_CSV.read_bytes().index(b"Bantian H")],
                          "csl-csv", "malformed CSV"),
    "csv_header_only": (SAMPLE_CSV.read_bytes().splitlines(keepends=True)[0], "csl-csv",
                        "no entries"),
    "no_name": (json_with({"name": "  "}), "csl-json", "results item #1: entry without a name"),
    "unknown_source": (json_with({"source": "Some New List (SNL) - Dept"}), "csl-json",
                       "unknown source list 'Some New List (SNL) - Dept'"),
    "duplicate_key": (json_with({"id": "e1f0c1"}, index=1), "csl-json",
                      "results item #2: duplicate key 'e1f0c1'"),
    "bad_date": (json_with({"start_date": "16/05/2019"}), "csl-json",
                 "start_date '16/05/2019' is not a YYYY-MM-DD date"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_feed_is_refused_with_a_one_line_reason(tmp_path, case):
    data, fmt, reason = BROKEN[case]
    path = write(tmp_path, case, data)
    with pytest.raises(FeedInvalid) as caught:
        list(parse(path, fmt))
    assert reason in caught.value.reason
    assert "\n" not in caught.value.reason


def test_more_entries_than_the_limit_are_refused():
    with pytest.raises(FeedInvalid, match="more than 5 entries"):
        list(parse(SAMPLE_JSON, "csl-json", max_entries=5))
    assert len(list(parse(SAMPLE_JSON, "csl-json", max_entries=13))) == 13


def test_an_unknown_format_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown feed format"):
        parse(SAMPLE_JSON, "xml")


def test_the_next_refresh_shows_the_added_alias_the_new_entry_and_the_removal():
    before = entries(SAMPLE_JSON, "csl-json")
    after = entries(FIXTURES / "sample-next.json", "csl-json")
    assert set(after) - set(before) == {"e1f0ce"}  # Inspur
    assert set(before) - set(after) == {"e1f0cb"}  # the SDN individual
    changed = {k for k in before.keys() & after.keys()
               if before[k].digest() != after[k].digest()}
    assert changed == {"e1f0c6"}  # Hikvision gained "Hangzhou Hikvision"
    assert before["e1f0c6"].names_digest() != after["e1f0c6"].names_digest()
    assert after["e1f0ce"].name == "Inspur Group Co., Ltd."


def test_digests_ignore_alias_order_and_names_digest_ignores_everything_but_names():
    huawei = entries(SAMPLE_JSON, "csl-json")["e1f0c1"]
    shuffled = dataclasses.replace(huawei, alt_names=tuple(reversed(huawei.alt_names)))
    assert shuffled.digest() == huawei.digest()
    renoticed = dataclasses.replace(huawei, reference="90 FR 1", key="other")
    assert renoticed.digest() != huawei.digest()
    assert renoticed.names_digest() == huawei.names_digest()
    assert len(huawei.digest()) == 64 and int(huawei.digest(), 16) >= 0
