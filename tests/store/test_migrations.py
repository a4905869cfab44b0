"""Migrations keep what stored rows meant: run on a database holding rows of the revision before."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import command

from service.store.db import read_session, write_session
from service.store.migrate import alembic_config, upgrade
from service.store.models import UTCDateTime
from service.store.pipeline import Source, Webhook

AT = datetime(2026, 11, 1, tzinfo=UTC)


def table(name: str, plain: str, **typed: Any) -> sa.TableClause:
    return sa.table(name, *(sa.column(c) for c in plain.split()),
                    *(sa.column(c, kind) for c, kind in typed.items()))


def test_0005_keeps_what_subscriptions_heard_and_starts_sources_with_no_streak(
        database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "0004")
    webhooks = table("webhooks", "id url secret description enabled disabled_reason "
                     "created_by deleted", vendor_ids=sa.JSON(), update_kinds=sa.JSON(),
                     created_at=UTCDateTime())
    sources = table("sources", "id name format url schedule enabled staleness_limit_hours "
                    "max_drop_percent created_by deleted version last_error",
                    counts=sa.JSON(), created_at=UTCDateTime())
    rows = [("wh_all", [], []), ("wh_vendor", ["v_1"], []), ("wh_kind", [], ["bug_fix"])]
    with write_session(database_url) as session:
        session.execute(sa.insert(webhooks), [
            {"id": id_, "url": "https://8.8.8.8/", "secret": "whsec_x", "description": None,
             "enabled": True, "disabled_reason": None, "created_by": "tests", "deleted": False,
             "vendor_ids": vendors, "update_kinds": kinds, "created_at": AT}
            for id_, vendors, kinds in rows])
        session.execute(sa.insert(sources).values(
            id="src_1", name="CSL", format="csl-json", url="https://8.8.8.8/csl.json",
            schedule="0 */6 * * *", enabled=True, staleness_limit_hours=48,
            max_drop_percent=20, created_by="tests", deleted=False, version=1,
            last_error="HTTP 500", counts={}, created_at=AT))
    upgrade(database_url)
    with read_session(database_url) as session:
        found = {w.id: w.event_types for w in session.scalars(sa.select(Webhook))}
        source = session.get(Source, "src_1")
    assert found == {"wh_all": [], "wh_vendor": ["decision.changed"],
                     "wh_kind": ["decision.changed"]}
    assert source is not None and source.last_error == "HTTP 500"
    assert (source.consecutive_failures, source.failing_since) == (0, None)
