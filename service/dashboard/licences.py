"""Licences: list, create, amend and revoke, each change saved from its impact preview.

A change is never saved from its form. The form shows a preview (`impact`): the registered
(model, update) answers that would change and the devices they touch. The preview carries the
proposal in hidden fields with the data version it was judged on; saving validates it again
by the API's rules and, if the data moved on since, shows the preview again instead.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from pydantic import BaseModel
from werkzeug.wrappers import Response

from service.api.writes import transaction
from service.auth import Role
from service.context import services
from service.dashboard.blueprint import allowed, bp, page, render
from service.dashboard.impact import instants, licence_impact
from service.dashboard.licence_changes import AMEND, NEW, REVOKE, Change, blank
from service.dashboard.licence_forms import choices, hidden_values, place_errors, schema_data
from service.dashboard.licence_records import STATUSES, events, facts_by_id, page_of, rows, status
from service.dashboard.licence_timeline import timeline
from service.errors import InvalidInput, NotFound
from service.parsing import validate
from service.store import models as m
from service.store.db import read_session
from service.store.reads import current_data_version
from service.store.versions import latest

PAGE = 50


@bp.get("/licences")
@page(Role.VIEWER)
def licences() -> tuple[str, int]:
    wanted = request.args.get("status") or None
    number = request.args.get("page", "1")
    if (wanted and wanted not in STATUSES) or not number.isascii() or not number.isdigit() \
            or not 1 <= int(number) <= 100_000:
        abort(404, "No such page of licences.")
    now = services().clock()
    found = rows(services().snapshots.current, now)
    counts = Counter(row.status for row in found)
    shown, more = page_of([r for r in found if wanted in (None, r.status)], int(number), PAGE)
    return render("licences.html", rows=shown, more=more, number=int(number), counts=counts,
                  wanted=wanted, statuses=STATUSES, total=len(found), can_edit=_can_edit())


@bp.get("/licences/<licence_id>")
@page(Role.VIEWER)
def licence(licence_id: str) -> tuple[str, int]:
    with read_session(services().settings.database_url) as session:
        record = _found(session, licence_id)
        history = events(session, licence_id)
    view = services().snapshots.current.current
    facts = facts_by_id(view).get(licence_id)
    now = services().clock()
    vendors = [view.vendors[v].name if v in view.vendors else v for v in record.vendor_ids]
    return render("licence.html", record=record, facts=facts, vendors=vendors, history=history,
                  state=status(facts, now) if facts else "unknown", can_edit=_can_edit(),
                  drawn=timeline(facts, now) if facts else None)


@bp.get("/licences/new")
@page(Role.EDITOR)
def licence_new() -> tuple[str, int]:
    return _form(NEW, None)


@bp.post("/licences/new")
@page(Role.EDITOR)
def licence_new_preview() -> tuple[str, int]:
    return _preview(NEW, None)


@bp.post("/licences/new/save")
@page(Role.EDITOR)
def licence_new_save() -> tuple[str, int] | Response:
    return _save(NEW, None)


@bp.get("/licences/<licence_id>/amend")
@page(Role.EDITOR)
def licence_amend(licence_id: str) -> tuple[str, int]:
    return _form(AMEND, licence_id)


@bp.post("/licences/<licence_id>/amend")
@page(Role.EDITOR)
def licence_amend_preview(licence_id: str) -> tuple[str, int]:
    return _preview(AMEND, licence_id)


@bp.post("/licences/<licence_id>/amend/save")
@page(Role.EDITOR)
def licence_amend_save(licence_id: str) -> tuple[str, int] | Response:
    return _save(AMEND, licence_id)


@bp.get("/licences/<licence_id>/revoke")
@page(Role.EDITOR)
def licence_revoke(licence_id: str) -> tuple[str, int]:
    return _form(REVOKE, licence_id)


@bp.post("/licences/<licence_id>/revoke")
@page(Role.EDITOR)
def licence_revoke_preview(licence_id: str) -> tuple[str, int]:
    return _preview(REVOKE, licence_id)


@bp.post("/licences/<licence_id>/revoke/save")
@page(Role.EDITOR)
def licence_revoke_save(licence_id: str) -> tuple[str, int] | Response:
    return _save(REVOKE, licence_id)


class _Moved(Exception):
    """The data changed since the preview was judged: nothing may be saved from it."""


def _form(change: Change, licence_id: str | None, form: Any = None, code: int = 200
          ) -> tuple[str, int]:
    with read_session(services().settings.database_url) as session:
        record = _found(session, licence_id) if licence_id else None
        if form is None:
            form = blank(change, session, record, services().clock())
    _vendor_choices(form)
    return render("licence_form.html", code, change=change, form=form, record=record)


def _preview(change: Change, licence_id: str | None) -> tuple[str, int]:
    record, form, body = _proposal(change, licence_id)
    if body is None:
        return _form(change, licence_id, form, 422)
    return _judged(change, record, form, body)


def _save(change: Change, licence_id: str | None) -> tuple[str, int] | Response:
    record, form, body = _proposal(change, licence_id)
    if body is None or request.form.get("go") == "edit":
        return _form(change, licence_id, form, 422 if body is None else 200)
    seen = request.form.get("data_version", "")
    try:
        with transaction() as tx:
            if str(current_data_version(tx.session)) != seen:
                raise _Moved
            saved = change.save(tx.writer, licence_id, body)
    except _Moved:
        return _judged(change, record, form, body, moved=True)
    except InvalidInput as error:  # e.g. a vendor withdrawn since the preview
        place_errors(form, error.errors, error.detail)
        return _form(change, licence_id, form, 422)
    except NotFound:
        abort(404, f"No licence has id {licence_id!r}.")
    flash(change.saved)
    return redirect(url_for("dashboard.licence", licence_id=saved), 303)


def _proposal(change: Change, licence_id: str | None
              ) -> tuple[m.Licence | None, Any, BaseModel | None]:
    """The licence changed, the posted form, and its body if the API's rules accept it."""
    with read_session(services().settings.database_url) as session:
        record = _found(session, licence_id) if licence_id else None
        form = change.form()
        _vendor_choices(form)
        try:
            body = validate(change.schema, schema_data(form))
            change.check(session, record, body)
        except InvalidInput as error:
            place_errors(form, error.errors, error.detail)
            return record, form, None
    return record, form, body


