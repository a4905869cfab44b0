"""Screening belongs to the write: no answer is `allow` between a change and its screening.

A vendor written under a listed name is denied by the very next decision, with no worker and
no Redis; a list version is visible only together with its matches; a vendor screened by an
older matcher is `screening_pending`, never `allow`, until the re-screen has run.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bench.feedgen import generate
from service import clock, create_app
from service.matching import rescreen
from service.sources.refresh import refresh
from service.store.db import read_session, write_session
from service.store.models import VendorScreening
from service.store.pipeline import OutboxRow
from tests.conftest import make_keys, make_settings
from tests.feeds.feed_server import FeedServer
from tests.pipeline.conftest import Pipeline
from tests.pipeline.test_screening_flow import decide, matches, vendor_with_model
from tests.pipeline.test_staleness import metrics

NOBODY = "redis://127.0.0.1:9/0"  # no Redis answers there: nothing can be queued or published


@pytest.fixture
def without_redis(database_url: str, tmp_path: Path) -> Pipeline:
    settings = make_settings(database_url, NOBODY, var_dir=str(tmp_path))
    return Pipeline(settings, create_app(settings=settings), make_keys(database_url))


def verdict(pipeline: Pipeline, model_id: str) -> tuple[str, str]:
    answer = decide(pipeline, {"model_id": model_id})
    return answer["verdict"], answer["basis"]


def test_a_vendor_written_under_a_listed_name_is_denied_at_once_without_redis(
        without_redis: Pipeline) -> None:
    pipeline = without_redis
    pipeline.post("/api/v1/designations", {
        "source": "EL", "name": "Shenzhen Acme Devices Co., Ltd.",
        "effective_from": "2019-05-16"}, role="editor")
    _, exact = vendor_with_model(pipeline, "SHENZHEN ACME DEVICES COMPANY LIMITED")
    assert verdict(pipeline, exact) == ("deny", "licence_required")
    near_id, near = vendor_with_model(pipeline, "Shenzhen Acme Device Co., Ltd.")
    assert verdict(pipeline, near) == ("review", "possible_match")
    [match] = matches(pipeline, near_id)
    assert match["status"] == "pending" and match["recorded_by"] == "screening"
    # Renaming the vendor away from the listed name withdraws the machine's match at once...
    pipeline.call("PATCH", f"/api/v1/vendors/{near_id}", "editor", {"name": "Fairphone B.V."},
                  200)
    assert verdict(pipeline, near) == ("allow", "not_listed")
    # ...and an alias that is the listed name brings the listing back, in the same write.
    pipeline.call("PATCH", f"/api/v1/vendors/{near_id}", "editor",
                  {"aliases": ["Shenzhen Acme Devices Co Ltd"]}, 200)
    assert verdict(pipeline, near) == ("deny", "licence_required")


def test_a_designation_entered_by_hand_screens_every_vendor_in_its_write(
        without_redis: Pipeline) -> None:
    pipeline = without_redis
    _, model = vendor_with_model(pipeline, "Acme Mobile Co., Ltd.")
    assert verdict(pipeline, model) == ("allow", "not_listed")
    pipeline.post("/api/v1/designations", {
        "source": "DPL", "name": "ACME MOBILE CO LTD", "effective_from": "2020-01-01"},
        role="editor")
    assert verdict(pipeline, model) == ("deny", "denied_party")


def test_a_list_version_becomes_visible_with_its_matches(pipeline: Pipeline,
                                                         feeds: FeedServer) -> None:
    vendor_id, model = vendor_with_model(pipeline, "Huawei Device Co., Ltd.")
    pipeline.work()
    assert verdict(pipeline, model) == ("allow", "not_listed")
    source = pipeline.add_source(feeds.url("/sample.json"))
    # The refresh job's own work, alone: no other job runs before the decision.
    done = refresh(pipeline.settings, source["id"], None, "manual", clock.now)
    assert done["outcome"] == "activated"
    pipeline.app.extensions["eligibility"].snapshots.refresh()
    assert verdict(pipeline, model) == ("deny", "licence_required")
    [match] = matches(pipeline, vendor_id)
    assert match["status"] == "confirmed" and match["recorded_by"] == "screening"
    with read_session(pipeline.settings.database_url) as session:
        kinds = session.scalars(sa.select(OutboxRow.kind).where(OutboxRow.done_at.is_(None)))
        assert "screen" not in set(kinds)  # nothing about this answer waits for a worker


def test_a_vendor_written_while_its_list_is_activated_is_screened_against_it(
        pipeline: Pipeline, feeds: FeedServer, tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    generate(big, "csl-json", entries=3000, names=6000)
    listed = next(e["name"] for e in json.loads(big.read_text())["results"]
                  if e["source"].startswith("Entity List") and "," in e["name"])
    feeds.serve("/big.json", big)
    source = pipeline.add_source(feeds.url("/big.json"))
    started = threading.Event()

    def progress(stage: str, detail: dict[str, Any]) -> None:
        if stage == "activating":
            started.set()

    activation = threading.Thread(target=refresh, args=(
        pipeline.settings, source["id"], None, "manual", clock.now, progress))
    activation.start()
    try:
        assert started.wait(60)
        vendor_id, model = vendor_with_model(pipeline, listed)  # during, or just after
    finally:
        activation.join(60)
    pipeline.app.extensions["eligibility"].snapshots.refresh()
    assert verdict(pipeline, model)[0] == "deny", listed
    assert any(m["status"] == "confirmed" for m in matches(pipeline, vendor_id))


def test_a_vendor_screened_by_an_older_matcher_waits_for_the_rescreen(
        pipeline: Pipeline) -> None:
    pipeline.post("/api/v1/designations", {
        "source": "EL", "name": "Acme Mobile Co., Ltd.", "effective_from": "2019-05-16"},
        role="editor")
    listed_id, listed_model = vendor_with_model(pipeline, "ACME MOBILE CO LTD")
    _, clean_model = vendor_with_model(pipeline, "Fairphone B.V.")
    with write_session(pipeline.settings.database_url) as session:  # as the old matcher left it
        session.execute(sa.update(VendorScreening).values(matcher=0))
        session.execute(sa.text("DELETE FROM matches"))
    restarted = create_app(settings=pipeline.settings)  # a process of the new code starts
    pipeline = Pipeline(pipeline.settings, restarted, pipeline.keys)
    assert verdict(pipeline, clean_model) == ("review", "screening_pending")
    assert verdict(pipeline, listed_model) == ("review", "screening_pending")
    assert decide(pipeline, {"model_id": clean_model})["reasons"][-1].startswith(
        "Fairphone B.V. has not yet been screened")
    assert "eligibility_vendors_screening_pending 2.0" in metrics(pipeline)
    done = rescreen(pipeline.settings, clock.now)
    assert done["vendors"] == 2 and done["confirmed"] == 1
    assert "eligibility_vendors_screening_pending 0.0" in metrics(pipeline)
    pipeline.app.extensions["eligibility"].snapshots.refresh()
    assert verdict(pipeline, clean_model) == ("allow", "not_listed")
    assert verdict(pipeline, listed_model) == ("deny", "licence_required")
    assert rescreen(pipeline.settings, clock.now)["vendors"] == 0  # nothing left to do
    assert matches(pipeline, listed_id)[0]["status"] == "confirmed"


def test_a_brand_name_is_held_for_review_unless_the_entry_is_linked_to_the_vendor(
        without_redis: Pipeline) -> None:
    pipeline = without_redis
    vendor_id, model_id = vendor_with_model(pipeline, "Acme")
    listed = pipeline.post("/api/v1/designations", {
        "source": "EL", "name": "Shenzhen Acme Information Technology Co., Ltd.",
        "effective_from": "2019-05-16"}, role="editor")
    assert verdict(pipeline, model_id) == ("review", "possible_match")
    [match] = matches(pipeline, vendor_id)
    assert match["status"] == "pending"
    assert "brand_contained" in match["evidence"]["rules"]
    # A person links the entry to the vendor: it is the vendor's, not a question any more.
    pipeline.call("PATCH", f"/api/v1/designations/{listed['id']}", "editor",
                  {"vendor_ids": [vendor_id]}, 200)
    assert matches(pipeline, vendor_id) == []
    assert verdict(pipeline, model_id) == ("deny", "licence_required")
    # An entry linked from the start never raises the question.
    pipeline.post("/api/v1/designations", {
        "source": "EL", "name": "Acme Intelligent Technology (Beijing) Co., Ltd.",
        "effective_from": "2019-05-16", "vendor_ids": [vendor_id]}, role="editor")
    assert matches(pipeline, vendor_id) == []
