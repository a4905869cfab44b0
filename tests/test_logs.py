"""Log lines people and log shippers can read, each carrying the id of its request or job."""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from rq import Queue

from config.settings import PROJECT_ROOT, Settings
from service import logs
from tests.feeds.feed_server import wait_for

FIELDS = {"timestamp", "level", "logger", "message", "correlation_id"}


class Captured:
    """What our own handler writes, in `fmt`, while the test runs."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self.stream = io.StringIO()
        self.handler = logs.handler(fmt, self.stream)

    @property
    def text(self) -> str:
        return self.stream.getvalue()


@pytest.fixture(params=["json", "text"])
def captured(request: pytest.FixtureRequest) -> Iterator[Captured]:
    capture = Captured(request.param)
    root = logging.getLogger()
    root.addHandler(capture.handler)
    try:
        yield capture
    finally:
        root.removeHandler(capture.handler)


@pytest.fixture
def failing_app(app: Flask) -> Flask:
    def fail() -> str:
        raise RuntimeError("the disk is on fire")

    app.add_url_rule("/test-only/fail", view_func=fail)
    return app


def test_a_sane_x_request_id_is_kept_and_answered(client):
    answer = client.get("/livez", headers={"X-Request-Id": "ota-7f3a:2019-06-01/42"})
    assert answer.headers["X-Request-Id"] == "ota-7f3a:2019-06-01/42"


@pytest.mark.parametrize("given", ["", "two words", "x" * 129, "caf\u00e9"])
def test_an_unusable_x_request_id_is_replaced_by_a_new_one(client, given):
    answer = client.get("/livez", headers={"X-Request-Id": given})
    made = answer.headers["X-Request-Id"]
    assert made != given and len(made) == 16
    assert client.get("/livez").headers["X-Request-Id"] not in {made, ""}


@pytest.mark.parametrize("given", [None, "lb-0001-abc"])
def test_an_unexpected_error_logs_the_id_it_answers_with(failing_app, captured, given):
    headers = {"X-Request-Id": given} if given else {}
    answer = failing_app.test_client().get("/test-only/fail", headers=headers)
    assert answer.status_code == 503
    correlation_id = answer.get_json()["correlation_id"]
    assert answer.headers["X-Request-Id"] == correlation_id == (given or correlation_id)
    if captured.fmt == "json":
        [line] = [json.loads(line) for line in captured.text.splitlines()]
        assert FIELDS | {"exception"} <= line.keys()
        assert (line["level"], line["logger"]) == ("ERROR", "service.errors")
        assert line["correlation_id"] == correlation_id
        assert "RuntimeError: the disk is on fire" in line["exception"]
    else:
        first = captured.text.splitlines()[0]
        assert f"ERROR service.errors [{correlation_id}]: unexpected error" in first
        assert "RuntimeError: the disk is on fire" in captured.text


def test_lines_outside_a_request_carry_no_correlation_id():
    capture = Captured("json")
    record = logging.LogRecord("service.outbox", logging.WARNING, __file__, 1,
                               "outbox relay deferred: %s", ("Redis is down",), None)
    assert capture.handler.filter(record)
    line = json.loads(capture.handler.format(record))
    assert line["message"] == "outbox relay deferred: Redis is down"
    assert line["correlation_id"] is None and line["timestamp"].endswith("Z")


def test_unknown_levels_and_formats_are_refused():
    assert logs.level_of("warning") == logging.WARNING
    assert logs.level_of(" INFO ") == logs.level_of("warning", verbose=True) == logging.INFO
    assert logs.level_of("debug", verbose=True) == logging.DEBUG
    with pytest.raises(ValueError, match="log level"):
        logs.level_of("loud")
    with pytest.raises(ValueError, match="log format"):
        logs.dict_config(logging.INFO, "xml")


def fail_loudly(reason: str) -> None:
    """A job that fails, for the worker below (RQ imports it by name)."""
    raise RuntimeError(reason)


def test_a_failed_job_is_logged_by_default_with_the_job_id(settings: Settings,
                                                           tmp_path: Path) -> None:
    output = tmp_path / "worker.log"
    env = dict(os.environ, DATABASE_URL=settings.database_url, REDIS_URL=settings.redis_url,
               ELIG_QUEUE_NAME=settings.queue_name, ELIG_LOG_FORMAT="json",
               ELIG_VAR_DIR=str(tmp_path))
    env.pop("ELIG_LOG_LEVEL", None)
    queue = Queue(settings.queue_name, connection=redis.Redis.from_url(settings.redis_url))
    job = queue.enqueue(fail_loudly, "the feed server is on fire",
                        job_id=f"test-fail-{secrets.token_hex(4)}")
    with output.open("wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "service", "worker"], cwd=PROJECT_ROOT,
                                  env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: f'"correlation_id": "{job.id}"' in output.read_text(), 60)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    lines = _lines(output)
    assert all(FIELDS <= line.keys() for line in lines), lines
    failed = [line for line in lines if line["correlation_id"] == job.id]
    assert [line["level"] for line in failed] == ["ERROR"], failed
    assert "RuntimeError: the feed server is on fire" in failed[0]["message"]
    assert not [line for line in lines if line["level"] == "INFO"], "per-job chatter by default"


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
