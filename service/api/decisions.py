"""Decisions for OTA servers: single, batch, and fetching one given earlier."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from flask import Blueprint, Response, g, request
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import BaseConverter

from service import idempotency
from service.api.resources import json_response
from service.api.schemas import DecisionRequest
from service.auth import Role, requires
from service.context import Services, services
from service.decisions import export, render
from service.decisions.answer import answer_batch, answer_one
from service.errors import Conflict, InvalidInput, NotFound
from service.jsonio import dumps
from service.logs import request_id
from service.parsing import json_body, validate

bp = Blueprint("decisions", __name__)


class DecisionId(BaseConverter):
    """A decision's id in a path, never `batch`, `lookup` or `export`: `GET /decisions/batch` is
    then no decision's, and a 405 whose `Allow` names only what `/decisions/batch` takes."""

    regex = r"(?!(?:batch|lookup|export)\Z)[^/]+"


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
    held = idempotency.current()
    given = _given_before(ctx, held)
    if given is not None:  # as first given: its window is read back from its answer
        until = given["valid_until"]
        return decision_response(dumps(given), None, until and datetime.fromisoformat(until),
                                 now, req.at or now, ctx.settings.max_cache_seconds)
    body, judged = answer_one(ctx, raw, req, now, g.key_id, held.decision_id if held else None)
    return decision_response(body, judged.digest, judged.decision.valid_until, now,
                             req.at or now, ctx.settings.max_cache_seconds)


def decision_response(body: bytes, digest: str | None, valid_until: datetime | None,
                      now: datetime, at: datetime, cap_seconds: int, scope: str = "private"
                      ) -> Response:
    """A decision's answer with the headers caches read (an ETag when its digest is known)."""
    response = Response(body, mimetype="application/json")
    response.headers["Cache-Control"] = \
        f"{scope}, max-age={render.max_age(valid_until, now, at, cap_seconds)}"
    if digest is not None:
        response.headers["ETag"] = render.etag(digest)
    return response


# The lookup's query parameters, by the request field each stands for.
LOOKUP = {"model_id": ("device", "model_id"),
          "update_id": ("update", "id"), "at": ("at", None), "known_at": ("known_at", None)}


@bp.get("/decisions/lookup")
@requires(Role.OTA)
def lookup_decision() -> Response:
    """A decision asked in the URL, for HTTP caches: a registered model and update, answered
    and logged as the POST is. The answer may be kept by a shared cache (per API key) until its
    max-age; a request that carries the answer's ETag in `If-None-Match` is still a decision
    given, logged under the id in `Decision-Id`, and answered 304 with no body."""
    ctx = services()
    raw, req = _lookup_request()
    now = ctx.clock()
    try:
        body, judged = answer_one(ctx, raw, req, now, g.key_id)
    except NotFound as error:  # an unknown id: name its query parameter
        raise NotFound(error.detail, _by_parameter(error.errors)) from None
    response = decision_response(body, judged.digest, judged.decision.valid_until, now,
                                 req.at or now, ctx.settings.max_cache_seconds, "public")
    response.headers["Vary"] = "Authorization"
    if request.if_none_match.contains_weak(judged.digest):
        response.headers["Decision-Id"] = orjson.loads(body)["decision_id"]
        response.set_data(b"")
        response.status_code = 304
        del response.headers["Content-Type"]
    return response


def _lookup_request() -> tuple[dict[str, Any], DecisionRequest]:
    unknown = sorted(set(request.args) - set(LOOKUP))
    if unknown:
        raise InvalidInput(f"Unknown query parameters: {', '.join(unknown)}.",
                           [{"field": name, "message": "not a lookup parameter"}
                            for name in unknown])
    missing = [name for name in ("model_id", "update_id") if name not in request.args]
    if missing:
        raise InvalidInput(f"Give {' and '.join(missing)}: a lookup names a registered model "
                           "and update.", [{"field": name, "message": "required"}
                                           for name in missing])
    raw: dict[str, Any] = {"device": {}, "update": {}}
    for name, value in request.args.items():
        field, inner = LOOKUP[name]
        if inner is None:
            raw[field] = value
        else:
            raw[field][inner] = value
    try:
        return raw, validate(DecisionRequest, raw)
    except InvalidInput as error:
        errors = _by_parameter(error.errors)
        names = ", ".join(sorted({e["field"] for e in errors}))
        raise InvalidInput(f"Some query parameters are invalid or missing: {names}. Give "
                           "model_id and update_id.", errors) from None


def _by_parameter(errors: list[dict[str, str]] | None) -> list[dict[str, str]]:
    """Field errors named by the lookup's query parameters, not the body's fields; a missing
    device or update by the parameter most often meant."""
    fields = {f"{field}.{inner}" if inner else field: name
              for name, (field, inner) in LOOKUP.items()}
    fields |= {"device": "model_id", "update": "update_id", "update.supplier": "update_id",
               "update.kind": "update_id", "update.product": "update_id"}
    return [{**e, "field": fields.get(e["field"], e["field"])} for e in errors or []]


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
    held = idempotency.current()
    if held is not None and held.retried and ctx.decision_log.logged(held.decision_id):
        raise Conflict(f"The first request with this Idempotency-Key was answered and logged "
                       f"as {held.decision_id}, but its answer was not kept; read each item "
                       f"with GET /api/v1/decisions/{held.decision_id}.<index>.")
    return Response(answer_batch(ctx, items, ctx.clock(), g.key_id, request_id(),
                                 held.decision_id if held else None),
                    mimetype="application/json")


def _given_before(ctx: Services, held: idempotency.Claim | None) -> dict[str, Any] | None:
    """The answer the first request with this Idempotency-Key logged, if its process died
    before keeping it: given again, as logged, and nothing logged twice."""
    if held is None or not held.retried:
        return None
    given = ctx.decision_log.fetch(held.decision_id)
    return None if given is None else {k: v for k, v in given.items() if k != "request"}


@bp.get("/decisions/export")
@requires(Role.VIEWER)
def export_decisions() -> Response:
    """Every decision logged in [from, to) as NDJSON, for auditors: `viewer`, as the
    dashboard's decision search (a key that can read one decision by id reads no list)."""
    unknown = sorted(set(request.args) - {"from", "to"})
    if unknown:
        raise InvalidInput(f"Unknown query parameters: {', '.join(unknown)}.",
                           [{"field": name, "message": "not an export parameter"}
                            for name in unknown])
    since = export.instant("from", request.args.get("from"))
    until = export.instant("to", request.args.get("to"))
    export.check_range(since, until)
    database_url = services().settings.database_url
    return Response(export.lines(database_url, since, until), mimetype="application/x-ndjson")


@bp.get("/decisions/<decision_id:decision_id>")
@requires(Role.OTA)
def get_decision(decision_id: str) -> Response:
    body = services().decision_log.fetch(decision_id)
    if body is None:
        raise NotFound(f"No decision has id {decision_id!r}.")
    return json_response(body)
