"""Wiring the per-process parts (snapshot holder, decision log, clock) into the app."""

from __future__ import annotations

from flask import Flask, Response
from werkzeug.http import http_date

from config.settings import Settings
from service import clock
from service.context import Services
from service.decisions.journal import Journal
from service.decisions.log import DecisionLog
from service.eligibility import Policy
from service.snapshot import SnapshotHolder
from service.sources.freshness import Freshness


def init_app(app: Flask, settings: Settings) -> None:
    holder = SnapshotHolder(settings.database_url, settings.redis_url,
                            settings.snapshot_poll_seconds, clock.now, settings.snapshot_gc_freeze)
    decision_log = DecisionLog(
        settings.database_url, settings.decision_log_batch, settings.decision_log_queue,
        Journal(settings.journal_dir, settings.journal_fsync) if settings.journal_dir else None,
        settings.decision_log_ship_ms / 1000)
    services = Services(
        settings=settings,
        snapshots=holder,
        decision_log=decision_log,
        policy=Policy(settings.list_effects, settings.stale_policy, settings.list_names),
        clock=clock.now,
        freshness=Freshness(settings.database_url),
    )
    app.extensions["eligibility"] = services
    app.before_request(services.start)
    app.after_request(stamp_date)


def stamp_date(response: Response) -> Response:
    """Give every answer the server's `Date` (api.md), whichever WSGI server carries it."""
    response.headers.setdefault("Date", http_date(clock.now()))
    return response
