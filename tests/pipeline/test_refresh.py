"""A source refreshed end to end: fetch, parse, diff, activate, and every way it can end."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine

from service import clock
from service.store.db import read_session
from service.store.models import AuditEntry, Designation
from service.views import as_of
from tests.feeds.feed_server import FeedServer
from tests.pipeline.conftest import Pipeline


def feed_designations(pipeline: Pipeline, source_id: str) -> list[Designation]:
    with read_session(pipeline.settings.database_url) as session:
        rows = session.scalars(sa.select(Designation).where(Designation.source_id == source_id))
        return as_of(rows, None)


def active(pipeline: Pipeline, source_id: str) -> dict[str, Designation]:
    return {d.entry_key or "": d for d in feed_designations(pipeline, source_id)
            if d.removed_at is None}


def test_a_feed_refreshes_through_the_api(pipeline: Pipeline, feeds: FeedServer) -> None:
    source = pipeline.add_source(feeds.url("/sample.json"))
    shown = pipeline.refresh(source["id"])
    assert shown["last_refresh"]["outcome"] == "activated", shown["last_refresh"]
    assert shown["counts"] == {"EL": 8, "SDN": 2, "MEU": 1, "CMIC": 1, "DPL": 1}
    assert shown["last_refresh"]["added"] == 13
    assert shown["version"] == 1 and shown["last_error"] is None
    assert shown["last_checked_at"] == shown["last_changed_at"]
    listed = active(pipeline, source["id"])
    huawei = listed["e1f0c1"]
    assert huawei.source == "EL" and huawei.effective_from.date().isoformat() == "2019-05-16"
    assert "Huawei Device Co., Ltd." in huawei.alt_names
    job = pipeline.get(f"/api/v1/jobs/{shown['last_refresh']['job_id']}")
    assert job["status"] == "finished" and job["result"]["outcome"] == "activated"


def test_the_csv_form_of_the_feed_gives_the_same_lists(pipeline: Pipeline,
                                                        feeds: FeedServer) -> None:
    from_json = pipeline.add_source(feeds.url("/sample.json"))
    from_csv = pipeline.add_source(feeds.url("/sample.csv"), format="csl-csv")
    assert pipeline.refresh(from_csv["id"])["counts"] == \
        pipeline.refresh(from_json["id"])["counts"]
    assert set(active(pipeline, from_csv["id"])) == set(active(pipeline, from_json["id"]))


def test_a_304_moves_the_check_time_but_not_the_change_time(pipeline: Pipeline,
                                                            feeds: FeedServer) -> None:
    source = pipeline.add_source(feeds.url("/sample.json"))
    first = pipeline.refresh(source["id"])
    with time_machine.travel(clock.now() + timedelta(hours=1)):
        second = pipeline.refresh(source["id"])
    assert second["last_refresh"]["outcome"] == "not_modified"
    assert second["last_refresh"]["counts"] == first["counts"]
    assert feeds.headers_seen("/sample.json")[-1].get("If-None-Match")
    assert second["last_changed_at"] == first["last_changed_at"]
    assert second["last_checked_at"] > first["last_checked_at"]
    assert second["version"] == 1


def test_the_next_feed_adds_removes_and_changes_entries(pipeline: Pipeline,
                                                        feeds: FeedServer) -> None:
    source = pipeline.add_source(feeds.url("/feed.json"))
    feeds.serve("/feed.json", feeds.root / "sample.json")
    pipeline.refresh(source["id"])
    before = active(pipeline, source["id"])
    feeds.serve("/feed.json", feeds.root / "sample-next.json")
    observed = clock.now()
    shown = pipeline.refresh(source["id"])
    refresh = shown["last_refresh"]
    assert (refresh["outcome"], refresh["added"], refresh["removed"]) == ("activated", 1, 1)
    assert refresh["changed"] >= 1  # the Hikvision entry gained an alias
    assert shown["version"] == 2
    after = active(pipeline, source["id"])
    gone = set(before) - set(after)
    assert len(gone) == 1
    ended = {d.id: d for d in feed_designations(pipeline, source["id"])}[before[gone.pop()].id]
    assert ended.removed_at is not None and ended.effective_until is not None
    assert ended.effective_until >= observed  # ended when the refresh saw it gone
    hikvision = next(d for d in after.values() if "Hikvision" in d.alt_names)
    assert "Hangzhou Hikvision" in hikvision.alt_names
    assert hikvision.id == next(d for d in before.values() if "Hikvision" in d.alt_names).id


@pytest.mark.parametrize("fault", ["reset", "truncated", "html", "empty", "status500",
                                   "slow", "hang"])
def test_a_broken_feed_changes_nothing(pipeline: Pipeline, feeds: FeedServer,
                                       fault: str) -> None:
    source = pipeline.add_source(feeds.url("/sample.json"))
    good = pipeline.refresh(source["id"])
    feeds.faults["/sample.json"] = fault
    feeds.serve("/sample.json", feeds.root / "sample-next.json")  # would change things
    before = active(pipeline, source["id"])
    pipeline.post(f"/api/v1/sources/{source['id']}/refresh", expect=202)
    pipeline.work()  # a network failure is retried later, by RQ; a bad body is not
    shown = pipeline.get(f"/api/v1/sources/{source['id']}")
    assert shown["last_refresh"]["outcome"] == "failed", shown["last_refresh"]
    assert shown["last_refresh"]["reason"]
    assert shown["version"] == good["version"] and shown["counts"] == good["counts"]
    assert shown["last_checked_at"] == good["last_checked_at"]
    assert shown["last_error"] == shown["last_refresh"]["reason"]
    assert {k: d.version for k, d in active(pipeline, source["id"]).items()} == \
        {k: d.version for k, d in before.items()}
    assert _audited(pipeline, "refresh_failed") >= 1


def _audited(pipeline: Pipeline, action: str) -> int:
    with read_session(pipeline.settings.database_url) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == action)) or 0


def test_a_sharp_drop_waits_for_an_admin(pipeline: Pipeline, feeds: FeedServer) -> None:
    source = pipeline.add_source(feeds.url("/sample.json"))
    good = pipeline.refresh(source["id"])
    feeds.faults["/sample.json"] = "drop60"
    feeds.serve("/sample.json", feeds.root / "sample.json")  # a new Last-Modified
    held = pipeline.refresh(source["id"])
    assert held["last_refresh"]["outcome"] == "held"
    assert "lost" in held["last_refresh"]["reason"]
    assert held["held"]["id"] == held["last_refresh"]["id"]
    assert held["version"] == good["version"] and len(active(pipeline, source["id"])) == 13
    pipeline.call("POST", f"/api/v1/sources/{source['id']}/approve", "editor", {}, 403)
    approved = pipeline.post(f"/api/v1/sources/{source['id']}/approve", {"reason": "checked"},
                             expect=202)
    pipeline.work()
    shown = pipeline.get(f"/api/v1/sources/{source['id']}")
    assert shown["version"] == good["version"] + 1 and shown["held"] is None
    record = next(r for r in shown["refreshes"] if r["id"] == approved["refresh_id"])
    assert record["outcome"] == "activated" and record["decided_by"].startswith("key:")
    assert len(active(pipeline, source["id"])) < 13
    pipeline.call("POST", f"/api/v1/sources/{source['id']}/approve", "admin", {}, 409)


def test_overlapping_refreshes_activate_once(pipeline: Pipeline, feeds: FeedServer) -> None:
    """A paused run resumes after another activated: it finds the version moved, no-ops."""
    from service.sources.refresh import refresh

    source = pipeline.add_source(feeds.url("/sample.json"))
    results: list[dict[str, Any]] = []

    def pause(stage: str, detail: dict[str, Any]) -> None:
        if stage == "activating" and not results:
            results.append(refresh(pipeline.settings, source["id"], "second", "manual",
                                   clock.now))

    first = refresh(pipeline.settings, source["id"], "first", "manual", clock.now, pause)
    assert results[0]["outcome"] == "activated"
    assert first["outcome"] == "superseded"
    shown = pipeline.get(f"/api/v1/sources/{source['id']}")
    assert shown["version"] == 1
    assert len(active(pipeline, source["id"])) == 13
    assert len(feed_designations(pipeline, source["id"])) == 13
