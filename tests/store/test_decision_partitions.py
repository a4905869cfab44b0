"""The decision log over years: months made ahead (once, even by two at a time), rows of any
month stored and read back by new and old ids, months past retention dropped whole."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime

import orjson
import pytest
import sqlalchemy as sa
import time_machine
from alembic import command

from config.settings import Settings
from service.decisions.log import DecisionLog, LogRecord, id_instant, new_request_id
from service.decisions.upkeep import keep
from service.store import partitions
from service.store.db import engine_for, read_session, write_session
from service.store.migrate import alembic_config, upgrade
from service.store.models import AuditEntry, UTCDateTime
from workers import jobs

NOW = datetime(2031, 5, 14, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Shared:
    digest: str
    body: str


def record(at: datetime, n: int, request_id: str | None = None) -> LogRecord:
    made = LogRecord(request_id or new_request_id(at), at, None, 1)
    shared = Shared(f"{n % 3:032d}", f'{{"verdict":"deny","basis":"b{n % 3}"}}')
    made.add(None, {"n": n}, at.isoformat(), shared)  # type: ignore[arg-type]
    return made


def months(database_url: str) -> list[date]:
    if engine_for(database_url).dialect.name != "postgresql":
        return []
    return partitions.months_present(database_url)


def in_default(database_url: str) -> int:
    with engine_for(database_url).connect() as conn:
        return int(conn.scalar(sa.text("SELECT count(*) FROM decision_log_default")) or 0)


def test_new_ids_carry_their_instant_to_the_millisecond_and_old_ones_none() -> None:
    made = new_request_id(NOW)
    assert made.startswith("d_") and len(made) == 26
    assert id_instant(made) == NOW
    assert id_instant("d_" + secrets.token_hex(10)) is None  # the format before


def test_months_ahead_are_made_once_even_by_two_at_once(database_url: str) -> None:
    with ThreadPoolExecutor(2) as pool:
        made = list(pool.map(lambda _: partitions.ensure_ahead(database_url, NOW), range(2)))
    if engine_for(database_url).dialect.name != "postgresql":
        assert made == [[], []]  # SQLite: one table, nothing to make
        return
    wanted = {f"{t}_2031_{m:02d}" for t in partitions.PARTITIONED for m in (5, 6, 7)}
    assert sorted(made[0] + made[1]) == sorted(wanted)  # each made by exactly one of them
    assert {date(2031, m, 1) for m in (5, 6, 7)} <= set(months(database_url))
    assert partitions.ensure_ahead(database_url, NOW) == []  # a third time: nothing to do


def test_rows_of_many_months_land_and_read_back_even_before_their_month_exists(
        database_url: str) -> None:
    log = DecisionLog(database_url, batch=10, queue_size=100)
    instants = [datetime(2029, m, 3, tzinfo=UTC) for m in (1, 4, 9)] + [NOW]
    written = [record(at, n) for n, at in enumerate(instants)]
    for made in written:
        log.write(made)
    if engine_for(database_url).dialect.name == "postgresql":
        assert in_default(database_url) == len(written)  # no months for them yet: kept anyway
        partitions.ensure_ahead(database_url, datetime(2029, 4, 1, tzinfo=UTC), ahead=0)
        assert in_default(database_url) == len(written) - 1  # April's row moved to its month
        assert date(2029, 4, 1) in months(database_url)
    for n, made in enumerate(written):
        given = log.fetch(made.id)
        assert given is not None and given["request"] == {"n": n}
        assert given["basis"] == f"b{n % 3}" and given["evaluated_at"].startswith(
            made.evaluated_at.strftime("%Y-%m-%d"))


def test_an_id_in_the_old_format_is_still_found(database_url: str) -> None:
    partitions.ensure_ahead(database_url, NOW)
    log = DecisionLog(database_url, batch=10, queue_size=100)
    old = record(NOW, 1, request_id="d_" + secrets.token_hex(10))
    log.write(old)
    log.write(record(NOW, 2))
    given = log.fetch(old.id)
    assert given is not None and given["request"] == {"n": 1}
    assert log.fetch("d_" + secrets.token_hex(10)) is None
    assert log.fetch(new_request_id(NOW)) is None


def test_retention_drops_old_months_whole_and_keeps_young_ones_with_their_bodies(
        database_url: str) -> None:
    log = DecisionLog(database_url, batch=10, queue_size=100)
    old_months = [datetime(2025, 1, 31, 23, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)]
    young = [datetime(2026, 5, 1, tzinfo=UTC), datetime(2027, 2, 2, tzinfo=UTC), NOW]
    for at in old_months + young:
        partitions.ensure_ahead(database_url, at, ahead=0)
    written = {at: record(at, n) for n, at in enumerate(old_months + young)}
    for made in written.values():
        log.write(made)
    settings = Settings(database_url=database_url, decision_log_retention_months=60)
    done = keep(settings, NOW)  # 2031-05 - 60 months: May 2026 is the oldest month kept
    for at in old_months:
        assert log.fetch(written[at].id) is None
    for at in young:
        given = log.fetch(written[at].id)
        assert given is not None and given["verdict"] == "deny"  # its body is still there
    assert sum(int(d["rows"]) for d in done["dropped"]) == 2
    with read_session(database_url) as session:
        audited = session.scalars(sa.select(AuditEntry).where(
            AuditEntry.resource == "decision_log")).all()
    assert [a.action for a in audited] == ["drop"] * len(done["dropped"])
    assert sum(a.detail["requests"] for a in audited) == 2
    if engine_for(database_url).dialect.name == "postgresql":
        assert min(months(database_url)) == date(2026, 5, 1)
    assert keep(settings, NOW)["dropped"] == []  # run again: nothing more to drop


def test_the_migration_keeps_every_logged_decision_and_its_body(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "0006")
    at = datetime(2024, 3, 9, 8, tzinfo=UTC)
    old_id = "d_" + secrets.token_hex(10)
    log = sa.table("decision_log", *(sa.column(c) for c in
                                     "id api_key_id data_version size items".split()),
                   sa.column("evaluated_at", UTCDateTime()))
    bodies = sa.table("decision_bodies", sa.column("digest"), sa.column("body"))
    with write_session(database_url) as session:
        session.execute(sa.insert(bodies), [{"digest": "1" * 32, "body": '{"verdict":"allow"}'},
                                            {"digest": "2" * 32, "body": "{}"}])
        session.execute(sa.insert(log).values(
            id=old_id, evaluated_at=at, api_key_id=None, data_version="1", size=1,
            items=orjson.dumps([[None, {"n": 7}, "2024-03-09T08:00:00Z", "1" * 32]]).decode()))
    upgrade(database_url)
    given = DecisionLog(database_url, batch=10, queue_size=100).fetch(old_id)
    assert given is not None and given["request"] == {"n": 7} and given["verdict"] == "allow"
    with read_session(database_url) as session:
        kept = session.execute(sa.text("SELECT digest, month FROM decision_bodies")).all()
    assert [(d, str(m)) for d, m in kept] == [("1" * 32, "2024-03-01")]  # unused body gone
    if engine_for(database_url).dialect.name == "postgresql":
        assert date(2024, 3, 1) in months(database_url) and in_default(database_url) == 0


def test_the_scheduled_job_makes_the_months_ahead_of_the_clock(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ELIG_DECISION_LOG_RETENTION_MONTHS", "60")
    with time_machine.travel(NOW, tick=False):
        done = jobs.keep_decision_log()
    assert done["dropped"] == []
    if engine_for(database_url).dialect.name == "postgresql":
        assert {date(2031, m, 1) for m in (5, 6, 7)} <= set(months(database_url))
        assert "decision_log_2031_07" in done["made"]
    else:
        assert done["made"] == []
