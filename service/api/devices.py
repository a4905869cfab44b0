"""Devices: registered in bulk, idempotent by id, never changed once registered.

A JSON list takes up to `MAX_DEVICES` devices, under a body cap of its own that any such list
fits; a file of any length goes to `POST /devices/import`, which streams it to disk and into
the database, and answers 202 with the job that imports it (`GET /jobs/{id}`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, g, request
from redis import RedisError
from werkzeug.exceptions import RequestEntityTooLarge

from service import device_imports, job_queue, outbox
from service import devices as registry
from service.api.resources import answer_page, json_response, listing
from service.api.schemas import DeviceIn
from service.api.writes import transaction
from service.auth import Role, requires
from service.context import services
from service.device_files import FileRefused
from service.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    ServiceError,
    Unavailable,
    UnsupportedMediaType,
)
from service.parsing import json_body, validate
from service.store.db import read_session
from service.store.device_staging import DeviceImport
from service.store.models import Device
from service.views import as_of

bp = Blueprint("devices", __name__)
MAX_DEVICES = registry.MAX_DEVICES
_MORE = "send more as a file to POST /api/v1/devices/import"


class TooLarge(ServiceError):
    status = 413
    title = "Payload too large"


def body_cap(limit: int | None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give a route its own body cap (None: none), before anything reads the body."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def capped(*args: Any, **kwargs: Any) -> Any:
            # Flask reads None as "the app's cap", so no cap is the largest one.
            request.max_content_length = sys.maxsize if limit is None else limit
            return view(*args, **kwargs)

        capped.streams_body = limit is None  # type: ignore[attr-defined]
        return capped

    return decorate


def _device_json(device: Device) -> dict[str, object]:
    return {"id": device.id, "model_id": device.model_id, "recorded_at": device.recorded_at}


def _named(errors: list[registry.RowError]) -> list[dict[str, str]]:
    return [{"field": f"{e.index}.{e.field}", "message": e.message} for e in errors[:100]]


@bp.post("/devices")
@body_cap(registry.MAX_BODY_BYTES)
@requires(Role.EDITOR)
def register_devices() -> Response:
    try:
        data = json_body()
    except RequestEntityTooLarge:
        raise TooLarge(f"The body is over {registry.MAX_BODY_BYTES} bytes; {_MORE}.",
                       [{"field": "body", "message": _MORE}]) from None
    if not isinstance(data, list) or not 1 <= len(data) <= MAX_DEVICES:
        raise InvalidInput(f"Send a list of 1 to {MAX_DEVICES} devices; {_MORE}.",
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


@bp.route("/devices/import", methods=["OPTIONS"], provide_automatic_options=False)
def import_options() -> Response:
    """Only POST: Flask's own answer would add the GET of a device whose id is `import`."""
    return Response(status=200, headers={"Allow": "OPTIONS, POST"})


@bp.post("/devices/import", provide_automatic_options=False)
@body_cap(None)
@requires(Role.EDITOR)
def import_devices() -> Response:
    """Stage a file of devices (NDJSON or CSV, any length); a job imports it all or none."""
    ctx = services()
    try:
        import_id, job_id = device_imports.receive(
            ctx.settings, request.stream, request.content_type, g.actor, "api upload",
            ctx.clock())
    except FileRefused as exc:
        error = UnsupportedMediaType if exc.field == "Content-Type" else InvalidInput
        raise error(f"{exc} Nothing was imported.",
                    [{"field": exc.field, "message": str(exc)}]) from None
    rq_id = outbox.rq_id(ctx.settings.queue_name, job_id)
    answer = json_response({"job_id": rq_id, "import_id": import_id, "status": "queued"}, 202)
    answer.headers["Location"] = f"/api/v1/devices/imports/{import_id}"  # editors may read it
    return answer


@bp.get("/devices/imports/<import_id>")
@requires(Role.VIEWER)
def get_device_import(import_id: str) -> Response:
    """An import as recorded: for editors, who cannot read `GET /jobs/{id}` (admin)."""
    with read_session(services().settings.database_url) as session:
        found = session.get(DeviceImport, import_id)
        if found is None:
            raise NotFound(f"No device import has id {import_id!r}.")
        answer = {"id": found.id, "created_at": found.created_at, "rows": found.rows,
                  "result": found.result}
    return json_response({**answer, **_job_state(found.id, found.result is not None)})


def _job_state(import_id: str, done: bool) -> dict[str, Any]:
    """The import's job as RQ sees it (its status and progress), which an editor may read
    here though `GET /jobs/{id}` is admin's; `queued` while its outbox row waits for Redis."""
    settings = services().settings
    job_id = outbox.rq_id(settings.queue_name, f"{device_imports.KIND}-{import_id}")
    try:
        found = job_queue.fetch(job_queue.connect(settings), [job_id])
    except (RedisError, Unavailable):  # Redis away: the database's record still answers
        found = []
    status = found[0].get_status(refresh=False) if found else None
    shown = "finished" if done else "queued" if status is None else str(status.value)
    return {"job_id": job_id, "status": shown,
            "progress": found[0].meta.get("progress") if found else None}


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
