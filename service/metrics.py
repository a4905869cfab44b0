"""Prometheus metrics of one process (each granian worker exposes its own on `/metrics`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import redis
import sqlalchemy as sa
from prometheus_client import Counter, Gauge
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from config.settings import Settings
    from service.sources.freshness import Freshness

DECISIONS = Counter("eligibility_decisions", "Decisions answered", ["verdict", "basis"])
DATA_VERSION = Gauge("eligibility_snapshot_data_version", "Data version of this process's snapshot")
POST_COMMIT_FAILURES = Counter(
    "eligibility_post_commit_failures", "Work after a committed write that failed (it is "
    "caught up later: the relay by the scheduler, the snapshot by the version poll)", ["step"])
SNAPSHOT_BUILT = Gauge("eligibility_snapshot_built_timestamp_seconds",
                       "When this process built its snapshot (Unix time)")


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
