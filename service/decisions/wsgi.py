"""The lean route: `POST /api/v1/decisions` and `/decisions/batch` answered ahead of Flask.

A decision is the request this service exists for, and Flask's general machinery (request
and app contexts, hooks, routing, response objects) costs several times the answer's own
work. This WSGI middleware answers the plain case itself, by the same functions the Flask
routes call (`parse`, `answer`), with the same headers:

- a JSON body within the size limit, a known API key (every role may ask), no
  `Idempotency-Key` and no query string;
- a body that is a valid request, and an answer that could be given and logged.

Anything else goes to Flask untouched (the body handed on as read), which answers it in
full: the 401, the 415, the 422 naming each field, the 404 for an unknown device, the 503,
and every retry with an `Idempotency-Key`. Nothing is logged or counted before the lean route
is sure to answer, so a request handed on is logged once, by the route that answers it; it
is timed the same way (the request-duration histogram, under the same route names as Flask's).
"""

from __future__ import annotations

import io
import secrets
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import orjson
from werkzeug.http import http_date

from service.decisions import render
from service.decisions.answer import answer_batch, answer_one
from service.decisions.parse import SEEN
from service.logs import CORRELATION_ID, SANE_REQUEST_ID
from service.metrics import REQUEST_SECONDS

if TYPE_CHECKING:
    from service.context import Services

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
SINGLE = "/api/v1/decisions"
BATCH = "/api/v1/decisions/batch"
_ANSWERED = "200 OK"


class LeanDecisions:
    def __init__(self, services: Services, fallback: WSGIApp) -> None:
        self.services = services
        self.fallback = fallback
        self.limit = services.settings.max_body_bytes
        self.batch_limit = services.settings.max_batch_items
        # Bound once: a label lookup per answer would cost more than the observation.
        self.timers = {SINGLE: REQUEST_SECONDS.labels("POST", SINGLE, "200"),
                       BATCH: REQUEST_SECONDS.labels("POST", BATCH, "200")}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if (environ["REQUEST_METHOD"] != "POST" or (path != SINGLE and path != BATCH)
                or "HTTP_IDEMPOTENCY_KEY" in environ or environ.get("QUERY_STRING")):
            return self.fallback(environ, start_response)
        started = time.perf_counter()
        body = self._body(environ)
        if body is None:
            return self.fallback(environ, start_response)
        key_id = self._key(environ)
        answered = None
        if key_id is not None:
            given = environ.get("HTTP_X_REQUEST_ID", "")
            request_id = given if SANE_REQUEST_ID.fullmatch(given) else secrets.token_hex(8)
            token = CORRELATION_ID.set(request_id)
            try:
                answered = (self._single(body, key_id) if path == SINGLE
                            else self._batch(body, key_id, request_id))
            finally:
                CORRELATION_ID.reset(token)
        if answered is None:
            environ["wsgi.input"] = io.BytesIO(body)  # Flask reads it again, as sent
            return self.fallback(environ, start_response)
        payload, headers = answered
        start_response(_ANSWERED, [
            ("Content-Type", "application/json"), ("Content-Length", str(len(payload))),
            *headers, ("X-Request-Id", request_id),
            ("Date", http_date(self.services.clock()))])
        self.timers[path].observe(time.perf_counter() - started)
        return [payload]

    def _body(self, environ: dict[str, Any]) -> bytes | None:
        """The body, if it is JSON of a declared length within the limit; else None, with
        nothing read."""
        kind = environ.get("CONTENT_TYPE", "")
        if kind.partition(";")[0].strip().lower() != "application/json":
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return None
        if not 0 < length <= self.limit:
            return None
        body: bytes = environ["wsgi.input"].read(length)
        return body

    def _key(self, environ: dict[str, Any]) -> str | None:
        scheme, _, secret = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer" or not secret:
            return None
        try:
            key = self.services.snapshots.key(secret.strip())
        except Exception:  # broad on purpose: the full route meets the same fault and says so
            return None
        return None if key is None or key.revoked else key.id

    def _single(self, body: bytes, key_id: str
                ) -> tuple[bytes, list[tuple[str, str]]] | None:
        found = SEEN.request(body)
        if found is None:
            return None
        raw, req = found
        ctx = self.services
        now = ctx.clock()
        try:
            ctx.start()
            payload, judged = answer_one(ctx, raw, req, now, key_id)
        except Exception:  # broad on purpose: nothing was logged; the full route answers
            return None
        age = render.max_age(judged.decision.valid_until, now, req.at or now,
                             ctx.settings.max_cache_seconds)
        return payload, [("Cache-Control", f"private, max-age={age}"),
                         ("ETag", render.etag(judged.digest))]

    def _batch(self, body: bytes, key_id: str, request_id: str
               ) -> tuple[bytes, list[tuple[str, str]]] | None:
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        items = data.get("items") if isinstance(data, dict) and len(data) == 1 else None
        if not isinstance(items, list) or not 1 <= len(items) <= self.batch_limit:
            return None
        ctx = self.services
        try:
            ctx.start()
            return answer_batch(ctx, items, ctx.clock(), key_id, request_id), []
        except Exception:  # broad on purpose: nothing was logged; the full route answers
            return None
