"""The dashboard's blueprint and what every page shares: its role, its actor, its template.

Every page declares the role it needs with `page(role)` (or `public`), as the API's routes do;
a test fails for any page that does not. A person who is not signed in is sent to the sign-in
page, and back afterwards; one whose role is too low gets a 403 page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_login import current_user

from service.auth import ORDER, Role
from service.dashboard.security import csrf, protect

F = TypeVar("F", bound=Callable[..., Any])

bp = Blueprint("dashboard", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static")
bp.after_request(protect)


@bp.before_request
def check_csrf() -> None:
    """Refuse any POST without this session's CSRF token (a 400 page), before the view runs."""
    if request.method == "POST":
        csrf.protect()


# The navigation: (label, endpoint, role). A page shows in it once its module defines it.
NAV = [
    ("Overview", "dashboard.overview", Role.VIEWER),
    ("Vendors", "dashboard.vendors", Role.VIEWER),
    ("Review", "dashboard.review", Role.VIEWER),
    ("Licences", "dashboard.licences", Role.VIEWER),
    ("Simulator", "dashboard.simulator", Role.VIEWER),
    ("Decisions", "dashboard.decisions", Role.VIEWER),
    ("Reference", "dashboard.reference", Role.VIEWER),
    ("Sources", "dashboard.sources", Role.VIEWER),
    ("Audit", "dashboard.audit", Role.VIEWER),
    ("Jobs", "dashboard.jobs", Role.ADMIN),
    ("Admin", "dashboard.admin", Role.ADMIN),
]


@bp.app_context_processor
def navigation() -> dict[str, Any]:
    """The links the signed-in user may follow, for `base.html`."""
    from flask_login import current_user as user

    if not getattr(user, "is_authenticated", False):
        return {"nav": []}
    return {"nav": [(label, url_for(endpoint), endpoint) for label, endpoint, role in NAV
                    if endpoint in current_app.view_functions and allowed(user.role, role)]}


def page(role: Role) -> Callable[[F], F]:
    """Let a page be seen only by a signed-in user of `role` or above."""

    def decorate(view: F) -> F:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                wanted = request.full_path.rstrip("?") if request.method == "GET" else None
                return redirect(url_for("dashboard.login", next=wanted))
            if not allowed(current_user.role, role):
                abort(403, f"This page needs the role {role.value}; you have {current_user.role}.")
            g.actor = f"user:{current_user.id}"
            return view(*args, **kwargs)

        checked.required_role = role  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return decorate


def allowed(have: str, need: Role) -> bool:
    return ORDER.index(Role(have)) >= ORDER.index(need)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site, never another origin."""
    if not target:
        return url_for("dashboard.overview")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return url_for("dashboard.overview")
    return target


def render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """Render a dashboard template (under `templates/dashboard/`) with a status."""
    return render_template(f"dashboard/{template}", **context), status
