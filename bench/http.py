"""Single decisions over HTTP against `GET /livez` on the same running server, with `wrk`.

Rounds alternate livez and decision runs (`-t1 -c16 -d5s --latency`); the ratios are taken
per round, side by side, and the medians reported.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
from pathlib import Path
from typing import Any

import requests

from bench.server import Server

ROUNDS = 3
DURATION_S = 5
WRK_ARGS = ["-t1", "-c16", "--latency"]
SCRIPT = Path(__file__).resolve().parent / "decision.lua"
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def ensure_wrk() -> str | None:
    """Return wrk's path; install it with apt-get when running as root; None if impossible."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is not installed; install it with: apt-get install -y wrk", flush=True)
    if os.geteuid() != 0:
        return None
    print("running as root: trying `apt-get install -y wrk`", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for step in (["install", "-y", "wrk"], ["update"], ["install", "-y", "wrk"]):
        try:
            subprocess.run(["apt-get", *step], env=env, capture_output=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as exc:
            print(f"apt-get {' '.join(step)} failed: {exc}", flush=True)
        if shutil.which("wrk"):
            break
    return shutil.which("wrk")


def parse_wrk(output: str) -> dict[str, float]:
    """Requests/s, p99 latency (ms), completed requests and non-2xx answers from wrk's output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"^\s*99(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    total = re.search(r"(\d+) requests in", output)
    if rps is None or p99 is None or total is None:
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       output)
    return {"rps": float(rps.group(1)), "p99_ms": float(p99.group(1)) * _UNIT_MS[p99.group(2)],
            "requests": float(total.group(1)),
            "non2xx": float(non2xx.group(1)) if non2xx else 0.0,
            "socket_errors": float(sum(map(int, errors.groups()))) if errors else 0.0}


def wrk(binary: str, url: str, seconds: int, script: Path | None = None,
        env: dict[str, str] | None = None) -> dict[str, float]:
    args = [binary, *WRK_ARGS, f"-d{seconds}s"]
    if script is not None:
        args += ["-s", str(script)]
    done = subprocess.run([*args, url], env=env, capture_output=True, text=True,
                          timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr}")
    return parse_wrk(done.stdout)


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
    answer = check_decision(server)
    livez, decide = f"{server.base_url}/livez", f"{server.base_url}/api/v1/decisions"
    env = dict(os.environ, BENCH_API_KEY=server.api_key)
    wrk(binary, livez, 2)  # warm-up both paths: imports, caches, connections
    wrk(binary, decide, 2, SCRIPT, env)
    livez_runs: list[dict[str, float]] = []
    decision_runs: list[dict[str, float]] = []
    for _ in range(rounds):
        livez_runs.append(wrk(binary, livez, seconds))
        decision_runs.append(wrk(binary, decide, seconds, SCRIPT, env))
    rps_ratios = [d["rps"] / lv["rps"] for d, lv in zip(decision_runs, livez_runs, strict=True)]
    p99_ratios = [d["p99_ms"] / lv["p99_ms"]
                  for d, lv in zip(decision_runs, livez_runs, strict=True)]
    return {
        "answer": {k: answer.get(k) for k in ("verdict", "basis", "valid_until")},
        "livez_rps": statistics.median(r["rps"] for r in livez_runs),
        "decision_rps": statistics.median(r["rps"] for r in decision_runs),
        "livez_p99_ms": statistics.median(r["p99_ms"] for r in livez_runs),
        "decision_p99_ms": statistics.median(r["p99_ms"] for r in decision_runs),
        "rps_ratio": statistics.median(rps_ratios), "rps_ratios": rps_ratios,
        "p99_ratio": statistics.median(p99_ratios), "p99_ratios": p99_ratios,
        "failures": sum(r["non2xx"] + r["socket_errors"] for r in livez_runs + decision_runs),
    }
