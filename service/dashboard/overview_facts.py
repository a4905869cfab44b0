"""What the overview shows: each part read from where the service keeps it, cheaply.

Sources and the outbox from the database, the review queue and licences from the snapshot the
rules read, jobs from RQ (which may be away: then the overview says so and goes on), answers of
the last day from the decision log's counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import redis
from rq import Queue
from rq.registry import FailedJobRegistry, StartedJobRegistry

from config.settings import Settings
from service import eligibility as el
from service.snapshot import Snapshot
from service.sources.freshness import Age
from service.store.source_states import SourceState
from service.views import as_of

VERDICTS = ("allow", "review", "deny")


@dataclass(frozen=True)
class Freshness:
    state: SourceState
    age: timedelta | None  # since the last good data; None when never checked
    limit: timedelta
    stale: bool
    failing: bool


def freshness(states: list[SourceState], now: datetime, alert_after: int) -> list[Freshness]:
    """Each source's age against its limit, stale and failing ones first."""
    found = []
    for state in states:
        source = state.source
        age = Age.of(source)
        checked = source.last_checked_at
        found.append(Freshness(
            state, None if checked is None else now - checked, age.limit,
            source.enabled and age.stale(now),
            source.enabled and 0 < alert_after <= source.consecutive_failures))
    return sorted(found, key=lambda f: (not f.stale, not f.failing, f.state.held is None,
                                        f.state.source.name))


@dataclass(frozen=True)
class Work:
    reachable: bool
    queued: int = 0
    running: int = 0
    failed: int = 0


def jobs(settings: Settings) -> Work:
    """The work queue's depth and failures; unreachable rather than an error when Redis is away."""
    try:
        connection = redis.Redis.from_url(settings.redis_url, socket_timeout=1,
                                          socket_connect_timeout=1)
        queue = Queue(settings.queue_name, connection=connection)
        connection.ping()
        return Work(True, queue.count, StartedJobRegistry(queue=queue).count,
                      FailedJobRegistry(queue=queue).count)
    except (redis.RedisError, ValueError, OSError):  # away, or no Redis configured
        return Work(False)


@dataclass(frozen=True)
class Reviews:
    pending: int
    oldest: datetime | None  # when the longest-waiting possible match was recorded


def reviews(snapshot: Snapshot) -> Reviews:
    """The review queue: possible matches a person has yet to confirm or dismiss."""
    waiting = [m.recorded_at for m in as_of(snapshot.records.matches, None)
               if m.status == "pending"]
    return Reviews(len(waiting), min(waiting) if waiting else None)


@dataclass(frozen=True)
class Ending:
    licence: el.Licence
    until: datetime
    vendors: tuple[str, ...]  # names


def endings(snapshot: Snapshot, now: datetime, within: timedelta) -> list[Ending]:
    """Licences in force now whose cover ends within `within`, soonest first."""
    view, seen, found = snapshot.current, set(), []
    for licences in view.licences_by_vendor.values():
        for licence in licences:
            if licence.id in seen:
                continue
            seen.add(licence.id)
            until = cover_until(licence, now)
            if until is not None and until - now <= within:
                names = tuple(sorted(view.vendors[v].name for v in licence.vendor_ids
                                     if v in view.vendors))
                found.append(Ending(licence, until, names))
    return sorted(found, key=lambda e: (e.until, e.licence.number))


def cover_until(licence: el.Licence, now: datetime) -> datetime | None:
    """When a licence in force at `now` stops covering anything without a gap: amendments that
    take over where their predecessor ends extend it. None: not in force, or open-ended."""
    if licence.terms_at(now) is None:
        return None
    instant = now
    while (terms := licence.terms_at(instant)) is not None:
        following = [t for t in licence.terms if t.effective_from > terms.effective_from]
        if terms.valid_until is None and not following:
            return licence.revoked_from
        instant = min([t.effective_from for t in following] +
                      ([terms.valid_until] if terms.valid_until else []))
        if licence.revoked_from is not None and licence.revoked_from <= instant:
            return licence.revoked_from
    return instant


def answered(counts: dict[tuple[str, str], int]) -> list[tuple[str, str, int]]:
    """Counts by verdict and basis, allow first, then review, then deny, larger ones first."""
    return sorted(((v, b, n) for (v, b), n in counts.items()),
                  key=lambda r: (VERDICTS.index(r[0]) if r[0] in VERDICTS else 3, -r[2], r[1]))


def duration(span: timedelta) -> str:
    """A span of time in the unit a person would say it in."""
    seconds = max(0, int(span.total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size * (2 if unit != "minute" else 1):
            n = seconds // size
            return f"{n} {unit}{'' if n == 1 else 's'}"
    return f"{seconds} seconds"
