"""`python -m bench`: the benchmarks of docs/performance.md; the ratios on the very last line.

The in-process rules benchmark runs first, alone on the machine; then one real server (granian,
as production runs it) serves the single-decision and the batch benchmarks in turn, on SQLite.
When `DATABASE_URL` names a PostgreSQL database, a second server on a fresh database next to it
(and on `REDIS_URL`, if set) serves the single-decision and batch benchmarks again.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench import (
    batch,
    dashboard,
    feeds,
    http,
    names,
    pairs,
    pgdb,
    propagation,
    rules,
    safety,
    screening,
)
from bench.ratios import ratios_line
from bench.server import Server, running_server, workspace

NAMES = ["rules", "names", "pairs", "screening", "feeds", "dashboard", "http", "batch",
         "propagation", "safety"]
OFFLINE = {  # benchmarks that need no server: (title, function)
    "names": ("name matching quality (name_bench, 826 labelled pairs)", names.run),
    "pairs": ("name matching quality (csl_pairs, aliases from public lists)", pairs.run),
    "screening": ("screening 2,000 vendors against 60,000 listed names", screening.run),
    "feeds": ("CSL-sized import: 20,000 entries, 60,000 names (own process)", feeds.run),
}


def _guarded(name: str, bench: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    print(f"\n== {name} ==", flush=True)
    try:
        result = bench()
    except Exception as exc:  # one failing benchmark must not hide the others' results
        traceback.print_exc(limit=3, file=sys.stdout)
        return {"error": f"{type(exc).__name__}: {exc}"}
    for key, value in result.items():
        print(f"  {key}: {_fmt(value)}")
    return result


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


SERVED = {  # benchmarks against a running server: (title, function)
    "http": ("single decisions vs /livez and a bare WSGI app (wrk, 16 and 64 connections, "
             f"{http.DURATION_S} s runs, {http.ROUNDS} rounds)", http.run),
    "batch": ("batch decisions (1,000 items, 4 client threads, ~5 s)", batch.run),
    "propagation": ("a restricting change reaching every web process (10 rounds)",
                    propagation.run),
    "safety": ("what must never happen: 5xx to writes, duplicates, late allows", safety.run),
}


def _served(served: list[str], workdir: Path, redis_url: str, database_url: str = "",
            prefix: str = "") -> dict[str, dict[str, Any]]:
    """Run the `served` benchmarks against one server; their results under `prefix`+name."""
    results: dict[str, dict[str, Any]] = {}
    try:
        with running_server(workdir, redis_url, database_url) as server:
            print(f"\nserver: granian, {server.workers} workers at {server.base_url}, "
                  f"{_engine(server)}, Redis {redis_url}")
            for name in served:
                title, bench = SERVED[name]
                shown = f"PostgreSQL: {title}" if prefix else title
                results[prefix + name] = _guarded(shown, _bound(bench, server))
    except Exception as exc:  # the server did not start: say so, keep the last line
        print(f"\nthe server benchmarks could not run: {exc}")
        for name in served:
            results.setdefault(prefix + name, {"error": str(exc)})
    return results


def _on_postgres(served: list[str], url: str, workdir: Path, redis_url: str
                 ) -> dict[str, dict[str, Any]]:
    """The `served` benchmarks again, on a fresh database on `url`'s PostgreSQL server."""
    results: dict[str, dict[str, Any]] = {}
    try:
        with pgdb.fresh_database(url) as fresh:
            results = _served(served, workdir, redis_url, fresh, "pg_")
    except Exception as exc:  # no database could be made (or dropped): the rest still counts
        print(f"\nthe PostgreSQL database for the benchmarks: {exc}")
    return results or {f"pg_{name}": {"error": "no PostgreSQL database"} for name in served}


def _bound(bench: Callable[[Server], dict[str, Any]], server: Server
           ) -> Callable[[], dict[str, Any]]:
    return lambda: bench(server)


def _engine(server: Server) -> str:
    return "PostgreSQL" if server.database is None else "SQLite"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", action="append", choices=NAMES,
                        help="run only this benchmark (repeatable)")
    wanted = parser.parse_args(argv).only or NAMES
    results: dict[str, dict[str, Any]] = {}
    with workspace() as (workdir, redis_url):
        if "rules" in wanted:
            results["rules"] = _guarded("rules (in-process, one core)",
                                        lambda: rules.run(workdir, redis_url))
        for name, (title, bench) in OFFLINE.items():
            if name in wanted:
                results[name] = _guarded(title, bench)
        if "dashboard" in wanted:
            results["dashboard"] = _guarded(
                "dashboard pages with the demo data (median of 5 renders each, in process)",
                lambda: dashboard.run(workdir, redis_url))
        served = [name for name in ("http", "batch", "propagation", "safety")
                  if name in wanted]
        if served:
            results.update(_served(served, workdir, redis_url))
        pg_url, pg_served = pgdb.postgres_url(), [n for n in served if n in ("http", "batch")]
        if pg_url and pg_served:
            results.update(_on_postgres(pg_served, pg_url, workdir,
                                        os.environ.get("REDIS_URL") or redis_url))
    print()
    print(ratios_line(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
