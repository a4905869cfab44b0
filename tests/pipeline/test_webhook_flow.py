"""Subscribers hear when a registered answer flips: after a list change, and when time passes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
import time_machine

from service import clock
from service.jsonio import iso
from tests.feeds.feed_server import FeedServer
from tests.pipeline.conftest import Pipeline
from tests.webhooks.conftest import Receiver

PATCH = {"supplier": "Google LLC", "supplier_country": "US", "kind": "security_patch",
         "product": "Android", "enhances_functionality": False}


def registered(pipeline: Pipeline) -> tuple[str, str, str]:
    vendor = pipeline.post("/api/v1/vendors", {"name": "Huawei Device Co., Ltd."},
                           role="editor")
    model = pipeline.post("/api/v1/models", {"vendor_id": vendor["id"], "name": "P30",
                                             "device_class": "handset"}, role="editor")
    update = pipeline.post("/api/v1/updates", PATCH, role="editor")
    return vendor["id"], model["id"], update["id"]


def subscribe(pipeline: Pipeline, receiver: Receiver, **filters: Any) -> dict[str, Any]:
    created: dict[str, Any] = pipeline.post("/api/v1/webhooks",
                                            {"url": receiver.url(), **filters})
    receiver.secret = created["secret"]
    return created


def notices(receiver: Receiver) -> list[dict[str, Any]]:
    assert all(r.verified for r in receiver.received), "a notice failed signature checks"
    return [orjson.loads(r.body) for r in receiver.received]


def test_a_listing_flips_a_registered_answer_and_the_subscriber_hears(
        pipeline: Pipeline, feeds: FeedServer, receiver: Receiver) -> None:
    vendor_id, model_id, update_id = registered(pipeline)
    subscribe(pipeline, receiver)
    pipeline.work()
    assert receiver.received == []  # a pair seen for the first time is no change
    source = pipeline.add_source(feeds.url("/sample.json"))
    pipeline.refresh(source["id"])
    [notice] = notices(receiver)
    assert notice["type"] == "decision.changed"
    data = notice["data"]
    assert (data["model_id"], data["update_id"], data["vendor_id"]) == (model_id, update_id,
                                                                       vendor_id)
    assert data["before"]["verdict"] == "allow"
    assert (data["after"]["verdict"], data["after"]["basis"]) == ("deny", "licence_required")
    pipeline.work()  # nothing more happened: nothing more is told
    assert len(receiver.received) == 1


def test_filters_keep_other_vendors_news_away(pipeline: Pipeline, feeds: FeedServer,
                                              receiver: Receiver) -> None:
    registered(pipeline)
    other = pipeline.post("/api/v1/vendors", {"name": "Fairphone B.V."}, role="editor")
    subscribe(pipeline, receiver, vendor_ids=[other["id"]])
    pipeline.work()
    source = pipeline.add_source(feeds.url("/sample.json"))
    pipeline.refresh(source["id"])
    assert receiver.received == []


def test_a_licence_running_out_is_told_at_that_instant(pipeline: Pipeline, feeds: FeedServer,
                                                       receiver: Receiver) -> None:
    vendor_id, model_id, _ = registered(pipeline)
    source = pipeline.add_source(feeds.url("/sample.json"))
    pipeline.refresh(source["id"])
    expiry = (clock.now() + timedelta(days=2)).replace(hour=0, minute=0, second=0,
                                                       microsecond=0)
    pipeline.post("/api/v1/licences", {
        "number": "TGL-TEST", "kind": "general", "vendor_ids": [vendor_id], "lifts": ["EL"],
        "valid_from": "2019-05-20", "valid_until": iso(expiry),
        "scope": {"update_kinds": ["security_patch"]}}, role="editor")
    subscribe(pipeline, receiver)
    pipeline.work()
    [licensed] = notices(receiver)
    assert licensed["data"]["after"]["verdict"] == "allow"
    assert licensed["data"]["after"]["valid_until"] == iso(expiry)
    with time_machine.travel(expiry - timedelta(seconds=1), tick=False):
        pipeline.work()
    assert len(receiver.received) == 1  # not a second early
    with time_machine.travel(expiry + timedelta(milliseconds=300), tick=False):
        pipeline.work()
    expired = notices(receiver)[-1]["data"]
    assert (expired["before"]["verdict"], expired["after"]["verdict"]) == ("allow", "deny")
    assert expired["at"] == iso(expiry)


def test_a_failed_delivery_is_retried_through_the_queue_under_the_same_id(
        pipeline: Pipeline, feeds: FeedServer, receiver: Receiver) -> None:
    registered(pipeline)
    subscribe(pipeline, receiver)
    pipeline.work()
    receiver.script(500)
    source = pipeline.add_source(feeds.url("/sample.json"))
    pipeline.refresh(source["id"])
    [first] = receiver.received
    assert len(notices(receiver)) == 1  # the 500; the retry waits for its backoff
    with time_machine.travel(clock.now() + timedelta(hours=1)):
        pipeline.work()
    assert len(receiver.received) == 2
    retried = receiver.received[1]
    assert retried.headers["webhook-id"] == first.headers["webhook-id"]
    assert retried.body == first.body and retried.verified
