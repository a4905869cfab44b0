"""Judging a request by the rules, with decisions cached in the view they were computed from.

Each decision is cached per (party, model, update, stale) together with the window
`[valid_from, valid_until)` in which it holds, so a repeated question at another instant of
the same window costs a dict lookup. (The rules write no sentence that depends on the instant
itself, only on the facts' edges.) The cache lives in the snapshot's view, so a new data
version starts with an empty one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from service import eligibility as el
from service.api.schemas import DecisionRequest
from service.decisions.judged import Judged, share
from service.decisions.resolve import Key, resolve
from service.errors import Unavailable
from service.jsonio import iso
from service.metrics import DECISIONS
from service.snapshot import Snapshot
from service.views import View

if TYPE_CHECKING:
    from service.context import Services

_CACHE_LIMIT = 200_000
_WINDOWS_PER_KEY = 4  # a key asked about now and at a few past instants stays cached


@dataclass(frozen=True, slots=True)
class Moment:
    """What every request answered at one instant shares: the data, now, and whether the
    lists are stale. A batch is judged at one moment, so all its items agree."""

    snapshot: Snapshot
    now: datetime
    now_iso: str
    policy: el.Policy
    stale: bool


def moment(services: Services, snapshot: Snapshot, now: datetime) -> Moment:
    """The moment to judge at; Unavailable if the data is too old to answer from."""
    if services.out_of_touch(now):
        raise Unavailable("The service has lost touch with its database for longer than the "
                          "staleness limit, so it gives no answer; try again later.")
    return Moment(snapshot, now, iso(now), services.policy, services.lists_stale(now))


def judge(services: Services, snapshot: Snapshot, req: DecisionRequest, now: datetime
          ) -> Judged:
    """Work out the answer to one request without counting it as given (the simulator's)."""
    return judge_at(moment(services, snapshot, now), req)


def judge_at(moment: Moment, req: DecisionRequest) -> Judged:
    snapshot = moment.snapshot
    view = snapshot.view(req.known_at)
    key, party, model, update = resolve(snapshot, view, req)
    return decide(view, key, party, model, update, req.at or moment.now, moment.policy,
                  moment.stale, snapshot.data_version)


def given(answered: Iterable[Judged]) -> None:
    """Count answers as given (the decisions metric), once per verdict and basis."""
    counts = Counter((j.decision.verdict.value, j.decision.basis.value) for j in answered)
    for (verdict, basis), n in counts.items():
        DECISIONS.labels(verdict, basis).inc(n)


def decide(view: View, key: Key, party: el.Party, model: el.Model, update: el.Update,
           at: datetime, policy: el.Policy, stale: bool, data_version: int) -> Judged:
    """Return a cached decision for `key` that holds at `at`, else evaluate afresh."""
    cache_key = (*key, stale)
    windows = view.decisions.get(cache_key, [])
    for judged in windows:
        if _holds(judged.decision, at):
            return judged
    licences = view.licences_by_vendor.get(party.vendor_id or "", ())
    decision = el.evaluate(el.Case(party, model, update, licences, stale), at, policy)
    judged = share(decision, data_version)
    if len(view.decisions) >= _CACHE_LIMIT:
        view.decisions.clear()
    view.decisions[cache_key] = [judged, *windows[: _WINDOWS_PER_KEY - 1]]
    return judged


def _holds(decision: el.Decision, at: datetime) -> bool:
    return (decision.valid_from is None or decision.valid_from <= at) and (
        decision.valid_until is None or at < decision.valid_until
    )
