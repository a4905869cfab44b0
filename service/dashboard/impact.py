"""What a licence change would do to the registered answers, judged before it is saved.

`licence_impact` takes the view the rules read and a licence as proposed (new, amended or
revoked: `proposed_licence`, `proposed_amendment`, `proposed_revocation` build it from the
API's own schemas) and judges every registered (model, update) pair of the vendors it covers
twice, with the licences as they are and with the proposal in place, by the pure rules. It
returns the pairs whose verdict or basis changes and the registered devices of their models.
Nothing here reads the database, the clock or the request: the caller says when to judge.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from service import eligibility as el
from service.api.schemas import AmendmentIn, LicenceIn, RevocationIn
from service.screening.normalise import name_key
from service.views import View, scope_fact

PROPOSED_ID = "proposed"  # the id a licence not yet recorded has in a preview


@dataclass(frozen=True)
class Change:
    """One registered (model, update) pair whose answer the proposal changes."""

    model_id: str
    model: str
    vendor: str
    update_id: str
    update: str
    before: tuple[str, str]  # (verdict, basis)
    after: tuple[str, str]
    devices: int  # registered devices of the model


@dataclass(frozen=True)
class Impact:
    at: datetime
    judged: int  # (model, update) pairs judged
    changes: tuple[Change, ...]

    @property
    def devices(self) -> int:
        """Registered devices whose model has at least one changed answer."""
        return sum({c.model_id: c.devices for c in self.changes}.values())

    @property
    def models(self) -> int:
        return len({c.model_id for c in self.changes})


def licence_impact(view: View, before: el.Licence | None, after: el.Licence, at: datetime,
                   policy: el.Policy, stale: bool, devices: Mapping[str, int]) -> Impact:
    """Judge the pairs of the licence's vendors at `at` without and with `after` in force."""
    vendors = after.vendor_ids | (before.vendor_ids if before else frozenset())
    models = _models_by_vendor(view, vendors)
    changes: list[Change] = []
    judged = 0
    for vendor_id in sorted(vendors):
        party = view.parties.get(vendor_id)
        if party is None:
            continue
        now = view.licences_by_vendor.get(vendor_id, ())
        then = _with(now, after, vendor_id)
        for model_id in models[vendor_id]:
            model = view.models[model_id]
            for update_id, update in view.updates.items():
                judged += 1
                was = _answer(el.Case(party, model, update, now, stale), at, policy)
                will = _answer(el.Case(party, model, update, then, stale), at, policy)
                if was != will:
                    changes.append(Change(model_id, model.name, party.name, update_id,
                                          describe(update), was, will, devices.get(model_id, 0)))
    changes.sort(key=lambda c: (c.vendor, c.model, c.update, c.model_id, c.update_id))
    return Impact(at, judged, tuple(changes))


def instants(takes_effect: datetime, now: datetime) -> list[datetime]:
    """When to judge: the instant the change takes effect, and now too if that is past."""
    return [takes_effect, now] if takes_effect < now else [takes_effect]


def describe(update: el.Update) -> str:
    version = f" {update.version}" if update.version else ""
    return f"{update.supplier} {update.product}{version} ({update.kind})"


def proposed_licence(body: LicenceIn, licence_id: str = PROPOSED_ID) -> el.Licence:
    """The licence facts a new licence would give the rules, as `views` builds them."""
    return el.Licence(
        id=licence_id, number=body.number, kind=body.kind.value,
        holder_key=name_key(body.holder) if body.holder else None,
        vendor_ids=frozenset(body.vendor_ids), lifts=frozenset(body.lifts),
        valid_from=body.valid_from,
        terms=(el.LicenceTerms(body.valid_from, body.valid_until,
                               scope_fact(body.scope.model_dump(mode="json"))),),
        authority=body.authority)


def proposed_amendment(licence: el.Licence, body: AmendmentIn) -> el.Licence:
    """The licence with new terms from the amendment's date (the newest of equal dates)."""
    terms = el.LicenceTerms(body.effective_from, body.valid_until,
                            scope_fact(body.scope.model_dump(mode="json")))
    # The first terms are the licence's own; amendments follow by date, ties by recording.
    later = sorted([*licence.terms[1:], terms], key=lambda t: t.effective_from)
    return replace(licence, terms=(licence.terms[0], *later))


def proposed_revocation(licence: el.Licence, body: RevocationIn) -> el.Licence:
    """The licence revoked from the revocation's date (an earlier revocation still counts)."""
    revoked = body.effective_from
    if licence.revoked_from is not None and licence.revoked_from < revoked:
        revoked = licence.revoked_from
    return replace(licence, revoked_from=revoked)


def _answer(case: el.Case, at: datetime, policy: el.Policy) -> tuple[str, str]:
    decision = el.evaluate(case, at, policy)
    return decision.verdict.value, decision.basis.value


def _with(licences: tuple[el.Licence, ...], proposed: el.Licence, vendor_id: str
          ) -> tuple[el.Licence, ...]:
    """The vendor's licences with the proposal in place of the licence it changes."""
    kept = tuple(lic for lic in licences if lic.id != proposed.id)
    return (*kept, proposed) if vendor_id in proposed.vendor_ids else kept


def _models_by_vendor(view: View, vendors: frozenset[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for model_id, vendor_id in view.model_vendor.items():
        if vendor_id in vendors:
            found[vendor_id].append(model_id)
    return found
