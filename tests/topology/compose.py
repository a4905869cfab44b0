"""docker-compose.yml's services as processes on this machine: the topology without Docker.

Each part runs the command compose gives its service (`python -m service ...`, read from the
file, so the two cannot drift), with compose's environment: the `${NAME:-default}` defaults as
compose would fill them, and what names compose's own hosts (`db`, `redis`, the `/journal`
volume, the secrets) replaced by this machine's. Each part has a var dir of its own, as each
container has its own filesystem; a web instance keeps its var dir across a restart, as its
journal volume does.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests
import yaml

from tests.integration.test_serve import ROOT, free_port, wait_until_live
from tests.integration.web_server import children, terminate
from tests.pipeline.test_worker_kill import descendants

COMPOSE = ROOT / "docker-compose.yml"
PYTHON = ["python", "-m", "service"]
# What compose names that only exists in its network, and what stands for it here.
LOCAL = {"DATABASE_URL", "REDIS_URL", "ELIG_SECRET_KEY", "ELIG_DECISION_LOG_JOURNAL"}
_DEFAULT = re.compile(r"^\$\{(\w+):-([^}]*)\}$")


def services() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())["services"]
    return loaded


def command(service: str) -> list[str]:
    """The service's command after `python -m service`."""
    argv = list(services()[service]["command"])
    assert argv[:3] == PYTHON, f"compose's {service} runs {argv}, not python -m service"
    return argv[3:]


def environment(service: str) -> dict[str, str]:
    """The service's environment as compose fills it, less what `LOCAL` replaces."""
    env = {}
    for name, value in services()[service].get("environment", {}).items():
        if name in LOCAL:
            continue
        found = _DEFAULT.match(str(value))
        assert found or "$" not in str(value), f"{service}: {name}={value} has no default"
        env[name] = found.group(2) if found else str(value)
    return env


class Part:
    """One service's process, in a session of its own (its process group is the container)."""

    def __init__(self, service: str, argv: list[str], env: dict[str, str], var_dir: Path
                 ) -> None:
        self.service, self.argv, self.var_dir = service, argv, var_dir
        self.env = {**env, **environment(service), "ELIG_VAR_DIR": str(var_dir)}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        with (self.var_dir / f"{self.service}.log").open("ab") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "service", *self.argv],
                                            cwd=ROOT, env=self.env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self) -> None:
        """`kill -9` of every process of the part, as a machine or container dies: its process
        group, and the processes below it in groups of their own (RQ's work-horse)."""
        assert self.process is not None
        below = descendants(self.process.pid)
        os.killpg(self.process.pid, signal.SIGKILL)
        for pid in below:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self, seconds: float = 30) -> None:
        """SIGTERM, as `docker stop` sends; SIGKILL to the group if it hangs."""
        process, self.process = self.process, None
        if process is not None:
            terminate(process, seconds)

    def pids(self) -> list[int]:
        assert self.process is not None
        return [self.process.pid, *children(self.process.pid)]


class Web(Part):
    """A web instance: compose's command on 127.0.0.1 and a port of its own."""

    def __init__(self, env: dict[str, str], var_dir: Path) -> None:
        argv = command("web")
        port = free_port()
        argv[argv.index("--host") + 1] = "127.0.0.1"
        argv[argv.index("--port") + 1] = str(port)
        super().__init__("web", argv, env, var_dir)
        self.env["ELIG_DECISION_LOG_JOURNAL"] = str(var_dir / "journal")  # its volume
        self.url = f"http://127.0.0.1:{port}"

    def start(self, seconds: float = 60) -> None:
        super().start()
        assert self.process is not None
        wait_until_live(self.url, self.process, seconds)

    def get(self, path: str, headers: dict[str, str]) -> requests.Response:
        return requests.get(f"{self.url}{path}", headers=headers, timeout=10)

    def post(self, path: str, body: Any, headers: dict[str, str]) -> requests.Response:
        return requests.post(f"{self.url}{path}", json=body, headers=headers, timeout=10)


def migrate(env: dict[str, str], var_dir: Path) -> None:
    """compose's `migrate` service: run to completion before anything else starts."""
    part = Part("migrate", command("migrate"), env, var_dir)
    part.start()
    assert part.process is not None
    assert part.process.wait(timeout=120) == 0, (var_dir / "migrate.log").read_text()
