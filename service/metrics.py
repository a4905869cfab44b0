"""Prometheus metrics: counted in each process, added up across a web server's workers.

Under `python -m service web` the workers count into files (prometheus_client's multiprocess
mode, see `service.metrics_dir`) and `/metrics` reads them all: counters and histograms are
summed over the workers (a worker killed and respawned keeps its counts), the snapshot gauges
show the stalest live worker. Figures read at scrape time (`WorkCollector`: queue, feeds,
journal) are read once per scrape, not once per worker. Elsewhere (tests, one process) the
default registry has this process's figures. Across web instances there is no label of ours:
Prometheus scrapes each instance as a target of its own and labels it `instance`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import redis
import sqlalchemy as sa
from flask import Flask, Response, g, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from config.settings import Settings
    from service.sources.freshness import Freshness

DECISIONS = Counter("eligibility_decisions", "Decisions answered", ["verdict", "basis"])
# The stalest live worker's: that is the one that may still answer from older data.
DATA_VERSION = Gauge("eligibility_snapshot_data_version",
                     "Data version of the oldest snapshot a live process answers from",
                     multiprocess_mode="livemin")
POST_COMMIT_FAILURES = Counter(
    "eligibility_post_commit_failures", "Work after a committed write that failed (it is "
    "caught up later: the relay by the scheduler, the snapshot by the version poll)", ["step"])
SNAPSHOT_BUILT = Gauge("eligibility_snapshot_built_timestamp_seconds",
                       "When the live process with the oldest snapshot built it (Unix time)",
                       multiprocess_mode="livemin")
REQUEST_SECONDS = Histogram(
    "eligibility_http_request_duration_seconds", "Time to answer a request, by route (the URL "
    "rule, e.g. /api/v1/devices/<device_id>), method and status",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # no URL rule: a 404 (the raw path would be unbounded)


def time_requests(app: Flask) -> None:
    """Time every request Flask answers. Registered first, so its start runs before any other
    hook can answer early."""
    app.before_request(_started)
    app.after_request(_observed)


def _started() -> None:
    g.metrics_started = time.perf_counter()


def _observed(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    if started is not None:
        rule = request.url_rule
        method = request.method if request.method in _METHODS else "other"
        REQUEST_SECONDS.labels(method, UNMATCHED if rule is None else rule.rule,
                               str(response.status_code)).observe(time.perf_counter() - started)
    return response


def exposition() -> bytes:
    """This process's figures, or all the web server's workers' in multiprocess mode."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return generate_latest(REGISTRY)
    _forget_dead(Path(folder))
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=folder)
    return generate_latest(registry)


def _forget_dead(folder: Path) -> None:
    """Drop the live-gauge files of workers that are gone (killed, or replaced): granian gives
    no hook on a worker's death, so this is done at each scrape, for the few files there."""
    from service.metrics_dir import alive

    for path in folder.glob("gauge_live*.db"):
        pid = path.stem.rpartition("_")[2]
        if pid.isdigit() and not alive(int(pid)):
            multiprocess.mark_process_dead(int(pid), str(folder))


class WorkCollector(Collector):
    """Figures read when scraped: feed age and failing streak per source, queue depth, failed
    jobs, pending outbox rows. They are the same in every process, so any worker's `/metrics`
    has them."""

    def __init__(self, freshness: Freshness, settings: Settings,
                 clock: Callable[[], datetime]) -> None:
        self.freshness = freshness
        self.settings = settings
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        now = self.clock()
        age = GaugeMetricFamily("eligibility_feed_age_seconds",
                                "Time since each source last answered with good data",
                                labels=["source", "name"])
        stale = GaugeMetricFamily("eligibility_feed_stale",
                                  "1 when a source is older than its staleness limit",
                                  labels=["source", "name"])
        for source in self.freshness.ages():
            age.add_metric([source.source_id, source.name],
                           (now - source.checked_at).total_seconds())
            stale.add_metric([source.source_id, source.name], float(source.stale(now)))
        yield age
        yield stale
        yield from self._journal()
        yield from self._failures()
        yield from self._queue()

    def _journal(self) -> Iterator[Metric]:
        """The decision-log lag on this host: journal files not yet in the database, and the
        age of the oldest (each process's current file included)."""
        folder = self.settings.journal_dir
        if folder is None:
            return
        now = time.time()
        ages = [now - changed for changed in _changed(folder)]
        yield GaugeMetricFamily("eligibility_decision_journal_files",
                                "Decision journal files on this host not yet shipped",
                                value=len(ages))
        yield GaugeMetricFamily("eligibility_decision_journal_oldest_seconds",
                                "Age of the oldest unshipped decision journal file here",
                                value=max(ages, default=0.0))

    def _failures(self) -> Iterator[Metric]:
        from service.sources.failures import streaks

        try:
            found = streaks(self.settings.database_url)
        except sa.exc.SQLAlchemyError:
            return
        labels = ["source", "name"]
        count = GaugeMetricFamily("eligibility_feed_consecutive_failures",
                                  "Refreshes in a row that brought no good data (failed or "
                                  "held)", labels=labels)
        failing = GaugeMetricFamily("eligibility_feed_failing",
                                    "1 when a source's consecutive failures reached "
                                    "ELIG_FEED_FAILURE_ALERT", labels=labels)
        for streak in found:
            count.add_metric([streak.source_id, streak.name], streak.failures)
            failing.add_metric([streak.source_id, streak.name],
                               float(streak.failing(self.settings.feed_failure_alert)))
        yield count
        yield failing

    def _queue(self) -> Iterator[Metric]:
        from rq.registry import FailedJobRegistry

        from service.matching import pending_screening
        from service.outbox import pending, work_queue

        try:
            queue = work_queue(self.settings)
            depth, failed = len(queue), len(FailedJobRegistry(queue=queue))
        except (redis.RedisError, ValueError):
            return
        yield GaugeMetricFamily("eligibility_queue_depth", "Jobs waiting in the queue",
                                value=depth)
        yield GaugeMetricFamily("eligibility_jobs_failed", "Jobs in the failed registry",
                                value=failed)
        try:
            waiting = pending(self.settings)
            unscreened = pending_screening(self.settings)
        except sa.exc.SQLAlchemyError:
            return
        yield GaugeMetricFamily("eligibility_outbox_pending", "Follow-up work not yet done",
                                value=waiting)
        yield GaugeMetricFamily("eligibility_vendors_screening_pending",
                                "Vendors the matcher in use has not screened yet (their "
                                "answers are review / screening_pending)", value=unscreened)


def _changed(folder: Path) -> Iterator[float]:
    """When each journal file was last written (a shipper may delete one at any time)."""
    for path in folder.glob("*.jsonl") if folder.is_dir() else ():
        try:
            yield path.stat().st_mtime
        except FileNotFoundError:
            continue
