"""The parts one process shares between requests, kept in `app.extensions["eligibility"]`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from config.settings import Settings
from service.decision_log import DecisionLog
from service.eligibility import Policy
from service.snapshot import SnapshotHolder


@dataclass
class Services:
    settings: Settings
    snapshots: SnapshotHolder
    decision_log: DecisionLog
    policy: Policy
    clock: Callable[[], datetime]

    @property
    def staleness_limit(self) -> timedelta:
        return timedelta(hours=self.settings.staleness_limit_hours)

    def lists_stale(self, now: datetime) -> bool:
        """Whether the restricted-party lists are older than their limit (no feeds yet: no)."""
        return False

    def out_of_touch(self, now: datetime) -> bool:
        return self.snapshots.out_of_touch(now, self.staleness_limit)


def services() -> Services:
    found: Services = current_app.extensions["eligibility"]
    return found
