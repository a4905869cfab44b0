"""`python -m bench.scale_log`: fetching one decision with ten million logged, and the export rate.

On a fresh PostgreSQL database next to `DATABASE_URL`'s (dropped at the end): the migrated
schema, a partition for each of 24 months, then `BENCH_LOG_ROWS` (10,000,000) decision-log
rows spread evenly over those months, written by the server itself (`INSERT … SELECT
generate_series`, a month a statement), with 100 shared bodies per month. Then, through the
app's real read path (the in-process Flask test client, an `ota` key, the full request:
authentication, routing, the fetch, rendering):

- `GET /api/v1/decisions/{id}` for random existing ids (ids that carry their instant, the
  format the log gives now): p50 and p99, target p99 ≤ 5 ms;
- the same for ids in the format before (no instant: every month's index is probed);
- the fetch of decisions still in the decision journal (answered, not yet shipped): p99;
- `GET /api/v1/decisions/export` of one day: rows a second.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bench.pgdb import fresh_database, postgres_url
from config.settings import Settings
from service import clock, create_app
from service.decisions.journal import Journal
from service.decisions.log import DecisionLog, LogRecord, id_instant, new_request_id
from service.keys import create_key
from service.store import partitions
from service.store.db import dispose_all, engine_for
from service.store.migrate import upgrade

ROWS = int(os.environ.get("BENCH_LOG_ROWS", "10000000"))
MONTHS = 24
BODIES = 100  # per month
SAMPLES = 2_000
Figure = tuple[str, str, str, bool]
# Row g (1..n) of a month: evaluated at the month's start + g * step ms; its id is the instant
# in 12 hex digits then g in 12 (as new ids are: instant, then 12 hex that make it unique).
_FILL = """
INSERT INTO decision_log (id, evaluated_at, api_key_id, data_version, size, items)
SELECT 'd_' || lpad(to_hex(CAST(:start_ms AS bigint) + g * CAST(:step AS bigint)), 12, '0')
            || lpad(to_hex(g), 12, '0'),
       to_timestamp((CAST(:start_ms AS bigint) + g * CAST(:step AS bigint)) / 1000.0)
           AT TIME ZONE 'UTC',
       NULL, '1', 1,
       '[[null,{"device":{"model_id":"m_' || (g % 5000) || '"},"update":{"id":"u_1"}},'
       || '"2026-01-01T00:00:00Z","' || lpad(to_hex(g % :bodies), 32, '0') || '"]]'
FROM generate_series(CAST(1 AS bigint), CAST(:n AS bigint)) AS g
"""
_BODY = ('{"verdict":"allow","basis":"no_restriction","reasons":[],"designations":[],'
         '"licences":[],"valid_until":null,"data_version":"1"}')


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _fill(url: str, first: datetime, per_month: int) -> tuple[float, list[tuple[int, int, int]]]:
    """Write the rows; return the seconds it took and (start ms, step ms, n) per month."""
    months: list[tuple[int, int, int]] = []
    began = time.perf_counter()
    engine = engine_for(url)
    for n in range(MONTHS):
        month = partitions.add_months(partitions.month_of(first), n)
        start = datetime(month.year, month.month, 1, tzinfo=UTC)
        following = partitions.add_months(month, 1)
        end = datetime(following.year, following.month, 1, tzinfo=UTC)
        step = (_ms(end) - _ms(start)) // (per_month + 1)
        partitions.ensure_ahead(url, start, ahead=0)
        with engine.begin() as conn:
            conn.execute(sa.text("SET LOCAL synchronous_commit = off"))
            conn.execute(sa.text(_FILL), {"start_ms": _ms(start), "step": step,
                                          "n": per_month, "bodies": BODIES})
            conn.execute(sa.text(
                "INSERT INTO decision_bodies (digest, month, body) "
                "SELECT lpad(to_hex(b), 32, '0'), CAST(:month AS date), :body "
                "FROM generate_series(0, :bodies - 1) AS b"),
                {"month": month.isoformat(), "body": _BODY, "bodies": BODIES})
        months.append((_ms(start), step, per_month))
        print(f"    {month:%Y-%m}: {per_month:,} rows, {time.perf_counter() - began:.0f} s",
              flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE decision_log"))
        conn.execute(sa.text("VACUUM ANALYZE decision_bodies"))
    return time.perf_counter() - began, months


def _random_ids(months: list[tuple[int, int, int]], count: int) -> list[str]:
    picked = []
    for _ in range(count):
        start, step, n = random.choice(months)
        g = random.randint(1, n)
        picked.append(f"d_{start + g * step:012x}{g:012x}")
    return picked


def _timed(client, headers, paths: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for path in paths:
        began = time.perf_counter()
        answer = client.get(path, headers=headers)
        times.append((time.perf_counter() - began) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    return times


def _p(times: list[float], q: float) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[int(q) - 1]


_PARTITION = re.compile(r"\bon (decision_log_(?:\d{4}_\d{2}|default))\b")


def _partitions_read(url: str, request_id: str) -> int:
    """How many partitions PostgreSQL's plan reads for the fetch of `request_id`."""
    made = id_instant(request_id)
    assert made is not None
    with engine_for(url).connect() as conn:
        plan = conn.execute(sa.text(
            "EXPLAIN SELECT items, evaluated_at FROM decision_log WHERE id = :id "
            "AND evaluated_at >= :low AND evaluated_at < :high"),
            {"id": request_id, "low": (made - timedelta(days=2)).replace(tzinfo=None),
             "high": (made + timedelta(days=2)).replace(tzinfo=None)}).scalars().all()
    # Distinct partitions named in the plan (a bitmap scan names one on two lines).
    return len({name for line in plan for name in _PARTITION.findall(line)})


