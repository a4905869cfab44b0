"""Screening vendors against the designations, and writing what it finds as matches.

The pure matcher (`service.screening`) scores names; this module decides what a hit means:

- an exact hit (a normalised name or alias equal, legal form and jurisdiction included)
  is `confirmed` at once, by `screening`;
- a hit in the review band is `pending` until a person confirms or dismisses it; meanwhile
  the vendor's answers are `review` / `possible_match`;
- a person's dismissal of a (vendor, designation) pair is kept across refreshes for as long
  as the names on both sides stay as they were; when either changes, it is asked again (a
  dismissal of "Acme Device" says nothing of the vendor renamed "Acme Devices"); a person's
  confirmation is kept whatever the names do (the vendor is still that party);
- a pending or automatic match that no longer hits is withdrawn;
- a designation linked to a vendor by hand is that vendor's already: screening records no match
  of the pair (asking a person whether "Huawei" is the listed Huawei entity they linked would
  only hold the vendor's answers at `review`).

Screening belongs to the write that changes names, in its transaction: a vendor created or
renamed is screened against the active lists before its `2xx` (`screen_vendor`, with the
index the process already keeps for the active lists), and a list version or a designation
entered by hand screens every vendor against its new and renamed entries before it becomes
visible (`screen_designations`). Writes are serialised (`store.db`), so of a vendor write and
a list change running at once, the later one sees the other and screens the pair. A vendor
whose last screening was by an older matcher (`MATCHER_VERSION`) is `screening_pending` until
`rescreen` has screened it again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session

from config.settings import Settings
from service.screening import MATCHER_VERSION
from service.screening.listed import listed_names
from service.screening.matcher import Hit, Screener
from service.snapshot import SnapshotHolder, announce
from service.store.db import read_session, write_session
from service.store.models import Designation, Match, Vendor, VendorScreening
from service.store.versions import Writer
from service.views import View, as_of

V = TypeVar("V", Vendor, Designation)
SCREENER = "screening"  # who a machine-made match is recorded by
RESCREEN_BATCH = 200  # vendors per transaction of a re-screen
_CHUNK = 500  # ids per IN (...) of a query


@dataclass(frozen=True)
class Named:
    """A designation's id and the names it is listed under, as its list writes them."""

    id: str
    name: str
    alt_names: Sequence[str]
    vendor_ids: Sequence[str] = ()


@dataclass(frozen=True)
class Outcome:
    vendors: int
    designations: int
    confirmed: int
    pending: int
    withdrawn: int


def names_digest(designation: Named | Designation, vendor: Vendor) -> str:
    """The names a verdict on the pair was given for."""
    names = orjson.dumps([designation.name, list(designation.alt_names), vendor.name,
                          vendor.aliases])
    return hashlib.sha256(names).hexdigest()


def screen_designations(session: Session, writer: Writer, named: Sequence[Named]) -> Outcome:
    """Screen every vendor against designations with new names (added or renamed)."""
    vendors: list[Vendor] = _current(session, Vendor, None)
    designations = {n.id: n for n in named}
    screener = Screener((n.id, listed_names(n.name, n.alt_names)) for n in named)
    found = {(vendor.id, hit.designation_id): hit for vendor in vendors
             for hit in screener.screen(names_of(vendor))}
    existing = _matches(session, None, list(designations))
    return _settle(writer.acting_as(SCREENER), found, designations, {v.id: v for v in vendors},
                   existing, designations)


def screen_vendor(session: Session, writer: Writer, vendor: Vendor, view: View) -> Outcome:
    """Screen a vendor just written against the active lists of `view`, which must hold every
    designation committed before this transaction (see `store.db`), and mark it screened."""
    assert view.screener is not None  # the snapshot holder gives its latest view one
    found = {(vendor.id, hit.designation_id): hit
             for hit in view.screener.screen(names_of(vendor))}
    designations = {d.id: d for d in _current(session, Designation, [d for _, d in found])}
    existing = _vendor_matches(session, vendor.id)
    outcome = _settle(writer.acting_as(SCREENER), found, designations, {vendor.id: vendor},
                      existing, dict(view.listed))
    mark_screened(session, [vendor.id], writer.now)
    return outcome


def names_of(vendor: Vendor) -> list[str]:
    return [vendor.name, *vendor.aliases]


