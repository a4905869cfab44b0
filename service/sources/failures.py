"""A source's failing streak: refreshes in a row that brought no good data, and who is told.

A `failed` refresh extends the streak, and so does a `held` one: that feed did answer, but
nothing was activated, a person has to decide, and until then its lists grow old just the
same. A refresh counts once, however often RQ retries its job. `activated`, `unchanged` and
`not_modified` end the streak; `superseded` leaves it alone (the run that got there first
ended it).

A source is failing once its streak reaches `feed_failure_alert` (0: never). At that refresh,
and in its transaction, every subscription that takes `source.failing` gets one message; later
failures of the same streak tell nobody again. The first good data after that tells
`source.recovered`, in its own transaction too. `/readyz` lists the failing sources and
`/metrics` has every source's streak.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from service.store.db import read_session
from service.store.pipeline import Source
from service.webhooks.events import EventType, publish

# The source columns that end a streak, set along with the good data that ends it.
ENDED = {"consecutive_failures": 0, "failing_since": None, "failure_alerted_at": None}


@dataclass(frozen=True)
class Streak:
    source_id: str
    name: str
    failures: int
    since: datetime | None
    last_error: str | None
    alerted: bool

    @classmethod
    def of(cls, source: Any) -> Streak:
        """The streak of a source row (or a row of the same columns)."""
        return cls(source.id, source.name, source.consecutive_failures, source.failing_since,
                   source.last_error, source.failure_alerted_at is not None)

    def failing(self, threshold: int) -> bool:
        return 0 < threshold <= self.failures

    def data(self) -> dict[str, Any]:
        """What a `source.failing` or `source.recovered` message says of the streak."""
        return {"source_id": self.source_id, "name": self.name,
                "consecutive_failures": self.failures, "failing_since": self.since,
                "last_error": self.last_error}


def failed(session: Session, source: Source, reason: str | None, now: datetime,
           threshold: int, *, counted: bool = False) -> bool:
    """Record a refresh that brought no good data (`counted`: a retried run of one already
    counted, which counts again only if that streak has ended since); tell subscribers if the
    streak has just made the source failing. Return whether it did."""
    if not counted or source.failing_since is None:
        source.consecutive_failures += 1
        source.failing_since = source.failing_since or now
    source.last_error = reason
    streak = Streak.of(source)
    if streak.alerted or not streak.failing(threshold):
        return False
    source.failure_alerted_at = now
    publish(session, EventType.SOURCE_FAILING, streak.data(), now)
    return True


def ended(session: Session, streak: Streak, now: datetime) -> bool:
    """Tell subscribers that a source they were told is failing has good data again (the
    caller sets `ENDED` on the source). Return whether it did."""
    if not streak.alerted:
        return False
    publish(session, EventType.SOURCE_RECOVERED, {**streak.data(), "recovered_at": now}, now)
    return True


def streaks(database_url: str) -> list[Streak]:
    """The streak of every enabled source, in the order of their ids."""
    with read_session(database_url) as session:
        rows = session.execute(
            sa.select(Source.id, Source.name, Source.consecutive_failures, Source.failing_since,
                      Source.last_error, Source.failure_alerted_at)
            .where(Source.enabled.is_(True), Source.deleted.is_(False)).order_by(Source.id))
        return [Streak.of(row) for row in rows]


def failing(database_url: str, threshold: int) -> list[Streak]:
    """The enabled sources failing now."""
    return [streak for streak in streaks(database_url) if streak.failing(threshold)]
