"""API keys (admin): create (the secret is shown once), list, revoke."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, g, request

from service.api.resources import answer_page, json_response, listing
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
    """Keys by id, a page at a time, like every list."""
    limit = listing({})
    query = sa.select(ApiKey).order_by(ApiKey.id)
    if cursor := request.args.get("cursor"):
        query = query.where(ApiKey.id > cursor)
    with read_session(services().settings.database_url) as session:
        return answer_page([key_json(k) for k in session.scalars(query.limit(limit + 1))],
                           limit)


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
