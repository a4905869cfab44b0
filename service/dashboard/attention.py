"""What needs a person now, in words, most urgent first: the overview's opening list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from service.dashboard.overview_facts import Ending, Freshness, Reviews, Work, duration
from service.eligibility.reasons import day


@dataclass(frozen=True)
class Alert:
    level: str  # "bad" or "warn": said in words too, never by colour alone
    text: str


def alerts(sources: list[Freshness], work: Work, waiting: int, reviews: Reviews,
           soon: list[Ending], now: datetime, out_of_touch: bool) -> list[Alert]:
    """Every stale or failing part first, then what waits for a person."""
    found = []
    if out_of_touch:
        found.append(Alert("bad", "The service has lost touch with its database for longer "
                                  "than the staleness limit: it answers no decision."))
    for f in sources:
        found += _source_alerts(f, now)
    if not work.reachable:
        found.append(Alert("bad", f"The job queue (Redis) cannot be reached: {waiting} "
                                  f"piece{'' if waiting == 1 else 's'} of work wait in the "
                                  "outbox and are queued when it is back."))
    elif work.failed:
        jobs = "1 background job has" if work.failed == 1 else \
            f"{work.failed} background jobs have"
        found.append(Alert("bad", f"{jobs} failed and will not be retried unaided."))
    for ending in soon:
        found.append(Alert("warn", f"Licence {ending.licence.number} stops covering "
                                   f"{', '.join(ending.vendors) or 'its vendors'} on "
                                   f"{day(ending.until)}, in {duration(ending.until - now)}."))
    if reviews.pending and reviews.oldest is not None:
        found.append(Alert("warn", f"{reviews.pending} possible match"
                                   f"{' waits' if reviews.pending == 1 else 'es wait'} for review; "
                                   f"the oldest for {duration(now - reviews.oldest)}. Devices "
                                   "of these vendors are answered review until then."))
    return found


def _source_alerts(f: Freshness, now: datetime) -> list[Alert]:
    source, found = f.state.source, []
    limit = f"{f.limit.total_seconds() / 3600:g} h"
    if f.stale and f.age is None:
        found.append(Alert("bad", f"Source {source.name} has never brought good data since it "
                                  f"was registered {duration(now - source.created_at)} ago, "
                                  f"past its {limit} limit."))
    elif f.stale and f.age is not None:
        found.append(Alert("bad", f"Source {source.name} is {duration(f.age)} old, past its "
                                  f"{limit} limit."))
    if f.failing:
        since = f" since {day(source.failing_since)}" if source.failing_since else ""
        error = f": {source.last_error}" if source.last_error else ""
        found.append(Alert("bad", f"Source {source.name} has failed "
                                  f"{source.consecutive_failures} refreshes in a row{since}"
                                  f"{error}."))
    if f.state.held is not None:
        held = f.state.held
        found.append(Alert("warn", f"A refresh of {source.name} is held for an admin's "
                                   f"approval since {day(held.started_at)}: "
                                   f"{held.reason or 'no reason given'}."))
    return found
