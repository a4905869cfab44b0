"""The real server for the HTTP benchmarks: `python -m service web` (granian) on a temp database.

`workspace()` makes a temp directory and starts a private Redis in it; `running_server()`
prepares a SQLite database there with the CLI (schema, demo, an `ota` key) exactly as an
operator would, starts the web server the way production does and stops it afterwards.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from service.embedded import EmbeddedRedis

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Server:
    base_url: str
    api_key: str
    database: Path
    workers: int
    editor_key: str = ""
    redis_url: str = ""


@contextmanager
def workspace() -> Iterator[tuple[Path, str]]:
    """Yield a temp directory and the URL of a private Redis running in it."""
    with tempfile.TemporaryDirectory(prefix="elig-bench-") as tmp:
        redis = EmbeddedRedis(Path(tmp) / "redis")
        url = redis.start()
        try:
            yield Path(tmp), url
        finally:
            redis.stop()


def _service(args: list[str], env: dict[str, str], timeout: float = 180) -> str:
    done = subprocess.run([sys.executable, "-m", "service", *args], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"`python -m service {' '.join(args)}` failed:\n{done.stderr[-2000:]}")
    return done.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(workdir: Path, redis_url: str) -> Iterator[Server]:
    """Prepare a database with the demo and a key, serve it with granian, stop it after."""
    database = workdir / "http.db"
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", REDIS_URL=redis_url,
               ELIG_VAR_DIR=str(workdir), PYTHONPATH=str(PROJECT_ROOT))
    _service(["db", "upgrade"], env)
    _service(["demo"], env)
    api_key = _service(["create-key", "--role", "ota", "--name", "bench"], env).splitlines()[-1]
    editor = _service(["create-key", "--role", "editor", "--name", "bench editor"],
                      env).splitlines()[-1]
    port = _free_port()
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "service", "web", "--port", str(port)], env=env,
            cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_live(base_url, process, log_path)
        workers = int(env.get("ELIG_WEB_WORKERS", "2"))
        yield Server(base_url, api_key.strip(), database, workers, editor.strip(), redis_url)
    finally:
        stop(process)


def _wait_live(base_url: str, process: subprocess.Popen[bytes], log_path: Path,
               timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if requests.get(f"{base_url}/livez", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)  # waiting for a just-started server, bounded by the deadline
    tail = log_path.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"the web server did not come up within {timeout}s:\n{tail}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the server (granian stops its workers), then kill its process group if need be."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    try:  # any worker left behind is in the session this benchmark started for the server
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def decision_log_count(database: Path) -> int:
    """How many decisions the log holds (a row is one request: one decision or a batch)."""
    with sqlite3.connect(database, timeout=30) as conn:
        return int(conn.execute("SELECT coalesce(sum(size), 0) FROM decision_log").fetchone()[0])


def ids(database: Path, table: str) -> list[str]:
    """The current ids of a versioned table (for realistic request bodies)."""
    with sqlite3.connect(database, timeout=30) as conn:
        rows = conn.execute(f"SELECT DISTINCT id FROM {table} ORDER BY id").fetchall()
    return [row[0] for row in rows]
