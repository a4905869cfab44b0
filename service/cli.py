"""`python -m service COMMAND`: serve everything, or run one part; `--help` lists them."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from config.settings import Settings, from_env
from service import clock, logs, metrics_dir
from service.store.migrate import upgrade
from service.users import demo_admin

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    chatty = argparse.ArgumentParser(add_help=False)
    chatty.add_argument("--verbose", action="store_true",
                        help="also log every job and request (as ELIG_LOG_LEVEL=INFO does)")
    serve = commands.add_parser("serve", parents=[chatty],
                                help="web app, one worker and the scheduler")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--demo", action="store_true", help="load the 2016-2020 demo history")
    web = commands.add_parser("web", parents=[chatty], help="the web app alone (granian)")
    web.add_argument("--port", type=int, default=8000)
    web.add_argument("--host", default="127.0.0.1")
    commands.add_parser("worker", parents=[chatty], help="one RQ worker")
    commands.add_parser("cron", parents=[chatty], help="the RQ cron scheduler")
    db = commands.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade"])
    key = commands.add_parser("create-key", help="create an API key; prints it on the last line")
    key.add_argument("--role", required=True, choices=["ota", "viewer", "editor", "admin"])
    key.add_argument("--name", required=True)
    user = commands.add_parser("create-user", help="create a dashboard user; without "
                               "--password-stdin, a generated password is printed last, once")
    user.add_argument("--role", required=True, choices=["viewer", "editor", "admin"])
    user.add_argument("--name", required=True)
    user.add_argument("--password-stdin", action="store_true",
                      help="read the password from the first line of standard input")
    commands.add_parser("demo", help="load the demo history into the database")
    commands.add_parser("verify-audit", help="check the audit log's hash chain")
    devices = commands.add_parser("import-devices", help="import a device file (NDJSON or CSV)")
    devices.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    settings = from_env()
    try:
        logs.configure(_log_level(settings, args), settings.log_format)
    except ValueError as exc:  # ELIG_LOG_LEVEL or ELIG_LOG_FORMAT names nothing we know
        parser.error(str(exc))
    return int(COMMANDS[args.command](args) or 0)


def _log_level(settings: Settings, args: argparse.Namespace) -> int:
    return logs.level_of(settings.log_level, getattr(args, "verbose", False))


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
    key, secret, version = create_key(settings.database_url, args.name, args.role, "cli",
                                      clock.now())
    _announce(settings, version)
    print(f"created key {key.id} ({key.role}) named {key.name!r}; it is shown only once:")
    print(secret)
    return 0


def _create_user(args: argparse.Namespace) -> int:
    from service.users import PasswordRefused, create_user, new_password

    name = args.name.strip()
    if not name or len(name) > 120 or not name.isprintable():
        print("invalid user: a name is 1 to 120 printable characters", file=sys.stderr)
        return 2
    generated = not args.password_stdin
    if generated:
        password = new_password()
    elif sys.stdin.isatty():  # a person at a terminal: ask without echoing
        import getpass

        password = getpass.getpass("Password: ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    settings = from_env()
    upgrade(settings.database_url)
    try:
        user = create_user(settings.database_url, name, args.role, password, "cli", clock.now())
    except PasswordRefused as exc:
        print(f"invalid password: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # the name is taken
        print(f"invalid user: {exc}", file=sys.stderr)
        return 2
    print(f"created user {user.id} ({user.role}) named {user.name!r}")
    if generated:
        print("its password is shown only once:")
        print(password)
    return 0


def _announce(settings: Settings, data_version: int) -> None:
    """Tell the running web processes of a new data version, as a write through the API does:
    on `REDIS_URL`, or on the embedded Redis of `serve` if one is running. (They also find a
    new key in the database at its first use, Redis or not.)"""
    from service.embedded import redis_dir
    from service.snapshot import announce

    url = settings.redis_url
    if not url:
        socket = redis_dir(Path(settings.var_dir)) / "redis.sock"
        url = f"unix://{socket}" if socket.exists() else ""
    if url:
        announce(url, data_version)


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
        broken = audit.verify(session)
    if broken is None:
        print("audit chain intact")
        return 0
    print(f"audit chain broken at entry {broken.seq}: {broken.reason}")
    return 1


def _web(args: argparse.Namespace) -> int:
    """granian, in this process: its workers log as `logs.dict_config` says, as this one does,
    and count their metrics into the folder `python -m service` prepared for them."""
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    os.environ.setdefault("ELIG_SNAPSHOT_GC_FREEZE", "true")  # its workers serve, nothing else
    settings = from_env()
    level = _log_level(settings, args)
    # A worker that dies (OOM killer, a crash in native code) is replaced; without this,
    # granian stops the whole server, the healthy workers with it. A worker dying again within
    # seconds of its respawn still stops the server, for its supervisor to deal with. On
    # SIGTERM, a worker still starting misses the signal; it is killed after 5 s instead of
    # holding the shutdown until the supervisor's SIGKILL (in-flight requests take far less).
    server = Granian(
        "service:create_app", factory=True, interface=Interfaces.WSGI, address=args.host,
        port=args.port, workers=settings.web_workers, blocking_threads=settings.web_threads,
        websockets=False, respawn_failed_workers=True, workers_kill_timeout=5,
        log_level=LogLevels(logging.getLevelName(level).lower()),
        log_dictconfig=logs.dict_config(level, settings.log_format),
        log_access=level <= logging.INFO)
    try:
        server.serve()
    finally:  # the workers' metric files (made by `metrics_dir.prepare`) die with the server
        metrics_dir.remove(os.environ.get(metrics_dir.ENV))
    return 0


def _worker(args: argparse.Namespace) -> int:
    """One RQ worker with its scheduler. The job modules are imported here, before RQ forks a
    work-horse per job, so that each job starts with them loaded (a cold import costs more
    than most jobs)."""
    import redis
    from rq import Queue

    from workers.jobs import preload
    from workers.worker import Worker

    preload()
    settings = from_env()
    connection = redis.Redis.from_url(settings.redis_url)
    worker = Worker([Queue(settings.queue_name, connection=connection)], connection=connection)
    worker.work(with_scheduler=True)
    return 0


def _cron(args: argparse.Namespace) -> int:
    """`rq cron workers.cron`, in this process so that it logs as the others do."""
    import redis
    from rq.cron import CronScheduler

    connection = redis.Redis.from_url(from_env().redis_url)
    scheduler = CronScheduler(connection=connection)
    scheduler.load_config_from_file("workers.cron")
    scheduler.start()
    return 0


def _serve(args: argparse.Namespace) -> int:
    from service.embedded import EmbeddedRedis, redis_dir

    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    settings = from_env()
    level = _log_level(settings, args)  # the parts log as `serve` does
    env = dict(os.environ, DATABASE_URL=settings.database_url,
               ELIG_LOG_LEVEL=logging.getLevelName(level))
    embedded = None if settings.redis_url else EmbeddedRedis(redis_dir(Path(settings.var_dir)))
    children: list[subprocess.Popen[bytes]] = []
    try:
        if embedded is not None:
            env["REDIS_URL"] = embedded.start()
        os.environ.update(env)
        password = _prepare(settings, env["REDIS_URL"] if embedded else "", args.demo)
        children = _start_parts(args.host, args.port, env)
        log.info("serving on http://%s:%d  (Ctrl-C stops everything%s)", args.host, args.port,
                 "" if level <= logging.INFO else "; --verbose shows every job")
        if password:
            log.info("dashboard: http://%s:%d/  sign in as %r with the password %s",
                     args.host, args.port, DEMO_ADMIN, password)
        status = children[0].wait()
        log.error("the web server stopped (exit status %d); stopping everything", status)
        return 1
    except KeyboardInterrupt:
        log.info("stopping")
        return 0
    finally:
        _stop(children)
        if embedded is not None:
            embedded.stop()


def _prepare(settings: Settings, embedded_redis: str, demo: bool) -> str | None:
    """Bring the database up to date, load the demo if asked; say where things are. With the
    demo, return the demo admin's password (new at each start)."""
    log.info("database: %s", _shown(settings.database_url))
    log.info("Redis: %s", f"{embedded_redis} (embedded, stopped on exit)" if embedded_redis
             else _shown(settings.redis_url))
    upgrade(settings.database_url)
    if demo:
        from service.demo_loader import load_into_database

        log.info("%s", load_into_database(from_env(), with_feed=True))
        return demo_admin(settings.database_url, DEMO_ADMIN, clock.now())
    return None


DEMO_ADMIN = "admin"


def _start_parts(host: str, port: int, env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
    """Start the web app, one worker and the scheduler, each in a session of its own: Ctrl-C
    reaches `serve` alone, which stops each part once, then Redis (a part that loses Redis
    before it stops fills the screen)."""
    here = [sys.executable, "-m", "service"]
    return [subprocess.Popen([*here, *part], env=env, start_new_session=True)
            for part in (["web", "--host", host, "--port", str(port)], ["worker"], ["cron"])]


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        child.terminate()
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()


def _shown(url: str) -> str:
    """`url` without its password, fit for a log line."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # lets `serve` stop its children the same way as on Ctrl-C


def _import_devices(args: argparse.Namespace) -> int:
    from service.device_import_cli import import_file

    return import_file(from_env(), args.file)


COMMANDS = {"serve": _serve, "web": _web, "worker": _worker, "cron": _cron, "db": _db,
            "create-key": _create_key, "create-user": _create_user, "demo": _demo,
            "verify-audit": _verify, "import-devices": _import_devices}
