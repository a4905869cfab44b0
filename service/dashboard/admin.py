"""Administration: users, API keys and webhook subscriptions (`admin_keys`, `admin_webhooks`).

A generated password, a key or a signing secret is shown once, in the answer to the POST that
made it: never in the session, a flash message or a URL, and never cached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, make_response, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from service import clock, user_admin
from service.api.writes import transaction
from service.auth import Role
from service.context import services
from service.dashboard.admin_forms import RoleForm, UserForm
from service.dashboard.blueprint import bp, page, render
from service.store.db import read_session
from service.store.models import ApiKey, User
from service.store.pipeline import Webhook
from service.store.versions import Writer

PER_PAGE = 50


def shown_once(title: str, secret: str, note: str, back: str, back_label: str) -> Response:
    """The page that shows a new secret, the only time it is ever shown."""
    body, _ = render("admin_secret.html", title=title, secret=secret, note=note, back=back,
                     back_label=back_label)
    response = make_response(body, 200)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/admin")
@page(Role.ADMIN)
def admin() -> tuple[str, int]:
    with read_session(services().settings.database_url) as session:
        counts = {"users": _count(session, User),
                  "keys": _count(session, ApiKey, ApiKey.revoked_at.is_(None)),
                  "webhooks": _count(session, Webhook, Webhook.deleted.is_(False))}
    return render("admin.html", counts=counts)


@bp.get("/admin/users")
@page(Role.ADMIN)
def admin_users() -> tuple[str, int]:
    return _users_page(UserForm())


@bp.post("/admin/users")
@page(Role.ADMIN)
def create_user() -> tuple[str, int] | Response:
    form = UserForm()
    if not form.validate():
        return _users_page(form, 422)
    try:
        with transaction() as tx:
            user, password = user_admin.create(tx.writer, form.name.data, form.role.data)
    except user_admin.Refused as refused:
        form.name.errors = [str(refused)]
        return _users_page(form, 422)
    return shown_once(f"User {user.name} created", password,
                      f"The password of {user.name} ({user.role}). Give it to them by a safe "
                      "route; they can change it on their account page.",
                      url_for("dashboard.admin_user", user_id=user.id), f"Back to {user.name}")


@bp.get("/admin/users/<user_id>")
@page(Role.ADMIN)
def admin_user(user_id: str) -> tuple[str, int]:
    with read_session(services().settings.database_url) as session:
        user = _user(session, user_id)
        sessions = user_admin.live_sessions(session, user_id, clock.now())
    return render("admin_user.html", user=user, sessions=sessions,
                  form=RoleForm(role=user.role), yourself=user.id == current_user.id)


@bp.post("/admin/users/<user_id>/role")
@page(Role.ADMIN)
def change_role(user_id: str) -> Response:
    form = RoleForm()
    if not form.validate():
        abort(400, "Choose one of the roles offered.")
    return _act(user_id, lambda writer, user: user_admin.change_role(writer, user,
                                                                     form.role.data),
                f"The role is now {form.role.data}.")


@bp.post("/admin/users/<user_id>/disable")
@page(Role.ADMIN)
def disable_user(user_id: str) -> Response:
    return _act(user_id, lambda writer, user: user_admin.set_disabled(writer, user, True),
                "The user is disabled, and every session of theirs has ended.")


@bp.post("/admin/users/<user_id>/enable")
@page(Role.ADMIN)
def enable_user(user_id: str) -> Response:
    return _act(user_id, lambda writer, user: user_admin.set_disabled(writer, user, False),
                "The user is enabled again.")


@bp.post("/admin/users/<user_id>/password")
@page(Role.ADMIN)
def reset_password(user_id: str) -> Response:
    with transaction() as tx:
        user = _user(tx.session, user_id, lock=True)
        password = user_admin.reset_password(tx.writer, user)
    return shown_once(f"New password for {user.name}", password,
                      f"Every session of {user.name} has ended; they sign in with this.",
                      url_for("dashboard.admin_user", user_id=user.id), f"Back to {user.name}")


def _users_page(form: UserForm, status: int = 200) -> tuple[str, int]:
    after = request.args.get("after")
    with read_session(services().settings.database_url) as session:
        found = user_admin.page(session, after, PER_PAGE + 1)
    return render("admin_users.html", status, form=form, users=found[:PER_PAGE],
                  next_after=found[PER_PAGE - 1].name if len(found) > PER_PAGE else None)


def _act(user_id: str, action: Callable[[Writer, User], None], done: str) -> Response:
    """Run one change to a user; a refusal comes back as a message, nothing changed."""
    try:
        with transaction() as tx:
            action(tx.writer, _user(tx.session, user_id, lock=True))
    except user_admin.Refused as refused:
        return _back(user_id, str(refused), "error")
    return _back(user_id, done)


def _back(user_id: str, message: str, category: str = "message") -> Response:
    flash(message, category)
    return redirect(url_for("dashboard.admin_user", user_id=user_id), 303)


def _user(session: sa.orm.Session, user_id: str, lock: bool = False) -> User:
    user = session.get(User, user_id, with_for_update=lock)
    if user is None:
        abort(404, f"No user has id {user_id!r}.")
    return user


def _count(session: sa.orm.Session, table: type[Any], *where: Any) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(table).where(*where)) or 0
