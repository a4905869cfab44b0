"""Redis away while admins write, then back (or flushed): the outbox rebuilds the queued work.

The writes commit without Redis, screened in their own transaction; their follow-up work
(recompute, notify) waits in the outbox; once Redis answers again the relay queues it and the
worker does it, exactly once in effect. A flush that loses queued jobs is caught the same way,
by the relay's recheck.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine

from service import clock, create_app, outbox
from service.embedded import EmbeddedRedis
from tests.conftest import make_keys, make_settings
from tests.pipeline.conftest import Pipeline


@pytest.fixture
def embedded(tmp_path: Path) -> EmbeddedRedis:
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


def pipeline_on(database_url: str, redis_url: str, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    settings = make_settings(database_url, redis_url, var_dir=str(tmp_path))
    for name, value in {"DATABASE_URL": database_url, "REDIS_URL": redis_url,
                        "ELIG_QUEUE_NAME": settings.queue_name}.items():
        monkeypatch.setenv(name, value)
    return Pipeline(settings, create_app(settings=settings), make_keys(database_url))


def test_work_written_while_redis_is_down_is_done_when_it_returns(
        database_url: str, embedded: EmbeddedRedis, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = pipeline_on(database_url, embedded.url, tmp_path, monkeypatch)
    pipeline.work()
    embedded.stop()
    vendor = pipeline.post("/api/v1/vendors", {"name": "Acme Devices"}, role="editor")
    pipeline.post("/api/v1/designations", {
        "source": "EL", "name": "ACME DEVICES", "effective_from": "2019-05-16"},
        role="editor")
    [match] = pipeline.get(f"/api/v1/matches?vendor_id={vendor['id']}", "viewer")["items"]
    assert match["status"] == "confirmed"  # screened by the write, Redis or not
    assert outbox.pending(pipeline.settings) == 2  # a recompute after each write
    embedded.start()
    pipeline.work()
    assert outbox.pending(pipeline.settings) == 0


def test_jobs_lost_in_a_flush_are_queued_again(database_url: str, embedded: EmbeddedRedis,
                                              tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = pipeline_on(database_url, embedded.url, tmp_path, monkeypatch)
    pipeline.work()
    vendor = pipeline.post("/api/v1/vendors", {"name": "Acme Devices"}, role="editor")
    pipeline.post("/api/v1/designations", {
        "source": "EL", "name": "ACME DEVICES", "effective_from": "2019-05-16"},
        role="editor")
    queue = outbox.work_queue(pipeline.settings)
    assert len(queue) == 2  # relayed at once by the writes: a recompute each
    queue.connection.flushall()
    assert outbox.pending(pipeline.settings) == 2
    with time_machine.travel(clock.now() + outbox.RECHECK_AFTER + timedelta(seconds=1)):
        pipeline.work()
    assert outbox.pending(pipeline.settings) == 0
    [match] = pipeline.get(f"/api/v1/matches?vendor_id={vendor['id']}", "viewer")["items"]
    assert match["status"] == "confirmed"
