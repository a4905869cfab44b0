"""The review queue: screening matches, and a person's verdict on each (`editor`).

Confirming a match links the vendor to the designation (its answers follow the listing);
dismissing it clears the `possible_match` review. Either verdict is a new version of the
match, written with its reason, audited, and remembered across list refreshes until the
designation's names change.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from pydantic import Field

from service.api import openapi, responses
from service.api.resources import answer_page, current, json_response, listing
from service.api.schemas import PRINTABLE, Strict
from service.api.writes import transaction
from service.auth import Role, requires
from service.context import services
from service.errors import Conflict, NotFound
from service.jsonio import iso
from service.matching import decide
from service.parsing import parse
from service.store.db import read_session
from service.store.models import Designation, Match
from service.store.versions import Writer, latest

bp = Blueprint("matches", __name__)
STATUSES = ("pending", "confirmed", "dismissed")
FILTERS: dict[str, tuple[str, ...] | None] = {"status": STATUSES, "vendor_id": None,
                                               "designation_id": None}


class VerdictIn(Strict):
    reason: str = Field(min_length=1, max_length=2000, pattern=PRINTABLE)


def match_json(match: Match, designation: Designation | None) -> dict[str, Any]:
    return {"id": match.id, "vendor_id": match.vendor_id,
            "designation_id": match.designation_id, "status": match.status,
            "score": match.score, "evidence": match.evidence, "reason": match.reason,
            "designation": None if designation is None else {
                "name": designation.name, "source": designation.source,
                "alt_names": designation.alt_names},
            "revision": match.version, "recorded_at": iso(match.recorded_at),
            "recorded_by": match.recorded_by}


@bp.get("/matches")
@requires(Role.VIEWER)
def list_matches() -> Response:
    limit = listing(FILTERS)
    query = current(Match)
    for name in FILTERS:
        if (value := request.args.get(name)) is not None:
            query = query.where(getattr(Match, name) == value)
    if cursor := request.args.get("cursor"):
        query = query.where(Match.id > cursor)
    with read_session(services().settings.database_url) as session:
        items = [match_json(m, latest(session, Designation, m.designation_id))
                 for m in session.scalars(query.limit(limit + 1))]
    return answer_page(items, limit)


@bp.get("/matches/<match_id>")
@requires(Role.VIEWER)
def get_match(match_id: str) -> Response:
    with read_session(services().settings.database_url) as session:
        match = _find(session, match_id)
        return json_response(match_json(match, latest(session, Designation,
                                                      match.designation_id)))


@bp.post("/matches/<match_id>/confirm")
@requires(Role.EDITOR)
def confirm(match_id: str) -> Response:
    return _decide(match_id, "confirmed")


@bp.post("/matches/<match_id>/dismiss")
@requires(Role.EDITOR)
def dismiss(match_id: str) -> Response:
    return _decide(match_id, "dismissed")


def _find(session: Any, match_id: str) -> Match:
    match = latest(session, Match, match_id)
    if match is None:
        raise NotFound(f"No match has id {match_id!r}.")
    return match


def record_verdict(writer: Writer, match_id: str, status: str, reason: str) -> Match:
    """Record a person's verdict on a match (NotFound if unknown, Conflict if it has it)."""
    match = _find(writer.session, match_id)
    if match.status == status:
        raise Conflict(f"The match is already {status}.",
                       [{"field": "status", "message": f"already {status}"}])
    return decide(writer, match, status, reason)


def _decide(match_id: str, status: str) -> Response:
    body = parse(VerdictIn)
    with transaction() as tx:
        decided = record_verdict(tx.writer, match_id, status, body.reason)
        return tx.answer(match_json(decided, latest(tx.session, Designation,
                                                    decided.designation_id)))


openapi.describe(
    {("POST", "/api/v1/matches/{match_id}/confirm"): VerdictIn,
     ("POST", "/api/v1/matches/{match_id}/dismiss"): VerdictIn},
    {"matches.list_matches": {"200": openapi.Page(responses.Match)},
     "matches.get_match": {"200": responses.Match},
     # A verdict the match already has is a conflict.
     "matches.confirm": {"200": responses.Match, "409": responses.Problem},
     "matches.dismiss": {"200": responses.Match, "409": responses.Problem}},
    {"matches.list_matches": FILTERS},
)
