"""Screening vendors against the designations, and writing what it finds as matches.

The pure matcher (`service.screening`) scores names; this module decides what a hit means:

- an exact hit (a normalised name or alias equal, legal form and jurisdiction included)
  is `confirmed` at once, by `screening`;
- a hit in the review band is `pending` until a person confirms or dismisses it; meanwhile
  the vendor's answers are `review` / `possible_match`;
- a person's verdict on a (vendor, designation) pair is kept across refreshes for as long
  as the designation's names stay as they were; when they change, it is asked again;
- a pending or automatic match that no longer hits is withdrawn.

Only the pairs in scope are looked at: a renamed vendor against every designation, or a
refresh's new and renamed designations against every vendor, so a refresh that changed 100
entries screens 100 entries, not 60,000 names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TypeVar

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session

from config.settings import Settings
from service import outbox
from service.screening.listed import listed_names
from service.screening.matcher import Hit, Screener
from service.snapshot import announce
from service.store.db import write_session
from service.store.models import Designation, Match, Vendor
from service.store.versions import Writer
from service.views import as_of

V = TypeVar("V", Vendor, Designation)
SCREENER = "screening"  # who a machine-made match is recorded by


@dataclass(frozen=True)
class Outcome:
    vendors: int
    designations: int
    confirmed: int
    pending: int
    withdrawn: int


def names_digest(designation: Designation) -> str:
    names = orjson.dumps([designation.name, designation.alt_names])
    return hashlib.sha256(names).hexdigest()


def screen(session: Session, writer: Writer, vendor_ids: Sequence[str] | None,
           designation_ids: Sequence[str] | None) -> Outcome:
    """Screen the vendors in scope against the designations in scope (None: all of them)."""
    vendors: list[Vendor] = _current(session, Vendor, vendor_ids)
    designations = [d for d in _current(session, Designation, designation_ids)
                    if d.removed_at is None]
    by_id = {d.id: d for d in designations}
    screener = Screener((d.id, listed_names(d.name, d.alt_names)) for d in designations)
    hits: dict[tuple[str, str], Hit] = {}
    for vendor in vendors:
        for hit in screener.screen([vendor.name, *vendor.aliases]):
            hits[(vendor.id, hit.designation_id)] = hit
    existing = _matches(session, [v.id for v in vendors] if vendor_ids is not None else None,
                        list(by_id) if designation_ids is not None else None)
    confirmed = pending = withdrawn = 0
    for pair, hit in hits.items():
        designation = by_id[pair[1]]
        status = _record(writer, existing.get(pair), pair, hit, names_digest(designation))
        confirmed += status == "confirmed"
        pending += status == "pending"
    for pair, match in existing.items():
        if pair not in hits and pair[1] in by_id and _machine_made(match):
            writer.change(Match, match, {"reason": "no longer matches"}, deleted=True,
                          action="withdraw")
            withdrawn += 1
    return Outcome(len(vendors), len(designations), confirmed, pending, withdrawn)


def _record(writer: Writer, match: Match | None, pair: tuple[str, str], hit: Hit,
            digest: str) -> str | None:
    """Write the match a hit calls for; return its status if anything was written."""
    status = "confirmed" if hit.exact else "pending"
    fields = {"vendor_id": pair[0], "designation_id": pair[1], "status": status,
              "score": round(hit.score, 4), "evidence": _evidence(hit),
              "reason": "exact match of a normalised name" if hit.exact else None,
              "names_digest": digest}
    if match is None:
        writer.create(Match, "mat", fields)
        return status
    if not _machine_made(match) and match.names_digest == digest:
        return None  # a person decided this pair, and the names are as they were then
    if match.status == status and match.names_digest == digest:
        return None
    writer.change(Match, match, fields, action="rescreen")
    return status


def _machine_made(match: Match) -> bool:
    return match.recorded_by == SCREENER or match.status == "pending"


def _evidence(hit: Hit) -> dict[str, object]:
    return {"vendor_name": hit.vendor_name, "listed_name": hit.listed_name, **hit.evidence}


def _current(session: Session, table: type[V], ids: Sequence[str] | None) -> list[V]:
    query = sa.select(table)
    if ids is not None:
        query = query.where(table.id.in_(ids))
    return as_of(session.scalars(query), None)


def _matches(session: Session, vendor_ids: list[str] | None,
             designation_ids: list[str] | None) -> dict[tuple[str, str], Match]:
    query = sa.select(Match)
    if vendor_ids is not None:
        query = query.where(Match.vendor_id.in_(vendor_ids))
    if designation_ids is not None:
        query = query.where(Match.designation_id.in_(designation_ids))
    return {(m.vendor_id, m.designation_id): m for m in as_of(session.scalars(query), None)}


def screen_and_publish(settings: Settings, vendor_ids: Sequence[str] | None,
                       designation_ids: Sequence[str] | None,
                       clock: Callable[[], datetime]) -> dict[str, int]:
    """The screening job: screen, commit, tell the web processes, relay the follow-up work."""
    now = clock()
    with write_session(settings.database_url) as session:
        writer = Writer(session, SCREENER, now)
        outcome = screen(session, writer, vendor_ids, designation_ids)
    if writer.data_version is not None:
        announce(settings.redis_url, writer.data_version)
    outbox.relay_quietly(settings, now)
    return asdict(outcome)


def decide(writer: Writer, match: Match, status: str, reason: str) -> Match:
    """Record a person's verdict on a match: `confirmed` or `dismissed`."""
    return writer.change(Match, match, {"status": status, "reason": reason}, action=status)
