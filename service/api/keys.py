"""API keys (admin): create (the secret is shown once), list, revoke."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, request

from service.api.resources import answer_page, listing
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
    with transaction() as tx:
        key = revoke_key(tx.writer, key_id)
        if key is None:
            raise NotFound(f"No key has id {key_id!r}.")
        return tx.answer(key_json(key))
