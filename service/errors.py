"""One error vocabulary: `ServiceError` and its cases, answered as problem+json.

Handlers are registered once in `init_app`. Anything unexpected becomes a 503 with a
correlation id in the log and the answer: a failure never turns into an `allow`.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from flask import Flask, Response
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from service.logs import request_id

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
RETRY_AFTER_SECONDS = 5  # what a 503 asks a client to wait: its cause (a lost database) passes


class ServiceError(Exception):
    status = 500
    title = "Internal error"

    def __init__(self, detail: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class BadRequest(ServiceError):
    status = 400
    title = "Bad request"


class InvalidInput(ServiceError):
    status = 422
    title = "Invalid input"


class Unauthorized(ServiceError):
    status = 401
    title = "Unauthorized"


class Forbidden(ServiceError):
    status = 403
    title = "Forbidden"


class NotFound(ServiceError):
    status = 404
    title = "Not found"


class Conflict(ServiceError):
    status = 409
    title = "Conflict"


class Unavailable(ServiceError):
    status = 503
    title = "Service unavailable"


class FieldInvalid(ValueError):
    """Raised by a check across fields to name the field at fault, not the whole object."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def field_errors(exc: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    """Name each bad field as a dotted path, with pydantic's message."""
    out = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = [str(p) for p in error["loc"] if not str(p).startswith("function-")]
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, FieldInvalid):
            loc.append(cause.field)
        path = ".".join(([prefix] if prefix else []) + loc) or "body"
        out.append({"field": path, "message": error["msg"]})
    return out


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                            "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    return Response(orjson.dumps(body), status=status, mimetype=PROBLEM)


def problem_body(error: ServiceError) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "about:blank", "title": error.title, "status": error.status,
                            "detail": error.detail}
    if error.errors:
        body["errors"] = error.errors
    return body


def init_app(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError) -> Response:
        return _retry_later(Response(orjson.dumps(problem_body(error)), status=error.status,
                                     mimetype=PROBLEM))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        return problem(status, error.name, error.description or error.name)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        correlation_id = request_id()  # the request's log lines and X-Request-Id carry it too
        log.exception("unexpected error, correlation id %s", correlation_id)
        return _retry_later(problem(503, "Service unavailable",
                                    "The service could not answer; nothing was allowed. Try "
                                    "again.", correlation_id=correlation_id))


def _retry_later(response: Response) -> Response:
    """Tell the client of a 503 when to ask again (RFC 9110, section 10.2.3)."""
    if response.status_code == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
