"""Single decisions over HTTP against `GET /livez` and a bare WSGI app, side by side, with `wrk`.

Each round runs, at 16 and then at 64 connections, 5 s each of: `/livez`, the one repeated
decision (`decision.lua`), 1,000 distinct decisions (`bench.distinct`), and `bench.bare` (the
constant answer granian and WSGI alone can give, served with the same workers and threads).
Ratios are taken per round, side by side, and the medians reported; so is the server's CPU
time per request (its whole process tree; PostgreSQL's own processes are not in it), and
the share of the machine's CPU that went elsewhere meanwhile (other work skews absolute
figures; on PostgreSQL, its backends are in that share).
"""

from __future__ import annotations

import os
import re
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from bench import distinct
from bench.cpu import Others
from bench.server import Server, running_bare
from bench.wrk import ensure_wrk, wrk

ROUNDS = 3
DURATION_S = 5
CONNECTIONS = (16, 64)
SCRIPT = Path(__file__).resolve().parent / "decision.lua"


@dataclass(frozen=True)
class Target:
    url: str
    script: Path | None
    pid: int | None  # whose process tree's CPU time a request costs


def check_decision(server: Server) -> dict[str, Any]:
    """Send the script's body once and return the answer, to show what is being measured."""
    code = [line for line in SCRIPT.read_text().splitlines() if not line.startswith("--")]
    body = re.findall(r"'([^']*)'", "\n".join(code))
    response = requests.post(f"{server.base_url}/api/v1/decisions", data="".join(body),
                             headers={"Authorization": f"Bearer {server.api_key}",
                                      "Content-Type": "application/json"}, timeout=30)
    if response.status_code != 200:
        raise RuntimeError(f"the decision request failed: {response.status_code} "
                           f"{response.text[:500]}")
    answer: dict[str, Any] = response.json()
    return answer


def run(server: Server, rounds: int = ROUNDS, seconds: int = DURATION_S) -> dict[str, Any]:
    binary = ensure_wrk()
    if binary is None:
        return {"skipped": "wrk is not installed and cannot be installed here (not root); "
                           "run `apt-get install -y wrk` and try again"}
    if server.workdir is None or server.process is None:
        raise RuntimeError("the HTTP benchmark needs a server it started (workdir, process)")
    answer = check_decision(server)
    script, fixtures = distinct.prepare(server, server.workdir)
    env = dict(os.environ, BENCH_API_KEY=server.api_key)
    decide, pid = f"{server.base_url}/api/v1/decisions", server.process.pid
    with running_bare(server.workdir) as (bare_url, bare):
        targets = {"livez": Target(f"{server.base_url}/livez", None, pid),
                   "decision": Target(decide, SCRIPT, pid),
                   "distinct": Target(decide, script, pid),
                   "bare": Target(f"{bare_url}/", None, bare.pid)}
        for target in targets.values():  # warm-up: imports, caches, connections
            wrk(binary, target.url, 2, 16, target.script, env)
        others = Others([pid, bare.pid])
        runs: dict[tuple[str, int], list[dict[str, float]]] = {}
        for _ in range(rounds):
            for connections in CONNECTIONS:
                for name, target in targets.items():
                    runs.setdefault((name, connections), []).append(
                        wrk(binary, target.url, seconds, connections, target.script, env,
                            target.pid))
        elsewhere = others.share()
    return {"answer": {k: answer.get(k) for k in ("verdict", "basis", "valid_until")},
            **fixtures, **summary(runs),
            "cpu_share_elsewhere": elsewhere}


def summary(runs: dict[tuple[str, int], list[dict[str, float]]]) -> dict[str, Any]:
    """Medians per kind and connection count, and the per-round ratios' medians."""
    result: dict[str, Any] = {}
    for (name, connections), done in runs.items():
        result[f"{name}_rps_{connections}"] = _median(done, "rps")
        result[f"{name}_p99_ms_{connections}"] = _median(done, "p99_ms")
        result[f"cpu_us_{name}_{connections}"] = _median(done, "cpu_us")
    for connections in CONNECTIONS:
        livez, decision = runs["livez", connections], runs["decision", connections]
        pairs = {"": (decision, livez), "distinct_": (runs["distinct", connections], livez)}
        for prefix, (measured, base) in pairs.items():
            result[f"{prefix}rps_ratio_{connections}"] = _ratio(measured, base, "rps")
            result[f"{prefix}p99_ratio_{connections}"] = _ratio(measured, base, "p99_ms")
        result[f"decision_vs_bare_{connections}"] = _ratio(decision, runs["bare", connections],
                                                           "rps")
    result["rps_ratio"], result["p99_ratio"] = result["rps_ratio_16"], result["p99_ratio_16"]
    result["distinct_rps_ratio"] = result["distinct_rps_ratio_16"]
    result["distinct_p99_ratio"] = result["distinct_p99_ratio_16"]
    result["rps_ratios"] = [d["rps"] / lv["rps"] for d, lv in
                            zip(runs["decision", 16], runs["livez", 16], strict=True)]
    result["distinct_failures"] = _failures(runs, "distinct")
    result["failures"] = sum(_failures(runs, name) for name in ("livez", "decision", "distinct",
                                                                "bare"))
    return result


def _median(done: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in done)


def _ratio(measured: list[dict[str, float]], base: list[dict[str, float]], key: str) -> float:
    return statistics.median(m[key] / b[key] for m, b in zip(measured, base, strict=True))


def _failures(runs: dict[tuple[str, int], list[dict[str, float]]], name: str) -> float:
    return sum(r["non2xx"] + r["socket_errors"] for (kind, _), done in runs.items()
               if kind == name for r in done)
