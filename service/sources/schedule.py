"""Which sources are due: each has a cron schedule (UTC), read by croniter (as RQ's cron is).

`record_due` runs every minute. For a due source it writes an outbox row whose job id names
the schedule slot (`refresh-<source>_<slot>`), and the outbox keeps one row per job id, so
however many schedulers run, each slot gets one refresh.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from croniter import CroniterError, croniter

from service import outbox
from service.store.db import read_session, write_session
from service.store.pipeline import Source

log = logging.getLogger(__name__)


def valid_schedule(expression: str) -> bool:
    """Whether `expression` is cron that comes due: "0 0 31 4 *" parses, but 31 April never
    comes, and croniter gives up looking for it."""
    if not croniter.is_valid(expression):
        return False
    try:
        croniter(expression).get_prev(datetime)
    except CroniterError:
        return False
    return True


def slot(expression: str, now: datetime) -> datetime:
    """The latest instant at or before `now` that the schedule names."""
    found: datetime = croniter(expression, now + timedelta(seconds=1)).get_prev(datetime)
    return found


def record_due(database_url: str, now: datetime) -> list[str]:
    """Record a refresh for each enabled source whose latest slot has had none."""
    with read_session(database_url) as session:
        sources = list(session.execute(
            sa.select(Source.id, Source.schedule, Source.last_attempt_at, Source.created_at)
            .where(Source.enabled.is_(True), Source.deleted.is_(False))))
    due = []
    for source in sources:
        if not valid_schedule(source.schedule):  # stored before schedules were checked
            log.warning("source %s has a schedule that never comes due: %r", source.id,
                        source.schedule)
            continue
        latest = slot(source.schedule, now)
        tried = source.last_attempt_at or source.created_at
        if tried < latest or source.last_attempt_at is None:
            due.append((source.id, latest))
    if not due:
        return []
    with write_session(database_url) as session:
        return [outbox.add(session, "refresh", f"{source_id}:{at:%Y%m%dT%H%M}",
                           {"source_id": source_id, "trigger": "schedule"}, now)
                for source_id, at in due]