def _judged(change: Change, record: m.Licence | None, form: Any, body: BaseModel,
            moved: bool = False) -> tuple[str, int]:
    """The preview page: the answers the proposal changes, judged on the newest data."""
    ctx = services()
    snapshot = ctx.snapshots.refresh()  # judge on the data version a save will compare
    now = ctx.clock()
    before = facts_by_id(snapshot.current).get(record.id) if record else None
    if record is not None and before is None:
        abort(404, "This licence covers no vendor the rules know.")
    after = change.propose(before, body)
    devices = snapshot.records.devices.counts()
    stale = ctx.lists_stale(now)
    impacts = [licence_impact(snapshot.current, before, after, at, ctx.policy, stale, devices)
               for at in instants(change.takes_effect(body), now)]
    return render("licence_preview.html", 409 if moved else 200, change=change, record=record,
                  body=body, impacts=impacts, now=now, stale=stale, moved=moved,
                  data_version=snapshot.data_version, hidden=hidden_values(form))


def _found(session: Any, licence_id: str) -> m.Licence:
    record = latest(session, m.Licence, licence_id)
    if record is None:
        abort(404, f"No licence has id {licence_id!r}.")
    return record


def _vendor_choices(form: Any) -> None:
    if hasattr(form, "vendor_ids"):
        vendors = services().snapshots.current.current.vendors.values()
        form.vendor_ids.choices = choices(sorted(((v.id, v.name) for v in vendors),
                                                 key=lambda c: c[1].casefold()))


def _can_edit() -> bool:
    return allowed(current_user.role, Role.EDITOR)
