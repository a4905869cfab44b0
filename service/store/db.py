"""Engines and sessions: the one place that knows how to reach the database.

SQLite runs in WAL mode with a busy timeout so that the web, worker and cron processes can
share one file; write transactions start with `BEGIN IMMEDIATE` so that two writers queue
instead of failing half-way. On PostgreSQL a write transaction first takes one
transaction-level advisory lock, so writes are serialised there too. The audit chain's single
head row serialises them anyway; taking the lock first means that every write sees every write
committed before it (screening in the write relies on it: a vendor written while a list is
activated is screened against that list by one of the two) and that no two writes deadlock.
Engines are created lazily per process, so a forked RQ job or WSGI worker never inherits a
parent's connections.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

_engines: dict[tuple[int, str], sa.Engine] = {}
WRITE_LOCK = 7_414_200  # the PostgreSQL advisory lock every write transaction takes first


def engine_for(url: str) -> sa.Engine:
    """Return this process's engine for `url`, creating it on first use."""
    key = (os.getpid(), url)
    engine = _engines.get(key)
    if engine is None:
        engine = _create(url)
        _engines[key] = engine
    return engine


def _create(url: str) -> sa.Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    if parsed.database and parsed.database != ":memory:":
        # A folder that cannot be made leaves SQLite unable to open the file: a database
        # error on first use, which callers handle as the database being out of reach.
        with suppress(OSError):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
    sa.event.listen(engine, "connect", _sqlite_connect)
    sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred and late).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    immediate = conn.get_execution_options().get("write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write_session(url: str) -> Iterator[Session]:
    """Open a write transaction that commits on success and rolls back on any error."""
    engine = engine_for(url).execution_options(write=True)
    with sqlite_writer(url), Session(engine, expire_on_commit=False) as session, \
            session.begin():
        if engine.dialect.name == "postgresql":
            session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})
        yield session


_thread_lock = threading.Lock()


@lru_cache(maxsize=16)
def _lock_path(url: str) -> str | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return f"{parsed.database}.lock"


@contextmanager
def sqlite_writer(url: str) -> Iterator[None]:
    """Queue SQLite writers of all processes on a file lock.

    SQLite's own busy handler sleeps and retries (up to 100 ms a try), which turns two
    processes' group commits into long tail latencies; a kernel lock wakes the next writer
    the moment the last one commits. Other databases need no such thing.
    """
    lock_path = _lock_path(url)
    if lock_path is None:
        yield
        return
    with _thread_lock, open(lock_path, "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


@contextmanager
def read_session(url: str) -> Iterator[Session]:
    """Open a read-only transaction with a consistent view of the whole database."""
    engine = engine_for(url)
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    with Session(engine) as session:  # closing it rolls the read transaction back
        yield session


def dispose(url: str) -> None:
    """Close this process's connections to `url` (a test's database, when it is done)."""
    engine = _engines.pop((os.getpid(), url), None)
    if engine is not None:
        engine.dispose()


def dispose_all() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
