"""Append-only versioned records: create, change and withdraw by adding rows."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from service import outbox
from service.store import audit
from service.store.models import DataVersion, Versioned

V = TypeVar("V", bound=Versioned)


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(6)}"


class Writer:
    """One transaction's writes by one actor at one instant: versions, audit, data version."""

    def __init__(self, session: Session, actor: str, now: datetime,
                 _version: list[int | None] | None = None) -> None:
        self.session = session
        self.actor = actor
        self.now = now
        # The transaction's data version, shared with the writers `acting_as` makes.
        self._version: list[int | None] = [None] if _version is None else _version

    @property
    def data_version(self) -> int | None:
        return self._version[0]

    def acting_as(self, actor: str) -> Writer:
        """A writer in the same transaction that records `actor` as the author (the screening
        done inside a person's write is recorded as the screening's)."""
        return Writer(self.session, actor, self.now, self._version)

    def bump(self) -> int:
        """Record that the rules' data changed in this transaction (once per transaction)."""
        version = self._version[0]
        if version is None:
            row = DataVersion(recorded_at=self.now, recorded_by=self.actor)
            self.session.add(row)
            self.session.flush()
            version = self._version[0] = row.number
            # Any change to the rules' data may flip a registered answer: look, once it commits.
            outbox.add(self.session, "recompute", str(row.number), {}, self.now)
        return version

    def audit(self, action: str, resource: str, resource_id: str | None,
              detail: dict[str, Any]) -> None:
        audit.append(self.session, at=self.now, actor=self.actor, action=action,
                     resource=resource, resource_id=resource_id, detail=detail)

    def create(self, cls: type[V], prefix: str, fields: dict[str, Any]) -> V:
        row = cast(Any, cls)(id=new_id(prefix), version=1, recorded_at=self.now,
                             recorded_by=self.actor, deleted=False, **fields)
        self.session.add(row)
        self.session.flush()
        self.bump()
        self.audit("create", _table(cls), row.id, _jsonable(fields))
        return row

    def change(self, cls: type[V], current: V, fields: dict[str, Any], *,
               deleted: bool = False, action: str = "update") -> V:
        """Write a new version of `current` with `fields` changed."""
        values = {c: getattr(current, c) for c in _data_columns(cls)}
        values.update(fields)
        row = cast(Any, cls)(id=current.id, version=current.version + 1,
                             recorded_at=self.now, recorded_by=self.actor, deleted=deleted,
                             **values)
        self.session.add(row)
        self.session.flush()
        self.bump()
        self.audit(action, _table(cls), row.id, _jsonable(fields))
        return row


def latest(session: Session, cls: type[V], record_id: str) -> V | None:
    """Return the newest version of `record_id`, or None if unknown or withdrawn."""
    row = session.scalars(
        sa.select(cls).where(cls.id == record_id).order_by(cls.version.desc()).limit(1)
    ).first()
    return None if row is None or row.deleted else row


def _table(cls: type[Versioned]) -> str:
    return str(sa.inspect(cls).local_table.name)


def _data_columns(cls: type[Versioned]) -> list[str]:
    skip = {"id", "version", "recorded_at", "recorded_by", "deleted"}
    return [c.key for c in sa.inspect(cls).columns if c.key not in skip]


def _jsonable(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in fields.items()}
