"""Safe retries: an `Idempotency-Key` on any POST, PATCH or DELETE of the API.

The semantics of the IETF httpapi draft, as Stripe and GitHub give them:

- the first request with a key is answered as usual, and its answer (status, body) is kept;
- the same key again with the same request (method, path and body) gets that answer again,
  marked `Idempotent-Replayed: true`, and nothing is done or logged a second time;
- the same key with another request is refused (422), and while the first request is still
  being answered a second one is told to come back (409 with `Retry-After`);
- keys belong to the API key that sent them and are kept 24 hours (`KEEP`).

A write keeps its answer in its own transaction (`service.api.writes`), so no committed write
is ever without its answer: a retry never writes twice, even when the process died between
the commit and the answer. A decision is logged under the id chosen when its key was claimed,
so a retry after the first attempt died (its claim lapses after `LEASE`) finds a logged
decision instead of making a second one. Answers of 5xx are not kept (the request did nothing;
it may be tried again). Keys need the database: while it is away a request carrying one is
refused with a 503, rather than risk doing its work twice.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, request
from sqlalchemy.orm import Session

from service.context import services
from service.decisions.log import new_request_id
from service.errors import InFlight, InvalidInput
from service.store.db import write_session
from service.store.pipeline import IdempotencyKey

log = logging.getLogger(__name__)
HEADER = "Idempotency-Key"
UNSAFE = frozenset({"POST", "PATCH", "DELETE"})
KEEP = timedelta(hours=24)
LEASE = timedelta(seconds=60)  # no request takes this long: a claim older than it was lost
_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII, no spaces, as the draft's examples
_KEPT_HEADERS = ("Content-Type", "Cache-Control", "ETag", "Location")


@dataclass
class Claim:
    """This request holds the key: its answer will be the key's."""

    api_key_id: str
    key: str
    decision_id: str  # the id a decision request is logged under
    retried: bool  # an earlier request with the key began and never answered
    kept: bool = False


def claim(database_url: str, api_key_id: str, now: datetime) -> Claim | Response | None:
    """Claim the request's key, or give the answer kept for it; None if it carries none.

    Raise `InvalidInput` for a malformed key or one used for another request, `InFlight`
    while the first request with it is being answered.
    """
    key = request.headers.get(HEADER)
    if key is None or request.method not in UNSAFE:
        return None
    if not _KEY.fullmatch(key):
        raise InvalidInput(f"{HEADER} is 1 to 255 printable ASCII characters, no spaces.",
                           [{"field": HEADER, "message": "1 to 255 printable characters"}])
    fingerprint = _fingerprint()
    with write_session(database_url) as session:
        row = session.get(IdempotencyKey, (api_key_id, key))
        if row is None or row.created_at <= now - KEEP:
            row = session.merge(IdempotencyKey(
                api_key_id=api_key_id, key=key, fingerprint=fingerprint, created_at=now,
                claimed_at=now, decision_id=new_request_id(now), status=None, headers=None,
                body=None))
            return Claim(api_key_id, key, str(row.decision_id), retried=False)
        if row.fingerprint != fingerprint:
            raise InvalidInput(f"This {HEADER} was used for another request (another method, "
                               "path or body); use a new key for a new request.",
                               [{"field": HEADER, "message": "used for another request"}])
        if row.status is not None:
            return _replay(row)
        if row.claimed_at > now - LEASE:
            raise InFlight(f"A request with this {HEADER} is still being answered; ask again "
                           "in a moment to get its answer.")
        row.claimed_at = now  # the request that claimed it died unanswered: take over
        return Claim(api_key_id, key, str(row.decision_id), retried=True)


def begin() -> Response | None:
    """Claim this request's key for it (after its API key is known); the kept answer, if the
    key was used before for the same request."""
    ctx = services()
    found = claim(ctx.settings.database_url, g.key_id, ctx.clock())
    if isinstance(found, Response):
        return found
    g.idempotency = found
    return None


def current() -> Claim | None:
    found: Claim | None = g.get("idempotency")
    return found


def keep(session: Session, response: Response) -> None:
    """Keep `response` as the answer to this request's key, in the caller's transaction."""
    held = current()
    if held is None or held.kept or response.status_code >= 500:
        return
    session.execute(sa.update(IdempotencyKey).where(
        IdempotencyKey.api_key_id == held.api_key_id, IdempotencyKey.key == held.key
    ).values(status=response.status_code, body=response.get_data(),
             headers={name: response.headers[name] for name in _KEPT_HEADERS
                      if name in response.headers}))
    held.kept = True


def rolled_back() -> None:
    """The transaction that kept this request's answer did not commit: nothing is kept."""
    held = current()
    if held is not None:
        held.kept = False


def init_app(app: Flask, database_url: str) -> None:
    @app.after_request
    def settle(response: Response) -> Response:
        """Keep the answer of a request that wrote nothing (a decision, a refusal); give the
        key back after a 5xx, so that a retry is answered afresh."""
        held = current()
        if held is None or held.kept:
            return response
        try:
            with write_session(database_url) as session:
                if response.status_code >= 500:
                    session.execute(sa.delete(IdempotencyKey).where(
                        IdempotencyKey.api_key_id == held.api_key_id,
                        IdempotencyKey.key == held.key))
                else:
                    keep(session, response)
        except Exception:  # broad on purpose: the answer stands; the claim lapses after LEASE
            log.exception("could not keep the answer to %s %r", HEADER, held.key)
        return response


def forget(database_url: str, now: datetime) -> int:
    """Drop the keys older than `KEEP` (a scheduled job); return how many."""
    with write_session(database_url) as session:
        done = session.execute(sa.delete(IdempotencyKey)
                               .where(IdempotencyKey.created_at <= now - KEEP))
    return int(getattr(done, "rowcount", 0) or 0)


def _replay(row: IdempotencyKey) -> Response:
    response = Response(row.body or b"", status=row.status)
    response.headers.update(row.headers or {})
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _fingerprint() -> str:
    # A route that streams its body (a device file of any length) is not read here: its key
    # stands for the method and path, so a retry gets the first upload's answer.
    view = current_app.view_functions.get(request.endpoint or "")
    body = b"" if getattr(view, "streams_body", False) else request.get_data(cache=True)
    what = f"{request.method} {request.full_path}\n".encode() + body
    return hashlib.sha256(what).hexdigest()
