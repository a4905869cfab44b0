"""Sources on the dashboard: freshness at a glance, adding a feed, "refresh now" followed
through its stages by the real RQ job, and a held refresh approved, as the API does them."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from service import clock
from service.dashboard.sources import count_diff, describe_stage
from tests.dashboard.conftest import Browser
from tests.feeds.feed_server import FeedServer
from tests.pipeline import conftest as on_pipeline
from tests.pipeline.conftest import Pipeline

pipeline = on_pipeline.pipeline  # the app, a worker's environment, and `work()` running jobs
feeds = on_pipeline.feeds


def browser_for(pipeline: Pipeline, role: str) -> Browser:
    browser = Browser(pipeline.app.test_client())  # the app that may read the local feed
    assert browser.login(role).status_code == 302
    return browser


@pytest.fixture
def admin(pipeline: Pipeline, users: dict[str, str]) -> Browser:
    return browser_for(pipeline, "admin")


def test_refresh_now_is_followed_to_its_outcome(
        pipeline: Pipeline, feeds: FeedServer, admin: Browser) -> None:
    source = pipeline.add_source(feeds.url("/sample.json"))
    asked = admin.post(f"/sources/{source['id']}/refresh")
    assert asked.status_code == 303
    job_page = asked.headers["Location"]
    waiting = admin.get(job_page).text
    assert "data-progress-url" in waiting and "<progress" in waiting
    assert admin.get(f"{job_page}/progress").get_json()["finished"] is False
    pipeline.work()
    done = admin.get(f"{job_page}/progress").get_json()
    assert done["finished"] is True and done["result_url"] == job_page
    assert "<strong>activated</strong> (13 added, 0 changed, 0 removed)" in \
        admin.get(job_page).text
    page = admin.get(f"/sources/{source['id']}").text
    assert '<td class="ok">activated</td>' in page and "EL 8" in page
    assert pipeline.get(f"/api/v1/sources/{source['id']}")["version"] == 1


def test_the_progress_answer_tells_the_stage_the_job_reports(
        pipeline: Pipeline, feeds: FeedServer, admin: Browser) -> None:
    source = pipeline.add_source(feeds.url("/sample.json"))
    feeds.faults["/sample.json"] = "slow"  # a byte at a time, until the fetch gives up
    job_page = admin.post(f"/sources/{source['id']}/refresh").headers["Location"]
    seen: list[dict[str, Any]] = []
    stop = threading.Event()

    def follow() -> None:  # what dashboard.js does while the worker runs the job
        client = Browser(pipeline.app.test_client())
        client.client.set_cookie("elig_session", admin.client.get_cookie("elig_session").value)
        while not stop.is_set():
            seen.append(client.get(f"{job_page}/progress").get_json())
            stop.wait(0.05)

    poller = threading.Thread(target=follow)
    poller.start()
    try:
        pipeline.work()  # the fetch times out (3 s): RQ will try it again later
    finally:
        stop.set()
        poller.join()
    fetching = [s for s in seen if s["message"].startswith("Fetching the feed")]
    assert fetching, [s["message"] for s in seen]
    assert fetching[-1]["progress"] == {"done": 1, "total": 5}
    last = admin.get(f"{job_page}/progress").get_json()
    assert last["finished"] is False and "tried again shortly" in last["message"]


def test_a_held_refresh_shows_its_drop_and_an_admin_approves_it(
        pipeline: Pipeline, feeds: FeedServer, admin: Browser, users: dict[str, str]) -> None:
    source = pipeline.add_source(feeds.url("/sample.json"))
    pipeline.refresh(source["id"])
    feeds.faults["/sample.json"] = "drop60"
    feeds.serve("/sample.json", feeds.root / "sample.json")  # a new Last-Modified
    held = pipeline.refresh(source["id"])["held"]
    page = admin.get(f"/sources/{source['id']}").text
    assert "A refresh is held for approval" in page and "Approve" in page
    before, after = sum(held["previous_counts"].values()), sum(held["counts"].values())
    assert f"<td>All lists</td><td>{before}</td><td>{after}</td>" in page
    viewer = browser_for(pipeline, "viewer")
    assert "Approve" not in viewer.get(f"/sources/{source['id']}").text
    assert viewer.post(f"/sources/{source['id']}/approve",
                       {"refresh_id": held["id"]}).status_code == 403
    answer = admin.post(f"/sources/{source['id']}/approve",
                        {"refresh_id": held["id"], "reason": "the list was cut on purpose"})
    assert answer.status_code == 303 and "/jobs/activate-" in answer.headers["Location"]
    pipeline.work()
    shown = pipeline.get(f"/api/v1/sources/{source['id']}")
    assert shown["version"] == 2 and shown["held"] is None
    assert "A refresh is held" not in admin.get(f"/sources/{source['id']}").text
    again = admin.post(f"/sources/{source['id']}/approve", {"refresh_id": held["id"]})
    assert "Nothing was approved" in admin.get(again.headers["Location"]).text


def test_an_admin_adds_a_source_the_api_then_lists(
        pipeline: Pipeline, feeds: FeedServer, admin: Browser) -> None:
    answer = admin.post("/sources", {"name": "Local feed", "format": "csl-json",
                                     "url": feeds.url("/sample.json"),
                                     "schedule": "0 */6 * * *", "enabled": "y",
                                     "staleness_limit_hours": "12"})
    assert answer.status_code == 303
    [listed] = pipeline.get("/api/v1/sources")["items"]
    assert (listed["name"], listed["staleness_limit_hours"], listed["enabled"]) == (
        "Local feed", 12, True)
    assert "Local feed" in admin.get(answer.headers["Location"]).text


def test_a_refused_feed_is_named_beside_its_fields_and_nothing_is_added(
        pipeline: Pipeline, admin: Browser) -> None:
    answer = admin.post("/sources", {"name": "Inside", "format": "csl-json",
                                     "url": "http://10.0.0.1/feed.json", "schedule": "0 */6 * * *",
                                     "max_drop_percent": "lots"})
    assert answer.status_code == 422
    assert 'id="max_drop_percent-error"' in answer.text
    answer = admin.post("/sources", {"name": "Inside", "format": "csl-json",
                                     "url": "http://10.0.0.1/feed.json", "schedule": "never"})
    assert answer.status_code == 422
    assert 'id="schedule-error"' in answer.text and "cron expression" in answer.text
    answer = admin.post("/sources", {"name": "Inside", "format": "csl-json",
                                     "url": "http://10.0.0.1/feed.json", "schedule": "0 * * * *"})
    assert answer.status_code == 422 and 'id="url-error"' in answer.text
    assert pipeline.get("/api/v1/sources")["items"] == []


def test_the_list_shows_a_source_going_stale_past_its_limit(
        pipeline: Pipeline, feeds: FeedServer, users: dict[str, str]) -> None:
    source = pipeline.add_source(feeds.url("/sample.json"), staleness_limit_hours=1)
    pipeline.refresh(source["id"])
    viewer = browser_for(pipeline, "viewer")
    fresh = viewer.get("/sources").text
    assert '<span class="ok">fresh</span>' in fresh and "limit 1.0 h" in fresh
    assert "Refresh now" not in viewer.get(f"/sources/{source['id']}").text
    with time_machine.travel(clock.now() + timedelta(hours=2)):  # within the session's life
        stale = viewer.get("/sources").text
    assert '<span class="bad">stale</span>' in stale and "2.0 h old" in stale
    assert viewer.post(f"/sources/{source['id']}/refresh").status_code == 403


def test_unknown_sources_and_jobs_are_a_404_page(pipeline: Pipeline, admin: Browser) -> None:
    assert admin.get("/sources/src_nothing").status_code == 404
    assert admin.post("/sources/src_nothing/refresh").status_code == 404
    assert admin.post("/sources/src_nothing/approve").status_code == 404
    assert admin.get("/sources/src_nothing/jobs/refresh-x").status_code == 404


def test_a_job_of_another_source_is_not_shown_under_this_one(
        pipeline: Pipeline, feeds: FeedServer, admin: Browser) -> None:
    one = pipeline.add_source(feeds.url("/sample.json"))
    other = pipeline.add_source(feeds.url("/sample.csv"), format="csl-csv")
    job_page = admin.post(f"/sources/{one['id']}/refresh").headers["Location"]
    assert admin.get(job_page.replace(one["id"], other["id"])).status_code == 404


def test_stages_and_drops_read_as_a_person_says_them() -> None:
    assert describe_stage({"stage": "parsing", "bytes": 12345}) == (
        "Parsing and checking 12,345 bytes.", 2, 5)
    assert describe_stage({"stage": "writing", "entries": 13})[1:] == (4, 5)
    assert count_diff({"EL": 10, "SDN": 2}, {"EL": 4, "SDN": 3}) == [
        {"list": "All lists", "before": 12, "after": 7, "change": -5, "drop": 41.7},
        {"list": "EL", "before": 10, "after": 4, "change": -6, "drop": 60.0},
        {"list": "SDN", "before": 2, "after": 3, "change": 1, "drop": 0.0}]
