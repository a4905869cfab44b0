"""Sources: the restricted-party feeds, their refreshes, and held refreshes to approve.

Everyone may read; changes are an admin's, as in the API, and go through the API's own
functions (`service.api.sources`): adding a source, asking for a refresh (the same outbox job
as `POST /sources/{id}/refresh`) and approving a held one. A refresh's page follows its job
through its stages (fetching, parsing, activating, writing).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response

from service.api.source_schemas import ApprovalIn, SourceIn
from service.api.sources import (
    add_source,
    approve_held,
    check_reachable,
    held_refresh,
    queue_refresh,
)
from service.api.writes import transaction
from service.auth import Role
from service.context import services
from service.dashboard.blueprint import bp, page, render
from service.dashboard.paging import PER_PAGE, paged
from service.dashboard.progress import job_state, outbox_row
from service.dashboard.ref_forms import SourceForm, number, show_errors, text
from service.errors import Conflict, InvalidInput, NotFound
from service.parsing import validate
from service.sources.freshness import Age
from service.store.db import read_session
from service.store.pipeline import OutboxRow, Refresh, Source

HISTORY = 20
STAGES = ("fetching", "parsing", "activating", "writing")


@bp.get("/sources")
@page(Role.VIEWER)
def sources() -> tuple[str, int]:
    query = (sa.select(Source).where(Source.deleted.is_(False)).order_by(Source.id)
             .limit(PER_PAGE + 1))
    if cursor := request.args.get("cursor"):
        query = query.where(Source.id > cursor)
    with read_session(services().settings.database_url) as session:
        shown, pages = paged(list(session.scalars(query)))
    now = services().clock()
    return render("sources.html", rows=[(s, freshness(s, now)) for s in shown], pages=pages)


@bp.get("/sources/new")
@page(Role.ADMIN)
def sources_new() -> tuple[str, int]:
    return render("source_form.html", form=SourceForm())


@bp.post("/sources")
@page(Role.ADMIN)
def sources_create() -> tuple[str, int] | Response:
    form = SourceForm()
    try:
        body = validate(SourceIn, {
            "name": text(form.name) or "", "format": form.format.data, "url": text(form.url)
            or "", "schedule": text(form.schedule) or "", "enabled": bool(form.enabled.data),
            "staleness_limit_hours": number(form.staleness_limit_hours),
            "max_drop_percent": number(form.max_drop_percent)})
        check_reachable(body.url)
        with transaction() as tx:
            source = add_source(tx, body)
    except InvalidInput as exc:
        show_errors(form, exc.errors or [])
        return render("source_form.html", 422, form=form)
    services().freshness.forget()
    flash(f"The source {source.name} is registered; it is refreshed on its schedule, or now "
          "with “Refresh now”.")
    return redirect(url_for("dashboard.sources_one", source_id=source.id), 303)


@bp.get("/sources/<source_id>")
@page(Role.VIEWER)
def sources_one(source_id: str) -> tuple[str, int]:
    now = services().clock()
    with read_session(services().settings.database_url) as session:
        found = session.get(Source, source_id)
        if found is None or found.deleted:
            abort(404)
        held = held_refresh(session, found)
        history = list(session.scalars(sa.select(Refresh).where(Refresh.source_id == source_id)
                                       .order_by(Refresh.started_at.desc()).limit(HISTORY)))
    return render("source.html", source=found, age=freshness(found, now), held=held,
                  held_diff=count_diff(held.previous_counts, held.counts) if held else [],
                  history=history)


@bp.post("/sources/<source_id>/refresh")
@page(Role.ADMIN)
def sources_refresh(source_id: str) -> Response:
    try:
        with transaction() as tx:
            job_id = queue_refresh(tx, source_id)
    except NotFound:
        abort(404)
    return redirect(url_for("dashboard.sources_job", source_id=source_id, job_id=job_id), 303)


@bp.post("/sources/<source_id>/approve")
@page(Role.ADMIN)
def sources_approve(source_id: str) -> Response:
    try:
        body = validate(ApprovalIn, {"refresh_id": request.form.get("refresh_id") or None,
                                     "reason": request.form.get("reason") or None})
        with transaction() as tx:
            job_id, _ = approve_held(tx, source_id, body)
    except NotFound:
        abort(404)
    except (Conflict, InvalidInput) as exc:
        flash(f"Nothing was approved: {exc.detail}", "error")
        return redirect(url_for("dashboard.sources_one", source_id=source_id), 303)
    return redirect(url_for("dashboard.sources_job", source_id=source_id, job_id=job_id), 303)


@bp.get("/sources/<source_id>/jobs/<job_id>")
@page(Role.ADMIN)
def sources_job(source_id: str, job_id: str) -> tuple[str, int]:
    state = job_state(_job(source_id, job_id), describe_stage)
    return render("source_job.html", state=state, source_id=source_id, job_id=job_id)


@bp.get("/sources/<source_id>/jobs/<job_id>/progress")
@page(Role.ADMIN)
def sources_job_progress(source_id: str, job_id: str) -> Response:
    state = job_state(_job(source_id, job_id), describe_stage)
    return jsonify(state.as_json(url_for("dashboard.sources_job", source_id=source_id,
                                         job_id=job_id)))


def _job(source_id: str, job_id: str) -> OutboxRow:
    """The outbox row of a refresh or an approval of this source, or a 404."""
    row = outbox_row(job_id)
    if row is None or row.kind not in ("refresh", "activate"):
        abort(404)
    if row.kind == "refresh" and row.payload.get("source_id") != source_id:
        abort(404)
    if row.kind == "activate":
        with read_session(services().settings.database_url) as session:
            held = session.get(Refresh, row.payload.get("refresh_id"))
        if held is None or held.source_id != source_id:
            abort(404)
    return row


def describe_stage(progress: dict[str, Any]) -> tuple[str, int, int]:
    """A refresh's stage in words, and how far along its steps it is."""
    stage = str(progress.get("stage", ""))
    step = STAGES.index(stage) + 1 if stage in STAGES else 0
    words = {"fetching": f"Fetching the feed ({progress.get('bytes', 0):,} bytes so far).",
             "parsing": f"Parsing and checking {progress.get('bytes', 0):,} bytes.",
             "activating": f"Comparing {progress.get('entries', 0):,} entries with the "
                           "active version.",
             "writing": f"Writing {progress.get('entries', 0):,} entries as the new version."}
    return words.get(stage, f"Working ({stage})."), step, len(STAGES) + 1


def freshness(source: Source, now: datetime) -> dict[str, Any]:
    """How old a source's data is against its limit, in words a person reads at a glance."""
    age = Age.of(source)
    elapsed = now - age.checked_at
    state = "disabled" if not source.enabled else "stale" if age.stale(now) else "fresh"
    return {"state": state, "age": _span(elapsed), "limit": _span(age.limit),
            "never_checked": source.last_checked_at is None}


def count_diff(before: dict[str, int], after: dict[str, int]) -> list[dict[str, Any]]:
    """Rows per list before and after a refresh, with the change and the share dropped."""
    codes = sorted(set(before) | set(after))
    rows = [("All lists", sum(before.values()), sum(after.values()))]
    rows += [(code, before.get(code, 0), after.get(code, 0)) for code in codes]
    return [{"list": name, "before": old, "after": new, "change": new - old,
             "drop": round((old - new) * 100 / old, 1) if old and new < old else 0.0}
            for name, old, new in rows]


def _span(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours < 1:
        return f"{max(int(delta.total_seconds() // 60), 0)} min"
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"
