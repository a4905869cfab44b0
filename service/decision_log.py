"""The decision log: every answer given, stored before it is given, written in batches.

One row records one request: a single decision, or a batch of up to a thousand, each decision
addressable as `<request id>.<item index>`. The part of an answer that every request in a
decision's window shares is stored once, by digest, so a row holds only what is particular:
the requests as sent, the instants judged and the digests.

A request returns only once the transaction holding its record has committed, and commits
are shared (group commit): nothing acknowledged is lost if the process dies afterwards, and
under load many requests ride one transaction. Waiting is bounded, so under overload callers
wait for room (or get a 503 after `wait_seconds`), and no record is ever dropped.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa

from service.decisions import Judged, iso, render
from service.errors import Unavailable
from service.store import decision_rows
from service.store.db import engine_for, read_session, sqlite_writer
from service.store.models import DecisionBody, DecisionLogEntry

log = logging.getLogger(__name__)
_KNOWN_DIGESTS = 100_000


def new_request_id() -> str:
    return "d_" + secrets.token_hex(10)


@dataclass
class LogRecord:
    """What one request was answered: its decisions' inputs, instants and shared bodies."""

    id: str
    evaluated_at: datetime
    api_key_id: str | None
    data_version: int
    items: list[tuple[int | None, Any, str | None, str]] = field(default_factory=list)
    bodies: dict[str, str] = field(default_factory=dict)

    def add(self, index: int | None, request: Any, at: str | None, judged: Judged) -> None:
        self.items.append((index, request, at, judged.digest))
        self.bodies[judged.digest] = judged.body


@dataclass
class _Pending:
    record: LogRecord
    done: bool = False
    error: BaseException | None = None


class DecisionLog:
    def __init__(self, database_url: str, batch: int, queue_size: int, wait_seconds: float = 30
                 ) -> None:
        self.database_url = database_url
        self.batch = batch
        self.queue_size = queue_size
        self.wait_seconds = wait_seconds
        self._changed = threading.Condition()
        self._waiting: list[_Pending] = []
        self._committing = False
        self._stored: set[str] = set()  # body digests this process knows are stored
        self._conn: sa.Connection | None = None
        self._conn_pid: int | None = None

    def write(self, record: LogRecord) -> None:
        """Store `record` durably; return once it is committed, raise Unavailable if not.

        Whoever finds no commit running commits everything waiting, its own record included
        (leader-based group commit); the others wait for that commit or lead the next one.
        Past `queue_size` waiting decisions a caller waits for room before joining.
        """
        pending = _Pending(record)
        deadline = time.monotonic() + self.wait_seconds
        with self._changed:
            while sum(len(p.record.items) for p in self._waiting) >= self.queue_size:
                self._wait_until(deadline)
            self._waiting.append(pending)
            while not pending.done:
                if self._committing:
                    self._wait_until(deadline)
                    continue
                group, self._waiting = self._take_group()
                self._committing = True
                self._changed.release()
                try:
                    self._commit(group)
                finally:
                    self._changed.acquire()
                    self._committing = False
                    self._changed.notify_all()
        if pending.error is not None:
            raise Unavailable("The decision could not be logged, so it is not given; try again.")

    def _wait_until(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not self._changed.wait(remaining):
            raise Unavailable("The decision log is overloaded; try again.")

    def _take_group(self) -> tuple[list[_Pending], list[_Pending]]:
        """Split the waiting records into one commit's worth and the rest."""
        count = 0
        for n, pending in enumerate(self._waiting):
            count += len(pending.record.items)
            if count >= self.batch:
                return self._waiting[: n + 1], self._waiting[n + 1:]
        return self._waiting, []

    def fetch(self, decision_id: str) -> dict[str, Any] | None:
        """Return a decision as it was given, with the request it answered."""
        request_id, dot, index = decision_id.partition(".")
        if dot and not index.isdigit():
            return None
        wanted = int(index) if dot else None  # a single decision's id has no index
        with read_session(self.database_url) as session:
            row = session.get(DecisionLogEntry, request_id)
            found = [i for i in orjson.loads(row.items) if i[0] == wanted] if row else []
            if row is None or not found:
                return None
            _, request, at, digest = found[0]
            body = session.scalar(sa.select(DecisionBody.body)
                                  .where(DecisionBody.digest == digest))
        given = render(orjson.loads(body or "{}"), decision_id, at, iso(row.evaluated_at))
        return {**given, "request": request}

    def _connection(self) -> sa.Connection:
        """This process's connection for the log, kept open between commits (one leader)."""
        if self._conn is None or self._conn_pid != os.getpid():
            engine = engine_for(self.database_url).execution_options(write=True)
            self._conn, self._conn_pid = engine.connect(), os.getpid()
        return self._conn

    def _dispose_connection(self) -> None:
        if self._conn is not None and self._conn_pid == os.getpid():
            self._conn.invalidate()
        self._conn = None

    def _commit(self, group: list[_Pending]) -> None:
        records = [pending.record for pending in group]
        bodies = {d: b for r in records for d, b in r.bodies.items() if d not in self._stored}
        rows = [{"id": r.id, "evaluated_at": r.evaluated_at, "api_key_id": r.api_key_id,
                 "data_version": str(r.data_version), "size": len(r.items),
                 "items": orjson.dumps(r.items).decode()} for r in records]
        try:
            conn = self._connection()
            with sqlite_writer(self.database_url), conn.begin():
                decision_rows.insert(conn, rows, bodies.items())
        except Exception as exc:  # the waiting requests turn this into a 503, never an answer
            log.exception("decision log write failed")
            self._dispose_connection()
            for pending in group:
                pending.error = exc
        else:
            if len(self._stored) > _KNOWN_DIGESTS:
                self._stored.clear()
            self._stored.update(bodies)
        for pending in group:
            pending.done = True
