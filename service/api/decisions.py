"""Decisions for OTA servers: single, batch, and fetching one given earlier."""

from __future__ import annotations

from flask import Blueprint, Response, g
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import BaseConverter

from service import answers
from service.api.resources import json_response
from service.api.schemas import DecisionRequest
from service.auth import Role, requires
from service.context import services
from service.errors import InvalidInput, NotFound
from service.parsing import json_body, validate

bp = Blueprint("decisions", __name__)


class DecisionId(BaseConverter):
    """A decision's id in a path, never `batch`: `GET /decisions/batch` is then no decision's,
    and a 405 whose `Allow` names only what `/decisions/batch` takes (POST)."""

    regex = r"(?!batch\Z)[^/]+"


@bp.record_once
def _converters(state: BlueprintSetupState) -> None:
    state.app.url_map.converters["decision_id"] = DecisionId


@bp.post("/decisions")
@requires(Role.OTA)
def create_decision() -> Response:
    ctx = services()
    raw = json_body()
    req = validate(DecisionRequest, raw)
    now = ctx.clock()
    body = answers.answer_one(ctx, raw, req, now, g.key_id)
    response = json_response(body)
    age = answers.max_age(body, now, req.at or now, ctx.settings.max_cache_seconds)
    response.headers["Cache-Control"] = f"private, max-age={age}"
    return response


@bp.post("/decisions/batch")
@requires(Role.OTA)
def create_batch() -> Response:
    ctx = services()
    data = json_body()
    items = data.get("items") if isinstance(data, dict) else None
    unknown = sorted(set(data) - {"items"}) if isinstance(data, dict) else []
    if unknown:
        raise InvalidInput("The body must be {\"items\": [...]} and nothing else.",
                           [{"field": name, "message": "Extra inputs are not permitted"}
                            for name in unknown])
    if not isinstance(data, dict) or not isinstance(items, list):
        raise InvalidInput("The body must be {\"items\": [...]}.",
                           [{"field": "items", "message": "expected a list under items alone"}])
    limit = ctx.settings.max_batch_items
    if not 1 <= len(items) <= limit:
        raise InvalidInput(f"A batch holds 1 to {limit} items; this one has {len(items)}.",
                           [{"field": "items", "message": f"between 1 and {limit} items"}])
    results = answers.answer_batch(ctx, items, ctx.clock(), g.key_id)
    return json_response({"results": results})


@bp.get("/decisions/<decision_id:decision_id>")
@requires(Role.OTA)
def get_decision(decision_id: str) -> Response:
    body = services().decision_log.fetch(decision_id)
    if body is None:
        raise NotFound(f"No decision has id {decision_id!r}.")
    return json_response(body)
