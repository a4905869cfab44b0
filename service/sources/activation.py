"""Activating a feed version: one transaction, guarded by a compare-and-swap on the source.

The designations a feed keeps are ordinary versioned designations with `source_id` and
`entry_key` set. Activation writes the whole difference at once: new designations for added
entries, new versions for changed ones, and for entries that disappeared a version ending
the designation at the observed instant (`removed_at`), so that history before it still
reads as it was. Every vendor is screened against the new and renamed entries in the same
transaction, so the data version that makes an entry visible already carries its matches.
Either all of it commits with the source's version moved on by one, or none of it does; a
second run that started from the same version finds the counter moved and stops (it is
"superseded").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from service.feeds.csl import Entry
from service.feeds.diff import Diff, Held, diff
from service.matching import Named, screen_designations
from service.store.models import Designation
from service.store.pipeline import Source
from service.store.versions import Writer, new_id
from service.views import as_of, utc_day


@dataclass(frozen=True)
class Activated:
    version: int
    data_version: int | None
    added: int
    changed: int
    removed: int


def active_entries(session: Session, source_id: str) -> dict[str, Designation]:
    """The designations that keep the source's active version, by entry key."""
    rows = session.scalars(sa.select(Designation).where(Designation.source_id == source_id))
    return {row.entry_key: row for row in as_of(rows, None)
            if row.entry_key is not None and row.removed_at is None}


def activate(session: Session, writer: Writer, source_id: str, base_version: int,
             entries: list[Entry], facts: dict[str, Any]) -> Activated | None:
    """Make `entries` the source's active version; None if another run got there first.

    `facts` are the source columns to set along with it (sha256, etag, counts...).
    """
    moved: sa.CursorResult[Any] = session.execute(  # type: ignore[assignment]
        sa.update(Source).where(Source.id == source_id, Source.version == base_version)
        .values(version=base_version + 1, **facts)
    )
    if moved.rowcount != 1:
        return None
    current = active_entries(session, source_id)
    change = diff({key: Held(row.id, row.content_digest) for key, row in current.items()},
                  entries)
    if not change.empty:
        added = _write(session, writer, source_id, current, change)
        renamed = [(designation_id, entry) for designation_id, entry in change.changed
                   if current[entry.key].names_digest != entry.names_digest()]
        # Only new names can make a match: the entries added and those renamed.
        to_screen = [Named(designation_id, entry.name, entry.alt_names) for designation_id, entry
                     in [*zip(added, change.added, strict=True), *renamed]]
        if to_screen:
            screen_designations(session, writer, to_screen)
        writer.audit("activate", "sources", source_id, {
            "version": base_version + 1, "added": len(change.added),
            "changed": len(change.changed), "removed": len(change.removed)})
    return Activated(base_version + 1, writer.data_version, len(change.added),
                     len(change.changed), len(change.removed))


def _write(session: Session, writer: Writer, source_id: str,
           current: dict[str, Designation], change: Diff) -> list[str]:
    """Write the difference as designation versions; return the new designations' ids."""
    now = writer.now
    by_id = {row.id: row for row in current.values()}
    added = [new_id("des") for _ in change.added]
    rows: list[dict[str, Any]] = [
        {"id": designation_id, "version": 1, "vendor_ids": [],
         **_columns(entry, source_id, now, None)}
        for designation_id, entry in zip(added, change.added, strict=True)]
    for designation_id, entry in change.changed:
        old = by_id[designation_id]
        rows.append({"id": old.id, "version": old.version + 1, "vendor_ids": old.vendor_ids,
                     **_columns(entry, source_id, now, old.effective_from)})
    for designation_id in change.removed:
        old = by_id[designation_id]
        until = now if old.effective_until is None else min(old.effective_until, now)
        rows.append({**_copy(old), "version": old.version + 1, "effective_until": until,
                     "removed_at": now})
    for row in rows:
        row.update(recorded_at=now, recorded_by=writer.actor, deleted=False)
    session.execute(sa.insert(Designation), rows)
    writer.bump()
    return added


def _columns(entry: Entry, source_id: str, now: datetime, known_from: datetime | None
             ) -> dict[str, Any]:
    start = utc_day(entry.start) or known_from or now
    return {"source": entry.source, "name": entry.name, "alt_names": list(entry.alt_names),
            "country": entry.country, "effective_from": start,
            "effective_until": utc_day(entry.end), "reference": entry.reference,
            "source_id": source_id, "entry_key": entry.key,
            "content_digest": entry.digest(), "names_digest": entry.names_digest(),
            "detail": entry.detail, "removed_at": None}


def _copy(row: Designation) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in sa.inspect(Designation).columns}
