"""Registering devices: idempotent by id, never changed once registered.

The checks and the insert that `POST /api/v1/devices` and the dashboard's CSV import share.
Each check returns the rows at fault by their position in what was sent, so the API can name
them `3.model_id` and the import `line 5, model_id`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from service.api.schemas import DeviceIn
from service.store.models import Device, DeviceModel
from service.store.versions import Writer

MAX_DEVICES = 10_000  # per JSON request; files of any length go to /devices/import
# The most any one device can take in a JSON list: two fields of 120 characters, each written
# as a `\uXXXX\uXXXX` surrogate pair (12 bytes), with room for the keys and whitespace. The
# route's body cap is this many times the item cap, so any list the cap allows fits.
MAX_DEVICE_BYTES = 2_950
MAX_BODY_BYTES = MAX_DEVICES * MAX_DEVICE_BYTES
_CHUNK = 500  # ids per `IN (...)`: well under every database's limit on parameters


@dataclass(frozen=True)
class RowError:
    index: int  # the row's position in what was sent, from 0
    field: str
    message: str


@dataclass
class Distinct:
    """The devices sent, each once, with where each was first listed."""

    devices: dict[str, DeviceIn]
    positions: dict[str, int]


def distinct(listed: Sequence[DeviceIn]) -> tuple[Distinct, list[RowError]]:
    """Fold repeats of a device; a device listed again with another model is an error."""
    found = Distinct({}, {})
    twice = []
    for i, device in enumerate(listed):
        first = found.devices.setdefault(device.id, device)
        found.positions.setdefault(device.id, i)
        if first.model_id != device.model_id:
            twice.append(RowError(i, "model_id",
                                  f"{device.id!r} is listed before with {first.model_id!r}"))
    return found, twice


def unknown_models(listed: Sequence[DeviceIn], known: set[str]) -> list[RowError]:
    return [RowError(i, "model_id", f"unknown model {d.model_id!r}")
            for i, d in enumerate(listed) if d.model_id not in known]


def current_models(session: Session) -> set[str]:
    """The ids of the models registered and not withdrawn, as the database has them now."""
    newest = (sa.select(DeviceModel.id, sa.func.max(DeviceModel.version).label("v"))
              .group_by(DeviceModel.id).subquery())
    return set(session.scalars(
        sa.select(DeviceModel.id).join(newest, (DeviceModel.id == newest.c.id)
                                       & (DeviceModel.version == newest.c.v))
        .where(DeviceModel.deleted.is_(False))))


def clashes(session: Session, sent: Distinct) -> tuple[list[RowError], set[str]]:
    """Devices already registered with another model, and the ids already registered."""
    existing: dict[str, str] = {}
    ids = list(sent.devices)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        existing.update(session.execute(
            sa.select(Device.id, Device.model_id).where(Device.id.in_(chunk))).all())
    errors = [RowError(sent.positions[i], "model_id", f"{i!r} is registered with {model!r}")
              for i, model in existing.items() if sent.devices[i].model_id != model]
    return errors, set(existing)


def insert_new(writer: Writer, sent: Distinct, known: set[str]) -> int:
    """Insert the devices not in `known`, in the writer's transaction; return how many."""
    new = [{"id": d.id, "model_id": d.model_id, "recorded_at": writer.now,
            "recorded_by": writer.actor} for i, d in sent.devices.items() if i not in known]
    if new:
        version = writer.bump()  # stamped on each device: processes read only newer ones
        writer.session.execute(sa.insert(Device), [{**d, "data_version": version} for d in new])
        writer.audit("register", "devices", None, {"count": len(new)})
    return len(new)
