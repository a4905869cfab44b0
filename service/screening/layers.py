"""Keeping a screener current as the lists change, without indexing 60,000 names each time.

Building a `Screener` for a CSL-sized list takes seconds; a refresh changes a few entries.
`Layered` keeps the last full build (the base) and a small screener of the designations
whose names are new or changed since (the delta). Screening asks both and drops the base's
hits on designations that are gone or renamed. Once the delta holds more than `REBUILD_AFTER`
designations, the next update builds a new base.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.screening.matcher import Hit, Screener

Listed = Sequence[tuple[str, tuple[str, ...]]]  # (designation id, its listed names)
REBUILD_AFTER = 2000


@dataclass(frozen=True)
class Layered:
    base: Screener
    base_names: dict[str, tuple[str, ...]]
    delta: Screener
    current: dict[str, tuple[str, ...]]
    changed: int  # designations in the delta

    def screen(self, names: Sequence[str]) -> list[Hit]:
        best: dict[str, Hit] = {}
        for hit in self.base.screen(names):
            wanted = self.current.get(hit.designation_id)
            if wanted is not None and wanted == self.base_names.get(hit.designation_id):
                best[hit.designation_id] = hit
        for hit in self.delta.screen(names):
            best[hit.designation_id] = hit  # the delta holds the current names of its ids
        return sorted(best.values(), key=lambda h: (not h.exact, -h.score, h.designation_id))


def updated(previous: Layered | None, listed: Listed) -> Layered:
    """A screener of `listed`, built on `previous` when little has changed since its base."""
    current = dict(listed)
    if previous is not None:
        changed = [(i, names) for i, names in current.items()
                   if previous.base_names.get(i) != names]
        if len(changed) <= REBUILD_AFTER:
            return Layered(previous.base, previous.base_names, Screener(changed), current,
                           len(changed))
    return Layered(Screener(current.items()), current, Screener(()), current, 0)
