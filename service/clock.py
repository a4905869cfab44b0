"""The service's clock: the one place that reads the time (tests move it with time-machine)."""

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
