"""The audit chain's state as the audit page shows it, checked within the page's time budget.

Walking the whole chain costs about 25 µs an entry, so a log of a few thousand entries is
walked in full at every view. A longer one is walked in full only when a person asks (or by the
hourly `verify_audit_chain` job, whose failure shows on the jobs page); each view then walks
just the entries added since the last check, from the entry that check found intact, and the
page says when the whole chain was last walked. The state is kept per process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy.orm import Session

from service.store import audit
from service.store.db import read_session
from service.store.models import AuditHead

FULL_LIMIT = 4000  # entries walked in full at every view (about 100 ms)


@dataclass(frozen=True)
class ChainState:
    """What is known of the chain: its intact end or first break, and when each was seen."""

    entries: int
    intact_to: audit.Checkpoint | None
    broken: audit.Break | None
    full_at: datetime | None  # when the whole chain was last walked (None: not yet)
    checked_at: datetime | None  # when the newest entries were last walked

    @property
    def verified(self) -> bool:
        return self.broken is None and self.full_at is not None


class ChainWatch:
    """One process's knowledge of one database's audit chain."""

    def __init__(self, full_limit: int = FULL_LIMIT) -> None:
        self.full_limit = full_limit
        self._lock = threading.Lock()
        self._state: dict[str, ChainState] = {}

    def state(self, database_url: str, now: datetime) -> ChainState:
        """Check what is due for a view (see the module's note) and say where the chain is."""
        with self._lock, read_session(database_url) as session:
            entries = _entries(session)
            known = self._state.get(database_url)
            if entries <= self.full_limit:
                known = _walk(session, entries, now)
            elif known is not None and known.broken is None and known.intact_to is not None:
                known = _walk_on(session, known, entries, now)
            if known is None:
                return ChainState(entries, None, None, None, None)
            self._state[database_url] = known
            return known

    def verify_all(self, database_url: str, now: datetime) -> ChainState:
        """Walk the whole chain now, whatever its length."""
        with self._lock, read_session(database_url) as session:
            known = self._state[database_url] = _walk(session, _entries(session), now)
            return known


def _entries(session: Session) -> int:
    head = session.get(AuditHead, 1)
    return 0 if head is None else head.seq


def _walk(session: Session, entries: int, now: datetime) -> ChainState:
    found = audit.check(session)
    if isinstance(found, audit.Break):
        return ChainState(entries, None, found, now, now)
    return ChainState(entries, found, None, now, now)


def _walk_on(session: Session, known: ChainState, entries: int, now: datetime) -> ChainState:
    """Walk the entries added since the chain was last found intact."""
    found = audit.check(session, known.intact_to)
    if isinstance(found, audit.Break):
        return replace(known, entries=entries, broken=found, checked_at=now)
    return replace(known, entries=entries, intact_to=found, checked_at=now)


def watch(app: Flask | None = None) -> ChainWatch:
    """The app's chain watch, made on first use."""
    target = app or current_app
    found = target.extensions.get("audit_chain")
    if found is None:
        found = target.extensions["audit_chain"] = ChainWatch()
    return found
