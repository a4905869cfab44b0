"""Where a decision request's time goes: `python -m bench.profiling [--top N]` (not in the run-all).

Builds the app in-process on a temp demo database, calls it as WSGI (no server, no test
client overhead), times livez, a single decision with and without the decision-log write, and
a 1,000-item batch, then prints cProfile's top functions by own time for single and batch.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from werkzeug.test import EnvironBuilder

from bench.batch import batch_items
from bench.http import SCRIPT
from bench.server import Server, workspace
from config.settings import Settings
from service import clock, create_app
from service.demo_loader import load_into_database
from service.keys import create_key
from service.store.migrate import upgrade


def _app(workdir: Path, redis_url: str) -> tuple[Any, Server]:
    database = workdir / "profile.db"
    url = f"sqlite:///{database}"
    upgrade(url)
    settings = Settings(var_dir=str(workdir), database_url=url, redis_url=redis_url,
                        follow_snapshots=False)
    load_into_database(settings)
    _, secret, _ = create_key(url, "profile", "ota", "bench", clock.now())
    return create_app(settings=settings), Server("", secret, database, 1)


def _caller(app: Any, path: str, body: bytes | None, key: str) -> Callable[[], bytes]:
    headers = [("Authorization", f"Bearer {key}"), ("Content-Type", "application/json")]
    environ = EnvironBuilder(path=path, method="POST" if body else "GET",
                             headers=headers if body else []).get_environ()

    def call() -> bytes:
        env = dict(environ, **{"wsgi.input": io.BytesIO(body or b""),
                               "CONTENT_LENGTH": str(len(body or b""))})
        out = app(env, lambda *args: None)
        data = b"".join(out)
        getattr(out, "close", lambda: None)()
        return data

    return call


def _per_call_us(call: Callable[[], bytes], n: int) -> float:
    call()
    start = time.perf_counter_ns()
    for _ in range(n):
        call()
    return (time.perf_counter_ns() - start) / n / 1000


def _profile(call: Callable[[], bytes], n: int, top: int, title: str) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        call()
    profiler.disable()
    print(f"\n== {title}: top {top} by own time ==")
    pstats.Stats(profiler).strip_dirs().sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profiling", description=__doc__)
    parser.add_argument("--top", type=int, default=20)
    top = parser.parse_args().top
    code = [line for line in SCRIPT.read_text().splitlines() if not line.startswith("--")]
    single = "".join(part.split("'")[1] for part in code if "'" in part).encode()
    with workspace() as (workdir, redis_url):
        app, server = _app(workdir, redis_url)
        batch = orjson.dumps({"items": batch_items(server)})
        livez = _caller(app, "/livez", None, server.api_key)
        one = _caller(app, "/api/v1/decisions", single, server.api_key)
        many = _caller(app, "/api/v1/decisions/batch", batch, server.api_key)
        print(f"livez                         {_per_call_us(livez, 2000):9.0f} µs/request")
        print(f"single decision, log on       {_per_call_us(one, 500):9.0f} µs/request")
        print(f"batch of 1,000, log on        {_per_call_us(many, 5) / 1000:9.0f} µs/item")
        services = app.extensions["eligibility"]
        write = services.decision_log.write
        services.decision_log.write = lambda rows: None  # what the rest costs without the log
        print(f"single decision, log stubbed  {_per_call_us(one, 2000):9.0f} µs/request")
        print(f"batch of 1,000, log stubbed   {_per_call_us(many, 5) / 1000:9.0f} µs/item")
        services.decision_log.write = write
        _profile(one, 1000, top, "single decision (log on; the log's commit runs in its thread)")
        _profile(many, 5, top, "batch of 1,000 items (log on)")


if __name__ == "__main__":
    main()
