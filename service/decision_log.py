"""The decision log: every answer given, stored before it is given, written in batches.

Requests hand their entries to one writer thread per process and wait until the batch that
holds them has committed (group commit): many answers share one transaction, and nothing
acknowledged is lost if the process dies afterwards. The queue is bounded, so under overload
callers wait for room instead of entries being dropped.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from dataclasses import dataclass

import sqlalchemy as sa

from service.errors import Unavailable
from service.metrics import DECISION_LOG_WAIT
from service.store.db import engine_for
from service.store.models import DecisionLogEntry

log = logging.getLogger(__name__)


@dataclass
class _Pending:
    rows: list[dict[str, object]]
    done: threading.Event
    error: BaseException | None = None


class DecisionLog:
    def __init__(self, database_url: str, batch: int, queue_size: int, wait_seconds: float = 30
                 ) -> None:
        self.database_url = database_url
        self.batch = batch
        self.wait_seconds = wait_seconds
        self._queue: queue.Queue[_Pending] = queue.Queue(maxsize=queue_size)
        self._pid: int | None = None
        self._start_lock = threading.Lock()

    def write(self, rows: list[dict[str, object]]) -> None:
        """Store `rows` durably; return once they are committed, raise Unavailable if not."""
        self._ensure_thread()
        pending = _Pending(rows, threading.Event())
        try:
            self._queue.put(pending, timeout=self.wait_seconds)
        except queue.Full:
            raise Unavailable("The decision log is overloaded; try again.") from None
        if not pending.done.wait(self.wait_seconds) or pending.error is not None:
            raise Unavailable("The decision could not be logged, so it is not given; try again.")

    def _ensure_thread(self) -> None:
        if self._pid == os.getpid():
            return
        with self._start_lock:  # a forked child starts its own writer
            if self._pid != os.getpid():
                threading.Thread(target=self._run, name="decision-log", daemon=True).start()
                self._pid = os.getpid()

    def _run(self) -> None:
        while True:
            group = [self._queue.get()]
            count = len(group[0].rows)
            while count < self.batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                group.append(item)
                count += len(item.rows)
            DECISION_LOG_WAIT.set(self._queue.qsize())
            self._commit(group)

    def _commit(self, group: list[_Pending]) -> None:
        rows = [row for pending in group for row in pending.rows]
        try:
            engine = engine_for(self.database_url).execution_options(write=True)
            with engine.begin() as conn:
                conn.execute(sa.insert(DecisionLogEntry), rows)
        except Exception as exc:  # the waiting requests turn this into a 503, never an answer
            log.exception("decision log write failed")
            for pending in group:
                pending.error = exc
        for pending in group:
            pending.done.set()
