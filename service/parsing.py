"""Reading JSON bodies into schemas, with every problem named by field."""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from flask import request
from pydantic import BaseModel, ValidationError

from service.api.schemas import CONTROL
from service.errors import (
    BadRequest,
    InvalidInput,
    NotFound,
    UnsupportedMediaType,
    field_errors,
)

S = TypeVar("S", bound=BaseModel)


def json_body() -> Any:
    """Return the request's JSON, or raise a 415 (not sent as JSON) or a 400 (not JSON) that
    says what is wrong with it."""
    if not request.mimetype or request.mimetype != "application/json":
        raise UnsupportedMediaType(
            "Send the body as JSON with `Content-Type: application/json`.",
            [{"field": "body", "message": "not application/json"}])
    try:
        return orjson.loads(request.get_data(cache=False))
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"The body is not valid JSON: {exc}.",
                         [{"field": "body", "message": str(exc)}]) from None


def validate(schema: type[S], data: Any, prefix: str = "") -> S:
    """Validate already-parsed JSON against `schema`, or raise a 422 naming each bad field."""
    if not isinstance(data, dict):
        raise InvalidInput("The body must be a JSON object.",
                           [{"field": prefix or "body", "message": "expected an object"}])
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        errors = field_errors(exc, prefix)
        names = ", ".join(e["field"] for e in errors)
        raise InvalidInput(f"Some fields are invalid: {names}.", errors) from None


def parse(schema: type[S]) -> S:
    return validate(schema, json_body())


def printable_arguments() -> None:
    """Refuse path and query values holding control characters, as bodies are refused.

    No id or stored text holds one, and PostgreSQL cannot even compare text with a NUL: an id
    in the path is then unknown (404), a query parameter invalid (422, naming it).
    """
    if any(isinstance(v, str) and CONTROL.search(v) for v in (request.view_args or {}).values()):
        raise NotFound("No record has an id with control characters.")
    bad = sorted({name for name, value in request.args.items(multi=True)
                  if CONTROL.search(value)})
    if bad:
        raise InvalidInput(f"Some query parameters hold control characters: {', '.join(bad)}.",
                           [{"field": name, "message": "control characters are not allowed"}
                            for name in bad])
