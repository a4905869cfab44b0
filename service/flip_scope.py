"""Which registered (model, update) pairs a recompute must judge again, and which it may not.

An answer reads: the vendor's party (its designations, possible matches, whether it is
screened), the licences covering the vendor, the model's facts, the update's facts, whether
the lists are stale, the policy, and the instant. Each recompute keeps a digest of each of
these inputs as it judged them (`flip_inputs`). The next one judges again only:

- every pair of a vendor whose party or licences changed (all its models × all updates),
- every pair of a model that changed or is new (× all updates),
- every pair of an update that changed or is new (all models ×),
- every pair whose told answer ran out (`valid_until` ≤ now: the instant alone changed it;
  the rules' `valid_until` is the next instant at which any of the inputs above can change
  the answer, so an unexpired answer whose inputs are unchanged is still the answer now),
- and everything when the policy or the staleness changed, when no digests are kept yet
  (the first run), or when the clock reads earlier than the last run's (an answer's window
  is only known forward).

A pair outside that scope would be judged to what it was told, so skipping it misses no flip
(`tests/pipeline/test_flip_scope.py` checks this against a full scan over random changes).
Digests are of canonical forms (sets sorted, instants in ISO form), so that they are the same
in every process whatever its hash seed.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from service import eligibility as el
from service.jsonio import iso
from service.views import View

GLOBAL = ("policy", "")
CLOCK = ("clock", "")


@dataclass
class Scope:
    """What to judge again: everything, or the pairs of these vendors, models and updates."""

    full: bool
    vendors: set[str] = field(default_factory=set)
    models: set[str] = field(default_factory=set)
    updates: set[str] = field(default_factory=set)
    digests: dict[tuple[str, str], str] = field(default_factory=dict)  # as judged now

    def models_to_judge(self, view: View) -> list[str]:
        """Models all of whose pairs are judged again."""
        if self.full:
            return sorted(view.models)
        return sorted(m for m, v in view.model_vendor.items()
                      if m in self.models or v in self.vendors)


def scope_of(view: View, stale: bool, policy: el.Policy, now: datetime,
             kept: dict[tuple[str, str], str]) -> Scope:
    """Compare the inputs of `view` with the digests `kept` by the last run."""
    digests = inputs(view, stale, policy)
    digests[CLOCK] = iso(now)
    last_run = kept.get(CLOCK)
    full = kept.get(GLOBAL) != digests[GLOBAL] or (last_run is not None and last_run > iso(now))
    scope = Scope(full, digests=digests)
    if not full:
        for (kind, key), digest in digests.items():
            if kept.get((kind, key)) != digest:
                {"vendor": scope.vendors, "model": scope.models,
                 "update": scope.updates}.get(kind, set()).add(key)
    return scope


def inputs(view: View, stale: bool, policy: el.Policy) -> dict[tuple[str, str], str]:
    """The digest of every input of the view's answers, by (kind, id)."""
    found = {GLOBAL: digest((sorted(policy.effects.items()), policy.stale_policy,
                             sorted(policy.list_names.items()), stale))}
    for vendor_id, party in view.parties.items():
        licences = sorted(view.licences_by_vendor.get(vendor_id, ()), key=lambda lic: lic.id)
        found[("vendor", vendor_id)] = digest((party, licences))
    for model_id, model in view.models.items():
        found[("model", model_id)] = digest((model, view.model_vendor[model_id]))
    for update_id, update in view.updates.items():
        found[("update", update_id)] = digest(update)
    return found


def digest(value: Any) -> str:
    return hashlib.blake2b(repr(canonical(value)).encode(), digest_size=16).hexdigest()


def canonical(value: Any) -> Any:
    """A form of `value` whose repr is the same in every process."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__,
                *(canonical(getattr(value, f.name)) for f in dataclasses.fields(value)))
    if isinstance(value, frozenset | set):
        return ("set", *sorted((canonical(v) for v in value), key=repr))
    if isinstance(value, list | tuple):
        return tuple(canonical(v) for v in value)
    if isinstance(value, dict):
        return ("dict", *sorted(((canonical(k), canonical(v)) for k, v in value.items()),
                                key=repr))
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
