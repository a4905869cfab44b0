"""Lists older than their limit: answers follow the stale policy, `/readyz` says not ready,
and both recover by themselves once the feed answers again."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from service import clock
from tests.feeds.feed_server import FeedServer
from tests.pipeline.conftest import Pipeline

INLINE = {"device": {"vendor": "Fairphone B.V.", "model": "5"},
          "update": {"supplier": "Google LLC", "kind": "security_patch", "product": "Android",
                     "enhances_functionality": False}}


def answer(pipeline: Pipeline) -> dict[str, object]:
    pipeline.app.extensions["eligibility"].freshness.forget()
    found: dict[str, object] = pipeline.post("/api/v1/decisions", INLINE, role="ota",
                                             expect=200)
    return found


def test_stale_lists_withhold_allow_until_the_feed_answers_again(
        pipeline: Pipeline, feeds: FeedServer) -> None:
    source = pipeline.add_source(feeds.url("/sample.json"), staleness_limit_hours=48)
    pipeline.refresh(source["id"])
    assert (answer(pipeline)["verdict"], answer(pipeline)["data_stale"]) == ("allow", False)
    assert pipeline.client.get("/readyz").status_code == 200
    feeds.faults["/sample.json"] = "status500"
    later = clock.now() + timedelta(hours=49)
    with time_machine.travel(later):
        failed = pipeline.refresh(source["id"])
        assert failed["last_refresh"]["outcome"] == "failed" and failed["stale"] is True
        stale = answer(pipeline)
        assert (stale["verdict"], stale["basis"], stale["data_stale"]) == (
            "review", "data_stale", True)
        ready = pipeline.client.get("/readyz")
        assert ready.status_code == 503 and ready.get_json()["checks"]["lists_fresh"] is False
        del feeds.faults["/sample.json"]
        recovered = pipeline.refresh(source["id"])
        assert recovered["last_refresh"]["outcome"] == "not_modified"
        assert recovered["stale"] is False
        assert answer(pipeline)["verdict"] == "allow"
        assert pipeline.client.get("/readyz").status_code == 200


def test_a_disabled_source_is_not_counted(pipeline: Pipeline, feeds: FeedServer) -> None:
    pipeline.add_source(feeds.url("/sample.json"), enabled=False, staleness_limit_hours=1)
    with time_machine.travel(clock.now() + timedelta(hours=2), tick=False):
        assert answer(pipeline)["data_stale"] is False


def test_feed_age_and_queue_figures_are_in_the_metrics(pipeline: Pipeline,
                                                       feeds: FeedServer) -> None:
    source = pipeline.add_source(feeds.url("/sample.json"))
    pipeline.refresh(source["id"])
    allowed = 'eligibility_decisions_total{basis="not_listed",verdict="allow"}'
    before = _figure(metrics(pipeline), allowed)
    answer(pipeline)
    text = metrics(pipeline)
    assert f'eligibility_feed_age_seconds{{name="Test feed",source="{source["id"]}"}}' in text
    assert "eligibility_queue_depth 0.0" in text
    assert "eligibility_outbox_pending 0.0" in text
    assert _figure(text, allowed) == before + 1  # decisions by verdict count this one


def metrics(pipeline: Pipeline) -> str:
    return str(pipeline.client.get("/metrics").get_data(as_text=True))


def _figure(text: str, name: str) -> float:
    """The value of the sample `name` in Prometheus text, 0 if it is not there yet."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0
