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
# What a 503 (or 429) tells a client to wait before it asks again. Outages here are a database
# or Redis coming back, or a snapshot catching up: seconds to minutes, not milliseconds.
RETRY_AFTER_SECONDS = 10


class ServiceError(Exception):
    status = 500
    title = "Internal error"

    def __init__(self, detail: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors

    def headers(self) -> dict[str, str]:
        """The headers this status calls for, beyond the problem's body."""
        return {}


class BadRequest(ServiceError):
    status = 400
    title = "Bad request"


class InvalidInput(ServiceError):
    status = 422
    title = "Invalid input"


class UnsupportedMediaType(ServiceError):
    status = 415
    title = "Unsupported media type"


class Unauthorized(ServiceError):
    """No usable key: the challenge says so, and whether a key was sent but refused."""

    status = 401
    title = "Unauthorized"

    def __init__(self, detail: str, *, invalid_token: bool = False) -> None:
        super().__init__(detail)
        self.invalid_token = invalid_token

    def headers(self) -> dict[str, str]:
        # RFC 6750 section 3: no error code when no credentials came, invalid_token when the
        # key sent is unknown or revoked.
        return {"WWW-Authenticate": 'Bearer error="invalid_token"' if self.invalid_token
                else "Bearer"}


class Forbidden(ServiceError):
    status = 403
    title = "Forbidden"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer error="insufficient_scope"'}


class NotFound(ServiceError):
    status = 404
    title = "Not found"


class Conflict(ServiceError):
    status = 409
    title = "Conflict"


class InFlight(Conflict):
    """A request with the same `Idempotency-Key` is still being answered: ask again soon."""

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1"}


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


def http_problem(error: HTTPException) -> Response:
    """A werkzeug HTTP error (404, 405, 413, ...) as problem+json."""
    status = error.code or 500
    response = problem(status, error.name, error.description or error.name)
    # werkzeug's exceptions carry the headers their status needs (`Allow` on a 405).
    response.headers.update([(name, value) for name, value in error.get_headers()
                             if name.lower() != "content-type"])
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError) -> Response:
        response = Response(orjson.dumps(problem_body(error)), status=error.status,
                            mimetype=PROBLEM)
        response.headers.update(error.headers())
        return response

    app.register_error_handler(HTTPException, http_problem)

    @app.after_request
    def retry_after(response: Response) -> Response:
        # Every 503, however it arose: a ServiceError, the unexpected-error handler, /readyz.
        if response.status_code in (429, 503):
            response.headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        correlation_id = request_id()  # the request's log lines and X-Request-Id carry it too
        log.exception("unexpected error, correlation id %s", correlation_id)
        return problem(503, "Service unavailable",
                       "The service could not answer; nothing was allowed. Try again.",
                       correlation_id=correlation_id)
