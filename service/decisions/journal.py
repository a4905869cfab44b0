"""The decision journal: each process's answers on local disk before they are given.

Every process appends the decision-log lines it commits to a file of its own in one folder of
the host (`<var>/decision-journal`), one JSON line per group commit, before any answer in the
group leaves: written to the kernel, which keeps it whatever process dies, and `fdatasync`ed
too when the journal is to survive the machine (`Settings.journal_fsync`: on where the
database it feeds fsyncs its own commits). A process holds an exclusive `flock` on the file it
writes; the lock goes when the file is sealed (closed) or when the process dies, `kill -9`
included. Any process of the host may then ship the file to the database: it takes the same
lock without waiting, so it never reads a file someone still writes, inserts the rows
idempotently (a shipper that died after the insert leaves a file shipped twice, harmlessly)
and deletes the file while still holding the lock.

A line torn by a crash in the middle of its write was never acknowledged (its write had not
returned): reading skips it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import orjson

_OPENING_SECONDS = 60  # a file takes microseconds to open; one this old was left by a crash
Rows = list[dict[str, Any]]
Bodies = dict[str, str]


def line(rows: Rows, bodies: Bodies) -> bytes:
    return orjson.dumps({"rows": rows, "bodies": bodies}) + b"\n"


def read(content: bytes) -> tuple[Rows, Bodies]:
    """The rows and bodies of a journal file's lines, a torn line skipped."""
    rows: Rows = []
    bodies: Bodies = {}
    for entry in content.splitlines():
        try:
            group = orjson.loads(entry)
        except orjson.JSONDecodeError:
            continue
        rows += [{**row, "evaluated_at": datetime.fromisoformat(row["evaluated_at"])}
                 for row in group["rows"]]
        bodies.update(group["bodies"])
    return rows, bodies


class Journal:
    def __init__(self, directory: Path, fsync: bool = True) -> None:
        self.directory = directory
        self.fsync = fsync
        self._lock = threading.Lock()
        self._file: IO[bytes] | None = None
        self._pid = 0
        self._written = 0

    def append(self, data: bytes) -> None:
        """Write `data` to this process's file (and fsync it); raise OSError if the disk will
        not take it (the file is then sealed with its torn tail, and the next append starts
        a new one)."""
        with self._lock:
            out = self._open()
            try:
                out.write(data)
                out.flush()
                if self.fsync:
                    os.fdatasync(out.fileno())
            except OSError:
                self._close()
                raise
            self._written += len(data)

    def seal(self) -> None:
        """Close this process's file if anything is in it, so that it can be shipped."""
        with self._lock:
            if self._file is not None and self._written and self._pid == os.getpid():
                self._close()

    def ship(self, send: Callable[[bytes], None]) -> int:
        """Hand every file no process writes to `send`, then delete it; return how many.

        `send` raising stops the round: its file stays for the next one.
        """
        self._sweep()
        shipped = 0
        for path in sorted(self.directory.glob("*.jsonl")):
            try:
                taken = open(path, "rb")
            except FileNotFoundError:  # shipped by another process meanwhile
                continue
            with taken:
                try:
                    fcntl.flock(taken, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:  # being written, or being shipped by another process
                    continue
                if not _names(path, taken.fileno()):  # shipped and deleted meanwhile
                    continue
                send(taken.read())
                path.unlink()
                shipped += 1
        return shipped

    def _sweep(self) -> None:
        """Delete the files of processes that died while opening them (nothing is written to
        one before it is renamed into view); only old ones, never one being opened now."""
        for path in self.directory.glob("*.opening"):
            with contextlib.suppress(FileNotFoundError):
                if time.time() - path.stat().st_mtime > _OPENING_SECONDS:
                    path.unlink()

    def pending(self) -> int:
        """How many files are on disk, the one being written included."""
        return sum(1 for _ in self.directory.glob("*.jsonl")) if self.directory.is_dir() else 0

    def find(self, needle: bytes) -> Iterator[bytes]:
        """Every line holding `needle`, in any file of the host, being written or not."""
        if not self.directory.is_dir():
            return
        for path in sorted(self.directory.glob("*.jsonl")):
            try:
                content = path.read_bytes()
            except FileNotFoundError:
                continue
            if needle in content:
                yield from (entry for entry in content.splitlines() if needle in entry)

    def _open(self) -> IO[bytes]:
        if self._file is not None and self._pid == os.getpid():
            return self._file
        # A forked child must not write to, or close, its parent's file: start its own.
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{os.getpid()}-{secrets.token_hex(6)}"
        # Locked under a name shippers do not look at, then renamed (the lock goes with the
        # file): a shipper finding it unlocked in between would ship it empty and delete it,
        # and every answer written to it after would be lost.
        opening = self.directory / f"{name}.opening"
        out = open(opening, "ab")
        try:
            fcntl.flock(out, fcntl.LOCK_EX)
            opening.rename(self.directory / f"{name}.jsonl")
        except OSError:
            out.close()
            raise
        self._file, self._pid, self._written = out, os.getpid(), 0
        return out

    def _close(self) -> None:
        assert self._file is not None
        try:
            self._file.close()  # releases the lock: the file may now be shipped
        except OSError:  # the flush on close failed too; what reached the disk stays
            pass
        self._file = None


def _names(path: Path, fd: int) -> bool:
    """Whether `path` still names the open file `fd` (a shipper deletes files at any time)."""
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False
