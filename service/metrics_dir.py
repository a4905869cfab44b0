"""Where a web server's granian workers keep their Prometheus figures, so `/metrics` sums them.

Each worker is a process of its own; without a shared folder, `/metrics` would answer with the
figures of whichever worker got the scrape. prometheus_client's multiprocess mode keeps each
process's figures in files under `PROMETHEUS_MULTIPROC_DIR` and adds them up when scraped. The
variable must be set before prometheus_client is first imported (it picks its storage then),
so `python -m service web` calls `prepare` before anything else is imported; this module
imports nothing of ours that would pull it in.

The folder is `<var_dir>/metrics-<pid of the web server>` (in the system's temporary folder
if the var dir cannot be written), new at each start (counters start
from zero, as a restarted single process's do) and removed when the server stops; folders
left by a server killed outright are removed at the next start on that var dir.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"
_PREFIX = "metrics-"


def prepare(argv: Sequence[str]) -> None:
    """For the `web` command: a fresh folder, named in the environment its workers inherit."""
    if list(argv[:1]) != ["web"]:
        return
    from config.settings import from_env

    var_dir = Path(from_env().var_dir)
    for parent in (var_dir, Path(tempfile.gettempdir())):  # a read-only var dir: /tmp
        remove_stale(parent)
        folder = parent / f"{_PREFIX}{os.getpid()}"
        shutil.rmtree(folder, ignore_errors=True)
        try:
            folder.mkdir(parents=True)
        except OSError:
            continue
        os.environ[ENV] = str(folder)
        return


def remove(folder: str | None) -> None:
    """Remove this server's folder as it stops (only one `prepare` made for this process)."""
    if folder and Path(folder).name == f"{_PREFIX}{os.getpid()}":
        shutil.rmtree(folder, ignore_errors=True)


def remove_stale(var_dir: Path) -> None:
    """Remove the folders of web servers that are gone (killed before they could)."""
    for folder in var_dir.glob(f"{_PREFIX}*") if var_dir.is_dir() else ():
        pid = folder.name[len(_PREFIX):]
        if pid.isdigit() and not alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
