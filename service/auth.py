"""API keys and roles. Every route declares the role it needs with `requires` or `public`.

Roles are ordered: each has the rights of those before it. A key is looked up by its SHA-256
in the process's snapshot, so checking it costs no database query and no secret comparison
that could leak timing; revoking a key publishes a new snapshot like any other write.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, request

from service import idempotency
from service.errors import Forbidden, Unauthorized

F = TypeVar("F", bound=Callable[..., Any])


class Role(StrEnum):
    OTA = "ota"
    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"


ORDER = [Role.OTA, Role.VIEWER, Role.EDITOR, Role.ADMIN]
PUBLIC = "public"


def new_secret() -> str:
    return "elk_" + secrets.token_urlsafe(32)


def requires(role: Role) -> Callable[[F], F]:
    """Let a route be reached only with a valid key of `role` or above."""

    def decorate(view: F) -> F:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            authenticate(role)
            kept = idempotency.begin()  # a retry with an Idempotency-Key: the first answer
            return kept if kept is not None else view(*args, **kwargs)

        checked.required_role = role  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return decorate


def public(view: F) -> F:
    """Mark a route as open to anyone (health checks, the API description)."""
    view.required_role = PUBLIC  # type: ignore[attr-defined]
    return view


def authenticate(role: Role) -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret:
        raise Unauthorized("Send an API key as `Authorization: Bearer <key>`.")
    key = current_app.extensions["eligibility"].snapshots.key(secret.strip())
    if key is None or key.revoked:
        raise Unauthorized("The API key is unknown or revoked.", invalid_token=True)
    if ORDER.index(Role(key.role)) < ORDER.index(role):
        raise Forbidden(f"This needs the role {role.value}; the key has {key.role}.")
    g.key_id = key.id
    g.actor = f"key:{key.id}"
