"""Manual designations: list entries entered by hand (list, create, end).

They are the API's `designations` resource (`service.api.reference.DESIGNATIONS`): created and
ended through the same functions, screened against every vendor in the same transaction. A
designation is ended by giving it an end date (a new revision), never by deleting it: the
history of who was listed when is what answers for past shipments rest on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from flask import abort, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from service.api.reference import DESIGNATIONS
from service.api.resources import change_record, create_record, current, find
from service.api.writes import transaction
from service.auth import Role
from service.context import services
from service.dashboard.blueprint import bp, page, render
from service.dashboard.paging import PER_PAGE, paged
from service.dashboard.ref_forms import (
    DesignationForm,
    EndForm,
    lines,
    show_errors,
    text,
)
from service.errors import InvalidInput, NotFound
from service.parsing import validate
from service.store.db import read_session
from service.store.models import Designation


def _body(form: DesignationForm) -> dict[str, Any]:
    return {"source": (text(form.source) or "").upper(), "name": text(form.name) or "",
            "alt_names": lines(form.alt_names), "country": text(form.country),
            "effective_from": text(form.effective_from) or "",
            "effective_until": text(form.effective_until), "reference": text(form.reference),
            "vendor_ids": [v for line in lines(form.vendor_ids) for v in line.split(",")
                           if v.strip()]}


@bp.get("/reference/designations")
@page(Role.VIEWER)
def reference_designations() -> tuple[str, int]:
    query = current(Designation).where(Designation.source_id.is_(None)).limit(PER_PAGE + 1)
    if cursor := request.args.get("cursor"):
        query = query.where(Designation.id > cursor)
    with read_session(services().settings.database_url) as session:
        shown, pages = paged(list(session.scalars(query)))
    now = services().clock()
    return render("ref_designations.html", rows=shown, now=now,
                  vendors=services().snapshots.current.current.vendors, pages=pages)


@bp.get("/reference/designations/new")
@page(Role.EDITOR)
def reference_designation_new() -> tuple[str, int]:
    return render("ref_designation_form.html", form=DesignationForm())


@bp.post("/reference/designations")
@page(Role.EDITOR)
def reference_designation_create() -> tuple[str, int] | Response:
    form = DesignationForm()
    try:
        body = validate(DESIGNATIONS.schema, _body(form))
        with transaction() as tx:
            row = cast(Designation, create_record(tx.writer, DESIGNATIONS, body))
    except InvalidInput as exc:
        show_errors(form, exc.errors or [])
        return render("ref_designation_form.html", 422, form=form)
    flash(f"The designation of {row.name} on {row.source} ({row.id}) is recorded and "
          "screened against every vendor.")
    return redirect(url_for("dashboard.reference_designations"), 303)


@bp.get("/reference/designations/<record_id>")
@page(Role.VIEWER)
def reference_designation(record_id: str) -> tuple[str, int]:
    row = _manual(record_id)
    form = EndForm(data={"effective_until": services().clock().date().isoformat()})
    return render("ref_designation.html", row=row, form=form,
                  vendors=services().snapshots.current.current.vendors)


@bp.post("/reference/designations/<record_id>/end")
@page(Role.EDITOR)
def reference_designation_end(record_id: str) -> tuple[str, int] | Response:
    row, form = _manual(record_id), EndForm()
    try:
        with transaction() as tx:
            row = cast(Designation, change_record(
                tx.writer, DESIGNATIONS, record_id,
                {"effective_until": text(form.effective_until) or ""}))
    except InvalidInput as exc:
        show_errors(form, exc.errors or [])
        return render("ref_designation.html", 422, row=row, form=form,
                      vendors=services().snapshots.current.current.vendors)
    flash(f"The designation of {row.name} ends on {_day(row.effective_until)}.")
    return redirect(url_for("dashboard.reference_designation", record_id=record_id), 303)


def _manual(record_id: str) -> Designation:
    """A designation entered by hand; a feed's entries are changed by their feed only."""
    with read_session(services().settings.database_url) as session:
        try:
            row = find(session, DESIGNATIONS, record_id)
        except NotFound:
            abort(404)
    if not isinstance(row, Designation) or row.source_id is not None:
        abort(404)
    return row


def _day(value: datetime | None) -> str:
    return value.date().isoformat() if value else "never"
