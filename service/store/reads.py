"""Reading everything the rules need in one consistent transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from service.store import models as m


@dataclass(frozen=True)
class Records:
    """Every version of every record, as read at one data version."""

    data_version: int
    vendors: list[m.Vendor]
    models: list[m.DeviceModel]
    updates: list[m.Update]
    designations: list[m.Designation]
    licences: list[m.Licence]
    amendments: list[m.LicenceAmendment]
    revocations: list[m.LicenceRevocation]
    matches: list[m.Match]
    devices: dict[str, str]  # device id -> model id
    api_keys: list[m.ApiKey]
    last_recorded_at: datetime | None


def current_data_version(session: Session) -> int:
    return session.scalar(sa.select(sa.func.max(m.DataVersion.number))) or 0


def load_records(session: Session) -> Records:
    """Read all versions of all reference data; the session must be one read transaction."""

    def every(cls: type[Any]) -> list[Any]:
        return list(session.scalars(sa.select(cls)))

    def versions(cls: type[m.Versioned]) -> list[Any]:
        return list(session.scalars(sa.select(cls).order_by(cls.id, cls.version)))

    version = current_data_version(session)
    last = session.scalar(
        sa.select(m.DataVersion.recorded_at).where(m.DataVersion.number == version)
    )
    pairs = session.execute(sa.select(m.Device.id, m.Device.model_id))
    devices = {row.id: row.model_id for row in pairs}
    return Records(
        data_version=version,
        vendors=versions(m.Vendor),
        models=versions(m.DeviceModel),
        updates=versions(m.Update),
        designations=versions(m.Designation),
        licences=versions(m.Licence),
        amendments=every(m.LicenceAmendment),
        revocations=every(m.LicenceRevocation),
        matches=versions(m.Match),
        devices=devices,
        api_keys=every(m.ApiKey),
        last_recorded_at=last,
    )
