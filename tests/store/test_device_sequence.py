"""Revision 0007 keeps the devices registered before it: a process's first read finds them."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command

from service.device_index import DeviceIndex
from service.store.db import read_session, write_session
from service.store.migrate import alembic_config, upgrade
from service.store.models import UTCDateTime
from service.store.reads import current_data_version

AT = datetime(2026, 11, 1, tzinfo=UTC)


def test_devices_registered_before_0007_are_read_by_a_new_index(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "0006")
    devices = sa.table("devices", sa.column("id"), sa.column("model_id"),
                       sa.column("recorded_by"), sa.column("recorded_at", UTCDateTime()))
    with write_session(database_url) as session:
        session.execute(sa.insert(devices), [
            {"id": f"SN-{n}", "model_id": "m_1", "recorded_by": "tests", "recorded_at": AT}
            for n in range(3)])
    upgrade(database_url)
    index = DeviceIndex()
    with read_session(database_url) as session:
        index.catch_up(session, current_data_version(session))
    assert (len(index), index.get("SN-2"), index.counts()) == (3, "m_1", {"m_1": 3})
