"""Where a decision request's time goes: `python -m bench.profiling [--top N]` (not in the run-all).

Builds the app in-process on a temp demo database, calls it as WSGI (no server, no test
client overhead), times livez, a single decision with and without the decision-log write, and
a 1,000-item batch; then each stage of a single decision on its own (the request's budget in
µs), and cProfile's top functions by own time for single and batch.
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
from service import eligibility as el
from service.api.schemas import DecisionRequest
from service.decisions.journal import Journal
from service.decisions.journal import line as journal_line
from service.decisions.judge import decide, judge_at, moment
from service.decisions.log import LogRecord, new_request_id
from service.decisions.parse import Bodies
from service.decisions.render import render
from service.decisions.resolve import resolve
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


def _stages(app: Any, server: Server, single: bytes, workdir: Path) -> None:
    """Each stage of a plain single decision on its own, µs per call (the request's budget)."""
    services = app.extensions["eligibility"]
    snapshot = services.snapshots.current
    raw = orjson.loads(single)
    req = DecisionRequest.model_validate(raw)
    view = snapshot.view(None)
    now = clock.now()
    key, party, model, update = resolve(snapshot, view, req)
    asked = moment(services, snapshot, now)
    judged = judge_at(asked, req)
    bodies = Bodies()
    journal = Journal(workdir / "stage-journal")
    record = LogRecord(new_request_id(), now, "key", snapshot.data_version)
    record.add(None, raw, asked.now_iso, judged)
    line = journal_line([record.row()], record.bodies)
    stages: list[tuple[str, Callable[[], Any]]] = [
        ("auth: key by its hash", lambda: services.snapshots.key(server.api_key)),
        ("parse: body seen before", lambda: bodies.request(single)),
        ("parse+validate: new body", lambda: DecisionRequest.model_validate(orjson.loads(single))),
        ("moment: clock, staleness", lambda: moment(services, snapshot, clock.now())),
        ("resolve: device, update", lambda: resolve(snapshot, view, req)),
        ("rules: cached window", lambda: decide(view, key, party, model, update, now,
                                                 services.policy, False, 1)),
        ("rules: evaluated afresh", lambda: el.evaluate(
            el.Case(party, model, update, view.licences_by_vendor.get(party.vendor_id or "", ())),
            now, services.policy)),
        ("render: answer bytes", lambda: render(judged, record.id, asked.now_iso, asked.now_iso)),
        ("log: record, row, line", lambda: journal_line([record.row()], record.bodies)),
        ("log: append + fdatasync", lambda: journal.append(line)),
    ]
    print("\n== a plain single decision, stage by stage (µs per call, one thread) ==")
    for name, call in stages:
        print(f"  {name:30s} {_per_call_us(call, 3000 if 'fdatasync' not in name else 300):8.1f}")


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
        _stages(app, server, single, workdir)
        _profile(one, 1000, top, "single decision (log on; the log's commit runs in its thread)")
        _profile(many, 5, top, "batch of 1,000 items (log on)")


if __name__ == "__main__":
    main()
