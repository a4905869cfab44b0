"""A feed that keeps failing is seen: `/readyz` lists it, `/metrics` flags it, and
subscribers hear `source.failing` once per streak and `source.recovered` when it ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import time_machine

from service import clock
from service.webhooks import signing
from tests.feeds.feed_server import FeedServer
from tests.pipeline.conftest import Pipeline
from tests.webhooks.conftest import Receiver


@dataclass(frozen=True)
class Subscriber:
    id: str
    path: str
    secret: str


def subscribe(pipeline: Pipeline, receiver: Receiver, path: str, **filters: Any) -> Subscriber:
    created = pipeline.post("/api/v1/webhooks", {"url": receiver.url(path), **filters})
    return Subscriber(created["id"], path, created["secret"])


def heard(receiver: Receiver, subscriber: Subscriber) -> list[dict[str, Any]]:
    """The events that reached one subscription, each checked against its own secret."""
    found = []
    for request in receiver.received:
        if request.path == subscriber.path:
            signing.verify(subscriber.secret, request.headers, request.body, datetime.now(UTC))
            found.append(orjson.loads(request.body))
    return found


def types(receiver: Receiver, subscriber: Subscriber) -> list[str]:
    return [event["type"] for event in heard(receiver, subscriber)]


def refresh(pipeline: Pipeline, source_id: str) -> dict[str, Any]:
    """Refresh once, as the scheduler would; a network failure's retry is left for later."""
    pipeline.post(f"/api/v1/sources/{source_id}/refresh", expect=202)
    pipeline.work()
    shown: dict[str, Any] = pipeline.get(f"/api/v1/sources/{source_id}")
    return shown


def ready(pipeline: Pipeline) -> tuple[int, dict[str, Any]]:
    answer = pipeline.client.get("/readyz")
    return answer.status_code, answer.get_json()


def figures(pipeline: Pipeline, source: dict[str, Any]) -> tuple[float, float]:
    """This source's consecutive failures and failing flag, as `/metrics` shows them."""
    text = pipeline.client.get("/metrics").get_data(as_text=True)
    labels = f'{{name="{source["name"]}",source="{source["id"]}"}}'
    found = {}
    for line in text.splitlines():
        name, _, value = line.rpartition(" ")
        if name in (f"eligibility_feed_consecutive_failures{labels}",
                    f"eligibility_feed_failing{labels}"):
            found[name.split("{")[0]] = float(value)
    return (found["eligibility_feed_consecutive_failures"], found["eligibility_feed_failing"])


def test_a_feed_failing_three_times_raises_one_alert_and_its_recovery_one_more(
        pipeline: Pipeline, feeds: FeedServer, receiver: Receiver) -> None:
    everything = subscribe(pipeline, receiver, "/everything")
    some_vendor = pipeline.post("/api/v1/vendors", {"name": "Fairphone B.V."}, role="editor")
    vendor_filtered = subscribe(pipeline, receiver, "/vendor", vendor_ids=[some_vendor["id"]])
    decisions_only = subscribe(pipeline, receiver, "/decisions",
                               event_types=["decision.changed"])
    failing_only = subscribe(pipeline, receiver, "/failing", event_types=["source.failing"])
    source = pipeline.add_source(feeds.url("/sample.json"), name="CSL")
    assert refresh(pipeline, source["id"])["last_refresh"]["outcome"] == "activated"

    feeds.faults["/sample.json"] = "html"
    first = refresh(pipeline, source["id"])
    feeds.faults["/sample.json"] = "status500"  # retried by RQ later: still one refresh
    second = refresh(pipeline, source["id"])
    assert (first["consecutive_failures"], second["consecutive_failures"]) == (1, 2)
    assert second["failing_since"] == first["last_refresh"]["finished_at"]
    status, body = ready(pipeline)
    assert status == 200 and body["failing_sources"] == []  # not failing yet
    assert figures(pipeline, source) == (2, 0)
    assert receiver.received == []

    feeds.faults["/sample.json"] = "html"
    third = refresh(pipeline, source["id"])
    status, body = ready(pipeline)
    assert status == 200 and body["status"] == "ready"  # failing, not stale: still ready
    assert body["failing_sources"] == [{
        "id": source["id"], "name": "CSL", "consecutive_failures": 3,
        "failing_since": first["last_refresh"]["finished_at"],
        "last_error": third["last_refresh"]["reason"]}]
    assert figures(pipeline, source) == (3, 1)
    [alert] = heard(receiver, everything)
    assert alert["type"] == "source.failing"
    assert alert["data"] == {"source_id": source["id"], "name": "CSL",
                             "consecutive_failures": 3,
                             "failing_since": first["last_refresh"]["finished_at"],
                             "last_error": third["last_refresh"]["reason"]}
    assert types(receiver, vendor_filtered) == ["source.failing"]  # vendors narrow decisions
    assert types(receiver, failing_only) == ["source.failing"]

    fourth = refresh(pipeline, source["id"])
    assert fourth["consecutive_failures"] == 4
    assert figures(pipeline, source) == (4, 1)
    assert types(receiver, everything) == ["source.failing"]  # once per streak

    del feeds.faults["/sample.json"]
    recovered = refresh(pipeline, source["id"])
    assert recovered["last_refresh"]["outcome"] == "not_modified"
    assert (recovered["consecutive_failures"], recovered["failing_since"]) == (0, None)
    assert ready(pipeline)[1]["failing_sources"] == []
    assert figures(pipeline, source) == (0, 0)
    assert types(receiver, everything) == ["source.failing", "source.recovered"]
    news = heard(receiver, everything)[1]["data"]
    assert news == {"source_id": source["id"], "name": "CSL", "consecutive_failures": 4,
                    "failing_since": first["last_refresh"]["finished_at"],
                    "last_error": fourth["last_refresh"]["reason"],
                    "recovered_at": recovered["last_refresh"]["finished_at"]}
    assert types(receiver, vendor_filtered) == ["source.failing", "source.recovered"]
    assert types(receiver, failing_only) == ["source.failing"]
    assert heard(receiver, decisions_only) == []
    sent = pipeline.get(f"/api/v1/webhooks/{everything.id}/messages")["items"]
    assert [(m["event_type"], m["status"]) for m in sent] == [
        ("source.recovered", "delivered"), ("source.failing", "delivered")]


