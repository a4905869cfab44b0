"""Devices: registered in bulk, idempotent by id, never changed once registered."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, request

from service import devices as registry
from service.api.resources import answer_page, json_response, listing
from service.api.schemas import DeviceIn
from service.api.writes import transaction
from service.auth import Role, requires
from service.context import services
from service.errors import Conflict, InvalidInput, NotFound
from service.parsing import json_body, validate
from service.store.db import read_session
from service.store.models import Device
from service.views import as_of

bp = Blueprint("devices", __name__)
MAX_DEVICES = registry.MAX_DEVICES


def _device_json(device: Device) -> dict[str, object]:
    return {"id": device.id, "model_id": device.model_id, "recorded_at": device.recorded_at}


def _named(errors: list[registry.RowError]) -> list[dict[str, str]]:
    return [{"field": f"{e.index}.{e.field}", "message": e.message} for e in errors[:100]]


@bp.post("/devices")
@requires(Role.EDITOR)
def register_devices() -> Response:
    data = json_body()
    if not isinstance(data, list) or not 1 <= len(data) <= MAX_DEVICES:
        raise InvalidInput(f"Send a list of 1 to {MAX_DEVICES} devices.",
                           [{"field": "body", "message": f"a list of 1 to {MAX_DEVICES}"}])
    listed = [validate(DeviceIn, item, f"{i}") for i, item in enumerate(data)]
    sent, twice = registry.distinct(listed)
    if twice:
        raise InvalidInput("Some devices are listed twice with different models.", _named(twice))
    known_models = {m.id for m in as_of(services().snapshots.current.records.models, None)}
    if errors := registry.unknown_models(listed, known_models):
        raise InvalidInput("Some devices name an unknown model.", _named(errors))
    with transaction() as tx:
        clashes, known = registry.clashes(tx.session, sent)
        if clashes:
            raise Conflict("Some devices are already registered with another model.",
                           _named(clashes))
        created = registry.insert_new(tx.writer, sent, known)
        return tx.answer({"registered": created, "already_known": len(sent.devices) - created,
                          "items": [{"id": d.id, "model_id": d.model_id}
                                    for d in sent.devices.values()]}, 201 if created else 200)


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
