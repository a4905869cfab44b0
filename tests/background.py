"""Client threads that run for the length of a `with` block: load on a real server."""

from __future__ import annotations

import threading
from typing import Self


class Background:
    """`count` threads running `_run(n)` until the block ends; `_run` stops at `_stop`."""

    def __init__(self, count: int) -> None:
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,)) for n in range(count)]

    def __enter__(self) -> Self:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _run(self, n: int) -> None:
        raise NotImplementedError
