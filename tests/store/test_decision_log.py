"""The decision log's group commit and journal: everything acknowledged is stored, nothing
waits forever, nothing is shipped twice or read from a file someone still writes."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from service import clock
from service.decisions.journal import Journal
from service.decisions.log import DecisionLog, LogRecord, new_request_id
from service.errors import Unavailable


@dataclass(frozen=True)
class Shared:
    digest: str = "0" * 32
    body: str = '{"verdict":"deny"}'


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


def unreachable(tmp_path: Path) -> str:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    return f"sqlite:///{blocker}/log.db"


def test_many_concurrent_writers_all_get_stored_in_shared_commits(database_url):
    log = DecisionLog(database_url, batch=3, queue_size=10)  # small: forces hand-offs and room
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda n: log.write(record(n)), range(400)))
    assert stored(database_url) == 400


def test_without_a_journal_a_failed_commit_refuses_its_answers_and_later_ones_go_through(
        database_url, tmp_path):
    broken = DecisionLog(unreachable(tmp_path), batch=10, queue_size=100)
    with pytest.raises(Unavailable):
        broken.write(record(1))
    with pytest.raises(Unavailable):  # no leader left behind holding the queue
        broken.write(record(2))
    working = DecisionLog(database_url, batch=10, queue_size=100)
    working.write(record(3))
    assert stored(database_url) == 1


def test_journalled_answers_are_on_disk_when_acknowledged_and_readable_before_shipping(
        database_url, tmp_path):
    log = DecisionLog(database_url, 10, 100, Journal(tmp_path / "journal"))
    with ThreadPoolExecutor(8) as pool:
        records = list(pool.map(lambda n: (log.write(r := record(n)), r)[1], range(50)))
    assert stored(database_url) == 0  # nothing shipped yet: the journal holds them
    first = log.fetch(records[0].id)
    assert first is not None and first["request"] == {"n": 0}
    assert first["verdict"] == "deny" and first["at"] == "2020-01-01T00:00:00Z"
    assert log.logged(records[-1].id)
    assert log.ship() == 1
    assert stored(database_url) == 50
    assert log.journal is not None and log.journal.pending() == 0
    assert log.fetch(records[0].id) == first  # the same answer, now from the database


def test_with_the_database_away_the_journal_keeps_everything_until_it_is_back(
        database_url, tmp_path):
    journal = Journal(tmp_path / "journal")
    away = DecisionLog(unreachable(tmp_path), 10, 100, journal)
    for n in range(3):
        away.write(record(n))  # acknowledged: fsynced to the journal
    with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises
        away.ship()
    assert journal.pending() == 1  # the file stays for the next round
    back = DecisionLog(database_url, 10, 100, journal)
    assert back.ship() == 1
    assert stored(database_url) == 3
    assert journal.pending() == 0


def test_a_torn_last_line_is_skipped_and_the_rest_shipped(database_url, tmp_path):
    journal = Journal(tmp_path / "journal")
    log = DecisionLog(database_url, 10, 100, journal)
    log.write(record(1))
    journal.seal()
    (written,) = (tmp_path / "journal").glob("*.jsonl")
    with open(written, "ab") as torn:
        torn.write(b'{"rows": [{"id": "d_tor')  # a writer died mid-line: it got no answer
    assert log.ship() == 1
    assert stored(database_url) == 1


def test_a_file_its_writer_still_holds_is_never_shipped(database_url, tmp_path):
    folder = tmp_path / "journal"
    log = DecisionLog(database_url, 10, 100, Journal(folder))
    log.write(record(1))
    log.journal.seal()  # type: ignore[union-attr]
    (sealed,) = folder.glob("*.jsonl")
    with open(sealed, "rb") as held:  # another process writing it would hold this lock
        fcntl.flock(held, fcntl.LOCK_EX)
        assert log.journal.ship(lambda content: None) == 0  # type: ignore[union-attr]
    assert sealed.exists()
    assert log.ship() == 1 and stored(database_url) == 1


WRITER = """
import os, sys
from service import clock
from service.decisions.journal import Journal
from service.decisions.log import DecisionLog, LogRecord
log = DecisionLog(sys.argv[1], 10, 100, Journal(__import__("pathlib").Path(sys.argv[2])))
for n in range(int(sys.argv[3])):
    record = LogRecord(f"d_killed{n}", clock.now(), None, 1)
    record.items.append((None, {"n": n}, None, "0" * 32))
    record.bodies["0" * 32] = "{}"
    log.write(record)
    print(record.id, flush=True)
os.kill(os.getpid(), 9)
"""


def test_the_files_of_a_process_killed_9_are_shipped_by_another(database_url, tmp_path):
    folder = tmp_path / "journal"
    done = subprocess.run([sys.executable, "-c", WRITER, database_url, str(folder), "20"],
                          capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PYTHONPATH=os.getcwd()))
    assert done.returncode == -9
    acknowledged = done.stdout.split()
    assert len(acknowledged) == 20
    survivor = DecisionLog(database_url, 10, 100, Journal(folder))
    assert survivor.ship() == 1  # the dead writer's lock went with it
    assert all(survivor.logged(request_id) for request_id in acknowledged)
    assert stored(database_url) == 20


def test_the_journal_is_as_durable_as_the_database_it_feeds_unless_told():
    from config.settings import Settings

    assert not Settings(database_url="sqlite:///x.db").journal_fsync  # WAL, synchronous=NORMAL
    assert Settings(database_url="postgresql+psycopg://h/db").journal_fsync  # commits fsync
    assert Settings(database_url="sqlite:///x.db", decision_log_fsync="on").journal_fsync
    assert not Settings(database_url="postgresql+psycopg://h/db",
                        decision_log_fsync="off").journal_fsync
    with pytest.raises(ValueError, match="auto, on or off"):
        _ = Settings(decision_log_fsync="sometimes").journal_fsync


def test_files_sealed_and_shipped_while_answers_are_written_lose_none(database_url, tmp_path):
    """Writers, a sealer and a shipper of another process's making, all at once: every
    acknowledged record reaches the database. (A new file briefly unlocked was once shipped
    empty and deleted under its writer, which went on writing to the deleted file.)"""
    folder = tmp_path / "journal"
    writer = DecisionLog(database_url, 10, 100, Journal(folder))
    shipper = DecisionLog(database_url, 10, 100, Journal(folder))  # its own locks, as a
    done = threading.Event()                                       # process of its own
    written: list[str] = []

    def write(n: int) -> None:
        for i in range(300):
            made = record(n * 1000 + i)
            writer.write(made)
            written.append(made.id)

    def keep_sealing() -> None:
        while not done.is_set():
            writer.journal.seal()  # type: ignore[union-attr]

    def keep_shipping() -> None:
        while not done.is_set():
            shipper.journal.ship(shipper._send)  # type: ignore[union-attr]

    churn = [threading.Thread(target=keep_sealing), threading.Thread(target=keep_shipping)]
    for thread in churn:
        thread.start()
    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(write, range(4)))
    finally:
        done.set()
        for thread in churn:
            thread.join(timeout=30)
    writer.ship()
    assert len(written) == 1200
    assert stored(database_url) == 1200
