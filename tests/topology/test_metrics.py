"""`/metrics` of a real two-worker web server adds up what every worker counted.

Each request goes on a new connection, so granian hands them to either worker; the test goes
on until both have answered, then checks the scrape counts every request once, whichever
worker answered it and whichever worker answers the scrape.
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import requests

from tests.feeds.feed_server import wait_for
from tests.integration.test_decision_log_durability import QUESTION
from tests.integration.web_server import WebServer

HISTOGRAM = "eligibility_http_request_duration_seconds"


def samples(text: str, name: str) -> dict[str, float]:
    """`name`'s samples in a Prometheus text exposition: labels as written -> value."""
    found = {}
    for match in re.finditer(rf"^{name}(\{{[^}}]*\}})? (\S+)$", text, re.M):
        found[match.group(1) or ""] = float(match.group(2))
    return found


def counted(text: str, route: str, method: str = "GET", status: str = "200") -> float:
    labels = f'{{method="{method}",route="{route}",status="{status}"}}'
    return samples(text, f"{HISTOGRAM}_count").get(labels, 0.0)


def test_metrics_add_up_every_workers_requests(database_url, redis_url, keys, tmp_path: Path):
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url,
               ELIG_WEB_WORKERS="2", ELIG_VAR_DIR=str(tmp_path))
    server = WebServer(env, tmp_path / "web.log")
    server.start()
    try:
        answered_by: list[int | None] = []
        deadline = time.monotonic() + 30
        while len(set(answered_by) - {None}) < 2 or len(answered_by) < 20:
            assert time.monotonic() < deadline, f"one worker answered everything: {answered_by}"
            answered_by.append(server.answered_by("GET", "/livez"))
        assert None not in answered_by
        decisions = 0
        for _ in range(6):  # the lean route, on new connections too
            assert server.answered_by("POST", "/api/v1/decisions", QUESTION, keys["ota"])
            decisions += 1
        assert server.answered_by("GET", "/no/such/page") is None  # a 404, through Flask
        for _ in range(4):  # any worker may answer the scrape: each sees the same sums
            text = requests.get(f"{server.url}/metrics", timeout=10).text
            assert counted(text, "/livez") == len(answered_by) + 1  # + start()'s probe
            assert counted(text, "/api/v1/decisions", "POST") == decisions
            assert counted(text, "unmatched", status="404") == 1  # not the raw path
            buckets = samples(text, f"{HISTOGRAM}_bucket")
            assert '{le="+Inf",method="GET",route="/livez",status="200"}' in buckets
            verdicts = samples(text, "eligibility_decisions_total")
            assert sum(verdicts.values()) == decisions
            # One figure per server, not one per worker: the gauges and the journal lag.
            assert list(samples(text, "eligibility_snapshot_data_version")) == [""]
            assert list(samples(text, "eligibility_decision_journal_files")) == [""]
            assert list(samples(text, "eligibility_queue_depth")) == [""]
        folder = next(tmp_path.glob("metrics-*"))
        assert list(folder.glob("*.db"))  # the workers' files, while it runs
        dead = server.workers()[0]
        assert list(folder.glob(f"gauge_live*_{dead}.db"))
        os.kill(dead, signal.SIGKILL)  # granian replaces it; what it counted still counts
        wait_for(lambda: len(server.workers()) == 2 and dead not in server.workers(), 30)
        text = requests.get(f"{server.url}/metrics", timeout=10).text
        assert counted(text, "/livez") == len(answered_by) + 1
        assert list(samples(text, "eligibility_snapshot_data_version")) == [""]
        assert not list(folder.glob(f"gauge_live*_{dead}.db"))  # its gauges forgotten
    finally:
        assert server.stop() == 0
    assert not list(tmp_path.glob("metrics-*"))  # removed when it stops
