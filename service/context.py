"""The parts one process shares between requests, kept in `app.extensions["eligibility"]`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from config.settings import Settings
from service import outbox
from service.decisions.log import DecisionLog
from service.eligibility import Policy
from service.metrics import POST_COMMIT_FAILURES
from service.snapshot import SnapshotHolder
from service.sources.freshness import Freshness

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    snapshots: SnapshotHolder
    decision_log: DecisionLog
    policy: Policy
    clock: Callable[[], datetime]
    freshness: Freshness

    @property
    def staleness_limit(self) -> timedelta:
        return timedelta(hours=self.settings.staleness_limit_hours)

    def lists_stale(self, now: datetime) -> bool:
        """Whether any enabled source's lists are older than its staleness limit."""
        return self.freshness.stale(now)

    def committed(self, data_version: int | None) -> None:
        """After a write: serve the new version here, tell the other processes, and hand the
        follow-up work the write recorded (recompute, notify) to the queue.

        Nothing here may turn the committed write into an error for its client: a failure is
        logged and counted, and caught up later (the snapshot follows the database's version
        within `snapshot_poll_seconds`, the scheduled relay within a minute).
        """
        if data_version is not None:
            try:
                self.snapshots.publish(data_version)
            except Exception:  # broad on purpose: the write is committed whatever happened
                POST_COMMIT_FAILURES.labels("publish").inc()
                log.exception("could not serve data version %s yet; the poll catches up",
                              data_version)
        outbox.relay_quietly(self.settings, self.clock())

    def start(self) -> None:
        """Start this process's threads (after any fork): following new data versions, unless
        the settings say not to, and shipping the decision journal."""
        if self.settings.follow_snapshots:
            self.snapshots.start()
        self.decision_log.start()

    def out_of_touch(self, now: datetime) -> bool:
        return self.snapshots.out_of_touch(now, self.staleness_limit)


def services() -> Services:
    found: Services = current_app.extensions["eligibility"]
    return found