def _settle(writer: Writer, found: dict[tuple[str, str], Hit],
            designations: Mapping[str, Named | Designation], vendors: dict[str, Vendor],
            existing: dict[tuple[str, str], Match], listed: Container[str]) -> Outcome:
    """Write the matches the hits call for; withdraw the machine-made matches on designations
    still listed that no longer hit, or that are linked to the vendor by hand now."""
    confirmed = pending = withdrawn = 0
    found = {pair: hit for pair, hit in found.items() if pair[1] in designations
             and pair[0] not in designations[pair[1]].vendor_ids}
    for pair, hit in found.items():
        status = _record(writer, existing.get(pair), pair, hit,
                         names_digest(designations[pair[1]], vendors[pair[0]]))
        confirmed += status == "confirmed"
        pending += status == "pending"
    for pair, match in existing.items():
        if pair not in found and pair[1] in listed and _machine_made(match):
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
    if not _machine_made(match) and (match.status == "confirmed" or match.names_digest == digest):
        return None  # a person's confirmation, or a dismissal of these very names
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


def _matches(session: Session, vendor_ids: list[str] | None, designation_ids: list[str]
             ) -> dict[tuple[str, str], Match]:
    """The current matches of these designations (and these vendors, unless None); the ids
    are asked for in chunks, a list's first activation having tens of thousands."""
    rows: list[Match] = []
    for start in range(0, len(designation_ids), _CHUNK):
        query = sa.select(Match).where(
            Match.designation_id.in_(designation_ids[start:start + _CHUNK]))
        if vendor_ids is not None:
            query = query.where(Match.vendor_id.in_(vendor_ids))
        rows += session.scalars(query)
    return {(m.vendor_id, m.designation_id): m for m in as_of(rows, None)}


def _vendor_matches(session: Session, vendor_id: str) -> dict[tuple[str, str], Match]:
    rows = session.scalars(sa.select(Match).where(Match.vendor_id == vendor_id))
    return {(m.vendor_id, m.designation_id): m for m in as_of(rows, None)}


def mark_screened(session: Session, vendor_ids: Iterable[str], now: datetime) -> None:
    """Record that this matcher has screened the vendors against every active list."""
    for vendor_id in vendor_ids:
        session.merge(VendorScreening(vendor_id=vendor_id, matcher=MATCHER_VERSION,
                                      screened_at=now))


def _unscreened() -> sa.Select[str]:
    """The ids of the vendors this matcher has not screened (withdrawn ones included)."""
    done = sa.select(VendorScreening.vendor_id).where(VendorScreening.matcher >= MATCHER_VERSION)
    return sa.select(Vendor.id).distinct().where(Vendor.id.not_in(done))


def outdated(session: Session, limit: int) -> list[str]:
    """Vendors not yet screened by this matcher, at most `limit`."""
    return list(session.scalars(_unscreened().order_by(Vendor.id).limit(limit)))


def rescreen(settings: Settings, clock: Callable[[], datetime]) -> dict[str, int]:
    """The re-screen job: screen the vendors an older matcher screened last against every
    active list, a batch per transaction, each batch against the lists as they then are."""
    holder = SnapshotHolder(settings.database_url, settings.redis_url, 0.0, clock)
    screened = confirmed = pending = withdrawn = 0
    while True:
        with read_session(settings.database_url) as session:
            batch = outdated(session, RESCREEN_BATCH)
        if not batch:
            break
        with write_session(settings.database_url) as session:
            view = holder.refresh().current  # writes are serialised: this is what is active
            writer = Writer(session, SCREENER, clock())
            for vendor in _current(session, Vendor, batch):
                done = screen_vendor(session, writer, vendor, view)
                confirmed, pending = confirmed + done.confirmed, pending + done.pending
                withdrawn += done.withdrawn
            mark_screened(session, batch, writer.now)  # a withdrawn vendor needs nothing more
            writer.bump()  # the snapshots must learn that these vendors are screened now
            screened += len(batch)
        if writer.data_version is not None:
            announce(settings.redis_url, writer.data_version)
    return {"vendors": screened, "confirmed": confirmed, "pending": pending,
            "withdrawn": withdrawn}


def pending_screening(settings: Settings) -> int:
    """How many vendors wait for the matcher in use to screen them."""
    with read_session(settings.database_url) as session:
        return session.scalar(sa.select(sa.func.count())
                              .select_from(_unscreened().subquery())) or 0


def decide(writer: Writer, match: Match, status: str, reason: str) -> Match:
    """Record a person's verdict on a match: `confirmed` or `dismissed`."""
    return writer.change(Match, match, {"status": status, "reason": reason}, action=status)
