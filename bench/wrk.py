"""Driving `wrk` and reading its report, with the server's CPU time taken around each run.

16 connections run on one wrk thread, more on two: the load generator shares the machine's 2
cores with the server, so it gets no more threads than it needs to keep the connections busy.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from bench.cpu import tree_cpu_seconds

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


def wrk(binary: str, url: str, seconds: int, connections: int = 16,
        script: Path | None = None, env: dict[str, str] | None = None,
        server_pid: int | None = None) -> dict[str, float]:
    """Run wrk once; with `server_pid`, add the server's CPU µs per completed request."""
    threads = 1 if connections <= 16 else 2
    args = [binary, f"-t{threads}", f"-c{connections}", "--latency", f"-d{seconds}s"]
    if script is not None:
        args += ["-s", str(script)]
    before = tree_cpu_seconds(server_pid) if server_pid else 0.0
    done = subprocess.run([*args, url], env=env, capture_output=True, text=True,
                          timeout=seconds + 60)
    after = tree_cpu_seconds(server_pid) if server_pid else 0.0
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr}")
    result = parse_wrk(done.stdout)
    if server_pid:
        result["cpu_us"] = (after - before) * 1e6 / max(result["requests"], 1.0)
    return result
