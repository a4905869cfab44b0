"""The review queue: doubtful name matches, their evidence, and a person's verdict.

Anyone may read the queue; confirming or dismissing needs an editor, as in the API, and goes
through the API's own `record_verdict`. Several matches can be decided at once with one
reason: all of them in one transaction, or none if any cannot be (already decided, gone).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from service.api.matches import STATUSES, VerdictIn, record_verdict
from service.api.writes import transaction
from service.auth import Role
from service.context import services
from service.dashboard.blueprint import allowed, bp, page, render
from service.dashboard.evidence import count_by_status, one_match, page_of_matches
from service.errors import Conflict, InvalidInput, NotFound
from service.parsing import validate
from service.store.db import read_session

VERDICTS = {"confirmed": "Confirmed", "dismissed": "Dismissed"}


@bp.get("/review")
@page(Role.VIEWER)
def review() -> tuple[str, int]:
    return _queue({})


@bp.post("/review")
@page(Role.EDITOR)
def review_decide() -> tuple[str, int] | Response:
    chosen = request.form.getlist("match_id")
    problems = _decide(chosen)
    if problems:
        status = 409 if "conflict" in problems else 422
        return _queue(problems, status, chosen)
    return redirect(url_for("dashboard.review", status=request.form.get("status")), 303)


@bp.get("/review/<match_id>")
@page(Role.VIEWER)
def review_match(match_id: str) -> tuple[str, int]:
    return _one(match_id, {})


@bp.post("/review/<match_id>")
@page(Role.EDITOR)
def review_match_decide(match_id: str) -> tuple[str, int] | Response:
    with read_session(services().settings.database_url) as session:
        if one_match(session, match_id) is None:  # a 404 before the form is even read
            abort(404, f"No match has id {match_id!r}.")
    problems = _decide([match_id])
    if problems:
        return _one(match_id, problems, 409 if "conflict" in problems else 422)
    return redirect(url_for("dashboard.review"), 303)


def _decide(match_ids: Sequence[str]) -> dict[str, str]:
    """Record the posted verdict on every match, or none; return the problems by field."""
    verdict = request.form.get("verdict", "")
    problems: dict[str, str] = {}
    if verdict not in VERDICTS:
        problems["verdict"] = "Choose Confirm or Dismiss."
    if not match_ids:
        problems["match_id"] = "Select at least one match."
    try:
        reason = validate(VerdictIn, {"reason": request.form.get("reason", "").strip()}).reason
    except InvalidInput as error:
        problems["reason"] = _reason_message(error)
    if problems:
        return problems
    match_id = None
    try:
        with transaction() as tx:
            for match_id in match_ids:
                record_verdict(tx.writer, match_id, verdict, reason)
    except (Conflict, NotFound) as error:  # someone decided first, or screening withdrew it
        return {"conflict": f"Nothing was saved: match {match_id}: {error.detail}"}
    count = len(match_ids)
    flash(f"{VERDICTS[verdict]} {count} match{'es' if count != 1 else ''}: {reason}")
    return {}


def _reason_message(error: InvalidInput) -> str:
    if not request.form.get("reason", "").strip():
        return "Give the reason for the verdict; it is kept with it."
    return "; ".join(e["message"] for e in error.errors or []) or error.detail


def _queue(problems: dict[str, str], status: int = 200,
           chosen: Sequence[str] = ()) -> tuple[str, int]:
    wanted = request.values.get("status", "pending")
    if wanted not in STATUSES:
        abort(404, f"There is no {wanted!r} queue; the statuses are {', '.join(STATUSES)}.")
    with read_session(services().settings.database_url) as session:
        items, next_cursor = page_of_matches(session, wanted, request.args.get("cursor"))
        counts = count_by_status(session)
    return render("review.html", status, items=items, next_cursor=next_cursor, counts=counts,
                  wanted=wanted, problems=problems, chosen=set(chosen), **_shared())


def _one(match_id: str, problems: dict[str, str], status: int = 200) -> tuple[str, int]:
    with read_session(services().settings.database_url) as session:
        item = one_match(session, match_id)
    if item is None:
        abort(404, f"No match has id {match_id!r}.")
    return render("review_match.html", status, item=item, problems=problems, **_shared())


def _shared() -> dict[str, Any]:
    return {"can_decide": allowed(current_user.role, Role.EDITOR),
            "list_names": services().settings.list_names,
            "reason": request.form.get("reason", "")}
