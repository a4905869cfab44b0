"""The decision log: every answer given, stored before it is given, written in batches.

One row records one request: a single decision, or a batch of up to a thousand, each decision
addressable as `<request id>.<item index>`. The part of an answer that every request in a
decision's window shares is stored once, by digest, so a row holds only what is particular:
the requests as sent, the instants judged and the digests.

A request returns only once the transaction holding its record has committed, and commits
are shared (group commit): nothing acknowledged is lost if the process dies afterwards, and
under load many requests ride one transaction. The number of decisions waiting is bounded, so
under overload callers wait for room, and no record is ever dropped.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa

from service.decisions import Judged, iso, render
from service.errors import Unavailable
from service.spool import Spool
from service.store import decision_rows
from service.store.db import engine_for, read_session, sqlite_writer
from service.store.models import DecisionBody, DecisionLogEntry

log = logging.getLogger(__name__)
_KNOWN_DIGESTS = 100_000
_DECISION_ID = re.compile(r"([A-Za-z0-9_]{1,40})(?:\.([0-9]{1,6}))?")


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
    woken: threading.Event = field(default_factory=threading.Event)
    lead: bool = False  # this request commits for everyone waiting
    error: BaseException | None = None


class DecisionLog:
    def __init__(self, database_url: str, batch: int, queue_size: int,
                 spool: Spool | None = None) -> None:
        self.database_url = database_url
        self.spool = spool
        self.batch = batch
        self.queue_size = queue_size
        self._lock = threading.Lock()
        self._room = threading.Condition(self._lock)
        self._waiting: list[_Pending] = []
        self._committing = False
        self._stored: set[str] = set()  # body digests this process knows are stored

    def write(self, record: LogRecord) -> None:
        """Store `record` durably; return once it is committed, raise Unavailable if not.

        Leader-based group commit: a request that finds no commit running commits everything
        waiting, its own record first; when done it hands the lead to the next waiter, if
        any. Each waiting request is woken exactly once. Past `queue_size` waiting decisions
        a caller waits for room before joining, so nothing is dropped under overload.
        """
        pending = _Pending(record)
        with self._room:
            while sum(len(p.record.items) for p in self._waiting) >= self.queue_size:
                self._room.wait()
            self._waiting.append(pending)
            pending.lead = not self._committing
            self._committing = True
        if not pending.lead:
            pending.woken.wait()  # a leader always wakes it: commit errors are caught
        if pending.lead:
            self._lead()
        if pending.error is not None:
            raise Unavailable("The decision could not be logged, so it is not given; try again.")

    def _lead(self) -> None:
        with self._room:
            group, self._waiting = self._take_group()
            self._room.notify_all()
        try:
            self._commit(group)
        finally:  # whatever happened, the next waiter must not wait for a leader forever
            with self._room:
                if self._waiting:
                    successor = self._waiting[0]
                    successor.lead = True
                    successor.woken.set()
                else:
                    self._committing = False

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
        # Only ids of the shape the log gives: "d_<hex>", and ".<n>" for a batch item (not
        # str.isdigit, which takes "²" that int() then refuses).
        shape = _DECISION_ID.fullmatch(decision_id)
        if shape is None:
            return None
        request_id, index = shape.group(1, 2)
        wanted = int(index) if index is not None else None  # a single decision has no index
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

    def logged(self, request_id: str) -> bool:
        """Whether a request (a single decision or a batch) is in the log."""
        with read_session(self.database_url) as session:
            return session.get(DecisionLogEntry, request_id) is not None

    def _commit(self, group: list[_Pending]) -> None:
        records = [pending.record for pending in group]
        bodies = {d: b for r in records for d, b in r.bodies.items() if d not in self._stored}
        rows = [{"id": r.id, "evaluated_at": r.evaluated_at, "api_key_id": r.api_key_id,
                 "data_version": str(r.data_version), "size": len(r.items),
                 "items": orjson.dumps(r.items).decode()} for r in records]
        try:
            with sqlite_writer(self.database_url):
                decision_rows.write(engine_for(self.database_url), rows, bodies.items())
        except Exception as exc:  # spool the answers, or refuse them: never an unlogged answer
            log.exception("decision log write failed; spooling to disk")
            error = self._spool_or_error(rows, records, exc)
            for pending in group:
                pending.error = error
            return  # no replay: the database has just refused a commit
        else:
            if len(self._stored) > _KNOWN_DIGESTS:
                self._stored.clear()
            self._stored.update(bodies)
        finally:
            for pending in group:
                pending.woken.set()
        if self.spool is not None and self.spool.pending():
            self._replay()

    def _spool_or_error(self, rows: list[dict[str, Any]], records: list[LogRecord],
                        exc: BaseException) -> BaseException | None:
        if self.spool is None:
            return exc
        try:
            # Every body goes in: which of them reached the database is not known.
            self.spool.append(rows, {d: b for r in records for d, b in r.bodies.items()})
        except OSError:
            log.exception("could not spool the decision log either")
            return exc
        return None

    def _replay(self) -> None:
        """Move spooled rows into the database now that it answers again."""
        assert self.spool is not None
        for claimed, rows, bodies in self.spool.claim():
            try:
                with sqlite_writer(self.database_url):
                    decision_rows.write(engine_for(self.database_url), rows, bodies.items(),
                                        skip_known=True)
            except Exception:  # left claimed on disk; the next replay takes it up again
                log.exception("replaying %s failed", claimed.name)
                self.spool.release(claimed)
                return
            self.spool.done(claimed)
            log.info("replayed %d spooled decision-log rows from %s", len(rows), claimed.name)