def test_a_new_streak_after_a_recovery_is_told_again(
        pipeline: Pipeline, feeds: FeedServer, receiver: Receiver) -> None:
    everything = subscribe(pipeline, receiver, "/everything")
    source = pipeline.add_source(feeds.url("/sample.json"))
    refresh(pipeline, source["id"])
    for fault in ("html", "html", "html", None, "empty", "html", "html"):
        if fault is None:
            del feeds.faults["/sample.json"]
        else:
            feeds.faults["/sample.json"] = fault
        refresh(pipeline, source["id"])
    assert types(receiver, everything) == ["source.failing", "source.recovered",
                                           "source.failing"]
    assert [e["data"]["consecutive_failures"] for e in heard(receiver, everything)] == [3, 3, 3]


def test_held_refreshes_count_until_an_admin_approves(
        pipeline: Pipeline, feeds: FeedServer, receiver: Receiver) -> None:
    everything = subscribe(pipeline, receiver, "/everything")
    source = pipeline.add_source(feeds.url("/sample.json"))
    refresh(pipeline, source["id"])
    feeds.faults["/sample.json"] = "drop60"
    for _ in range(3):
        held = refresh(pipeline, source["id"])
        assert held["last_refresh"]["outcome"] == "held"
    [alert] = heard(receiver, everything)
    assert alert["type"] == "source.failing"
    assert "held until an admin approves it" in alert["data"]["last_error"]
    assert ready(pipeline)[1]["failing_sources"][0]["consecutive_failures"] == 3
    pipeline.post(f"/api/v1/sources/{source['id']}/approve", {"reason": "checked"},
                  expect=202)
    pipeline.work()
    shown = pipeline.get(f"/api/v1/sources/{source['id']}")
    assert shown["version"] == 2 and shown["consecutive_failures"] == 0
    assert types(receiver, everything) == ["source.failing", "source.recovered"]


def test_a_refresh_retried_by_rq_counts_once(pipeline: Pipeline, feeds: FeedServer,
                                             receiver: Receiver) -> None:
    subscribe(pipeline, receiver, "/everything")
    source = pipeline.add_source(feeds.url("/sample.json"))
    refresh(pipeline, source["id"])
    feeds.faults["/sample.json"] = "status500"
    refresh(pipeline, source["id"])
    later = clock.now()
    for _ in range(3):  # RQ's retries (5 s, 30 s, 2 min), every one failing again
        later += timedelta(minutes=5)
        with time_machine.travel(later):
            pipeline.work()
    assert feeds.count("/sample.json") == 5  # the good refresh, then four attempts of one
    shown = pipeline.get(f"/api/v1/sources/{source['id']}")
    assert shown["consecutive_failures"] == 1 and "500" in shown["last_error"]
    assert receiver.received == []
