"""Fuzz the served API with schemathesis, the way CI does, and fail on any finding.

A real server (`python -m service web`, granian) on its own SQLite database and embedded Redis,
with the demo history loaded and an admin key made by the command line, is run through every
phase (examples, coverage, fuzzing, stateful) with every check, from a fixed seed and with a
bounded number of examples per operation. The server and the fuzzer run in a network namespace
of their own with only loopback up: fuzzed URLs (feeds, webhooks) can reach nothing else.

    .venv/bin/python -m tests.contract.fuzz_api [--seed N] [--max-examples N]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
BIN = Path(sys.executable).parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20190516)
    parser.add_argument("--max-examples", type=int, default=50, help="per operation and phase")
    parser.add_argument("--deadline", type=float, default=300.0,
                        help="seconds the whole run may take before it counts as failed")
    parser.add_argument("--phases", default="examples,coverage,fuzzing,stateful")
    parser.add_argument("--report-dir", help="where schemathesis writes its ndjson report")
    parser.add_argument("--database-url", help="an empty database to use instead of a SQLite "
                        "file of the run's own (in the namespace, PostgreSQL by unix socket)")
    parser.add_argument("--isolated", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--shared-network", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.isolated:
        return isolated(sys.argv[1:] if argv is None else argv)
    if not args.shared_network:
        loopback_up()
    with tempfile.TemporaryDirectory(prefix="fuzz-") as var:
        return fuzz(Path(var), args)


def isolated(argv: list[str]) -> int:
    """Run this module again in a new network namespace (as root, or as a mapped root)."""
    unshare = ["unshare", "--net"] if os.geteuid() == 0 else ["unshare", "--map-root-user",
                                                              "--net"]
    command = [sys.executable, "-m", "tests.contract.fuzz_api", *argv, "--isolated"]
    try:
        subprocess.run([*unshare, "true"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        # Still fuzz: the service may then look up fuzzed host names in DNS, nothing more
        # (no worker runs, so no feed is fetched and no webhook sent).
        print(f"no network namespace ({exc}); fuzzing on this machine's network", flush=True)
        return subprocess.run([*command, "--shared-network"], cwd=ROOT, check=False).returncode
    return subprocess.run([*unshare, *command], cwd=ROOT, check=False).returncode


def loopback_up() -> None:
    """Bring up `lo` in the new namespace (what `ip link set lo up` does)."""
    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH14s", b"lo", 0, b"")
        flags = struct.unpack("16sH14s", fcntl.ioctl(s, siocgifflags, request))[1]
        fcntl.ioctl(s, siocsifflags, struct.pack("16sH14s", b"lo", flags | iff_up, b""))


def fuzz(var: Path, args: argparse.Namespace) -> int:
    from service.embedded import EmbeddedRedis

    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(ELIG_VAR_DIR=str(var),
               DATABASE_URL=args.database_url or f"sqlite:///{var}/service.db",
               ELIG_DECISION_LOG_JOURNAL=str(var / "decision-journal"), ELIG_WEB_WORKERS="1")
    redis = EmbeddedRedis(var / "redis")
    env["REDIS_URL"] = redis.start()
    try:
        service(env, "demo")
        key = service(env, "create-key", "--role", "admin", "--name", "fuzzer").splitlines()[-1]
        port = free_port()
        web = subprocess.Popen([sys.executable, "-m", "service", "web", "--port", str(port)],
                               cwd=ROOT, env=env)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_live(url, web, seconds=60)
            return run_schemathesis(url, key, args)
        finally:
            web.terminate()
            web.wait(timeout=30)
    finally:
        redis.stop()


def service(env: dict[str, str], *command: str) -> str:
    done = subprocess.run([sys.executable, "-m", "service", *command], cwd=ROOT, env=env,
                          check=True, capture_output=True, text=True)
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_live(url: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    import requests

    from tests.feeds.feed_server import wait_for

    def live() -> bool:
        if process.poll() is not None:
            raise RuntimeError("the web server exited before it answered")
        try:
            return requests.get(f"{url}/livez", timeout=1).status_code == 200
        except requests.ConnectionError:
            return False  # the server is starting

    wait_for(live, seconds)


def run_schemathesis(url: str, key: str, args: argparse.Namespace) -> int:
    command = [
        str(BIN / "schemathesis"), "--config-file", str(CONFIG), "run",
        f"{url}/api/v1/openapi.json", "--checks", "all",
        "--phases", args.phases,
        "--seed", str(args.seed), "--max-examples", str(args.max_examples),
        "--header", f"Authorization: Bearer {key}", "--workers", "1",
        "--request-timeout", "30", "--generation-database", "none", "--no-color",
    ]
    if args.report_dir:
        command += ["--report", "ndjson", "--report-dir", args.report_dir]
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=ROOT, timeout=args.deadline, check=False,
                              env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.contract.hooks"})
    except subprocess.TimeoutExpired:
        print(f"schemathesis did not finish within {args.deadline:g} s", file=sys.stderr)
        return 1
    print(f"schemathesis took {time.monotonic() - started:.0f} s", flush=True)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
