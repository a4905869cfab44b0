"""API keys (admin): create (the secret is shown once), list, revoke."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response

from service.api.resources import json_response
from service.api.schemas import KeyIn
from service.api.writes import transaction
from service.auth import Role, requires
from service.context import services
from service.errors import NotFound
from service.keys import add_key, key_json
from service.keys import revoke as revoke_key
from service.parsing import parse
from service.store.db import read_session
from service.store.models import ApiKey

bp = Blueprint("keys", __name__)


@bp.post("/keys")
@requires(Role.ADMIN)
def create() -> Response:
    """The secret is in this answer alone: a retry with the same `Idempotency-Key` gets the
    answer again with `key` null, since only the key's hash is stored."""
    body = parse(KeyIn)
    with transaction() as tx:
        key, secret = add_key(tx.writer, body.name, body.role)
        return tx.answer({**key_json(key), "key": secret}, 201,
                         kept={**key_json(key), "key": None})


@bp.get("/keys")
@requires(Role.ADMIN)
def list_keys() -> Response:
    with read_session(services().settings.database_url) as session:
        keys = session.scalars(sa.select(ApiKey).order_by(ApiKey.created_at))
        return json_response({"items": [key_json(k) for k in keys], "next_cursor": None})


@bp.delete("/keys/<key_id>")
@requires(Role.ADMIN)
def revoke(key_id: str) -> Response:
    with transaction() as tx:
        key = revoke_key(tx.writer, key_id)
        if key is None:
            raise NotFound(f"No key has id {key_id!r}.")
        return tx.answer(key_json(key))
