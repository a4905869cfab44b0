"""The problems an operation can answer, for the OpenAPI document, read from what it takes.

A body can be malformed (400), too large (413), not sent as JSON (415) or invalid, which
includes ids that name nothing (422); so can a query (422). A request that may carry an
`Idempotency-Key` can find it still in use (409) or used for another request (422). A secured
route refuses a missing or unknown key (401) and, above the lowest role, a key below its own
(403). An id in the path can name nothing (404). Every route that reads the database, Redis or
the snapshot can find them out of reach, and any route's unexpected error is a 503 too.
Statuses a route gives for reasons of its own (a 409 on a conflict, a 404 for an id in a body)
are declared with its answers. Generated clients read explicit statuses, so there is no `4XX`
range.
"""

from __future__ import annotations

from typing import Any

from service.auth import PUBLIC, Role
from service.errors import RETRY_AFTER_SECONDS

# Routes that touch nothing that can be out of reach.
NEVER_UNAVAILABLE = {"health.livez", "openapi.openapi"}

_TEXT = {"type": "string"}
# The headers each status carries (RFC 6750, RFC 9110), by status.
HEADERS: dict[str, dict[str, Any]] = {
    "401": {"WWW-Authenticate": {
        "description": '`Bearer`, or `Bearer error="invalid_token"` when the key sent is '
                       "unknown or revoked.",
        "required": True, "schema": {**_TEXT, "pattern": "^Bearer"}}},
    "403": {"WWW-Authenticate": {
        "description": '`Bearer error="insufficient_scope"`: the key\'s role is too low.',
        "required": True, "schema": {**_TEXT, "pattern": "^Bearer"}}},
    "409": {"Retry-After": {
        "description": "Seconds to wait, when a request with the same `Idempotency-Key` is "
                       "still being answered.",
        "required": False, "schema": {**_TEXT, "pattern": "^[0-9]+$"}}},
    "503": {"Retry-After": {
        "description": f"Seconds to wait before asking again ({RETRY_AFTER_SECONDS}).",
        "required": True, "schema": {**_TEXT, "pattern": "^[0-9]+$"}}},
}


def statuses(endpoint: str, role: Any, *, path_ids: bool, body: bool, query: bool,
             idempotent: bool) -> list[str]:
    """The problem statuses of an operation, as the document's response keys."""
    found = []
    if idempotent:  # an Idempotency-Key still in use (409) or used for another request (422)
        found += [409, 422]
    if body:
        found += [400, 413, 415]
    if role != PUBLIC:
        found.append(401)
    if role not in (PUBLIC, Role.OTA):
        found.append(403)
    if path_ids:
        found.append(404)
    if body or query:
        found.append(422)
    if endpoint not in NEVER_UNAVAILABLE:
        found.append(503)
    return [str(status) for status in sorted(set(found))]
