"""CPU time of a server's whole process tree, and of everything else on the machine, from /proc.

granian serves from worker processes that are children of its main process, so the main
process's own counters miss most of the work: every descendant is summed (user + system,
all threads). A worker that exits between two readings takes its time with it; the bench
servers keep theirs for the whole run.

The machine is shared: `Others` tells how much CPU went elsewhere while the benchmark ran,
which says whether its absolute figures (not its side-by-side ratios) can be trusted.
"""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, utime + stime in seconds) of one process; None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ")".
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICKS


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds used so far by `root` and all its live descendants."""
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            found = _stat(int(entry))
            if found is not None:
                stats[int(entry)] = found
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in stats.items():
        children.setdefault(parent, []).append(pid)
    total, pending = 0.0, [root]
    while pending:
        pid = pending.pop()
        if pid in stats:
            total += stats[pid][1]
        pending.extend(children.get(pid, []))
    return total


def machine_busy_seconds() -> float:
    """CPU seconds all processes have used since boot, all cores, from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields)
    return (user + nice + system + irq + softirq + steal) / _TICKS


def own_seconds() -> float:
    """CPU seconds of this process and of its children that have exited (the wrk runs)."""
    me, done = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + done.ru_utime + done.ru_stime


class Others:
    """The share of the machine's CPU used outside this process, its exited children and the
    given process trees, from creation to `share()` (PostgreSQL's backends count as others)."""

    def __init__(self, roots: list[int]) -> None:
        self.roots = roots
        self.start = self._marks()

    def _marks(self) -> tuple[float, float, float]:
        ours = own_seconds() + sum(tree_cpu_seconds(root) for root in self.roots)
        return time.monotonic(), machine_busy_seconds(), ours

    def share(self) -> float:
        (began, busy, ours), (now, busy_now, ours_now) = self.start, self._marks()
        elsewhere = max(0.0, (busy_now - busy) - (ours_now - ours))
        return elsewhere / ((now - began) * (os.cpu_count() or 1))
