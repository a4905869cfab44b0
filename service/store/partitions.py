"""The decision log's months: partitions made ahead, and months past retention dropped whole.

On PostgreSQL `decision_log` (by `evaluated_at`) and `decision_bodies` (by `month`, the month
of the rows that use a body) are partitioned by month, each with a DEFAULT partition. Months
are made ahead (this month and the next `AHEAD`) by the scheduler, at `db upgrade` and by
the migration, so the DEFAULT partition normally stays empty; it is there so that a row whose
month has no partition (a clock far off, a scheduler stopped for months) is never refused or
lost. Making a month whose rows already sit in DEFAULT moves them into the new partition in
the same transaction (PostgreSQL refuses to attach a range DEFAULT still holds).

All of it runs under one transaction-level advisory lock and with `IF NOT EXISTS`, so two
schedulers, two workers and a `db upgrade` at once make each month once and fail nothing.

Retention drops a month only once the whole month is older than the limit: DETACH + DROP on
PostgreSQL, never a row deleted one by one. SQLite (the single-machine default) has no
partitions: it deletes the month's rows by `evaluated_at` range in chunks, each chunk its own
short write, so answers keep flowing while it runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from service.store.db import engine_for, write_session

AHEAD = 2  # months made beyond the current one
PARTITIONED = ("decision_log", "decision_bodies")
_LOCK = 7_414_208  # advisory lock: one partition maintainer at a time
_CHUNK = 5_000
_MONTH_NAME = re.compile(r"^(decision_log|decision_bodies)_(\d{4})_(\d{2})$")


def month_of(at: datetime | date) -> date:
    if isinstance(at, datetime) and at.tzinfo is not None:
        at = at.astimezone(UTC)
    return date(at.year, at.month, 1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _name(table: str, month: date) -> str:
    return f"{table}_{month.year:04d}_{month.month:02d}"


def _key(table: str) -> str:
    return "evaluated_at" if table == "decision_log" else "month"


def _bound(table: str, month: date) -> str:
    return f"'{month.isoformat()}{' 00:00:00' if table == 'decision_log' else ''}'"


def create_month(conn: sa.Connection, table: str, month: date) -> bool:
    """Make `table`'s partition for `month` if missing (rows for it in DEFAULT move in);
    return whether it was made. The caller holds the lock and commits."""
    name, key = _name(table, month), _key(table)
    if conn.scalar(sa.text("SELECT to_regclass(:n)"), {"n": name}) is not None:
        return False
    low, high = _bound(table, month), _bound(table, add_months(month, 1))
    strays = conn.scalar(sa.text(
        f"SELECT EXISTS (SELECT 1 FROM {table}_default WHERE {key} >= {low} AND {key} < {high})"))
    if not strays:
        conn.execute(sa.text(f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {table} "
                             f"FOR VALUES FROM ({low}) TO ({high})"))
        return True
    conn.execute(sa.text(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS)"))
    conn.execute(sa.text(f"WITH moved AS (DELETE FROM {table}_default WHERE {key} >= {low} "
                         f"AND {key} < {high} RETURNING *) INSERT INTO {name} SELECT * FROM moved"))
    conn.execute(sa.text(f"ALTER TABLE {table} ATTACH PARTITION {name} "
                         f"FOR VALUES FROM ({low}) TO ({high})"))
    return True


def ensure_ahead(database_url: str, now: datetime, ahead: int = AHEAD) -> list[str]:
    """Make this month's partitions and the next `ahead` months' (PostgreSQL; nothing to do
    on SQLite); return the names made. Idempotent and safe to run concurrently."""
    engine = engine_for(database_url)
    if engine.dialect.name != "postgresql":
        return []
    made: list[str] = []
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
        if conn.scalar(sa.text("SELECT to_regclass('decision_log_default')")) is None:
            return []  # not migrated yet: the migration makes the months itself
        first = month_of(now)
        for n in range(ahead + 1):
            for table in PARTITIONED:
                if create_month(conn, table, add_months(first, n)):
                    made.append(_name(table, add_months(first, n)))
    return made


def months_present(database_url: str) -> list[date]:
    """The months that have a decision-log partition (PostgreSQL), oldest first."""
    with engine_for(database_url).connect() as conn:
        names = conn.scalars(sa.text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'decision_log'::regclass"))
        found = [_MONTH_NAME.match(n) for n in names]
    return sorted(date(int(m[2]), int(m[3]), 1) for m in found if m)


Dropped = dict[str, str | int]  # {"month", "rows"}: a month gone, with its rows counted before
Record = Callable[[Session, Dropped], None]


def drop_before(database_url: str, now: datetime, retention_months: int, record: Record
                ) -> list[Dropped]:
    """Drop the decision log's months wholly older than `retention_months` before `now`'s
    month; return one entry per month dropped. `record` is called with each, in the write
    transaction that drops it, so a month is never gone without its record (the audit)."""
    if retention_months < 1:
        raise ValueError("decision_log_retention_months must be at least 1")
    cutoff = add_months(month_of(now), -retention_months)  # months before this one go
    engine = engine_for(database_url)
    if engine.dialect.name == "postgresql":
        return _drop_partitions(database_url, cutoff, record)
    return _delete_chunks(database_url, cutoff, record)


def _drop_partitions(database_url: str, cutoff: date, record: Record) -> list[Dropped]:
    dropped: list[Dropped] = []
    for month in months_present(database_url):
        if month >= cutoff:
            break
        with write_session(database_url) as session:  # DDL is transactional on PostgreSQL
            conn = session.connection()
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
            name = _name("decision_log", month)
            if conn.scalar(sa.text("SELECT to_regclass(:n)"), {"n": name}) is None:
                continue  # another maintainer dropped it first
            rows = int(conn.scalar(sa.text(f"SELECT count(*) FROM {name}")) or 0)
            for table in PARTITIONED:
                part = _name(table, month)
                if conn.scalar(sa.text("SELECT to_regclass(:n)"), {"n": part}) is not None:
                    conn.execute(sa.text(f"ALTER TABLE {table} DETACH PARTITION {part}"))
                    conn.execute(sa.text(f"DROP TABLE {part}"))
            dropped.append({"month": month.isoformat()[:7], "rows": rows})
            record(session, dropped[-1])
    with write_session(database_url) as session:  # strays in DEFAULT past retention
        conn = session.connection()
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
        low = _bound("decision_log", cutoff)
        strays = cast(sa.CursorResult[Any], conn.execute(sa.text(
            f"DELETE FROM decision_log_default WHERE evaluated_at < {low}"))).rowcount
        conn.execute(sa.text(f"DELETE FROM decision_bodies_default WHERE month < '{cutoff}'"))
        if strays:
            dropped.append({"month": f"before {cutoff.isoformat()[:7]} (default)",
                            "rows": strays})
            record(session, dropped[-1])
    return dropped


def _delete_chunks(database_url: str, cutoff: date, record: Record) -> list[Dropped]:
    low = f"{cutoff.isoformat()} 00:00:00.000000"  # SQLite stores instants as this text
    total = 0
    while True:
        with write_session(database_url) as session:
            result = session.execute(sa.text(
                "DELETE FROM decision_log WHERE rowid IN (SELECT rowid FROM decision_log "
                "WHERE evaluated_at < :low LIMIT :n)"), {"low": low, "n": _CHUNK})
            gone = cast(sa.CursorResult[Any], result).rowcount
        total += gone
        if gone < _CHUNK:
            break
    dropped: list[Dropped] = []
    with write_session(database_url) as session:  # the bodies, and the record, last
        session.execute(sa.text("DELETE FROM decision_bodies WHERE month < :m"),
                        {"m": cutoff.isoformat()})
        if total:
            dropped.append({"month": f"before {cutoff.isoformat()[:7]}", "rows": total})
            record(session, dropped[-1])
    return dropped
