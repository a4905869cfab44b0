"""The real server for the HTTP benchmarks: `python -m service web` (granian) on a temp database.

`workspace()` makes a temp directory and starts a private Redis in it; `running_server()`
prepares a database (a SQLite file there, or a given PostgreSQL database) with the CLI (schema,
demo, an `ota` key) exactly as an operator would, starts the web server the way production
does and stops it afterwards. `running_bare()` serves `bench.bare` the same way, for the
stack's limit.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
import sqlalchemy as sa

from config.settings import from_env
from service.embedded import EmbeddedRedis

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EDITOR_NAME = "bench editor"  # the API key the benchmarks register their own records with


@dataclass(frozen=True)
class Server:
    base_url: str
    api_key: str
    database: Path | None  # the SQLite file; None when the server runs on PostgreSQL
    workers: int
    editor_key: str = ""
    redis_url: str = ""
    database_url: str = ""  # what the server was given; empty: the SQLite file's URL
    # The granian main process: its tree's CPU time is the server's cost per request.
    process: subprocess.Popen[bytes] | None = None
    workdir: Path | None = None  # where the benchmarks may write scripts and feeds

    @property
    def url(self) -> str:
        """The database's SQLAlchemy URL, whichever engine serves it."""
        return self.database_url or f"sqlite:///{self.database}"

    def sqlite_file(self) -> Path:
        """The SQLite file, for the benchmarks that read it directly (SQLite runs only)."""
        if self.database is None:
            raise RuntimeError("this benchmark reads the SQLite file; the server runs on "
                               f"{sa.engine.make_url(self.url).get_backend_name()}")
        return self.database


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
def running_server(workdir: Path, redis_url: str, database_url: str = "") -> Iterator[Server]:
    """Prepare a database with the demo and keys, serve it with granian, stop it after.

    Without `database_url`, a new SQLite file in `workdir`; with one, that (empty) database,
    with a var dir of its own so that it never replays the SQLite server's spool. Each server
    gets its own RQ queue name: a shared Redis may serve other processes, which must not pick
    up this server's jobs.
    """
    database = None if database_url else workdir / "http.db"
    url = database_url or f"sqlite:///{database}"
    var_dir = workdir / "var-pg" if database_url else workdir
    queue = f"bench-{os.urandom(4).hex()}"
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=redis_url, ELIG_VAR_DIR=str(var_dir),
               ELIG_QUEUE_NAME=queue, PYTHONPATH=str(PROJECT_ROOT))
    try:
        _service(["db", "upgrade"], env)
        _service(["demo"], env)
        api_key = _service(["create-key", "--role", "ota", "--name", "bench"], env)
        editor = _service(["create-key", "--role", "editor", "--name", EDITOR_NAME], env)
        with _serving(["service", "web"], env, var_dir / "server.log") as (base_url, process):
            yield Server(base_url, api_key.splitlines()[-1].strip(), database,
                         from_env(env).web_workers, editor.splitlines()[-1].strip(), redis_url,
                         database_url, process, workdir)
    finally:
        _drop_queue(redis_url, queue)


def _drop_queue(redis_url: str, queue: str) -> None:
    """Remove the jobs the writes queued (no worker runs here) and the queue's registries."""
    import redis
    from rq import Queue

    try:
        connection = redis.Redis.from_url(redis_url, socket_timeout=5)
        Queue(queue, connection=connection).delete(delete_jobs=True)
        for key in connection.scan_iter(match=f"*{queue}*"):  # the name is ours alone
            connection.delete(key)
    except redis.RedisError as exc:  # leftovers in a shared Redis are untidy, not wrong
        print(f"could not remove the bench's RQ queue {queue}: {exc}", flush=True)


@contextmanager
def running_bare(workdir: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Serve `bench.bare` with the service's workers and threads; yield its URL and process."""
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    with _serving(["bench.bare"], env, workdir / "bare.log") as served:
        yield served


@contextmanager
def _serving(module: list[str], env: dict[str, str], log_path: Path
             ) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start `python -m <module> --port N` in a session of its own; stop it and its workers."""
    port = _free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", *module, "--port", str(port)], env=env,
            cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_live(base_url, process, log_path)
        yield base_url, process
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


def decision_log_count(database_url: str) -> int:
    """How many decisions the log holds (a row is one request: one decision or a batch)."""
    with _connection(database_url) as conn:
        query = "SELECT coalesce(sum(size), 0) FROM decision_log"
        return int(conn.execute(sa.text(query)).scalar_one())


def data_version(database_url: str) -> int:
    """The newest committed data version: what every process serves once a write reached it."""
    with _connection(database_url) as conn:
        return int(conn.execute(sa.text("SELECT max(number) FROM data_versions")).scalar_one())


def await_everywhere(server: Server, timeout: float = 30, in_a_row: int = 10) -> None:
    """Wait until every web process serves the newest data version.

    A write is in its own process's snapshot when answered; the other processes hear of it
    through Redis (or their next poll), a moment later. New connections land on any worker,
    so `in_a_row` fresh-connection answers at the version mean all of them have it.
    """
    wanted, seen = data_version(server.url), 0
    deadline = time.monotonic() + timeout
    while seen < in_a_row:
        if time.monotonic() > deadline:
            raise RuntimeError(f"data version {wanted} did not reach every web process "
                               f"within {timeout} s")
        ready = requests.get(f"{server.base_url}/readyz", headers={"Connection": "close"},
                             timeout=10).json()
        seen = seen + 1 if int(ready.get("data_version") or 0) >= wanted else 0
        if not seen:
            time.sleep(0.05)  # bounded by the deadline above


def ids(database_url: str, table: str) -> list[str]:
    """The ids of a table's records (for realistic request bodies), less those written with
    the benchmarks' editor key: bodies built from them stay the same whatever ran before."""
    query = (f"SELECT DISTINCT id FROM {table} WHERE recorded_by NOT IN"
             f" (SELECT 'key:' || id FROM api_keys WHERE name = :editor) ORDER BY id")
    with _connection(database_url) as conn:
        return [row[0] for row in conn.execute(sa.text(query), {"editor": EDITOR_NAME})]


@contextmanager
def _connection(database_url: str) -> Iterator[sa.Connection]:
    """One connection that leaves nothing behind: no pool outlives the call."""
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()
