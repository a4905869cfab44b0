"""Which registered answers flipped: after any change, and when time alone changes one.

For every registered (model, update) pair the service keeps the last answer it told
(`answers`). `recompute` judges every pair now, against a snapshot freshly built from the
database, and where the verdict or basis differs from the kept one it records the new answer
and tells the webhook subscribers, all in one transaction. It runs after each committed data
change (an outbox row written by the change) and, through a job scheduled at the earliest
`valid_until` among the answers, at the instant an answer expires: a licence running out at
midnight is told at midnight. Running it twice changes nothing the second time; a pair seen
for the first time is recorded without a notice, since nothing changed for anyone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from config.settings import Settings
from service import eligibility as el
from service import outbox
from service.jsonio import iso
from service.snapshot import build_snapshot
from service.sources.freshness import Freshness
from service.store.db import write_session
from service.store.pipeline import Answer
from service.webhooks.events import Flip, notify


def recompute(settings: Settings, clock: Callable[[], datetime]) -> dict[str, Any]:
    now = clock()
    covered = outbox.newest_row(settings.database_url)  # committed before the snapshot is read
    snapshot = build_snapshot(settings.database_url, now)
    view = snapshot.current
    policy = el.Policy(settings.list_effects, settings.stale_policy, settings.list_names)
    stale = Freshness(settings.database_url).stale(now)
    with write_session(settings.database_url) as session:  # one recompute at a time
        told = {(a.model_id, a.update_id): a for a in session.scalars(sa.select(Answer))}
        flips: list[Flip] = []
        earliest: datetime | None = None
        for model_id, model in view.models.items():
            vendor_id = view.model_vendor[model_id]
            party = view.parties[vendor_id]
            licences = view.licences_by_vendor.get(vendor_id, ())
            for update_id, update in view.updates.items():
                decision = el.evaluate(el.Case(party, model, update, licences, stale), now,
                                       policy)
                until = decision.valid_until
                if until is not None and (earliest is None or until < earliest):
                    earliest = until
                before = told.get((model_id, update_id))
                flip = _remember(session, before, model_id, update_id, decision,
                                 snapshot.data_version, now)
                if flip is not None:
                    flips.append(Flip(model_id, update_id, vendor_id, update.kind,
                                      flip[0], flip[1], flip[2]))
        notify(session, flips, now)
        outbox.cover(session, "recompute", covered, now)  # this run did their work too
        if earliest is not None:  # be there when the soonest answer runs out
            outbox.add(session, "recompute", f"at:{iso(earliest)}", {}, now, run_at=earliest)
    outbox.relay_quietly(settings, now)
    return {"pairs": len(view.models) * len(view.updates), "flipped": len(flips),
            "data_version": snapshot.data_version, "next_at": iso(earliest)}


def _remember(session: Any, before: Answer | None, model_id: str, update_id: str,
              decision: el.Decision, data_version: int, now: datetime
              ) -> tuple[dict[str, Any] | None, dict[str, Any], datetime] | None:
    """Keep the new answer; return (before, after, since when) if it flipped."""
    after: dict[str, Any] = {
        "verdict": decision.verdict.value, "basis": decision.basis.value,
        "valid_until": iso(decision.valid_until), "reasons": list(decision.reasons)}
    if before is None:
        session.add(Answer(model_id=model_id, update_id=update_id, verdict=after["verdict"],
                           basis=after["basis"], valid_until=decision.valid_until,
                           data_version=data_version, decided_at=now))
        return None
    unchanged = (before.verdict, before.basis) == (after["verdict"], after["basis"])
    if unchanged and before.valid_until == decision.valid_until:
        return None
    told = {"verdict": before.verdict, "basis": before.basis,
            "valid_until": iso(before.valid_until)}
    # An answer that ran out changed at its own valid_until, not when this job ran.
    since = before.valid_until if before.valid_until and before.valid_until <= now else now
    before.verdict, before.basis = after["verdict"], after["basis"]
    before.valid_until, before.data_version, before.decided_at = (decision.valid_until,
                                                                  data_version, now)
    return None if unchanged else (told, after, since)
