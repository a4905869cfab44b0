"""What a refresh changes: entries added, removed and changed against the active version."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from service.feeds.csl import Entry


@dataclass(frozen=True, slots=True)
class Held:
    """An entry of the active version, as the designation that keeps it."""

    designation_id: str
    content_digest: str | None


@dataclass
class Diff:
    added: list[Entry] = field(default_factory=list)
    changed: list[tuple[str, Entry]] = field(default_factory=list)  # (designation id, entry)
    removed: list[str] = field(default_factory=list)  # designation ids

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


def diff(active: Mapping[str, Held], entries: Iterable[Entry]) -> Diff:
    """Compare the active entries (by entry key) with a feed's entries."""
    result = Diff()
    seen: set[str] = set()
    for entry in entries:
        seen.add(entry.key)
        held = active.get(entry.key)
        if held is None:
            result.added.append(entry)
        elif held.content_digest != entry.digest():
            result.changed.append((held.designation_id, entry))
    result.removed = [held.designation_id for key, held in active.items() if key not in seen]
    return result


def drops(before: Mapping[str, int], after: Mapping[str, int], max_percent: float,
          min_rows: int) -> list[str]:
    """Say which lists lost too many rows for a refresh to go live without a person.

    The whole feed counts as a list of its own. A list's loss counts when it is more than
    `max_percent` of its rows and at least `min_rows` rows: one listing ending on a list of
    two entries is not an incident, 15,000 SDN rows vanishing (as on 2024-05-06) is.
    """
    totals = {"all lists": (sum(before.values()), sum(after.values()))}
    totals.update({code: (count, after.get(code, 0)) for code, count in sorted(before.items())})
    found = []
    for code, (old, new) in totals.items():
        lost = old - new
        if old and lost >= min_rows and lost * 100 > max_percent * old:
            found.append(f"{code} lost {lost * 100 / old:.0f}% of its rows ({old} → {new})")
    return found
