"""Devices: registered in bulk, idempotent by id, never changed once registered."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, request

from service.api.resources import answer_page, json_response, listing
from service.api.schemas import DeviceIn
from service.api.writes import transaction
from service.auth import Role, requires
from service.context import services
from service.errors import Conflict, InvalidInput, NotFound
from service.parsing import json_body, validate
from service.store.db import read_session
from service.store.models import Device
from service.store.versions import Writer
from service.views import as_of

bp = Blueprint("devices", __name__)
MAX_DEVICES = 50_000


def _device_json(device: Device) -> dict[str, object]:
    return {"id": device.id, "model_id": device.model_id, "recorded_at": device.recorded_at}


@bp.post("/devices")
@requires(Role.EDITOR)
def register_devices() -> Response:
    data = json_body()
    if not isinstance(data, list) or not 1 <= len(data) <= MAX_DEVICES:
        raise InvalidInput(f"Send a list of 1 to {MAX_DEVICES} devices.",
                           [{"field": "body", "message": f"a list of 1 to {MAX_DEVICES}"}])
    listed = [validate(DeviceIn, item, f"{i}") for i, item in enumerate(data)]
    devices: dict[str, DeviceIn] = {}
    positions: dict[str, int] = {}  # device id -> where the body first lists it
    twice = []
    for i, device in enumerate(listed):
        first = devices.setdefault(device.id, device)
        positions.setdefault(device.id, i)
        if first.model_id != device.model_id:
            twice.append({"field": f"{i}.model_id",
                          "message": f"{device.id!r} is listed before with {first.model_id!r}"})
    if twice:
        raise InvalidInput("Some devices are listed twice with different models.", twice[:100])
    ctx = services()
    known_models = {m.id for m in as_of(ctx.snapshots.current.records.models, None)}
    errors = [{"field": f"{i}.model_id", "message": f"unknown model {d['model_id']!r}"}
              for i, d in enumerate(data) if d["model_id"] not in known_models]
    if errors:
        raise InvalidInput("Some devices name an unknown model.", errors[:100])
    with transaction() as tx:
        created = _insert_new(tx.session, tx.writer, devices, positions)
        if created:
            tx.writer.bump()
            tx.writer.audit("register", "devices", None, {"count": created})
        return tx.answer({"registered": created, "already_known": len(devices) - created,
                          "items": [{"id": d.id, "model_id": d.model_id}
                                    for d in devices.values()]}, 201 if created else 200)


def _insert_new(session: sa.orm.Session, writer: Writer, devices: dict[str, DeviceIn],
                positions: dict[str, int]) -> int:
    """Insert the devices not yet known; refuse one already known with another model."""
    existing: dict[str, str] = {}
    ids = list(devices)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        existing.update(session.execute(
            sa.select(Device.id, Device.model_id).where(Device.id.in_(chunk))).all())
    clashes = [i for i, model in existing.items() if devices[i].model_id != model]
    if clashes:
        raise Conflict("Some devices are already registered with another model.",
                       [{"field": f"{positions[i]}.model_id",
                         "message": f"{i!r} is registered with {existing[i]!r}"}
                        for i in clashes[:100]])
    new = [{"id": d.id, "model_id": d.model_id, "recorded_at": writer.now,
            "recorded_by": writer.actor} for i, d in devices.items() if i not in existing]
    if new:
        session.execute(sa.insert(Device), new)
    return len(new)


@bp.get("/devices/<device_id>")
@requires(Role.VIEWER)
def get_device(device_id: str) -> Response:
    with read_session(services().settings.database_url) as session:
        device = session.get(Device, device_id)
        if device is None:
            raise NotFound(f"No device has id {device_id!r}.")
        return json_response(_device_json(device))


@bp.get("/devices")
@requires(Role.VIEWER)
def list_devices() -> Response:
    limit = listing({"model_id": None})
    query = sa.select(Device).order_by(Device.id).limit(limit + 1)
    if cursor := request.args.get("cursor"):
        query = query.where(Device.id > cursor)
    if model_id := request.args.get("model_id"):
        query = query.where(Device.model_id == model_id)
    with read_session(services().settings.database_url) as session:
        return answer_page([_device_json(d) for d in session.scalars(query)], limit)
