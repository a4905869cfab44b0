"""The audit log: every write, hash-chained so that an edit behind the service's back shows.

Each entry's hash covers the previous entry's hash and the entry's own canonical JSON, so
changing, inserting or deleting a row breaks the chain at exactly that row. The chain's end is
held against the head row (`audit_head`, which every append moves on in the same transaction):
a row added after the last one, even with a correctly computed hash, and a last row deleted,
show there.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session

from service.store.models import AuditEntry, AuditHead

GENESIS = "0" * 64


def _digest(prev_hash: str, seq: int, at: datetime, actor: str, action: str, resource: str,
            resource_id: str | None, detail: dict[str, Any]) -> str:
    body = orjson.dumps(
        [seq, at.isoformat(), actor, action, resource, resource_id, detail],
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(prev_hash.encode() + body).hexdigest()


def append(session: Session, *, at: datetime, actor: str, action: str, resource: str,
           resource_id: str | None, detail: dict[str, Any]) -> AuditEntry:
    """Append one entry to the chain inside the caller's transaction."""
    head = session.execute(
        sa.update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq, AuditHead.hash)
    ).one_or_none()
    if head is None:
        raise RuntimeError("the audit chain has no head row: run `python -m service db upgrade`")
    seq, prev_hash = head
    digest = _digest(prev_hash, seq, at, actor, action, resource, resource_id, detail)
    entry = AuditEntry(seq=seq, at=at, actor=actor, action=action, resource=resource,
                       resource_id=resource_id, detail=detail, prev_hash=prev_hash, hash=digest)
    session.add(entry)
    session.execute(sa.update(AuditHead).where(AuditHead.id == 1).values(hash=digest))
    return entry


@dataclass(frozen=True)
class Break:
    """Where the chain is broken, and how."""

    seq: int
    reason: str


@dataclass(frozen=True)
class Checkpoint:
    """The last entry of a chain found intact: where a later check may start."""

    seq: int
    hash: str


def verify(session: Session) -> Break | None:
    """Walk the chain and hold its end against the head row; return the first break, if any.

    Run it in a read transaction (`read_session`): the head row and the entries must be read
    from one consistent view, or an append committed in between would look like tampering.
    """
    found = check(session)
    return found if isinstance(found, Break) else None


def check(session: Session, since: Checkpoint | None = None) -> Break | Checkpoint:
    """Like `verify`, but walk only the entries after `since` (trusted: an earlier check found
    the chain intact up to it); return the first break, or the new end of the intact chain."""
    head = session.get(AuditHead, 1)
    if head is None:
        return Break(1, "the audit chain has no head row")
    prev_hash, expected_seq = (GENESIS, 1) if since is None else (since.hash, since.seq + 1)
    query = sa.select(AuditEntry).order_by(AuditEntry.seq)
    if since is not None:
        query = query.where(AuditEntry.seq > since.seq)
    for entry in session.scalars(query):
        digest = _digest(prev_hash, entry.seq, entry.at, entry.actor, entry.action,
                         entry.resource, entry.resource_id, entry.detail)
        if entry.seq > head.seq:
            return Break(entry.seq, f"entry {entry.seq} is past the chain's head, which "
                                    f"records {head.seq} entries: it was added behind the "
                                    "service's back")
        if entry.seq != expected_seq or entry.prev_hash != prev_hash:
            return Break(entry.seq, f"entry {entry.seq} does not follow entry "
                                    f"{expected_seq - 1}: entries were removed or inserted")
        if entry.hash != digest:
            return Break(entry.seq, f"entry {entry.seq} does not match its hash: it was "
                                    "edited or made up")
        prev_hash, expected_seq = entry.hash, expected_seq + 1
    last = expected_seq - 1
    if last < head.seq:
        return Break(last + 1, f"entry {last + 1} is missing: the chain's head records "
                               f"{head.seq} entries, the log ends at entry {last}")
    if prev_hash != head.hash:
        return Break(last, f"entry {last} is not the entry the chain's head records: it was "
                           "replaced")
    return Checkpoint(last, prev_hash)


def sealed(entry: AuditEntry) -> bool:
    """Whether an entry still matches its own hash (its content was not edited alone)."""
    return entry.hash == _digest(entry.prev_hash, entry.seq, entry.at, entry.actor,
                                 entry.action, entry.resource, entry.resource_id, entry.detail)


def first_broken(session: Session) -> int | None:
    """Return the seq of the first entry whose hash does not follow, or None if intact."""
    broken = verify(session)
    return None if broken is None else broken.seq
