"""Sanctions sources (admin): register feeds, refresh them, approve a held refresh.

`POST /sources/{id}/refresh` answers 202 with the job id at once: the refresh is written to
the outbox with the answer's transaction and relayed to the queue, so it runs even if Redis
was away at that moment. `GET /sources/{id}` shows the last check and change, row counts per
list, recent refreshes and any refresh held back for approval. A URL that leads where feeds may
not be read from (a private address, a file outside the feed folder) is refused here, 422
naming `url`, and again by every fetch.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, request
from sqlalchemy.orm import Session

from service import outbox
from service.api import openapi, responses
from service.api.resources import answer_page, json_response, listing
from service.api.source_schemas import ApprovalIn, SourceIn, SourcePatch
from service.api.writes import Tx, transaction
from service.auth import Role, requires
from service.context import services
from service.errors import Conflict, InvalidInput, NotFound
from service.feeds.reach import FeedRefused, Reach, check_url
from service.jsonio import iso
from service.parsing import parse, validate
from service.sources.freshness import Age
from service.sources.refresh import refresh_json
from service.store.db import read_session
from service.store.pipeline import Refresh, Source
from service.store.versions import new_id

bp = Blueprint("sources", __name__)
_RECENT = 20


def source_json(source: Source, now: datetime) -> dict[str, Any]:
    age = None if source.last_checked_at is None else (now - source.last_checked_at)
    limit = source.staleness_limit_hours
    return {"id": source.id, "name": source.name, "format": source.format, "url": source.url,
            "schedule": source.schedule, "enabled": source.enabled,
            "staleness_limit_hours": limit, "max_drop_percent": source.max_drop_percent,
            "version": source.version, "counts": source.counts, "sha256": source.sha256,
            "last_checked_at": iso(source.last_checked_at),
            "last_changed_at": iso(source.last_changed_at),
            "last_attempt_at": iso(source.last_attempt_at), "last_error": source.last_error,
            "consecutive_failures": source.consecutive_failures,
            "failing_since": iso(source.failing_since),
            "age_seconds": None if age is None else int(age.total_seconds()),
            "stale": source.enabled and Age.of(source).stale(now),
            "created_at": iso(source.created_at), "created_by": source.created_by}


def find_source(session: Session, source_id: str) -> Source:
    source = session.get(Source, source_id)
    if source is None or source.deleted:
        raise NotFound(f"No source has id {source_id!r}.")
    return source


def held_refresh(session: Session, source: Source) -> Refresh | None:
    """The refresh waiting for approval, if it still applies to the active version."""
    return session.scalars(
        sa.select(Refresh).where(Refresh.source_id == source.id, Refresh.outcome == "held",
                                 Refresh.base_version == source.version)
        .order_by(Refresh.started_at.desc()).limit(1)).first()


def check_reachable(url: str) -> None:
    try:
        check_url(url, Reach.of(services().settings))
    except FeedRefused as exc:
        raise InvalidInput(f"The feed URL is refused: {exc.reason}.",
                           [{"field": "url", "message": exc.reason}]) from None


def add_source(tx: Tx, body: SourceIn) -> Source:
    """Register a feed in the caller's transaction (check its URL with `check_reachable`
    before the transaction: that may wait on DNS)."""
    settings = services().settings
    source = Source(
        id=new_id("src"), name=body.name, format=body.format.value, url=body.url,
        schedule=body.schedule, enabled=body.enabled,
        staleness_limit_hours=body.staleness_limit_hours or settings.staleness_limit_hours,
        max_drop_percent=settings.max_drop_percent if body.max_drop_percent is None
        else body.max_drop_percent,
        created_at=tx.writer.now, created_by=tx.writer.actor, counts={})
    tx.session.add(source)
    tx.session.flush()
    tx.writer.audit("create", "sources", source.id, body.model_dump(mode="json"))
    return source


@bp.post("/sources")
@requires(Role.ADMIN)
def create_source() -> Response:
    body = parse(SourceIn)
    check_reachable(body.url)
    with transaction() as tx:
        answer = tx.answer(source_json(add_source(tx, body), tx.writer.now), 201)
    services().freshness.forget()
    return answer


@bp.get("/sources")
@requires(Role.ADMIN)
def list_sources() -> Response:
    ctx, limit = services(), listing({})
    query = sa.select(Source).where(Source.deleted.is_(False)).order_by(Source.id)
    if cursor := request.args.get("cursor"):
        query = query.where(Source.id > cursor)
    with read_session(ctx.settings.database_url) as session:
        now = ctx.clock()
        items = [source_json(s, now) for s in session.scalars(query.limit(limit + 1))]
    return answer_page(items, limit)


@bp.get("/sources/<source_id>")
@requires(Role.ADMIN)
def get_source(source_id: str) -> Response:
    ctx = services()
    with read_session(ctx.settings.database_url) as session:
        source = find_source(session, source_id)
        body = source_json(source, ctx.clock())
        held = held_refresh(session, source)
        body["held"] = None if held is None else refresh_json(held)
        recent = session.scalars(sa.select(Refresh).where(Refresh.source_id == source_id)
                                 .order_by(Refresh.started_at.desc()).limit(_RECENT))
        body["refreshes"] = [refresh_json(r) for r in recent]
        body["last_refresh"] = body["refreshes"][0] if body["refreshes"] else None
    return json_response(body)


@bp.patch("/sources/<source_id>")
@requires(Role.ADMIN)
def patch_source(source_id: str) -> Response:
    changes = parse(SourcePatch).model_dump(mode="json", exclude_none=True)
    if "url" in changes:  # only a new URL: a source already refused can still be disabled
        check_reachable(changes["url"])

    def apply(source: Source) -> None:
        current = {"name": source.name, "format": source.format, "url": source.url,
                   "schedule": source.schedule, "enabled": source.enabled,
                   "staleness_limit_hours": source.staleness_limit_hours,
                   "max_drop_percent": source.max_drop_percent}
        merged = validate(SourceIn, {**current, **changes}).model_dump(mode="json")
        for name, value in merged.items():
            if value is not None:
                setattr(source, name, value)

    return _change(source_id, "update", changes, apply)


@bp.delete("/sources/<source_id>")
@requires(Role.ADMIN)
def delete_source(source_id: str) -> Response:
    """Stop using a source. Its designations stay as they are, with their history."""

    def apply(source: Source) -> None:
        source.deleted, source.enabled = True, False

    return _change(source_id, "delete", {}, apply)


def _change(source_id: str, action: str, detail: dict[str, Any],
            apply: Callable[[Source], None]) -> Response:
    with transaction() as tx:
        source = find_source(tx.session, source_id)
        apply(source)
        tx.writer.audit(action, "sources", source_id, detail)
        answer = tx.answer(source_json(source, tx.writer.now))
    services().freshness.forget()
    return answer


def queue_refresh(tx: Tx, source_id: str) -> str:
    """Record a manual refresh of a source in the outbox; return its outbox job id."""
    find_source(tx.session, source_id)
    job_id = outbox.add(tx.session, "refresh", f"{source_id}:{new_id('run')}",
                        {"source_id": source_id, "trigger": "manual"}, tx.writer.now)
    tx.writer.audit("refresh", "sources", source_id, {"job": job_id})
    return job_id


def approve_held(tx: Tx, source_id: str, body: ApprovalIn) -> tuple[str, str]:
    """Let the held refresh go live by a job; return (outbox job id, refresh id)."""
    source = find_source(tx.session, source_id)
    held = held_refresh(tx.session, source)
    if held is None or (body.refresh_id is not None and held.id != body.refresh_id):
        raise Conflict("No refresh of this source is waiting for approval (a newer "
                       "version may have been activated since).",
                       [{"field": "refresh_id", "message": "nothing held to approve"}])
    held.outcome, held.decided_by = "approved", tx.writer.actor
    job_id = outbox.add(tx.session, "activate", held.id,
                        {"refresh_id": held.id, "approver": tx.writer.actor}, tx.writer.now)
    tx.writer.audit("approve", "sources", source_id, {"refresh": held.id, "reason": body.reason})
    return job_id, held.id


@bp.post("/sources/<source_id>/refresh")
@requires(Role.ADMIN)
def refresh_source(source_id: str) -> Response:
    with transaction() as tx:
        job_id = queue_refresh(tx, source_id)
        return tx.answer({"job_id": outbox.rq_id(services().settings.queue_name, job_id),
                          "status": "queued"}, 202)


@bp.post("/sources/<source_id>/approve")
@requires(Role.ADMIN)
def approve(source_id: str) -> Response:
    """Let a held refresh go live: the kept body is activated by a job, exactly as held."""
    body = parse(ApprovalIn)
    with transaction() as tx:
        job_id, refresh_id = approve_held(tx, source_id, body)
        return tx.answer({"job_id": outbox.rq_id(services().settings.queue_name, job_id),
                          "refresh_id": refresh_id, "status": "queued"}, 202)


openapi.describe(
    {("POST", "/api/v1/sources"): SourceIn,
     ("PATCH", "/api/v1/sources/{source_id}"): SourcePatch,
     ("POST", "/api/v1/sources/{source_id}/approve"): ApprovalIn},
    {"sources.create_source": {"201": responses.Source},
     "sources.list_sources": {"200": openapi.Page(responses.Source)},
     "sources.get_source": {"200": responses.SourceDetail},
     "sources.patch_source": {"200": responses.Source},
     "sources.delete_source": {"200": responses.Source},
     "sources.refresh_source": {"202": responses.JobQueued},
     "sources.approve": {"202": responses.ApprovalQueued,
                         "409": responses.Problem}},  # nothing held, or another one
)
