"""Reading the decision log for people: counts by verdict and basis, and pages of requests.

A log row holds one request (a single decision or a batch) with its items as JSON, each item
naming the shared body of its answer by digest; verdict and basis live in those bodies. The
counts expand the items of the rows in a time range (read through the `evaluated_at` index)
and group them by digest inside the database, so only one row per distinct answer comes back.

Expanding a day of items still reads every row of that day (about 4 µs a row on SQLite), so
the last day is counted by the hour and an hour is counted once it is over and settled: after
the first reading in a process, a reading counts only the current hour's rows.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa

from service.store.db import read_session
from service.store.models import DataVersion, DecisionBody, DecisionLogEntry, UTCDateTime
from service.store.partitions import add_months, month_of

# Per dialect: the digest of every item of the rows in range, counted, with its verdict and basis.
_COUNTS = {
    "sqlite": """
        SELECT json_extract(b.body, '$.verdict'), json_extract(b.body, '$.basis'), c.n
        FROM (SELECT json_extract(i.value, '$[3]') AS digest, count(*) AS n
              FROM decision_log AS l, json_each(l.items) AS i
              WHERE l.evaluated_at >= :since AND l.evaluated_at < :until
              GROUP BY digest) AS c
        JOIN decision_bodies AS b ON b.digest = c.digest AND b.month = :month""",
    "postgresql": """
        SELECT CAST(b.body AS json) ->> 'verdict', CAST(b.body AS json) ->> 'basis', c.n
        FROM (SELECT i.item ->> 3 AS digest, count(*) AS n
              FROM decision_log AS l, json_array_elements(CAST(l.items AS json)) AS i(item)
              WHERE l.evaluated_at >= :since AND l.evaluated_at < :until
              GROUP BY 1) AS c
        JOIN decision_bodies AS b ON b.digest = c.digest AND b.month = :month""",
}


def counts(database_url: str, since: datetime, until: datetime) -> dict[tuple[str, str], int]:
    """How many decisions were given in `[since, until)`, by (verdict, basis).

    Bodies are stored per month of the rows using them, so the range is counted a month at
    a time, each month's items joined with that month's bodies."""
    found: dict[tuple[str, str], int] = {}
    with read_session(database_url) as session:
        sql = sa.text(_COUNTS[session.get_bind().dialect.name]).bindparams(
            sa.bindparam("since", type_=UTCDateTime()), sa.bindparam("until", type_=UTCDateTime()),
            sa.bindparam("month", type_=sa.Date()))
        start = since
        while start < until:
            month = month_of(start)
            turn = datetime(*add_months(month, 1).timetuple()[:3], tzinfo=UTC)
            end = min(until, turn)
            for verdict, basis, n in session.execute(
                    sql, {"since": start, "until": end, "month": month}):
                found[(verdict, basis)] = found.get((verdict, basis), 0) + int(n)
            start = end
    return found


HOUR = timedelta(hours=1)
# Rows reach the log a little after their `evaluated_at` (group commit): an hour is counted for
# good only this long after it ended. (A spool replayed after an outage can still add rows to
# an hour already counted; a new process counts them.)
_SETTLED = timedelta(minutes=5)
_hours: dict[tuple[str, datetime], dict[tuple[str, str], int]] = {}
_hours_lock = threading.Lock()


def last_day(database_url: str, now: datetime) -> tuple[datetime, dict[tuple[str, str], int]]:
    """Decisions by (verdict, basis) from the start of the hour 24 hours before `now` (the
    24 whole hours before this one, and this one so far); and that start."""
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    start = this_hour - 24 * HOUR
    total: dict[tuple[str, str], int] = {}
    for n in range(25):
        hour = start + n * HOUR
        with _hours_lock:
            found = _hours.get((database_url, hour))
        if found is None:
            found = counts(database_url, hour, hour + HOUR)
            if hour + HOUR + _SETTLED <= now:
                with _hours_lock:
                    _hours[(database_url, hour)] = found
        for outcome, value in found.items():
            total[outcome] = total.get(outcome, 0) + value
    with _hours_lock:
        for gone in [k for k in _hours if k[0] == database_url and k[1] < start]:
            del _hours[gone]
    return start, total


@dataclass(frozen=True)
class LogRow:
    """One logged request: its id, when it was answered, at which data version, its items."""

    id: str
    evaluated_at: datetime
    data_version: str
    items: list[list[Any]]  # [item index or None, request as sent, instant judged, digest]


def rows_before(database_url: str, before: tuple[datetime, str] | None,
                since: datetime | None, until: datetime | None, limit: int) -> list[LogRow]:
    """Up to `limit` log rows, newest first, from `before` (that row included) back to `since`."""
    log = DecisionLogEntry
    query = sa.select(log.id, log.evaluated_at, log.data_version, log.items)
    if before is not None:
        at, row_id = before
        # `<=` alone reads through the index; the rows of that very instant are then cut.
        query = query.where(log.evaluated_at <= at,
                            sa.not_(sa.and_(log.evaluated_at == at, log.id > row_id)))
    if since is not None:
        query = query.where(log.evaluated_at >= since)
    if until is not None:
        query = query.where(log.evaluated_at < until)
    query = query.order_by(log.evaluated_at.desc(), log.id.desc()).limit(limit)
    with read_session(database_url) as session:
        return [LogRow(r.id, r.evaluated_at, r.data_version, orjson.loads(r.items))
                for r in session.execute(query)]


def rows_after(database_url: str, after: tuple[datetime, str] | None, since: datetime,
               until: datetime, limit: int) -> list[LogRow]:
    """Up to `limit` log rows of `[since, until)`, oldest first, from just past `after`."""
    log = DecisionLogEntry
    query = sa.select(log.id, log.evaluated_at, log.data_version, log.items).where(
        log.evaluated_at >= (after[0] if after else since), log.evaluated_at < until)
    if after is not None:
        # `>=` alone reads through the index; the rows of that very instant are then cut.
        query = query.where(sa.not_(sa.and_(log.evaluated_at == after[0], log.id <= after[1])))
    query = query.order_by(log.evaluated_at, log.id).limit(limit)
    with read_session(database_url) as session:
        return [LogRow(r.id, r.evaluated_at, r.data_version, orjson.loads(r.items))
                for r in session.execute(query)]


def bodies(database_url: str, wanted: Iterable[tuple[str, date]]
           ) -> dict[tuple[str, date], str]:
    """The stored bodies named by (digest, month)."""
    pairs = sorted(set(wanted))
    if not pairs:
        return {}
    body = DecisionBody
    with read_session(database_url) as session:
        rows = session.execute(sa.select(body.digest, body.month, body.body).where(
            sa.tuple_(body.digest, body.month).in_(pairs)))
        return {(digest, month): text for digest, month, text in rows}


def outcomes(database_url: str, digests: Iterable[str]) -> dict[str, tuple[str, str]]:
    """The (verdict, basis) of each stored answer body named by digest."""
    wanted = sorted(set(digests))
    if not wanted:
        return {}
    with read_session(database_url) as session:
        rows = session.execute(sa.select(DecisionBody.digest, DecisionBody.body)
                               .where(DecisionBody.digest.in_(wanted)))
        return {digest: _outcome(body) for digest, body in rows}


def _outcome(body: str) -> tuple[str, str]:
    shared = orjson.loads(body)
    return shared.get("verdict", "?"), shared.get("basis", "?")



def version_recorded_at(database_url: str, data_version: str | int | None) -> datetime | None:
    """When a data version was committed (the instant that replays the facts it held)."""
    try:
        number = int(data_version or "")
    except ValueError:
        return None
    with read_session(database_url) as session:
        return session.scalar(sa.select(DataVersion.recorded_at)
                              .where(DataVersion.number == number))
