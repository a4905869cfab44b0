"""`python -m service serve --demo` on the embedded defaults: a newcomer's first run."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from tests.feeds.feed_server import wait_for

ROOT = Path(__file__).resolve().parents[2]
# What RQ, its scheduler, `rq cron` and granian say about every job and request: only with
# --verbose, or a person cannot find the URL to open among them.
CHATTER = ("Job OK", "default: ", "Successfully completed", "Enqueued job", "Listening at",
           "Spawning worker", "GET /")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_live(url: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "serve exited early"
        try:
            if requests.get(f"{url}/livez", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
    raise AssertionError(f"{url} did not come up within {seconds} s")


def create_key(role: str, env: dict[str, str]) -> str:
    made = subprocess.run([sys.executable, "-m", "service", "create-key", "--role", role,
                           "--name", f"newcomer {role}"], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)
    return made.stdout.strip().splitlines()[-1]


def poll_pending(url: str, key: str, seconds: float) -> dict[str, dict[str, Any]]:
    """The pending matches once the feed's screening has made them: listed name -> match."""
    found: list[dict[str, Any]] = []

    def queued() -> bool:  # (a key just made reaches the web process within a second)
        answer = requests.get(f"{url}/api/v1/matches?status=pending", timeout=10,
                              headers={"Authorization": f"Bearer {key}"})
        found[:] = answer.json()["items"] if answer.status_code == 200 else []
        return bool(found)

    wait_for(queued, seconds)  # the worker is importing the feed
    return {match["evidence"]["listed_name"]: match for match in found}


def decide(url: str, key: str) -> tuple[str, str]:
    answer = requests.post(f"{url}/api/v1/decisions", timeout=10,
                           headers={"Authorization": f"Bearer {key}"}, json={
        "device": {"vendor": "Huawei Technologies Co., Ltd.", "model": "P30 Pro"},
        "update": {"supplier": "Google LLC", "supplier_country": "US",
                   "kind": "security_patch", "product": "Android",
                   "enhances_functionality": False},
        "at": "2019-06-01T00:00:00Z"})
    assert answer.status_code == 200, answer.text
    return answer.json()["verdict"], answer.json()["basis"]


def serve_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"REDIS_URL", "DATABASE_URL"} and not k.startswith("ELIG_LOG_")}
    env.update(ELIG_VAR_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path}/service.db",
               ELIG_WEB_WORKERS="1", **settings)
    return env


def start_serve(port: int, env: dict[str, str], output: Path, *options: str
                ) -> subprocess.Popen[bytes]:
    with output.open("wb") as out:  # (a file: a pipe nobody reads would fill and block)
        return subprocess.Popen([sys.executable, "-m", "service", "serve", "--port", str(port),
                                 *options], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def test_serve_demo_answers_decisions_and_stops_its_redis(tmp_path):
    env = serve_env(tmp_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    output = tmp_path / "serve.log"
    serve = start_serve(port, env, output, "--demo")
    try:
        wait_until_live(url, serve, seconds=60)
        key = {role: create_key(role, env) for role in ("ota", "editor")}
        # The sample feed is refreshed and screened by the worker: Huawei gets two near matches,
        # its Düsseldorf affiliate and its brand in "Huawei Cloud Computing Technology" (listed
        # from 2020-08-17), and stays in review until a person dismisses the one in force.
        found = poll_pending(url, key["editor"], seconds=90)
        cloud = found["Huawei Cloud Computing Technology Co., Ltd."]
        assert cloud["evidence"]["vendor_name"] == "Huawei"
        assert "brand_contained" in cloud["evidence"]["rules"]
        pending = found["Huawei Technologies D'sseldorf GmbH"]
        assert pending["evidence"]["vendor_name"] == "Huawei Technologies Co., Ltd."
        # (the list reads the database; answers follow it within a second, from the snapshot)
        wait_for(lambda: decide(url, key["ota"]) == ("review", "possible_match"), 5)
        dismissed = requests.post(f"{url}/api/v1/matches/{pending['id']}/dismiss", timeout=10,
                                  headers={"Authorization": f"Bearer {key['editor']}"},
                                  json={"reason": "a German affiliate, not this company"})
        assert dismissed.status_code == 200, dismissed.text
        assert decide(url, key["ota"]) == ("allow", "licensed")
        ready = requests.get(f"{url}/readyz", timeout=5)
        assert ready.json()["checks"]["redis"] is True
    finally:
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=30) == 0
    socket_path = tmp_path / f"redis-{os.getuid()}" / "redis.sock"
    assert not socket_path.exists() or not _answers(socket_path)
    # A person sees where it serves, what it loaded and where things are, and little else.
    said = output.read_text()
    assert f"serving on {url}" in said
    assert "demo data loaded" in said and "sample feed registered" in said
    assert "database: sqlite:///" in said and f"Redis: unix://{socket_path}" in said
    assert f"dashboard: {url}/  sign in as 'admin' with the password " in said
    assert not [line for line in said.splitlines()
                if any(chatter in line for chatter in CHATTER)], said
    assert len(said.splitlines()) < 40, said


def test_serve_logs_one_json_object_per_line_from_every_part(tmp_path):
    env = serve_env(tmp_path, ELIG_LOG_FORMAT="json")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    output = tmp_path / "serve.log"
    serve = start_serve(port, env, output, "--verbose")
    parts = {"service.cli", "_granian", "rq.worker", "rq.cron", "granian.access"}
    try:
        wait_until_live(url, serve, seconds=60)
        answer = requests.get(f"{url}/livez", headers={"X-Request-Id": "probe-1"}, timeout=5)
        assert answer.headers["X-Request-Id"] == "probe-1"
        wait_for(lambda: all(f'"logger": "{part}"' in output.read_text() for part in parts), 30)
    finally:
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=30) == 0
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert all({"timestamp", "level", "logger", "message", "correlation_id"} <= line.keys()
               for line in lines)
    assert parts <= {line["logger"] for line in lines}
    assert any(line["message"] == f"serving on {url}  (Ctrl-C stops everything)"
               for line in lines)


def _answers(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX) as s:
        try:
            s.connect(str(path))
            return True
        except OSError:
            return False
