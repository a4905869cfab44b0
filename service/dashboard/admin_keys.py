"""API keys: list, create (the key shown once) and revoke, by the rules of the keys API."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from service.api.schemas import KeyIn
from service.api.writes import transaction
from service.auth import Role
from service.context import services
from service.dashboard.admin import PER_PAGE, shown_once
from service.dashboard.admin_forms import KeyForm, apply
from service.dashboard.blueprint import bp, page, render
from service.keys import add_key, revoke
from service.store.db import read_session
from service.store.models import ApiKey


@bp.get("/admin/keys")
@page(Role.ADMIN)
def admin_keys() -> tuple[str, int]:
    return _keys_page(KeyForm())


@bp.post("/admin/keys")
@page(Role.ADMIN)
def create_key() -> tuple[str, int] | Response:
    form = KeyForm()
    body = apply(form, KeyIn, {"name": form.name.data or "", "role": form.role.data or ""})
    if body is None:
        return _keys_page(form, 422)
    with transaction() as tx:
        key, secret = add_key(tx.writer, body.name, body.role)
    return shown_once(f"API key {key.name} created", secret,
                      f"The key {key.id} ({key.role}). Send it as "
                      "`Authorization: Bearer <key>`; only its hash is kept.",
                      url_for("dashboard.admin_keys"), "Back to the API keys")


@bp.post("/admin/keys/<key_id>/revoke")
@page(Role.ADMIN)
def revoke_key(key_id: str) -> Response:
    with transaction() as tx:
        key = revoke(tx.writer, key_id)
        if key is None:
            abort(404, f"No key has id {key_id!r}.")
        name = key.name
    flash(f"The key {name} ({key_id}) is revoked: it is refused from now on.")
    return redirect(url_for("dashboard.admin_keys"), 303)


def _keys_page(form: KeyForm, status: int = 200) -> tuple[str, int]:
    query = sa.select(ApiKey).order_by(ApiKey.id).limit(PER_PAGE + 1)
    if after := request.args.get("after"):
        query = query.where(ApiKey.id > after)
    with read_session(services().settings.database_url) as session:
        keys = list(session.scalars(query))
    return render("admin_keys.html", status, form=form, keys=keys[:PER_PAGE],
                  next_after=keys[PER_PAGE - 1].id if len(keys) > PER_PAGE else None)
