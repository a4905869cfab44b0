"""Reading everything the rules need in one consistent transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from service.device_index import DeviceIndex
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
    screened: dict[str, int]  # vendor id -> the matcher that last screened it
    devices: DeviceIndex  # device id -> model id, shared by a process's snapshots
    api_keys: list[m.ApiKey]
    last_recorded_at: datetime | None


def current_data_version(session: Session) -> int:
    return session.scalar(sa.select(sa.func.max(m.DataVersion.number))) or 0


# Designations are the bulk of the data (a CSL-sized feed keeps 20,000) and change far less
# often than the rest. Their table is append-only, so a rebuild reads only the rows recorded
# since the last one, and checks by the row count that it missed none (rows recorded at the
# same instant as the last one read, but committed after it, make it read everything).
_designations_read: dict[str, tuple[int, datetime | None, list[m.Designation]]] = {}


def _designations(session: Session) -> list[m.Designation]:
    """Every version of every designation, the same list object while none was added."""
    url = session.get_bind().engine.url.render_as_string(hide_password=False)
    count, newest = session.execute(
        sa.select(sa.func.count(), sa.func.max(m.Designation.recorded_at))).one()
    known = _designations_read.get(url)
    if known is not None and (known[0], known[1]) == (count, newest):
        return known[2]
    query = sa.select(m.Designation).order_by(m.Designation.id, m.Designation.version)
    if known is not None and known[1] is not None:
        added = list(session.scalars(query.where(m.Designation.recorded_at > known[1])))
        rows = known[2] + added if known[0] + len(added) == count else None
    else:
        rows = None
    if rows is None:
        rows = list(session.scalars(query))
    session.expunge_all()  # kept beyond this session: detached, read-only from here on
    _designations_read[url] = (count, newest, rows)
    return rows


def load_records(session: Session, devices: DeviceIndex | None = None) -> Records:
    """Read all versions of all reference data; the session must be one read transaction.

    `devices` is the index an earlier read filled: only the devices added since are read.
    """

    def every(cls: type[Any]) -> list[Any]:
        return list(session.scalars(sa.select(cls)))

    def versions(cls: type[m.Versioned]) -> list[Any]:
        return list(session.scalars(sa.select(cls).order_by(cls.id, cls.version)))

    version = current_data_version(session)
    designations = _designations(session)
    last = session.scalar(
        sa.select(m.DataVersion.recorded_at).where(m.DataVersion.number == version)
    )
    devices = DeviceIndex() if devices is None else devices
    devices.catch_up(session, version)
    return Records(
        data_version=version,
        vendors=versions(m.Vendor),
        models=versions(m.DeviceModel),
        updates=versions(m.Update),
        designations=designations,
        licences=versions(m.Licence),
        amendments=every(m.LicenceAmendment),
        revocations=every(m.LicenceRevocation),
        matches=versions(m.Match),
        screened={row.vendor_id: row.matcher for row in session.execute(
            sa.select(m.VendorScreening.vendor_id, m.VendorScreening.matcher))},
        devices=devices,
        api_keys=every(m.ApiKey),
        last_recorded_at=last,
    )
