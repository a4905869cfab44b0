"""The parts one process shares between requests, kept in `app.extensions["eligibility"]`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from config.settings import Settings
from service import outbox
from service.decision_log import DecisionLog
from service.eligibility import Policy
from service.snapshot import SnapshotHolder
from service.sources.freshness import Freshness


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

    def committed(self, data_version: int) -> None:
        """After a write: serve the new version here, tell the other processes, and hand the
        follow-up work the write recorded (recompute, screen) to the queue."""
        self.snapshots.publish(data_version)
        outbox.relay_quietly(self.settings, self.clock())

    def out_of_touch(self, now: datetime) -> bool:
        return self.snapshots.out_of_touch(now, self.staleness_limit)


def services() -> Services:
    found: Services = current_app.extensions["eligibility"]
    return found
