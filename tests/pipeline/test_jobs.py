"""The jobs API: what the queue holds, progress and errors, and retrying a failed job."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from service import clock
from tests.feeds.feed_server import FeedServer
from tests.pipeline.conftest import Pipeline


def test_a_failing_feed_is_retried_then_failed_then_retried_by_an_admin(
        pipeline: Pipeline, feeds: FeedServer) -> None:
    source = pipeline.add_source(feeds.url("/sample.json"))
    feeds.faults["/sample.json"] = "status500"
    job_id = pipeline.post(f"/api/v1/sources/{source['id']}/refresh", expect=202)["job_id"]
    pipeline.work()
    scheduled = pipeline.get("/api/v1/jobs?status=scheduled")["items"]
    assert [job["id"] for job in scheduled] == [job_id]  # RQ's Retry waits, then tries again
    later = clock.now()
    for _ in range(3):  # the retries run out
        later += timedelta(minutes=5)
        with time_machine.travel(later):
            pipeline.work()
    job = pipeline.get(f"/api/v1/jobs/{job_id}")
    assert job["status"] == "failed" and "HTTP 500" in job["error"]
    assert job["function"] == "workers.jobs.refresh_source"
    assert [j["id"] for j in pipeline.get("/api/v1/jobs?status=failed")["items"]] == [job_id]
    assert pipeline.get(f"/api/v1/sources/{source['id']}")["last_refresh"]["outcome"] == \
        "failed"
    pipeline.call("POST", f"/api/v1/jobs/{job_id}/retry", "editor", {}, 403)
    del feeds.faults["/sample.json"]
    pipeline.post(f"/api/v1/jobs/{job_id}/retry", expect=202)
    pipeline.work()
    assert pipeline.get(f"/api/v1/jobs/{job_id}")["status"] == "finished"
    assert pipeline.get(f"/api/v1/sources/{source['id']}")["version"] == 1
    pipeline.call("POST", f"/api/v1/jobs/{job_id}/retry", "admin", {}, 409)


def test_jobs_show_their_progress_and_result(pipeline: Pipeline, feeds: FeedServer) -> None:
    source = pipeline.add_source(feeds.url("/sample.json"))
    shown = pipeline.refresh(source["id"])
    job = pipeline.get(f"/api/v1/jobs/{shown['last_refresh']['job_id']}")
    assert job["progress"]["stage"] == "writing" and job["progress"]["entries"] == 13
    assert job["result"]["outcome"] == "activated"
    assert job["enqueued_at"] and job["ended_at"]


def test_bad_job_queries_are_refused(pipeline: Pipeline) -> None:
    pipeline.call("GET", "/api/v1/jobs?status=lost", "admin", expect=422)
    pipeline.call("GET", "/api/v1/jobs/nothing-here", "admin", expect=404)
    pipeline.call("GET", "/api/v1/jobs", "viewer", expect=403)
