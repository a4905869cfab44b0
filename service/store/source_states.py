"""Where the feeds and the follow-up work stand, for the overview: a few small queries."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from service.store.db import read_session
from service.store.pipeline import OutboxRow, Refresh, Source


@dataclass(frozen=True)
class SourceState:
    source: Source
    held: Refresh | None  # a refresh waiting for an admin's approval, if one still applies


def sources(database_url: str) -> list[SourceState]:
    """Every source not deleted, by name, each with the refresh it holds for approval."""
    with read_session(database_url) as session:
        found = list(session.scalars(sa.select(Source).where(Source.deleted.is_(False))
                                     .order_by(Source.name, Source.id)))
        # Only a held refresh of the active version can still be approved (as the API says).
        held = {r.source_id: r for r in session.scalars(
            sa.select(Refresh).join(Source, Source.id == Refresh.source_id)
            .where(Refresh.outcome == "held", Refresh.base_version == Source.version,
                   Source.deleted.is_(False))
            .order_by(Refresh.started_at))}
        session.expunge_all()
    return [SourceState(s, held.get(s.id)) for s in found]


def outbox_waiting(database_url: str) -> int:
    """Follow-up work recorded but not done yet (it waits here while Redis is away)."""
    with read_session(database_url) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(OutboxRow)
                              .where(OutboxRow.done_at.is_(None))) or 0
