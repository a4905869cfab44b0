"""How old each source's data is, read cheaply enough for every decision to ask.

A source is stale when it has not answered with good data (or a 304) for longer than its
staleness limit; a source never checked counts from its registration. Disabled and deleted
sources do not count. The answer is cached for a second or two: a decision must not query
the database, and staleness is measured in hours. If the database cannot be read, the last
reading stands (the snapshot's own limit covers a database that stays away).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from service.store.db import read_session
from service.store.pipeline import Source

_TTL_SECONDS = 2.0


@dataclass(frozen=True)
class Age:
    source_id: str
    name: str
    checked_at: datetime  # last good answer, or registration when never checked
    limit: timedelta

    def stale(self, now: datetime) -> bool:
        return now - self.checked_at > self.limit

    @classmethod
    def of(cls, source: Any) -> Age:
        """The age of a source row (or a row of its id, name, created_at, last_checked_at and
        staleness_limit_hours)."""
        return cls(source.id, source.name, source.last_checked_at or source.created_at,
                   timedelta(hours=source.staleness_limit_hours))


class Freshness:
    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._ages: list[Age] = []
        self._read_at = -_TTL_SECONDS
        self._lock = threading.Lock()

    def ages(self) -> list[Age]:
        if time.monotonic() - self._read_at >= _TTL_SECONDS:
            with self._lock:
                if time.monotonic() - self._read_at >= _TTL_SECONDS:
                    self._read()
        return self._ages

    def stale(self, now: datetime) -> bool:
        return any(age.stale(now) for age in self.ages())

    def forget(self) -> None:
        """Read again on the next question (after this process changed a source)."""
        self._read_at = -_TTL_SECONDS

    def _read(self) -> None:
        try:
            with read_session(self.database_url) as session:
                rows = session.execute(
                    sa.select(Source.id, Source.name, Source.created_at,
                              Source.last_checked_at, Source.staleness_limit_hours)
                    .where(Source.enabled.is_(True), Source.deleted.is_(False)))
                self._ages = [Age.of(row) for row in rows]
        except sa.exc.SQLAlchemyError:
            pass  # keep the last reading
        self._read_at = time.monotonic()
