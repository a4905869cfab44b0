"""The decision log's group commit: everything acknowledged is stored, nothing waits forever."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from service import clock
from service.decision_log import DecisionLog, LogRecord, new_request_id
from service.errors import Unavailable
from service.spool import Spool


@dataclass(frozen=True)
class Shared:
    digest: str = "0" * 32
    body: str = '{"verdict": "deny"}'


def record(n: int) -> LogRecord:
    made = LogRecord(new_request_id(), clock.now(), None, 1)
    made.add(None, {"n": n}, "2020-01-01T00:00:00Z", Shared())  # type: ignore[arg-type]
    return made


def stored(database_url: str) -> int:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM decision_log")).scalar_one()
    engine.dispose()
    return int(count)


def test_many_concurrent_writers_all_get_stored_in_shared_commits(database_url):
    log = DecisionLog(database_url, batch=3, queue_size=10)  # small: forces hand-offs and room
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda n: log.write(record(n)), range(400)))
    assert stored(database_url) == 400


def test_a_failed_commit_refuses_its_answers_and_the_next_writes_still_go_through(
        database_url, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    broken = DecisionLog(f"sqlite:///{blocker}/log.db", batch=10, queue_size=100)
    with pytest.raises(Unavailable):
        broken.write(record(1))
    with pytest.raises(Unavailable):  # no leader left behind holding the queue
        broken.write(record(2))
    working = DecisionLog(database_url, batch=10, queue_size=100)
    working.write(record(3))
    assert stored(database_url) == 1


def test_with_the_database_away_answers_are_spooled_then_replayed_once_it_is_back(
        database_url, tmp_path):
    spool = Spool(tmp_path / "spool")
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    away = DecisionLog(f"sqlite:///{blocker}/log.db", batch=10, queue_size=100, spool=spool)
    for n in range(3):
        away.write(record(n))  # acknowledged: on disk, fsynced
    # One file, appended to: no replay is tried while the database refuses commits (each try
    # renamed the files under the other processes' appends, a file per answer).
    assert [p.name for p in (tmp_path / "spool").iterdir()] == [f"decisions-{os.getpid()}.jsonl"]
    back = DecisionLog(database_url, batch=10, queue_size=100, spool=spool)
    back.write(record(3))
    assert stored(database_url) == 4
    assert not spool.pending()
    assert not list((tmp_path / "spool").iterdir())


def test_a_torn_last_line_in_the_spool_is_skipped_and_the_rest_replayed(database_url, tmp_path):
    spool = Spool(tmp_path / "spool")
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    DecisionLog(f"sqlite:///{blocker}/log.db", 10, 100, spool=spool).write(record(1))
    (spool_file,) = (tmp_path / "spool").glob("decisions-*.jsonl")
    with open(spool_file, "ab") as torn:
        torn.write(b'{"rows": [{"id": "d_tor')  # a writer died mid-line: it got no answer
    DecisionLog(database_url, 10, 100, spool=spool).write(record(2))
    assert stored(database_url) == 2
