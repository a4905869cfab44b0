"""`python -m service web` (granian) as a test's real server: start, find its workers, stop.

    server = WebServer(env, tmp_path / "web.log")
    server.start()                       # returns once /livez answers
    server.workers()                     # the worker processes' pids, from /proc
    server.answered_by()                 # which worker answered a request on a new connection
    server.stop()                        # SIGTERM, then SIGKILL to the group if it hangs

Workers and connections are read from /proc (Linux only, as the tests that use this are).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.integration.test_serve import ROOT, free_port, wait_until_live


class WebServer:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, seconds: float = 60) -> None:
        with self.log.open("ab") as out:  # a file: a pipe nobody reads would fill and block
            self.process = subprocess.Popen(
                [sys.executable, "-m", "service", "web", "--port", str(self.port)], cwd=ROOT,
                env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until_live(self.url, self.process, seconds)

    def workers(self) -> list[int]:
        """granian's worker processes: children of its main process that it forked (they
        share its command line) or spawned (not, say, a multiprocessing resource tracker)."""
        assert self.process is not None
        main = _read(f"/proc/{self.process.pid}/cmdline")
        found = {pid: _read(f"/proc/{pid}/cmdline") for pid in children(self.process.pid)}
        return [pid for pid, cmdline in found.items()
                if cmdline == main or b"spawn_main" in cmdline]

    def connections(self, pid: int) -> int:
        """How many client connections process `pid` holds."""
        return len(_sockets(pid) & set(_established(self.port)))

    def answered_by(self, method: str = "GET", path: str = "/livez", body: Any = None,
                    headers: dict[str, str] | None = None) -> int | None:
        """Send one request on a new connection; return the pid of the worker that gave it a
        2xx answer (None for any other answer)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, None if body is None else json.dumps(body),
                         {"Content-Type": "application/json", **(headers or {})})
            answer = conn.getresponse()
            answer.read()
            ours = conn.sock.getsockname()[1]  # the server's side names it as the remote port
            inode = next((i for i, port in _established(self.port).items() if port == ours), None)
            if not 200 <= answer.status < 300 or inode is None:
                return None
            return next((pid for pid in self.workers() if inode in _sockets(pid)), None)
        finally:
            conn.close()

    def stop(self, seconds: float = 30) -> int | None:
        """SIGTERM; return the exit status, or None if it had not stopped within `seconds`
        and its process group was killed."""
        process, self.process = self.process, None
        return None if process is None else terminate(process, seconds)

    def said(self) -> str:
        return self.log.read_text(errors="replace")


def children(pid: int) -> list[int]:
    """The live processes whose parent is `pid`, read from /proc (zombies left out)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _read(entry / "stat").decode(errors="replace")
        if not stat:
            continue
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        if int(parent) == pid and state != "Z":
            found.append(int(entry.name))
    return found


def _established(port: int) -> dict[str, int]:
    """The server's side of each established connection to `port`: socket inode -> the
    client's port."""
    found = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
        if int(local.rsplit(":", 1)[1], 16) == port and state == "01":
            found[inode] = int(remote.rsplit(":", 1)[1], 16)
    return found


def _sockets(pid: int) -> set[str]:
    """The inodes of the sockets process `pid` has open."""
    found: set[str] = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # the process ended
        return found
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(target[len("socket:["):-1])
    return found


def _read(path: Path | str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError:  # the process ended while we looked
        return b""


def terminate(process: subprocess.Popen[bytes], seconds: float = 30) -> int | None:
    """SIGTERM, as a supervisor (or `docker stop`) sends; return the exit status, or None if
    it had not stopped within `seconds` and its process group was killed."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            return None
    return process.returncode
