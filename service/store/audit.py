"""The audit log: every write, hash-chained so that an edit behind the service's back shows.

Each entry's hash covers the previous entry's hash and the entry's own canonical JSON, so
changing, inserting or deleting a row breaks the chain at exactly that row.
"""

from __future__ import annotations

import hashlib
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


def first_broken(session: Session) -> int | None:
    """Return the seq of the first entry whose hash does not follow, or None if intact."""
    prev_hash = GENESIS
    expected_seq = 1
    for entry in session.scalars(sa.select(AuditEntry).order_by(AuditEntry.seq)):
        digest = _digest(prev_hash, entry.seq, entry.at, entry.actor, entry.action,
                         entry.resource, entry.resource_id, entry.detail)
        if entry.seq != expected_seq or entry.prev_hash != prev_hash or entry.hash != digest:
            return entry.seq
        prev_hash, expected_seq = entry.hash, expected_seq + 1
    return None
