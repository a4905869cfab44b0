"""`python -m service COMMAND`: serve everything, or run one part; `--help` lists them."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from config.settings import from_env
from service import clock
from service.store.migrate import upgrade


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="web app, one worker and the scheduler")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--demo", action="store_true", help="load the 2016-2020 demo history")
    web = commands.add_parser("web", help="the web app alone (granian)")
    web.add_argument("--port", type=int, default=8000)
    web.add_argument("--host", default="127.0.0.1")
    commands.add_parser("worker", help="one RQ worker")
    commands.add_parser("cron", help="the RQ cron scheduler")
    db = commands.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade"])
    key = commands.add_parser("create-key", help="create an API key; prints it on the last line")
    key.add_argument("--role", required=True, choices=["ota", "viewer", "editor", "admin"])
    key.add_argument("--name", required=True)
    commands.add_parser("demo", help="load the demo history into the database")
    commands.add_parser("verify-audit", help="check the audit log's hash chain")
    args = parser.parse_args(argv)
    return int(COMMANDS[args.command](args) or 0)


def _db(args: argparse.Namespace) -> int:
    upgrade(from_env().database_url)
    print("database is at the newest schema")
    return 0


def _create_key(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from service.api.schemas import KeyIn
    from service.keys import create_key

    try:
        KeyIn(name=args.name, role=args.role)  # the same rules as POST /api/v1/keys
    except ValidationError as exc:
        print(f"invalid key: {exc.errors()[0]['msg']}", file=sys.stderr)
        return 2
    settings = from_env()
    upgrade(settings.database_url)
    key, secret, _ = create_key(settings.database_url, args.name, args.role, "cli", clock.now())
    print(f"created key {key.id} ({key.role}) named {key.name!r}; it is shown only once:")
    print(secret)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from service.demo_loader import load_into_database

    settings = from_env()
    upgrade(settings.database_url)
    print(load_into_database(settings))
    return 0


def _verify(args: argparse.Namespace) -> int:
    from service.store import audit
    from service.store.db import read_session

    with read_session(from_env().database_url) as session:
        broken = audit.first_broken(session)
    print("audit chain intact" if broken is None else f"audit chain broken at entry {broken}")
    return 0 if broken is None else 1


def _web(args: argparse.Namespace) -> int:
    settings = from_env()
    os.execvp(sys.executable, [sys.executable, "-m", "granian", *granian_args(
        args.host, args.port, settings.web_workers)])
    return 0


def granian_args(host: str, port: int, workers: int) -> list[str]:
    return ["--interface", "wsgi", "--factory", "--host", host, "--port", str(port),
            "--workers", str(workers), "--blocking-threads", "8", "--no-ws",
            "--log-level", "warning", "service:create_app"]


def _worker(args: argparse.Namespace) -> int:
    """One RQ worker with its scheduler. The job modules are imported here, before RQ forks a
    work-horse per job, so that each job starts with them loaded (a cold import costs more
    than most jobs)."""
    import redis
    from rq import Queue, Worker
    from rq.logutils import setup_loghandlers

    from workers.jobs import preload

    preload()
    settings = from_env()
    setup_loghandlers("INFO")
    connection = redis.Redis.from_url(settings.redis_url)
    worker = Worker([Queue(settings.queue_name, connection=connection)], connection=connection)
    worker.work(with_scheduler=True)
    return 0


def _cron(args: argparse.Namespace) -> int:
    url = from_env().redis_url
    os.execvp(sys.executable, [sys.executable, "-m", "rq.cli", "cron", "--url", url,
                               "workers.cron"])
    return 0


def _serve(args: argparse.Namespace) -> int:
    from service.embedded import EmbeddedRedis, redis_dir

    settings = from_env()
    embedded = None
    env = dict(os.environ, DATABASE_URL=settings.database_url)
    if not settings.redis_url:
        embedded = EmbeddedRedis(redis_dir(Path(settings.var_dir)))
        env["REDIS_URL"] = embedded.start()
    os.environ.update(env)
    upgrade(settings.database_url)
    if args.demo:
        from service.demo_loader import load_into_database

        print(load_into_database(from_env(), with_feed=True), flush=True)
    here = [sys.executable, "-m", "service"]
    children = [
        subprocess.Popen([sys.executable, "-m", "granian", *granian_args(
            args.host, args.port, settings.web_workers)], env=env),
        subprocess.Popen([*here, "worker"], env=env),
        subprocess.Popen([*here, "cron"], env=env),
    ]
    print(f"serving on http://{args.host}:{args.port}  (Ctrl-C stops everything)", flush=True)
    try:
        signal.signal(signal.SIGTERM, _interrupt)
        children[0].wait()
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        if embedded is not None:
            embedded.stop()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # lets `serve` stop its children the same way as on Ctrl-C


COMMANDS = {"serve": _serve, "web": _web, "worker": _worker, "cron": _cron, "db": _db,
            "create-key": _create_key, "demo": _demo, "verify-audit": _verify}
