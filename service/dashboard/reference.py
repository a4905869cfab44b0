"""Reference data: the landing page, and models and updates (list, create, edit, withdraw).

Writes go through the API's own `Resource` functions and schemas (`service.api.reference`),
so a page and `POST /api/v1/models` accept and refuse exactly the same input, and record the
same versions, audit entries and data versions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from service.api.reference import MODELS, UPDATES
from service.api.resources import (
    Resource,
    change_record,
    create_record,
    current,
    find,
    withdraw_record,
)
from service.api.writes import transaction
from service.auth import Role
from service.context import services
from service.dashboard.blueprint import bp, page, render
from service.dashboard.forms import ConfirmForm
from service.dashboard.paging import PER_PAGE, paged
from service.dashboard.ref_forms import ModelForm, UpdateForm, show_errors, text, tri_state
from service.errors import InvalidInput, NotFound
from service.parsing import validate
from service.store.db import read_session
from service.store.models import Designation, Versioned

KINDS = "<kind>"  # models or updates; checked after the role, so a stranger signs in first


@dataclass(frozen=True)
class Kind:
    """How one kind of record is listed and edited on the dashboard."""

    resource: Resource
    title: str  # plural, for headings
    noun: str
    form: type[FlaskForm]
    body: Callable[[Any], dict[str, Any]]  # the filled form -> the API's create body
    label: Callable[[Any], str]  # a row -> how it is named in a list or a message


def _model_body(form: Any) -> dict[str, Any]:
    return {"vendor_id": text(form.vendor_id) or "", "name": text(form.name) or "",
            "device_class": form.device_class.data, "available_from": text(form.available_from)}


def _update_body(form: Any) -> dict[str, Any]:
    return {"supplier": text(form.supplier) or "", "supplier_country": text(form.supplier_country),
            "kind": form.kind.data, "product": text(form.product) or "",
            "version": text(form.version),
            "enhances_functionality": tri_state(form.enhances_functionality),
            "publicly_available": bool(form.publicly_available.data)}


KIND = {
    "models": Kind(MODELS, "Device models", "model", ModelForm, _model_body,
                   lambda row: row.name),
    "updates": Kind(UPDATES, "Updates", "update", UpdateForm, _update_body,
                    lambda row: f"{row.supplier} {row.product} {row.version_label or ''}".strip()),
}


@bp.get("/reference")
@page(Role.VIEWER)
def reference() -> tuple[str, int]:
    snapshot = services().snapshots.current
    with read_session(services().settings.database_url) as session:
        manual = session.scalar(sa.select(sa.func.count(sa.distinct(Designation.id)))
                                .where(Designation.source_id.is_(None)))
    counts = {"models": len(snapshot.current.models), "updates": len(snapshot.current.updates),
              "devices": len(snapshot.records.devices), "designations": manual or 0}
    return render("ref_index.html", counts=counts)


@bp.get(f"/reference/{KINDS}")
@page(Role.VIEWER)
def reference_list(kind: str) -> tuple[str, int]:
    spec = _kind(kind)
    table = spec.resource.table
    query = current(table).limit(PER_PAGE + 1)
    if cursor := request.args.get("cursor"):
        query = query.where(table.id > cursor)
    with read_session(services().settings.database_url) as session:
        shown, pages = paged(list(session.scalars(query)))
    vendors = services().snapshots.current.current.vendors
    return render(f"ref_{kind}.html", kind=kind, spec=spec, rows=shown,
                  vendors=vendors, pages=pages, form=ConfirmForm())


@bp.get(f"/reference/{KINDS}/new")
@page(Role.EDITOR)
def reference_new(kind: str) -> tuple[str, int]:
    return _form_page(kind, _kind(kind).form(), None)


@bp.post(f"/reference/{KINDS}")
@page(Role.EDITOR)
def reference_create(kind: str) -> tuple[str, int] | Response:
    spec = _kind(kind)
    form = spec.form()
    try:
        body = validate(spec.resource.schema, spec.body(form))
        with transaction() as tx:
            row = create_record(tx.writer, spec.resource, body)
    except InvalidInput as exc:
        show_errors(form, exc.errors or [])
        return _form_page(kind, form, None, 422)
    flash(f"The {spec.noun} {spec.label(row)} ({row.id}) is recorded.")
    return redirect(url_for("dashboard.reference_list", kind=kind), 303)


@bp.get(f"/reference/{KINDS}/<record_id>")
@page(Role.VIEWER)
def reference_edit(kind: str, record_id: str) -> tuple[str, int]:
    spec = _kind(kind)
    row = _found(spec, record_id)
    form = spec.form(data=_form_data(spec.resource.body(row)))
    return _form_page(kind, form, row)


@bp.post(f"/reference/{KINDS}/<record_id>")
@page(Role.EDITOR)
def reference_save(kind: str, record_id: str) -> tuple[str, int] | Response:
    spec = _kind(kind)
    form = spec.form()
    row = _found(spec, record_id)
    try:
        with transaction() as tx:
            row = change_record(tx.writer, spec.resource, record_id, spec.body(form))
    except InvalidInput as exc:
        show_errors(form, exc.errors or [])
        return _form_page(kind, form, row, 422)
    except NotFound:
        abort(404)
    flash(f"The {spec.noun} {spec.label(row)} is saved as revision {row.version}.")
    return redirect(url_for("dashboard.reference_list", kind=kind), 303)


@bp.post(f"/reference/{KINDS}/<record_id>/withdraw")
@page(Role.EDITOR)
def reference_withdraw(kind: str, record_id: str) -> Response:
    spec = _kind(kind)
    try:
        with transaction() as tx:
            row = withdraw_record(tx.writer, spec.resource, record_id)
    except NotFound:
        abort(404)
    flash(f"The {spec.noun} {spec.label(row)} ({row.id}) is withdrawn; its history stays.")
    return redirect(url_for("dashboard.reference_list", kind=kind), 303)


def _kind(kind: str) -> Kind:
    if kind not in KIND:
        abort(404)
    return KIND[kind]


def _found(spec: Kind, record_id: str) -> Versioned:
    with read_session(services().settings.database_url) as session:
        try:
            return find(session, spec.resource, record_id)
        except NotFound:
            abort(404)


def _form_data(body: dict[str, Any]) -> dict[str, Any]:
    """A record's fields as its form shows them: days for instants, yes/no/unknown."""
    shown = {}
    for name, value in body.items():
        if isinstance(value, datetime):
            value = value.date().isoformat()
        elif name == "enhances_functionality":
            value = "" if value is None else str(value).lower()
        shown[name] = value
    return shown


def _form_page(kind: str, form: FlaskForm, row: Versioned | None,
               status: int = 200) -> tuple[str, int]:
    vendors = sorted(services().snapshots.current.current.vendors.values(), key=lambda v: v.name)
    return render("ref_form.html", status, kind=kind, spec=KIND[kind], form=form, row=row,
                  vendors=vendors if kind == "models" else [])
