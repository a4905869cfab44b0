"""API keys (admin): create (the secret is shown once), list, revoke."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, g

from service.api.resources import json_response
from service.api.schemas import KeyIn
from service.auth import Role, requires
from service.context import services
from service.errors import NotFound
from service.keys import create_key, key_json, revoke_key
from service.parsing import parse
from service.store.db import read_session
from service.store.models import ApiKey

bp = Blueprint("keys", __name__)


@bp.post("/keys")
@requires(Role.ADMIN)
def create() -> Response:
    body = parse(KeyIn)
    ctx = services()
    key, secret, version = create_key(ctx.settings.database_url, body.name, body.role, g.actor,
                                      ctx.clock())
    ctx.committed(version)
    return json_response({**key_json(key), "key": secret}, 201)


@bp.get("/keys")
@requires(Role.ADMIN)
def list_keys() -> Response:
    with read_session(services().settings.database_url) as session:
        keys = session.scalars(sa.select(ApiKey).order_by(ApiKey.created_at))
        return json_response({"items": [key_json(k) for k in keys], "next_cursor": None})


@bp.delete("/keys/<key_id>")
@requires(Role.ADMIN)
def revoke(key_id: str) -> Response:
    ctx = services()
    result = revoke_key(ctx.settings.database_url, key_id, g.actor, ctx.clock())
    if result is None:
        raise NotFound(f"No key has id {key_id!r}.")
    key, version = result
    ctx.committed(version)
    return json_response(key_json(key))
