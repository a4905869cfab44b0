"""The decision log: every answer given, stored before it is given, written in batches.

One row records one request: a single decision, or a batch of up to a thousand, each decision
addressable as `<request id>.<item index>`. The part of an answer that every request in a
decision's window shares is stored once, by digest, so a row holds only what is particular:
the requests as sent, the instants judged and the digests.

A request returns only once its record is stored, and storing is shared (group commit): the
first request to find no commit running stores everything waiting, so under load many
requests ride one write. The number of decisions waiting is bounded: under overload callers
wait for room, and no record is ever dropped. Where a record is stored first:

- With a journal (the default), in the host's decision journal (`journal`); a thread of each
  process ships sealed journal files to the database every `ship_seconds`. An answer then
  waits for a local write (and fsync), not for the database, and the database being away
  delays the log without losing it.
- Without one, in the database itself: each answer waits for its transaction.

Reading a decision back looks in the database, then in the host's journal files, then in the
database again (a file shipped between the two looks is in the database by then).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa

from service import clock
from service.decisions import journal
from service.decisions.judged import Judged
from service.decisions.render import render_dict
from service.errors import Unavailable
from service.jsonio import iso
from service.store import decision_rows
from service.store.db import engine_for, read_session, sqlite_writer
from service.store.models import DecisionBody, DecisionLogEntry
from service.store.partitions import month_of

log = logging.getLogger(__name__)
_KNOWN_DIGESTS = 100_000
_BODIES_KEPT = 10_000  # bodies read back and kept, a few MB
_DECISION_ID = re.compile(r"([A-Za-z0-9_]{1,40})(?:\.([0-9]{1,6}))?")
_TIMED_ID = re.compile(r"d_[0-9a-f]{24}")
# A request is evaluated moments after its id is made (an Idempotency-Key's claim makes it
# first, and a retry within the key's day reuses it); a read looks this far either side of
# the id's instant: one month's partition, two near a month's turn.
_ID_SLACK = timedelta(days=2)
_ROW = sa.select(DecisionLogEntry.items, DecisionLogEntry.evaluated_at).where(
    DecisionLogEntry.id == sa.bindparam("id"))
_ROW_NEAR = _ROW.where(DecisionLogEntry.evaluated_at >= sa.bindparam("low"),
                       DecisionLogEntry.evaluated_at < sa.bindparam("high"))
_ROW_ANYWHERE = _ROW.limit(1)
# A logged request read back: its items, when it was judged, and the bodies found with it
# (a journal line carries those it stored first; the rest are in the database).
_Found = tuple[list[Any], datetime, dict[str, str]]


def new_request_id(at: datetime | None = None) -> str:
    """A new request id carrying the instant it was made, so that reading it back looks in
    that month's partition only: `d_` + 12 hex of Unix milliseconds + 12 random hex. (Ids
    before this were `d_` + 20 random hex; those are still read, from every month.)"""
    ms = int((at or clock.now()).timestamp() * 1000)
    return f"d_{ms:012x}{secrets.token_hex(6)}"


def id_instant(request_id: str) -> datetime | None:
    """The instant a request id was made, for ids that carry one."""
    if not _TIMED_ID.fullmatch(request_id):
        return None
    return datetime.fromtimestamp(int(request_id[2:14], 16) / 1000, UTC)


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

    def row(self) -> dict[str, Any]:
        return {"id": self.id, "evaluated_at": self.evaluated_at,
                "api_key_id": self.api_key_id, "data_version": str(self.data_version),
                "size": len(self.items), "items": orjson.dumps(self.items).decode()}


@dataclass
class _Pending:
    record: LogRecord
    woken: threading.Event = field(default_factory=threading.Event)
    lead: bool = False  # this request commits for everyone waiting
    error: BaseException | None = None


class DecisionLog:
    def __init__(self, database_url: str, batch: int, queue_size: int,
                 journal_: journal.Journal | None = None, ship_seconds: float = 0.2) -> None:
        self.database_url = database_url
        self.journal = journal_
        self.batch = batch
        self.queue_size = queue_size
        self.ship_seconds = ship_seconds
        self._lock = threading.Lock()
        self._room = threading.Condition(self._lock)
        self._waiting: list[_Pending] = []
        self._committing = False
        # (body digest, month) pairs this process knows are in the database
        self._stored: set[tuple[str, date]] = set()
        self._bodies: dict[str, str] = {}  # bodies read back, by digest (see _stored_body)
        self._shipping = threading.Lock()
        self._shipper_pid = 0
        self._pause = threading.Event()  # never set: the shipper's wait between rounds

    def write(self, record: LogRecord) -> None:
        """Store `record` durably; return once it is stored, raise Unavailable if not.

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

    def _commit(self, group: list[_Pending]) -> None:
        records = [pending.record for pending in group]
        bodies = {d: b for r in records for d, b in r.bodies.items()
                  if (d, month_of(r.evaluated_at)) not in self._stored}
        rows = [r.row() for r in records]
        try:
            if self.journal is not None:
                self.journal.append(journal.line(rows, bodies))
            else:
                self._insert(rows, bodies)
        except Exception as exc:  # refuse the answers: never an unlogged answer
            log.exception("the decision log could not store %d records", len(rows))
            for pending in group:
                pending.error = exc
        finally:
            for pending in group:
                pending.woken.set()

    def _insert(self, rows: journal.Rows, bodies: journal.Bodies, skip_known: bool = False
                ) -> None:
        with sqlite_writer(self.database_url):
            stored = decision_rows.write(engine_for(self.database_url), rows, bodies,
                                         skip_known=skip_known)
        if len(self._stored) > _KNOWN_DIGESTS:
            self._stored.clear()
        self._stored.update(stored)

    def start(self) -> None:
        """Start this process's shipping thread, once per process (after any fork)."""
        if self.journal is None or self._shipper_pid == os.getpid():
            return
        self._shipper_pid = os.getpid()
        threading.Thread(target=self._ship_forever, name="decision-log-shipper",
                         daemon=True).start()

    def _ship_forever(self) -> None:
        while True:
            try:
                self.ship()
            except Exception:  # broad on purpose: the files wait on disk for the next round
                log.warning("could not ship the decision journal yet", exc_info=True)
            self._pause.wait(self.ship_seconds)

    def ship(self) -> int:
        """Move every journal file of this host that no process writes into the database,
        this process's own current file first sealed; return how many files moved."""
        if self.journal is None:
            return 0
        with self._shipping:
            self.journal.seal()
            return self.journal.ship(self._send)

    def _send(self, content: bytes) -> None:
        rows, bodies = journal.read(content)
        if rows:
            # Every body goes in: which of them reached the database is not known.
            self._insert(rows, bodies, skip_known=True)

    def fetch(self, decision_id: str) -> dict[str, Any] | None:
        """Return a decision as it was given, with the request it answered."""
        # Only ids of the shape the log gives: "d_<hex>", and ".<n>" for a batch item (not
        # str.isdigit, which takes "²" that int() then refuses).
        shape = _DECISION_ID.fullmatch(decision_id)
        if shape is None:
            return None
        request_id, index = shape.group(1, 2)
        wanted = int(index) if index is not None else None  # a single decision has no index
        found = (self._stored_row(request_id) or self._journal_row(request_id)
                 or self._stored_row(request_id))
        if found is None:
            return None
        items, evaluated_at, bodies = found
        for item_index, request, at, digest in items:
            if item_index == wanted:
                body = bodies.get(digest) or self._stored_body(digest, evaluated_at)
                given = render_dict(orjson.loads(body or "{}"), decision_id, at,
                                    iso(evaluated_at))
                return {**given, "request": request}
        return None

    def logged(self, request_id: str) -> bool:
        """Whether a request (a single decision or a batch) is in the log."""
        return any(find(request_id) is not None for find in
                   (self._stored_row, self._journal_row, self._stored_row))

    def _stored_row(self, request_id: str) -> _Found | None:
        """The stored row of a request: by id and the instant it carries, which the database
        prunes to that month's partition (a request is always evaluated within `_ID_SLACK`
        of its id's instant); an id in the format before looks in every month."""
        made = id_instant(request_id)
        if made is not None:
            row = self._first(_ROW_NEAR, {"id": request_id, "low": made - _ID_SLACK,
                                          "high": made + _ID_SLACK})
        else:
            row = self._first(_ROW_ANYWHERE, {"id": request_id})
        if row is None:
            return None
        return orjson.loads(row.items), row.evaluated_at, {}

    def _first(self, query: sa.Executable, values: dict[str, Any]) -> Any:
        """The first row of a one-statement read. On PostgreSQL outside any transaction (one
        round trip, not four: no BEGIN, isolation or ROLLBACK needed for a single read)."""
        engine = engine_for(self.database_url)
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                return conn.execute(query, values).first()
        with read_session(self.database_url) as session:
            return session.execute(query, values).first()

    def _stored_body(self, digest: str, evaluated_at: datetime) -> str | None:
        """A body by digest, from its row's month (any month's copy is the same text, the
        digest being its hash, so bodies read are remembered: most fetches then make one
        query, not two)."""
        known = self._bodies.get(digest)
        if known is not None:
            return known
        query = sa.select(DecisionBody.body).where(DecisionBody.digest == digest)
        with read_session(self.database_url) as session:
            body = (session.scalar(query.where(DecisionBody.month == month_of(evaluated_at)))
                    or session.scalar(query.limit(1)))
        if body is not None:
            if len(self._bodies) >= _BODIES_KEPT:
                self._bodies.clear()
            self._bodies[digest] = body
        return body

    def _journal_row(self, request_id: str) -> _Found | None:
        if self.journal is None:
            return None
        for entry in self.journal.find(f'"id":"{request_id}"'.encode()):
            rows, bodies = journal.read(entry)
            for row in rows:
                if row["id"] == request_id:
                    return orjson.loads(row["items"]), row["evaluated_at"], bodies
        return None
