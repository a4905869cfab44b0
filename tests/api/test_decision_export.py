"""`GET /api/v1/decisions/export`: every decision of a range as NDJSON, for auditors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from service.decisions import export
from service.decisions.log import DecisionLog, LogRecord, new_request_id
from service.store import partitions

START = datetime(2030, 1, 31, 23, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Shared:
    digest: str
    body: str


def logged(database_url: str, count: int) -> list[str]:
    """Log `count` requests an hour apart from START (every fifth a batch of three), in
    shuffled order; return the decision ids in the order an export must give them."""
    partitions.ensure_ahead(database_url, START)
    log = DecisionLog(database_url, batch=50, queue_size=1000)
    expected: list[tuple[datetime, str, list[str]]] = []
    for n in range(count):
        at = START + timedelta(hours=n)
        record = LogRecord(new_request_id(at), at, None, 1)
        shared = Shared(f"{n % 4:032d}", f'{{"verdict":"deny","basis":"b{n % 4}"}}')
        indexes = [0, 1, 2] if n % 5 == 0 else [None]
        for index in indexes:
            record.add(index, {"n": n, "i": index}, at.isoformat(), shared)  # type: ignore[arg-type]
        expected.append((at, record.id, [record.id if i is None else f"{record.id}.{i}"
                                         for i in indexes]))
        log.write(record)
    return [d for _, _, ids in sorted(expected) for d in ids]


def exported(client, headers, since: datetime, until: datetime) -> list[dict]:
    answer = client.get("/api/v1/decisions/export", headers=headers,
                        query_string={"from": since.isoformat(), "to": until.isoformat()})
    assert answer.status_code == 200, answer.json
    assert answer.mimetype == "application/x-ndjson"
    return [orjson.loads(line) for line in answer.data.splitlines()]


def test_an_export_streams_exactly_the_range_in_order_each_line_as_get_gives_it(
        client, keys, database_url, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "PAGE", 7)  # many pages: their seams must lose nothing
    ids = logged(database_url, 60)  # 60 hours across a month's turn, 12 of them batches
    lines = exported(client, keys["viewer"], START, START + timedelta(hours=60))
    assert [line["decision_id"] for line in lines] == ids
    inner = exported(client, keys["viewer"], START + timedelta(hours=5),
                     START + timedelta(hours=10))  # [from, to): hours 5 to 9
    assert [line["request"]["n"] for line in inner] == [5, 5, 5, 6, 7, 8, 9]
    for line in lines[:4] + lines[-2:]:
        shown = client.get(f"/api/v1/decisions/{line['decision_id']}", headers=keys["ota"])
        assert shown.status_code == 200 and shown.json == line


def test_an_empty_range_is_an_empty_export(client, keys, database_url) -> None:
    logged(database_url, 3)
    assert exported(client, keys["admin"], START - timedelta(days=1), START) == []


def test_dates_are_their_midnight_utc_as_everywhere_in_the_api(client, keys, database_url):
    logged(database_url, 30)  # from 2030-01-31T23:00Z, an hour apart
    answer = client.get("/api/v1/decisions/export", headers=keys["viewer"],
                        query_string={"from": "2030-02-01", "to": "2030-02-01T02:00:00+01:00"})
    assert [orjson.loads(line)["request"]["n"] for line in answer.data.splitlines()] == [1]


@pytest.mark.parametrize(("query", "field"), [
    ({"to": "2030-01-01T00:00:00Z"}, "from"),
    ({"from": "2030-01-01T00:00:00Z"}, "to"),
    ({"from": "yesterday", "to": "2030-01-01T00:00:00Z"}, "from"),
    ({"from": "2030-01-01T00:00:00", "to": "2030-01-02T00:00:00Z"}, "from"),  # no offset
    ({"from": "2030-01-02T00:00:00Z", "to": "2030-01-02T00:00:00Z"}, "to"),
    ({"from": "2030-01-02T00:00:00Z", "to": "2030-01-01T00:00:00Z"}, "to"),
    ({"from": "2030-01-01T00:00:00Z", "to": "2031-01-03T00:00:00Z"}, "to"),  # > 366 days
    ({"from": "2030-01-01T00:00:00Z", "to": "2030-01-02T00:00:00Z", "limit": "5"}, "limit"),
])
def test_a_bad_range_is_refused_naming_the_field(client, keys, query, field) -> None:
    answer = client.get("/api/v1/decisions/export", headers=keys["viewer"], query_string=query)
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert [e["field"] for e in answer.json["errors"]] == [field]


def test_an_ota_key_cannot_export(client, keys) -> None:
    answer = client.get("/api/v1/decisions/export", headers=keys["ota"], query_string={
        "from": "2030-01-01T00:00:00Z", "to": "2030-01-02T00:00:00Z"})
    assert answer.status_code == 403
