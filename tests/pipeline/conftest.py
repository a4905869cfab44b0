"""The pipeline on real parts: the app, a feed server on 127.0.0.1, RQ on real Redis.

`pipeline` gives a test an app on a fresh database, admin and editor keys, the environment a
worker reads its settings from, and `work()`, which relays the outbox and runs every queued
job in this process (RQ's `SimpleWorker` in burst mode) until nothing is left, so a test sees
the state the real worker would leave, without waiting on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from rq import Queue, SimpleWorker
from rq.scheduler import RQScheduler
from werkzeug.test import TestResponse

from config.settings import Settings
from service import clock, create_app, outbox
from service.store.db import dispose_all
from tests.conftest import make_keys, make_settings
from tests.feeds.feed_server import FeedServer
from tests.webhooks.conftest import Receiver, receiver  # noqa: F401  (a fixture used here)

FEEDS_ENV = {"ELIG_FEED_CONNECT_TIMEOUT": "1", "ELIG_FEED_READ_TIMEOUT": "1",
             "ELIG_FEED_TOTAL_TIMEOUT": "3", "ELIG_FEED_ALLOW_HOSTS": "127.0.0.1",
             "ELIG_WEBHOOK_ALLOW_HOSTS": "127.0.0.1", "ELIG_WEBHOOK_TIMEOUT": "1"}


@dataclass
class Pipeline:
    settings: Settings
    app: Flask
    keys: dict[str, dict[str, str]]

    @property
    def client(self) -> FlaskClient:
        return self.app.test_client()

    def call(self, method: str, path: str, role: str = "admin", body: Any = None,
             expect: int | None = None) -> TestResponse:
        response = self.client.open(path, method=method, json=body, headers=self.keys[role])
        if expect is not None:
            assert response.status_code == expect, response.get_json()
        return response

    def post(self, path: str, body: Any = None, role: str = "admin", expect: int = 201
             ) -> Any:
        return self.call("POST", path, role, {} if body is None else body, expect).get_json()

    def get(self, path: str, role: str = "admin") -> Any:
        return self.call("GET", path, role, expect=200).get_json()

    def work(self, rounds: int = 20) -> None:
        """Relay and run jobs until the outbox and the queue are both empty."""
        queue = outbox.work_queue(self.settings)
        for _ in range(rounds):
            outbox.relay(self.settings, clock.now())
            self.enqueue_due(queue)
            if not len(queue):
                # What this process's follower thread would do on hearing the workers' news.
                self.app.extensions["eligibility"].snapshots.refresh()
                return
            SimpleWorker([queue], connection=queue.connection).work(burst=True)
        raise AssertionError("work kept coming back after 20 rounds")

    @staticmethod
    def enqueue_due(queue: Queue) -> None:
        """Move scheduled jobs that are due into the queue, as the worker's scheduler does."""
        scheduler = RQScheduler([queue], connection=queue.connection)
        scheduler.acquire_locks()
        try:
            scheduler.enqueue_scheduled_jobs()
        finally:
            scheduler.release_locks()

    def add_source(self, url: str, **fields: Any) -> dict[str, Any]:
        body = {"name": "Test feed", "format": "csl-json", "url": url, **fields}
        created: dict[str, Any] = self.post("/api/v1/sources", body)
        return created

    def refresh(self, source_id: str) -> dict[str, Any]:
        """Ask for a refresh, run it, and return what the source then shows."""
        self.post(f"/api/v1/sources/{source_id}/refresh", expect=202)
        self.work()
        shown: dict[str, Any] = self.get(f"/api/v1/sources/{source_id}")
        return shown


@pytest.fixture
def pipeline(database_url: str, redis_url: str, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[Pipeline]:
    settings = make_settings(database_url, redis_url, var_dir=str(tmp_path),
                             webhook_allow_hosts="127.0.0.1", webhook_timeout=1.0,
                             feed_connect_timeout=1.0, feed_read_timeout=1.0,
                             feed_total_timeout=3.0, feed_allow_hosts="127.0.0.1")
    env = {"DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "ELIG_QUEUE_NAME": settings.queue_name, "ELIG_VAR_DIR": str(tmp_path), **FEEDS_ENV}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = create_app(settings=settings)
    yield Pipeline(settings, app, make_keys(database_url))
    redis.Redis.from_url(redis_url).delete(f"rq:queue:{settings.queue_name}")
    dispose_all()


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server