def _old_ids(url: str, count: int) -> list[str]:
    """Rename `count` random rows' ids to the format before (20 random hex)."""
    engine = engine_for(url)
    with engine.begin() as conn:
        rows = conn.execute(sa.text(
            "SELECT id, evaluated_at FROM decision_log TABLESAMPLE SYSTEM (0.1) LIMIT :n"),
            {"n": count}).all()
        renamed = [("d_" + os.urandom(10).hex(), r.id, r.evaluated_at) for r in rows]
        conn.execute(sa.text("UPDATE decision_log SET id = :new WHERE id = :old "
                             "AND evaluated_at = :at"),
                     [{"new": new, "old": old, "at": at} for new, old, at in renamed])
    return [new for new, _, _ in renamed]


def _journal_p99(url: str, work: Path) -> float:
    """Fetch decisions that are only in the journal (answered, not shipped yet)."""
    log = DecisionLog(url, batch=100, queue_size=10_000, journal_=Journal(work / "journal",
                                                                          fsync=False))
    now = clock.now()
    records = []
    for n in range(500):
        record = LogRecord(new_request_id(now), now, None, 1)
        record.add(None, {"n": n}, None, _Shared())  # type: ignore[arg-type]
        log.write(record)
        records.append(record)
    times = []
    for record in random.sample(records, len(records)):
        began = time.perf_counter()
        assert log.fetch(record.id) is not None
        times.append((time.perf_counter() - began) * 1000)
    return _p(times, 99)


class _Shared:
    digest = "f" * 32
    body = _BODY


def run() -> list[Figure]:
    base = postgres_url()
    if not base:
        return [("log_fetch_p99", "skipped: DATABASE_URL names no PostgreSQL database",
                 "≤ 5 ms", False)]
    figures: list[Figure] = []
    with fresh_database(base) as url, tempfile.TemporaryDirectory() as work:
        upgrade(url)
        first = partitions.add_months(partitions.month_of(clock.now()), -MONTHS + 1)
        seconds, months = _fill(url, datetime(first.year, first.month, 1, tzinfo=UTC),
                                -(-ROWS // MONTHS))
        total = sum(n for _, _, n in months)
        figures.append(("log_fill", f"{total:,} rows in {seconds:.0f} s "
                        f"({total / seconds:,.0f}/s)", "a few minutes", seconds < 600))
        settings = Settings(database_url=url, redis_url=os.environ.get("REDIS_URL", ""),
                            follow_snapshots=False, decision_log_journal="",
                            var_dir=work, queue_name="bench-log", snapshot_gc_freeze=True)
        _, secret, _ = create_key(url, "bench ota", "ota", "bench", clock.now())
        _, viewer, _ = create_key(url, "bench viewer", "viewer", "bench", clock.now())
        client = create_app(settings=settings).test_client()
        ota = {"Authorization": f"Bearer {secret}"}
        _timed(client, ota, [f"/api/v1/decisions/{i}" for i in _random_ids(months, 200)])
        times = _timed(client, ota, [f"/api/v1/decisions/{i}"
                                     for i in _random_ids(months, SAMPLES)])
        p99 = _p(times, 99)
        start, step, n = months[3]  # an id from the middle of a month, away from its turn
        read = _partitions_read(url, f"d_{start + n // 2 * step:012x}{n // 2:012x}")
        figures.append(("log_fetch_partitions_read", str(read),
                        "1 (of 24 months + default)", read == 1))
        figures.append(("log_fetch_p50_ms", f"{_p(times, 50):.2f}", "", True))
        figures.append(("log_fetch_p99_ms", f"{p99:.2f}", "≤ 5 ms with 10 M rows",
                        p99 <= 5 and total >= 10_000_000))
        old = _timed(client, ota, [f"/api/v1/decisions/{i}" for i in _old_ids(url, 300)])
        figures.append(("log_fetch_old_id_p99_ms (an id without its month: every month probed)",
                        f"{_p(old, 99):.2f}", "", True))
        journal_p99 = _journal_p99(url, Path(work))
        figures.append(("log_fetch_journal_p99_ms", f"{journal_p99:.2f}",
                        "≤ 5 ms (answered, not shipped yet)", journal_p99 <= 5))
        start_ms, step, n = months[len(months) // 2]
        since = datetime.fromtimestamp(start_ms / 1000, UTC) + timedelta(days=3)
        began = time.perf_counter()
        answer = client.get("/api/v1/decisions/export", headers={
            "Authorization": f"Bearer {viewer}"}, query_string={
            "from": since.isoformat(), "to": (since + timedelta(days=1)).isoformat()})
        lines = sum(chunk.count(b"\n") for chunk in answer.response)
        rate = lines / (time.perf_counter() - began)
        figures.append(("log_export_rows_per_s", f"{rate:,.0f} ({lines:,} rows, one day)",
                        "", lines > 0))
        dispose_all()
    return figures


if __name__ == "__main__":
    for name, value, target, met in run():
        print(f"{name}: {value} (target {target}) {'met' if met else 'MISSED'}")
