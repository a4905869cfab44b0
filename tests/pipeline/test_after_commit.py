"""Whatever fails after a commit, the committed write is answered `2xx`, and its work happens.

Redis refusing writes (out of memory), Redis gone, the relay raising what it never should,
the snapshot not rebuilding: the write is on record, so its client must hear so. The failure
is logged and counted in `/metrics`, and the outbox's scheduled relay does the work later.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from rq.exceptions import InvalidJobOperation

from service import outbox
from service.embedded import EmbeddedRedis
from tests.pipeline.conftest import Pipeline
from tests.pipeline.test_outbox_redis import embedded, pipeline_on  # noqa: F401  (a fixture)
from tests.pipeline.test_staleness import metrics


def failures(pipeline: Pipeline, step: str) -> float:
    prefix = f'eligibility_post_commit_failures_total{{step="{step}"}} '
    lines = [line for line in metrics(pipeline).splitlines() if line.startswith(prefix)]
    return float(lines[0].removeprefix(prefix)) if lines else 0.0


def test_a_write_is_answered_while_redis_refuses_to_queue_and_done_later(
        database_url: str, embedded: EmbeddedRedis, tmp_path: Path,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = pipeline_on(database_url, embedded.url, tmp_path, monkeypatch)
    pipeline.work()
    server = redis.Redis.from_url(embedded.url)
    server.config_set("maxmemory", "1")  # every write to Redis now fails: OOM
    try:
        before = failures(pipeline, "relay")
        pipeline.post("/api/v1/vendors", {"name": "Acme Devices"}, role="editor")
        assert failures(pipeline, "relay") == before + 1
        assert outbox.pending(pipeline.settings) == 1  # the recompute, not yet queued
    finally:
        server.config_set("maxmemory", "0")
    pipeline.work()
    assert outbox.pending(pipeline.settings) == 0


def test_a_relay_that_raises_the_unexpected_never_fails_the_write(
        pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    def vanished(*args: object) -> int:
        raise InvalidJobOperation("Failed to retrieve status for job")  # the race once seen

    before = failures(pipeline, "relay")
    with monkeypatch.context() as fault:
        fault.setattr(outbox, "relay", vanished)
        created = [pipeline.post("/api/v1/vendors", {"name": f"Vendor {n}"}, role="editor")
                   for n in range(3)]
    assert len({v["id"] for v in created}) == 3
    assert failures(pipeline, "relay") == before + 3
    pipeline.work()  # the scheduled relay's turn
    assert outbox.pending(pipeline.settings) == 0


def test_a_snapshot_that_cannot_be_rebuilt_after_the_commit_never_fails_the_write(
        pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    holder = pipeline.app.extensions["eligibility"].snapshots
    holder.current  # noqa: B018  (built before the fault)

    def unreachable(data_version: int) -> None:
        raise OSError("the database went away just after the commit")

    before = failures(pipeline, "publish")
    with monkeypatch.context() as fault:
        fault.setattr(holder, "publish", unreachable)
        created = pipeline.post("/api/v1/vendors", {"name": "Acme Devices"}, role="editor")
    assert failures(pipeline, "publish") == before + 1
    assert pipeline.get(f"/api/v1/vendors/{created['id']}", "viewer")["name"] == "Acme Devices"
