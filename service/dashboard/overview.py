"""The overview: whether the data is fresh and what needs a person, at a glance."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from service.auth import Role
from service.context import services
from service.dashboard import attention, overview_facts
from service.dashboard.blueprint import bp, page, render
from service.store import decision_reads, source_states


@bp.get("/")
@page(Role.VIEWER)
def overview() -> tuple[str, int]:
    ctx = services()
    settings, snapshot, now = ctx.settings, ctx.snapshots.current, ctx.clock()
    sources = overview_facts.freshness(source_states.sources(settings.database_url), now,
                                       settings.feed_failure_alert)
    work = overview_facts.jobs(settings)
    waiting = source_states.outbox_waiting(settings.database_url)
    reviews = overview_facts.reviews(snapshot)
    ending = overview_facts.endings(snapshot, now, timedelta(days=90))
    soon = [e for e in ending if e.until - now <= timedelta(days=30)]
    since, counted = decision_reads.last_day(settings.database_url, now)
    answered = overview_facts.answered(counted)
    alerts = attention.alerts(sources, work, waiting, reviews, soon, now,
                              ctx.out_of_touch(now))
    return render("overview.html", now=now, sources=sources, work=work, waiting=waiting,
                  reviews=reviews, ending=ending, soon=soon, answered=answered, alerts=alerts,
                  total=sum(n for _, _, n in answered), since=since,
                  data_version=snapshot.data_version,
                  duration=overview_facts.duration,
                  linked=lambda endpoint: endpoint in current_app.view_functions)
