"""A private PostgreSQL cluster for one test, which the test may stop and start for real.

    cluster = PrivateCluster(server_binaries())
    cluster.init(); cluster.start()
    url = cluster.create_database("elig")
    cluster.stop()          # `pg_ctl stop -m immediate`: to its clients, the server crashed
    cluster.start()         # crash recovery, then it serves again on the same port
    cluster.remove()        # stops it if it runs, deletes its files

No test may stop the machine's shared server, so a fault test gets a cluster of its own:
`initdb` into a temporary folder, listening on a free port of 127.0.0.1 and on a unix socket in
that folder. initdb and the server refuse to run as root, so when the tests run as root the
binaries run as the `postgres` system user, and the folder belongs to it. The folder is made
with `tempfile` (under /tmp), not pytest's `tmp_path`: pytest's folders are private to the user
running the tests, which the server's user is not.

Durability: `fsync = off`, `synchronous_commit = on` (the default). An immediate stop kills the
server's processes, not the kernel; a commit is acknowledged only once its WAL has been written
to the kernel, so it survives the stop and the crash recovery that follows. fsync would only add
protection against the machine itself losing power, which no test does, and costs seconds on a
busy disk. (`synchronous_commit = off` would not do: an acknowledged commit can still be in the
server's WAL buffers when it is killed.)
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from tests.integration.test_serve import free_port

SERVER_USER = "postgres"  # who runs the server when the tests run as root


def server_binaries() -> Path | None:
    """The newest folder holding `initdb`, `pg_ctl` and `createdb`, or None."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.insert(0, Path(on_path).resolve().parent)
    for folder in reversed(candidates):
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "createdb")):
            return folder
    return None


class PrivateCluster:
    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.run_as = _run_as()
        self.root = Path(tempfile.mkdtemp(prefix="elig-pg-"))
        if self.run_as:
            os.chown(self.root, self.run_as["user"], self.run_as["group"])
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.running = False

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync", "--no-instructions")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.root}'\n"
                       "fsync = off\nsynchronous_commit = on\n"  # see the module's docstring
                       "shared_buffers = 16MB\nmax_connections = 100\n")

    def start(self) -> None:
        self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60")
        self.running = True

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server: `immediate` kills every backend at once (a crash, to clients)."""
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w", "-t", "60")
        self.running = False

    def create_database(self, name: str) -> str:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)

    def remove(self) -> None:
        try:
            if self.running:
                self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, binary: str, *args: str) -> None:
        done = subprocess.run([str(self.binaries / binary), *args], cwd=self.root,
                              env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                   "LC_ALL": "C", "HOME": str(self.root)},
                              capture_output=True, text=True, timeout=90, **self.run_as)
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{binary} failed ({done.returncode}):\n{done.stdout}"
                               f"{done.stderr}\n{log[-4000:]}")


def _run_as() -> dict[str, Any]:
    """How `subprocess` runs the binaries: as `postgres` when we are root, else as ourselves."""
    if os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam(SERVER_USER)  # KeyError: no such user (the fixture skips)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
