"""Reading the audit log for people: filtered pages, newest first, and what an entry changed.

An entry's `detail` holds what the write set (the new values), rarely what was there before.
For a versioned record the state before is its previous version, found by the instant the
entry's write recorded; for anything else, each field's value before is the one the newest
earlier entry for the same record set, when one did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from service.store.models import (
    ApiKey,
    AuditEntry,
    Designation,
    DeviceModel,
    Licence,
    Match,
    Update,
    User,
    Vendor,
    Versioned,
)

VERSIONED: dict[str, type[Versioned]] = {
    cls.__tablename__: cls for cls in (Vendor, DeviceModel, Update, Designation, Licence, Match)
}
RESOURCES = ("vendors", "device_models", "updates", "devices", "designations", "licences",
             "matches", "sources", "api_keys", "webhooks", "users", "jobs")
HIDDEN = {"id", "version", "recorded_at", "recorded_by", "deleted"}
EARLIER_LIMIT = 500  # earlier entries of one record read to find a field's value before


@dataclass(frozen=True)
class AuditFilter:
    """What a person narrowed the log to; None or empty: anything."""

    actors: tuple[str, ...] = ()
    resource: str | None = None
    resource_id: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass
class Change:
    """One field of a record, before and after an entry, and where the before came from."""

    name: str
    before: Any
    after: Any
    known_before: bool
    source: str = ""


@dataclass
class Comparison:
    """What an entry changed, as far as it is known."""

    changes: list[Change] = field(default_factory=list)
    note: str = ""


def entries(session: Session, wanted: AuditFilter, before: int | None, limit: int
            ) -> list[AuditEntry]:
    """A page of entries, newest first, older than entry `before`."""
    query = sa.select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if before is not None:
        query = query.where(AuditEntry.seq < before)
    if wanted.actors:
        query = query.where(AuditEntry.actor.in_(wanted.actors))
    if wanted.resource:
        query = query.where(AuditEntry.resource == wanted.resource)
    if wanted.resource_id:
        query = query.where(AuditEntry.resource_id == wanted.resource_id)
    if wanted.action:
        query = query.where(AuditEntry.action == wanted.action)
    if wanted.since:
        query = query.where(AuditEntry.at >= wanted.since)
    if wanted.until:
        query = query.where(AuditEntry.at < wanted.until)
    return list(session.scalars(query))


def actors_named(session: Session, name: str) -> tuple[str, ...]:
    """Every actor string a person may mean by `name`: itself, a user of that name (signed
    in, or trying to), an API key's id or name."""
    found = {name, f"login:{name}", f"key:{name}"}
    user_id = session.scalar(sa.select(User.id).where(User.name == name))
    if user_id is not None:
        found.add(f"user:{user_id}")
    found.update(f"key:{key_id}" for key_id in
                 session.scalars(sa.select(ApiKey.id).where(ApiKey.name == name)))
    return tuple(sorted(found))


def actor_labels(session: Session, actors: set[str]) -> dict[str, str]:
    """A readable name for each `user:` and `key:` actor among these."""
    users = {a.removeprefix("user:") for a in actors if a.startswith("user:")}
    keys = {a.removeprefix("key:") for a in actors if a.startswith("key:")}
    labels = {f"user:{row.id}": f"{row.name} (user)" for row in
              session.execute(sa.select(User.id, User.name).where(User.id.in_(users)))}
    labels.update({f"key:{row.id}": f"{row.name} (API key)" for row in
                   session.execute(sa.select(ApiKey.id, ApiKey.name).where(ApiKey.id.in_(keys)))})
    return labels


def compare(session: Session, entry: AuditEntry) -> Comparison:
    """What the entry changed: from the record's versions if it has them, else from the
    entries written before it."""
    cls = VERSIONED.get(entry.resource)
    if cls is not None and entry.resource_id:
        found = _versions(session, cls, entry)
        if found is not None:
            return found
    return _from_earlier_entries(session, entry)


def _versions(session: Session, cls: type[Versioned], entry: AuditEntry) -> Comparison | None:
    """The version the entry's write recorded against the one before it."""
    after = session.scalars(sa.select(cls).where(
        cls.id == entry.resource_id, cls.recorded_at == entry.at, cls.recorded_by == entry.actor,
    ).order_by(cls.version.desc()).limit(1)).first()
    if after is None:
        return None
    before = None if after.version == 1 else session.get(cls, (after.id, after.version - 1))
    names = [c.key for c in sa.inspect(cls).columns if c.key not in HIDDEN]
    source = f"version {after.version - 1}" if before is not None else "created here"
    changes = [Change(name, _plain(getattr(before, name, None)), _plain(getattr(after, name)),
                      True, source) for name in names]
    if after.deleted:
        note = f"Version {after.version} withdrew the record; it is shown as it last stood."
    elif before is None:
        note = "Version 1: the record was created by this entry, so nothing stood before."
    else:
        note = f"Version {after.version - 1} (before) against version {after.version} (after)."
    return Comparison(changes, note)


def _from_earlier_entries(session: Session, entry: AuditEntry) -> Comparison:
    detail = entry.detail if isinstance(entry.detail, dict) else {}
    recorded = {name: value for name, value in detail.items()
                if isinstance(value, dict) and set(value) == {"before", "after"}}
    changes = [Change(name, value["before"], value["after"], True, "this entry")
               for name, value in recorded.items()]
    rest = [name for name in detail if name not in recorded]
    earlier = _earlier(session, entry) if rest else []
    for name in rest:
        source = next((e for e in earlier if isinstance(e.detail, dict) and name in e.detail),
                      None)
        changes.append(Change(name, source.detail[name] if source else None, detail[name],
                              source is not None, f"entry {source.seq}" if source else ""))
    if not detail:
        return Comparison([], "This entry records the action alone, with no fields.")
    note = ("The entry records the new values; each value before is the one the newest "
            "earlier entry for this record set, where one did.")
    return Comparison(changes, note)


def _earlier(session: Session, entry: AuditEntry) -> list[AuditEntry]:
    if entry.resource_id is None:
        return []
    return list(session.scalars(
        sa.select(AuditEntry).where(AuditEntry.resource == entry.resource,
                                    AuditEntry.resource_id == entry.resource_id,
                                    AuditEntry.seq < entry.seq)
        .order_by(AuditEntry.seq.desc()).limit(EARLIER_LIMIT)))


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
