"""Devices: the list (searched by id, a page at a time) and the CSV import with its progress.

An upload takes the API's path (`service.device_imports`): read at once for what concerns the
whole file (header, encoding, no rows), staged in the database, and checked and imported by a
job recorded in the outbox, so it runs even if the queue was away for a moment. The import's
page follows the job: with JavaScript it fills a progress bar; without, it offers to look again.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, g, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response

from service import device_imports
from service.auth import Role
from service.context import services
from service.dashboard.blueprint import bp, page, render
from service.dashboard.paging import PER_PAGE, paged
from service.dashboard.progress import job_state, outbox_row
from service.dashboard.ref_forms import DeviceUploadForm
from service.device_files import COLUMNS, FileRefused
from service.store.db import read_session
from service.store.device_staging import DeviceImport
from service.store.models import Device
from service.store.pipeline import OutboxRow

KIND = device_imports.KIND


@bp.get("/reference/devices")
@page(Role.VIEWER)
def reference_devices() -> tuple[str, int]:
    wanted, model_id = request.args.get("q", "").strip(), request.args.get("model_id", "").strip()
    query = sa.select(Device).order_by(Device.id).limit(PER_PAGE + 1)
    if wanted:
        query = query.where(Device.id.startswith(wanted, autoescape=True))
    if model_id:
        query = query.where(Device.model_id == model_id)
    if cursor := request.args.get("cursor"):
        query = query.where(Device.id > cursor)
    with read_session(services().settings.database_url) as session:
        shown, pages = paged(list(session.scalars(query)))
    models = services().snapshots.current.current.models
    return render("ref_devices.html", rows=shown, q=wanted, model_id=model_id,
                  models=models, pages=pages)


@bp.get("/reference/devices/upload")
@page(Role.EDITOR)
def reference_device_upload() -> tuple[str, int]:
    return _upload_page(DeviceUploadForm())


@bp.post("/reference/devices/upload")
@page(Role.EDITOR)
def reference_device_upload_submit() -> tuple[str, int] | Response:
    form = DeviceUploadForm()
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = ["Choose a CSV file to upload."]
        return _upload_page(form, 422)
    ctx = services()
    try:
        key, _ = device_imports.receive(ctx.settings, upload.stream, "text/csv", g.actor,
                                        upload.filename, ctx.clock())
    except FileRefused as exc:
        form.file.errors = [f"{exc} Nothing was imported."]
        return _upload_page(form, 422)
    return redirect(url_for("dashboard.reference_device_import", import_id=key), 303)


@bp.get("/reference/devices/imports/<import_id>")
@page(Role.EDITOR)
def reference_device_import(import_id: str) -> tuple[str, int]:
    state = job_state(_import(import_id), _describe)
    with read_session(services().settings.database_url) as session:
        record = session.get(DeviceImport, import_id)
    if record is None:
        abort(404)
    return render("ref_device_import.html", state=state, import_id=import_id,
                  rows=record.rows, uploaded_at=record.created_at)


@bp.get("/reference/devices/imports/<import_id>/progress")
@page(Role.EDITOR)
def reference_device_import_progress(import_id: str) -> Response:
    state = job_state(_import(import_id), _describe)
    return jsonify(state.as_json(url_for("dashboard.reference_device_import", import_id=import_id)))


def _import(import_id: str) -> OutboxRow:
    row = outbox_row(f"{KIND}-{import_id}")
    if row is None or row.kind != KIND:
        abort(404)
    return row


def _describe(progress: dict[str, Any]) -> tuple[str, int, int]:
    done, total = int(progress.get("done", 0)), int(progress.get("total", 0))
    if progress.get("stage") == "importing":
        return f"Importing {total} rows in one transaction.", done, total
    return f"Checking rows: {done} of {total}.", done, total


def _upload_page(form: DeviceUploadForm, status: int = 200) -> tuple[str, int]:
    return render("ref_device_upload.html", status, form=form, columns=COLUMNS,
                  max_mb=services().settings.max_body_bytes // 1_000_000)

