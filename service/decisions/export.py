"""Exporting the decision log for auditors: every decision of a time range as NDJSON.

Each line is one decision exactly as `GET /api/v1/decisions/{id}` gives it (a batch's items
each their own line, `<request id>.<index>`), ordered by `evaluated_at`, then id, then item.
Rows are read in keyset pages (each page its own short read, no transaction held open over
the whole export) and bodies fetched per page and remembered for a while, so memory stays
flat however long the range.

What it covers: the rows stored when each page is read. With the decision journal on (the
default), a decision reaches the database up to `decision_log_ship_ms` plus one group commit
after it was answered (longer if the database was away), so a range ending more than a
minute ago is complete; one ending later may miss the last moments' decisions.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import orjson
from pydantic import TypeAdapter, ValidationError

from service.api.schemas import Instant
from service.decisions.render import render_dict
from service.errors import InvalidInput
from service.jsonio import iso
from service.store import decision_reads
from service.store.partitions import month_of

PAGE = 1_000
LONGEST = timedelta(days=366)  # one export a year at most: a longer one, year by year
_BODIES_KEPT = 10_000
_INSTANT: TypeAdapter[datetime] = TypeAdapter(Instant)
# How the API document describes the route (service.api.openapi).
PARAMETERS = [
    {"name": "from", "in": "query", "required": True, "schema": _INSTANT.json_schema(),
     "description": "The first instant exported (a date: its midnight UTC)."},
    {"name": "to", "in": "query", "required": True, "schema": _INSTANT.json_schema(),
     "description": "The instant the export stops before: after `from`, at most 366 days "
                    "later. A range that ended more than a minute ago is complete (decisions "
                    "reach the log moments after they are answered)."},
]
ANSWER = {"content": {"application/x-ndjson": {"schema": {"type": "string"}}},
          "description": "One decision a line, as `GET /api/v1/decisions/{decision_id}` gives "
                         "it (a `DecisionGiven`), ordered by `evaluated_at`."}


def instant(name: str, raw: str | None) -> datetime:
    """A query parameter as an instant (as every instant the API reads: a date is its
    midnight UTC, a time needs its zone), or a 422 naming it."""
    if raw is None or raw == "":
        raise InvalidInput(f"Give {name}: an instant such as 2026-11-01T00:00:00Z.",
                           [{"field": name, "message": "required"}])
    try:
        value: datetime = _INSTANT.validate_python(raw)
    except ValidationError as error:
        message = str(error.errors()[0].get("msg", "not an instant"))
        raise InvalidInput(f"{name} must be an ISO 8601 instant with its zone, such as "
                           "2026-11-01T00:00:00Z, or a date.",
                           [{"field": name, "message": message}]) from None
    return value


def check_range(since: datetime, until: datetime) -> None:
    if until <= since:
        raise InvalidInput("`to` must come after `from`.",
                           [{"field": "to", "message": "after from"}])
    if until - since > LONGEST:
        raise InvalidInput("An export covers 366 days at most; ask year by year.",
                           [{"field": "to", "message": "at most 366 days after from"}])


def lines(database_url: str, since: datetime, until: datetime) -> Iterator[bytes]:
    """The NDJSON lines of every decision logged in `[since, until)`, in order."""
    after: tuple[datetime, str] | None = None
    bodies: dict[tuple[str, Any], str] = {}
    while True:
        page = decision_reads.rows_after(database_url, after, since, until, PAGE)
        if not page:
            return
        month_digests = {(item[3], month_of(row.evaluated_at))
                         for row in page for item in row.items}
        missing = month_digests - bodies.keys()
        if len(bodies) + len(missing) > _BODIES_KEPT:
            bodies.clear()
            missing = month_digests
        bodies.update(decision_reads.bodies(database_url, missing))
        out = bytearray()
        for row in page:
            evaluated = iso(row.evaluated_at)
            month = month_of(row.evaluated_at)
            for index, request, at, digest in row.items:
                decision_id = row.id if index is None else f"{row.id}.{index}"
                given = render_dict(orjson.loads(bodies.get((digest, month), "{}")),
                                    decision_id, at, evaluated)
                out += orjson.dumps({**given, "request": request}) + b"\n"
        yield bytes(out)
        if len(page) < PAGE:
            return
        after = (page[-1].evaluated_at, page[-1].id)
