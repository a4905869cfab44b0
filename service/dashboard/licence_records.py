"""Licences as the licence pages show them: status, validity, vendors, and full history.

The list is read from the snapshot the rules judge with (it holds every licence already), so
a licence's status here is the status the answers are given by. One licence's history is read
from the database: every version of the record, its amendments and its revocations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from service import eligibility as el
from service.api.licences import history
from service.snapshot import Snapshot
from service.store import models as m
from service.views import View, as_of

STATUSES = ("active", "future", "expired", "revoked")


def status(licence: el.Licence, now: datetime) -> str:
    """Whether the licence is in force `now`, will be, has run out, or was revoked."""
    if licence.revoked_from is not None and now >= licence.revoked_from:
        return "revoked"
    if licence.terms_at(now) is not None:
        return "active"
    if now < licence.valid_from or any(t.effective_from > now for t in licence.terms):
        return "future"  # not in force yet, or between terms with more to come
    return "expired"


def ends(licence: el.Licence) -> datetime | None:
    """When the licence stops being in force as things stand (None: open-ended)."""
    until = licence.terms[-1].valid_until
    if licence.revoked_from is not None and (until is None or licence.revoked_from < until):
        return licence.revoked_from
    return until


@dataclass(frozen=True)
class Row:
    record: m.Licence
    facts: el.Licence
    status: str
    vendors: list[str]

    @property
    def ends(self) -> datetime | None:
        return ends(self.facts)


def facts_by_id(view: View) -> dict[str, el.Licence]:
    """Every licence the view's rules read, by id."""
    return {lic.id: lic for found in view.licences_by_vendor.values() for lic in found}


def rows(snapshot: Snapshot, now: datetime) -> list[Row]:
    """Every current licence with its status at `now`, by number."""
    view = snapshot.current
    facts = facts_by_id(view)
    found = []
    for record in as_of(snapshot.records.licences, None):
        fact = facts.get(record.id)
        if fact is None:  # covers no vendor the view knows: nothing it could lift
            continue
        names = [view.vendors[v].name if v in view.vendors else v for v in record.vendor_ids]
        found.append(Row(record, fact, status(fact, now), names))
    return sorted(found, key=lambda r: (r.record.number.casefold(), r.record.id))


@dataclass(frozen=True)
class Event:
    """One entry of a licence's history, as recorded."""

    recorded_at: datetime
    recorded_by: str
    what: str  # created, changed, withdrawn, amended, revoked
    effective_from: datetime | None
    detail: str
    scope: dict[str, object] | None = None


def events(session: Session, licence_id: str) -> list[Event]:
    """The licence's history, oldest first: its versions, amendments and revocations."""
    versions = session.scalars(sa.select(m.Licence).where(m.Licence.id == licence_id)
                               .order_by(m.Licence.version))
    found = [_version(v) for v in versions]
    amendments, revocations = history(session, licence_id)
    found += [Event(a.recorded_at, a.recorded_by, "amended", a.effective_from,
                    f"valid until {_day(a.valid_until)}", a.scope) for a in amendments]
    found += [Event(r.recorded_at, r.recorded_by, "revoked", r.effective_from,
                    r.reason or "no reason given") for r in revocations]
    return sorted(found, key=lambda e: e.recorded_at)


def _version(row: m.Licence) -> Event:
    what = "withdrawn" if row.deleted else "created" if row.version == 1 else "changed"
    detail = f"valid {_day(row.valid_from)} until {_day(row.valid_until)}"
    return Event(row.recorded_at, row.recorded_by, what, row.valid_from, detail, row.scope)


def _day(value: datetime | None) -> str:
    return "open-ended" if value is None else value.date().isoformat()


def page_of(found: Sequence[Row], number: int, size: int) -> tuple[list[Row], bool]:
    """Page `number` (from 1) of `found`, and whether another follows."""
    start = (number - 1) * size
    return list(found[start:start + size]), len(found) > start + size
