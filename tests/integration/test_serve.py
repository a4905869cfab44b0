"""`python -m service serve --demo` on the embedded defaults: a newcomer's first run."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


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


def test_serve_demo_answers_decisions_and_stops_its_redis(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(ELIG_VAR_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path}/service.db",
               ELIG_WEB_WORKERS="1")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    serve = subprocess.Popen([sys.executable, "-m", "service", "serve", "--demo", "--port",
                              str(port)], cwd=ROOT, env=env)
    try:
        wait_until_live(url, serve, seconds=60)
        made = subprocess.run([sys.executable, "-m", "service", "create-key", "--role", "ota",
                               "--name", "newcomer"], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True)
        key = made.stdout.strip().splitlines()[-1]
        answer = requests.post(f"{url}/api/v1/decisions", timeout=10,
                               headers={"Authorization": f"Bearer {key}"}, json={
            "device": {"vendor": "Huawei Technologies Co., Ltd.", "model": "P30 Pro"},
            "update": {"supplier": "Google LLC", "supplier_country": "US",
                       "kind": "security_patch", "product": "Android",
                       "enhances_functionality": False},
            "at": "2019-06-01T00:00:00Z"})
        assert answer.status_code == 200, answer.text
        assert (answer.json()["verdict"], answer.json()["basis"]) == ("allow", "licensed")
        ready = requests.get(f"{url}/readyz", timeout=5)
        assert ready.json()["checks"]["redis"] is True
    finally:
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=30) == 0
    socket_path = tmp_path / f"redis-{os.getuid()}" / "redis.sock"
    assert not socket_path.exists() or not _answers(socket_path)


def _answers(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX) as s:
        try:
            s.connect(str(path))
            return True
        except OSError:
            return False
