"""A local, fsynced spool for decision-log rows the database could not take.

While the database is out of reach, the web processes keep answering from their snapshots
(within the staleness limit); the answers they give must still be on record before they are
given. They go to an append-only file of JSON lines, one per failed commit, fsynced before
the answer leaves. Once the database answers again, any process claims a spool file by
renaming it (atomic, so no file is replayed twice at once), inserts its rows idempotently and
deletes it.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

Rows = list[dict[str, Any]]
Bodies = dict[str, str]


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def append(self, rows: Rows, bodies: Bodies) -> None:
        """Write one group durably; raise OSError if the disk will not take it."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"decisions-{os.getpid()}.jsonl"
        line = orjson.dumps({"rows": rows, "bodies": bodies}) + b"\n"
        while True:
            with open(path, "ab") as spool:
                fcntl.flock(spool, fcntl.LOCK_EX)
                # A replayer may have renamed the file between our open and our lock: then
                # this handle is theirs to read, and we must write to a fresh file instead.
                if _names(path, spool.fileno()):
                    spool.write(line)
                    spool.flush()
                    os.fsync(spool.fileno())
                    return

    def pending(self) -> bool:
        return self.directory.is_dir() and any(self.directory.glob("decisions-*.jsonl"))

    def claim(self) -> Iterator[tuple[Path, Rows, Bodies]]:
        """Yield each spool file's rows, claimed for this process; delete it with `done`."""
        for path in sorted(self.directory.glob("decisions-*.jsonl")):
            claimed = path.with_name(f"replaying-{os.getpid()}-{path.name}")
            try:
                path.rename(claimed)
            except FileNotFoundError:  # another process claimed it first
                continue
            with open(claimed, "rb") as spool:
                fcntl.flock(spool, fcntl.LOCK_SH)  # wait for an append in flight to finish
                content = spool.read()
            rows: Rows = []
            bodies: Bodies = {}
            for line in content.splitlines():
                if not line.strip():
                    continue
                try:
                    group = orjson.loads(line)
                except orjson.JSONDecodeError:  # a torn last line: its writer got no ack
                    continue
                rows += [{**row, "evaluated_at": datetime.fromisoformat(row["evaluated_at"])}
                         for row in group["rows"]]
                bodies.update(group["bodies"])
            yield claimed, rows, bodies

    @staticmethod
    def done(claimed: Path) -> None:
        claimed.unlink(missing_ok=True)

    @staticmethod
    def release(claimed: Path) -> None:
        """Give a claimed file back for a later replay, under a name no writer appends to."""
        claimed.rename(claimed.with_name(f"decisions-retry-{secrets.token_hex(6)}.jsonl"))


def _names(path: Path, fd: int) -> bool:
    """Whether `path` still names the open file `fd` (a replayer renames files at any time)."""
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False
