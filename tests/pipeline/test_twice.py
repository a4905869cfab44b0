"""Work done twice changes nothing the second time: racing relays, and every job run twice.

A relay may run in every web process after every write and in the scheduler each minute, and
RQ may run a job again after a crash: the outbox's unique job ids and idempotent jobs are what
make that harmless. Each job here is called twice as RQ would call it, without the outbox's
"done already" guard, so that the job's own idempotency is what is shown.
"""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa

from service import clock, outbox
from service.store.db import read_session, write_session
from service.store.models import DataVersion, Designation, Match, VendorScreening
from service.store.pipeline import Refresh, WebhookMessage
from tests.feeds.feed_server import FeedServer
from tests.pipeline.conftest import Pipeline
from tests.pipeline.test_webhook_flow import notices, registered, subscribe
from tests.webhooks.conftest import Receiver
from workers import jobs


def rows(pipeline: Pipeline, table: Any) -> int:
    with read_session(pipeline.settings.database_url) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(table)) or 0


def test_two_relays_racing_enqueue_each_row_once(pipeline: Pipeline) -> None:
    for n in range(40):
        pipeline.post("/api/v1/vendors", {"name": f"Vendor {n}"}, role="editor")
    queue = outbox.work_queue(pipeline.settings)
    queue.empty()  # the writes' own relays already queued them: start the race from scratch
    with write_session(pipeline.settings.database_url) as session:
        session.execute(sa.update(outbox.OutboxRow).values(enqueued_at=None))
    pending = outbox.pending(pipeline.settings)
    start, counts = threading.Barrier(2), []

    def relay() -> None:
        start.wait()
        counts.append(outbox.relay(pipeline.settings, clock.now()))

    racers = [threading.Thread(target=relay) for _ in range(2)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(60)
    assert sum(counts) == pending == len(queue) == len(set(queue.get_job_ids()))
    pipeline.work()
    assert outbox.pending(pipeline.settings) == 0


def test_a_refresh_run_twice_activates_once(pipeline: Pipeline, feeds: FeedServer) -> None:
    source = pipeline.add_source(feeds.url("/sample.json"))
    first = jobs.refresh_source.__wrapped__(source["id"])  # type: ignore[attr-defined]
    designations, versions = rows(pipeline, Designation), rows(pipeline, DataVersion)
    second = jobs.refresh_source.__wrapped__(source["id"])  # type: ignore[attr-defined]
    assert first["outcome"] == "activated"
    assert second["outcome"] == "not_modified"  # the feed answers 304 to its ETag
    assert (rows(pipeline, Designation), rows(pipeline, DataVersion)) == (designations,
                                                                          versions)


def test_an_approved_activation_run_twice_activates_once(pipeline: Pipeline,
                                                        feeds: FeedServer) -> None:
    source = pipeline.add_source(feeds.url("/feed.json"))
    feeds.serve("/feed.json", feeds.root / "sample.json")
    pipeline.refresh(source["id"])
    feeds.faults["/feed.json"] = "drop60"
    held = pipeline.refresh(source["id"])["held"]
    pipeline.post(f"/api/v1/sources/{source['id']}/approve", {}, expect=202)
    outbox_rows = outbox.pending(pipeline.settings)
    activate = jobs.activate_held.__wrapped__  # type: ignore[attr-defined]
    first = activate(held["id"], "key:admin")
    designations = rows(pipeline, Designation)
    second = activate(held["id"], "key:admin")
    assert first["outcome"] == "activated" and second["outcome"] != "activated"
    assert rows(pipeline, Designation) == designations
    assert pipeline.get(f"/api/v1/sources/{source['id']}")["version"] == 2
    assert outbox.pending(pipeline.settings) <= outbox_rows + 1  # one recompute, at most


def test_a_rescreen_run_twice_screens_once(pipeline: Pipeline) -> None:
    pipeline.post("/api/v1/designations", {"source": "EL", "name": "Acme Devices Co., Ltd.",
                                           "effective_from": "2019-05-16"}, role="editor")
    pipeline.post("/api/v1/vendors", {"name": "ACME DEVICES CO LTD"}, role="editor")
    with write_session(pipeline.settings.database_url) as session:
        session.execute(sa.update(VendorScreening).values(matcher=0))
    first = jobs.screen.__wrapped__()  # type: ignore[attr-defined]
    matches, versions = rows(pipeline, Match), rows(pipeline, DataVersion)
    second = jobs.screen.__wrapped__()  # type: ignore[attr-defined]
    assert (first["vendors"], second["vendors"]) == (1, 0)
    assert (rows(pipeline, Match), rows(pipeline, DataVersion)) == (matches, versions)


def test_a_recompute_and_a_delivery_run_twice_tell_the_subscriber_once(
        pipeline: Pipeline, feeds: FeedServer, receiver: Receiver) -> None:
    registered(pipeline)
    subscribe(pipeline, receiver)
    pipeline.work()
    source = pipeline.add_source(feeds.url("/sample.json"))
    jobs.refresh_source.__wrapped__(source["id"])  # type: ignore[attr-defined]
    recompute = jobs.recompute.__wrapped__  # type: ignore[attr-defined]
    first, second = recompute(), recompute()
    assert (first["flipped"], second["flipped"]) == (1, 0)
    with read_session(pipeline.settings.database_url) as session:
        [message_id] = session.scalars(sa.select(WebhookMessage.id)).all()
    deliver = jobs.deliver_webhook.__wrapped__  # type: ignore[attr-defined]
    deliver(message_id)
    deliver(message_id)
    assert len(notices(receiver)) == 1
    assert rows(pipeline, Refresh) == 1
