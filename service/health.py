"""Health: `/livez` (the process answers), `/readyz` (it can serve), `/metrics`."""

from __future__ import annotations

from typing import Any

import redis
import sqlalchemy as sa
from flask import Blueprint, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from config.settings import Settings
from service.auth import public
from service.context import services
from service.jsonio import dumps
from service.metrics import WorkCollector, exposition
from service.sources import failures
from service.store.db import read_session

bp = Blueprint("health", __name__)


@bp.get("/livez")
@public
def livez() -> Response:
    return Response(b'{"status":"ok"}', mimetype="application/json")


@bp.get("/readyz")
@public
def readyz() -> Response:
    ctx = services()
    checks = {"database": _database_ok(ctx.settings.database_url),
              "redis": _redis_ok(ctx.settings.redis_url),
              "lists_fresh": not ctx.lists_stale(ctx.clock())}
    ready = all(checks.values())
    body = {"status": "ready" if ready else "not ready", "checks": checks,
            "data_version": str(ctx.snapshots.current.data_version) if checks["database"] else None,
            "failing_sources": _failing(ctx.settings) if checks["database"] else None}
    return Response(dumps(body), status=200 if ready else 503, mimetype="application/json")


@bp.get("/metrics")
@public
def metrics() -> Response:
    ctx = services()
    work = CollectorRegistry()
    work.register(WorkCollector(ctx.freshness, ctx.settings, ctx.clock))
    body = exposition() + generate_latest(work)
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


def _failing(settings: Settings) -> list[dict[str, Any]] | None:
    """Sources failing past the alert threshold: a detail for people, not part of the verdict
    (a failing source makes the service not ready only once it is stale)."""
    try:
        found = failures.failing(settings.database_url, settings.feed_failure_alert)
    except sa.exc.SQLAlchemyError:
        return None
    return [{"id": s.source_id, "name": s.name, "consecutive_failures": s.failures,
             "failing_since": s.since, "last_error": s.last_error} for s in found]


def _database_ok(url: str) -> bool:
    try:
        with read_session(url) as session:
            session.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError:
        return False


def _redis_ok(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=0.5).ping())
    except (redis.RedisError, ValueError):
        return False
