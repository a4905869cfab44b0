"""Which registered answers flipped: after any change, and when time alone changes one.

For every registered (model, update) pair the service keeps the last answer it told
(`answers`). `recompute` judges again, against a snapshot freshly built from the database,
the pairs whose inputs changed since the last run or whose answer ran out (`flip_scope` says
which: after a licence revocation, only the pairs of the vendors it covers), and where the
verdict or basis differs from the kept one it records the new answer, counts the registered
devices of the model and tells the webhook subscribers in batches, all in one transaction.
It runs after each committed data change (an outbox row written by the change) and, through
a job scheduled at the earliest `valid_until` among the answers, at the instant an answer
expires: a licence running out at midnight is told at midnight. Running it twice changes
nothing the second time; a pair seen for the first time is recorded without a notice, since
nothing changed for anyone.

The rules read of a model only its device class and availability date, and only when a
licence's scope is weighed (`eligibility.scope`); the model's name appears in a reason only
where a licence excludes it by date. So the models of one vendor with the same facts (all of
them, for a vendor that holds no licence) are judged once per update, and a flip's reasons
are written again for its own model only when they name the model judged in its place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from config.settings import Settings
from service import eligibility as el
from service import outbox
from service.device_index import NoDevices
from service.flip_scope import Scope, scope_of
from service.jsonio import iso
from service.snapshot import build_snapshot
from service.sources.freshness import Freshness
from service.store import answers
from service.store.answers import Pair, Told
from service.store.db import write_session
from service.views import View
from service.webhooks.events import Batches, Flip

MODELS_AT_ONCE = 100  # models whose pairs are judged and written together (× every update)
UPDATES_AT_ONCE = 20  # updates whose pairs are judged and written together (× every model)


def recompute(settings: Settings, clock: Callable[[], datetime]) -> dict[str, Any]:
    now = clock()
    covered = outbox.newest_row(settings.database_url)  # committed before the snapshot is read
    snapshot = build_snapshot(settings.database_url, now, NoDevices())  # counted in the db
    view = snapshot.current
    policy = el.Policy(settings.list_effects, settings.stale_policy, settings.list_names)
    stale = Freshness(settings.database_url).stale(now)
    with write_session(settings.database_url) as session:  # one recompute at a time
        kept = answers.digests(session)
        scope = scope_of(view, stale, policy, now, kept)
        scan = Scan(session, view, policy, stale, now, snapshot.data_version)
        judge_scope(scan, scope)
        answers.save_digests(session, kept, scope.digests)
        messages = scan.batches.close()
        outbox.cover(session, "recompute", covered, now)  # this run did their work too
        earliest = answers.next_expiry(session, now)
        if earliest is not None:  # be there when the soonest answer runs out
            outbox.add(session, "recompute", f"at:{iso(earliest)}", {}, now, run_at=earliest)
    outbox.relay_quietly(settings, now)
    return {"pairs": len(view.models) * len(view.updates), "judged": scan.judged,
            "full": scope.full, "flipped": scan.flipped, "devices": sum(scan.devices.values()),
            "messages": len(messages), "data_version": snapshot.data_version,
            "next_at": iso(earliest)}


def judge_scope(scan: Scan, scope: Scope) -> None:
    """Judge the pairs of the models in scope, then of the updates, then those that ran out."""
    view, session = scan.view, scan.session
    models = scan.in_group_order(scope.models_to_judge(view))
    for batch in answers.chunks(models, MODELS_AT_ONCE):
        scan.judge(answers.told_for_models(session, batch), batch, list(view.updates))
    if scope.full:
        return
    done = set(models)
    updates = sorted(u for u in scope.updates if u in view.updates)
    rest = scan.in_group_order(m for m in view.models if m not in done) if updates else []
    for batch in answers.chunks(updates, UPDATES_AT_ONCE):
        scan.judge(answers.told_for_updates(session, batch), rest, batch)
    judged = set(updates)
    due = answers.told_due(session, scan.now)
    scan.judge_pairs(due, sorted(
        p for p in due if p[0] in view.models and p[1] in view.updates
        and p[0] not in done and p[1] not in judged))


class Scan:
    """Judges pairs, compares them with the answers told and writes what changed."""

    def __init__(self, session: Session, view: View, policy: el.Policy, stale: bool,
                 now: datetime, data_version: int) -> None:
        self.session, self.view, self.policy = session, view, policy
        self.stale, self.now, self.data_version = stale, now, data_version
        self.batches = Batches(session, now)
        self.judged = 0
        self.flipped = 0
        self.devices: dict[str, int] = {}  # registered devices of each model that flipped

    def group(self, model_id: str) -> tuple[Any, ...]:
        """The models of a group get the same answers (see the module's docstring)."""
        vendor_id = self.view.model_vendor[model_id]
        if not self.view.licences_by_vendor.get(vendor_id):
            return (vendor_id,)
        model = self.view.models[model_id]
        return (vendor_id, model.device_class, model.available_from)

    def in_group_order(self, model_ids: Iterable[str]) -> list[str]:
        return sorted(model_ids, key=lambda m: (repr(self.group(m)), m))

    def judge(self, told: dict[Pair, Told], model_ids: list[str], update_ids: list[str]
              ) -> None:
        """Judge every pair of these models and updates; models come in group order."""
        found = Found()
        last: tuple[Any, ...] | None = None
        memo: dict[str, tuple[el.Decision, el.Model]] = {}
        for model_id in model_ids:
            key = self.group(model_id)
            if key != last:
                last, memo = key, {}
            for update_id in update_ids:
                judged = memo.get(update_id)
                if judged is None:
                    judged = memo[update_id] = (self.evaluate(model_id, update_id),
                                                self.view.models[model_id])
                self.compare(found, told.get((model_id, update_id)), model_id, update_id,
                             *judged)
        self.write(found)

    def judge_pairs(self, told: dict[Pair, Told], pairs: list[Pair]) -> None:
        found = Found()
        for model_id, update_id in pairs:
            self.compare(found, told.get((model_id, update_id)), model_id, update_id,
                         self.evaluate(model_id, update_id), self.view.models[model_id])
        self.write(found)

    def evaluate(self, model_id: str, update_id: str) -> el.Decision:
        view = self.view
        vendor_id = view.model_vendor[model_id]
        case = el.Case(view.parties[vendor_id], view.models[model_id], view.updates[update_id],
                       view.licences_by_vendor.get(vendor_id, ()), self.stale)
        return el.evaluate(case, self.now, self.policy)

    def compare(self, found: Found, before: Told | None, model_id: str, update_id: str,
                decision: el.Decision, judged_as: el.Model) -> None:
        """Note the new answer where it differs from the one told, and the flip if any."""
        self.judged += 1
        verdict, basis = decision.verdict.value, decision.basis.value
        row = (model_id, update_id, verdict, basis, decision.valid_until, self.data_version,
               self.now)
        if before is None:
            found.new.append(row)
            return
        if (before.verdict, before.basis) == (verdict, basis):
            if before.valid_until != decision.valid_until:
                found.changed.append(row)
            return
        found.changed.append(row)
        found.flips.append((before, model_id, update_id, self._reasons(
            decision, judged_as, model_id, update_id), decision))

    def _reasons(self, decision: el.Decision, judged_as: el.Model, model_id: str,
                 update_id: str) -> list[str]:
        if judged_as.id != model_id and any(judged_as.name in r for r in decision.reasons):
            decision = self.evaluate(model_id, update_id)
        return list(decision.reasons)

    def write(self, found: Found) -> None:
        answers.insert(self.session, found.new)
        answers.update(self.session, found.changed)
        if not found.flips:
            return
        counts = answers.device_counts(self.session, {f[1] for f in found.flips})
        flips = []
        for before, model_id, update_id, reasons, decision in found.flips:
            self.devices[model_id] = counts.get(model_id, 0)
            flips.append(self.flip(before, model_id, update_id, reasons, decision,
                                   counts.get(model_id, 0)))
        self.flipped += len(flips)
        self.batches.add(flips)

    def flip(self, before: Told, model_id: str, update_id: str, reasons: list[str],
             decision: el.Decision, devices: int) -> Flip:
        after = {"verdict": decision.verdict.value, "basis": decision.basis.value,
                 "valid_until": iso(decision.valid_until), "reasons": reasons}
        told = {"verdict": before.verdict, "basis": before.basis,
                "valid_until": iso(before.valid_until)}
        # An answer that ran out changed at its own valid_until, not when this job ran.
        since = (before.valid_until if before.valid_until and before.valid_until <= self.now
                 else self.now)
        return Flip(model_id, update_id, self.view.model_vendor[model_id],
                    self.view.updates[update_id].kind, told, after, since, devices)


class Found:
    """What one batch of judging found: answers to add, to replace, and the flips among them."""

    def __init__(self) -> None:
        self.new: list[tuple[Any, ...]] = []
        self.changed: list[tuple[Any, ...]] = []
        self.flips: list[tuple[Told, str, str, list[str], el.Decision]] = []
