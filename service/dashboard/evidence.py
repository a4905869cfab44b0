"""The evidence of screening matches, read for the review pages: a page of matches at a time.

A match row already stores why it hit (`service.matching`: the two names, the words paired
and left over, legal forms, jurisdictions, conflicts, the score). Beside it a person needs
both records as they stand: the vendor, and the list entry with what its feed said of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from service.api.matches import STATUSES
from service.api.resources import current
from service.dashboard.vendor_facts import reasons
from service.screening.normalise import name_key
from service.store import models as m
from service.store.pipeline import Source
from service.store.versions import latest
from service.views import as_of

PAGE = 50
V = TypeVar("V", m.Vendor, m.Designation)


@dataclass(frozen=True)
class Evidence:
    """One match with everything a person weighs before confirming or dismissing it."""

    match: m.Match
    vendor: m.Vendor | None
    designation: m.Designation | None
    source: str | None  # the feed the entry came from, if a feed keeps it

    @property
    def found(self) -> dict[str, Any]:
        return self.match.evidence or {}

    @property
    def vendor_name(self) -> str:
        return str(self.found.get("vendor_name") or (self.vendor.name if self.vendor else ""))

    @property
    def listed_name(self) -> str:
        fallback = self.designation.name if self.designation else ""
        return str(self.found.get("listed_name") or fallback)

    @property
    def detail(self) -> dict[str, Any]:
        return (self.designation.detail if self.designation else None) or {}

    def normalised(self, name: str) -> str:
        return name_key(name)

    @property
    def rules(self) -> list[str]:
        """Why the names matched beyond spelling, in words: "brand or short name contained in
        the longer name", "vendor name transliterated from Cyrillic"."""
        return reasons(self.found)

    def sides(self, part: str) -> tuple[list[str], list[str]]:
        """(vendor, listed) values of one two-sided part of the evidence, e.g. legal forms."""
        both = self.found.get(part) or {}
        return list(both.get("vendor") or []), list(both.get("listed") or [])


def page_of_matches(session: Session, status: str, cursor: str | None
                    ) -> tuple[list[Evidence], str | None]:
    """A page of the current matches with `status`, by id after `cursor`, and the next cursor."""
    query = current(m.Match).where(m.Match.status == status)
    if cursor:
        query = query.where(m.Match.id > cursor)
    rows = list(session.scalars(query.limit(PAGE + 1)))
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return gather(session, rows), rows[-1].id if more else None


def one_match(session: Session, match_id: str) -> Evidence | None:
    """The evidence of one current match, or None if there is none with that id."""
    match = latest(session, m.Match, match_id)
    return None if match is None else gather(session, [match])[0]


def count_by_status(session: Session) -> dict[str, int]:
    """How many current matches each status has."""
    rows = current(m.Match).subquery()
    counted: dict[str, int] = dict(session.execute(sa.select(rows.c.status, sa.func.count())
                                   .group_by(rows.c.status)).all())
    return {status: counted.get(status, 0) for status in STATUSES}


def gather(session: Session, matches: Sequence[m.Match]) -> list[Evidence]:
    """Read the vendors, list entries and feeds of `matches` (one query each)."""
    vendors = _newest(session, m.Vendor, {x.vendor_id for x in matches})
    designations = _newest(session, m.Designation, {x.designation_id for x in matches})
    source_ids = {d.source_id for d in designations.values() if d.source_id}
    sources = dict(session.execute(sa.select(Source.id, Source.name)
                                   .where(Source.id.in_(source_ids))).all()) \
        if source_ids else {}
    found = []
    for match in matches:
        entry = designations.get(match.designation_id)
        feed = sources.get(entry.source_id) if entry is not None and entry.source_id else None
        found.append(Evidence(match, vendors.get(match.vendor_id), entry, feed))
    return found


def _newest(session: Session, table: type[V], ids: Iterable[str]) -> dict[str, V]:
    wanted = sorted(ids)
    if not wanted:
        return {}
    rows = session.scalars(sa.select(table).where(table.id.in_(wanted)))
    return {row.id: row for row in as_of(rows, None)}
