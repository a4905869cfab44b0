"""Prometheus metrics of one process (each granian worker exposes its own on `/metrics`)."""

from prometheus_client import Counter, Gauge

DECISIONS = Counter("eligibility_decisions", "Decisions answered", ["verdict", "basis"])
DATA_VERSION = Gauge("eligibility_snapshot_data_version", "Data version of this process's snapshot")
SNAPSHOT_BUILT = Gauge("eligibility_snapshot_built_timestamp_seconds",
                       "When this process built its snapshot (Unix time)")
