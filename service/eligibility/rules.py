"""Rules 1-7 of `domain.md`: the verdict for one update, one device, one instant.

1. Software not subject to controls (publicly available, or supplied from outside US
   jurisdiction; an unknown supplier country counts as US) is allowed.
2. Designations in force and possible matches whose source has effect `none` are dropped; if
   nothing is left the answer is allow (`not_listed`, or `no_update_effect`).
3. A restricting designation is lifted by a licence in force that lifts its source, covers the
   vendor, is general or held by the update's supplier, and whose scope admits the update.
4. Any `licence_required`/`denied`/`blocked` designation that no licence lifts, or could lift
   were a missing fact known, denies.
5. Otherwise anything still open is reviewed: a possible match first, then a vendor not yet
   screened against the active lists, then a `review` source, then a licence whose scope
   hinges on an unknown fact.
6. Otherwise every restriction is lifted: allow, `licensed`.
7. Stale source data follows the configured policy and says so.

Answers list their facts in one order, whatever order the facts came in, so that the same
history gives the same answer on any database: designations by severity of their list's
effect (blocked, denied, licence required, review, none), then list code, effective date, end
date (open-ended last), name, reference and id; possible matches in the order of their
designations; licences by number, start and id. `reasons` follows the same order: the
designations, the possible matches, then for each designation the licences weighed against
it, each sentence once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from service.eligibility import reasons, timeline
from service.eligibility.facts import (
    RESTRICTING,
    Basis,
    Case,
    Decision,
    Designation,
    Effect,
    Licence,
    Policy,
    StalePolicy,
    Verdict,
)
from service.eligibility.scope import Fit, fit

_DENY_BASIS = {
    Effect.BLOCKED: Basis.BLOCKED_PARTY,
    Effect.DENIED: Basis.DENIED_PARTY,
    Effect.LICENCE_REQUIRED: Basis.LICENCE_REQUIRED,
}
_SEVERITY = [Effect.BLOCKED, Effect.DENIED, Effect.LICENCE_REQUIRED, Effect.REVIEW, Effect.NONE]


@dataclass(frozen=True, slots=True)
class _Assessment:
    """How the licences in force treat one designation."""

    designation: Designation
    effect: Effect
    lifted_by: tuple[Licence, ...]
    maybe_by: tuple[Licence, ...]

    @property
    def open(self) -> bool:
        return not self.lifted_by


def evaluate(case: Case, at: datetime, policy: Policy) -> Decision:
    """Judge `case` at the instant `at` under `policy`."""
    verdict, basis, lines, designations, licences = _judge(case, at, policy)
    if basis is Basis.NOT_SUBJECT_TO_CONTROLS:
        valid_from, valid_until = None, None  # no list or licence can change this answer
    else:
        valid_from, valid_until = timeline.window(case, at)
    if case.stale and basis is not Basis.NOT_SUBJECT_TO_CONTROLS:
        verdict, basis = _apply_stale_policy(verdict, basis, policy.stale_policy)
        lines.append(reasons.stale(policy.stale_policy))
    return Decision(
        verdict=verdict,
        basis=basis,
        reasons=tuple(dict.fromkeys(lines)),  # one sentence per fact, in first-seen order
        designations=tuple(designations),
        licences=tuple((lic, _licence_until(lic, at)) for lic in licences),
        valid_from=valid_from,
        valid_until=valid_until,
        stale=case.stale,
    )


def _judge(
    case: Case, at: datetime, policy: Policy
) -> tuple[Verdict, Basis, list[str], list[Designation], list[Licence]]:
    update, party = case.update, case.party
    if update.publicly_available or (update.supplier_country or "US").upper() != "US":
        return Verdict.ALLOW, Basis.NOT_SUBJECT_TO_CONTROLS, [reasons.not_subject(update)], [], []

    def order(d: Designation) -> tuple[object, ...]:
        return (_SEVERITY.index(policy.effect_of(d.source)), d.source, d.effective_from,
                d.effective_until is None, d.effective_until or d.effective_from, d.name,
                d.reference or "", d.id)

    in_force = sorted((d for d in party.designations if d.in_force(at)), key=order)
    matches = sorted(
        (m for m in party.possible_matches if m.designation.in_force(at)
         and policy.effect_of(m.designation.source) is not Effect.NONE),
        key=lambda m: (order(m.designation), -m.score, m.id))
    lines = [reasons.designation(party, d, policy) for d in in_force]
    lines += [reasons.possible_match(party, m, policy) for m in matches]
    considered = in_force + [m.designation for m in matches]
    active = [d for d in in_force if policy.effect_of(d.source) is not Effect.NONE]
    if not active and not matches:
        if not party.screened:
            lines.append(reasons.screening_pending(party))
            return Verdict.REVIEW, Basis.SCREENING_PENDING, lines, considered, []
        basis = Basis.NO_UPDATE_EFFECT if in_force else Basis.NOT_LISTED
        if not in_force:
            lines.append(reasons.not_listed(party))
        return Verdict.ALLOW, basis, lines, considered, []

    licences = sorted(case.licences, key=lambda lic: (lic.number, lic.valid_from, lic.id))
    assessments = [_assess(d, case, licences, at, policy, lines) for d in active]
    used = _licences_used(assessments)
    denying = [a for a in assessments if a.effect in RESTRICTING and a.open and not a.maybe_by]
    if denying:
        worst = min(denying, key=lambda a: _SEVERITY.index(a.effect))
        return Verdict.DENY, _DENY_BASIS[worst.effect], lines, considered, used
    if matches:
        return Verdict.REVIEW, Basis.POSSIBLE_MATCH, lines, considered, used
    if not party.screened:
        lines.append(reasons.screening_pending(party))
        return Verdict.REVIEW, Basis.SCREENING_PENDING, lines, considered, used
    if any(a.effect is Effect.REVIEW and a.open for a in assessments):
        return Verdict.REVIEW, Basis.LISTED_FOR_REVIEW, lines, considered, used
    if any(a.open for a in assessments):
        return Verdict.REVIEW, Basis.SCOPE_UNKNOWN, lines, considered, used
    return Verdict.ALLOW, Basis.LICENSED, lines, considered, used


def _assess(
    designation: Designation, case: Case, licences: list[Licence], at: datetime,
    policy: Policy, lines: list[str]
) -> _Assessment:
    """Weigh every licence against one designation, writing a reason for each considered."""
    lifted: list[Licence] = []
    maybe: list[Licence] = []
    for licence in licences:
        if designation.source not in licence.lifts:
            continue
        if case.party.vendor_id not in licence.vendor_ids:
            continue
        if licence.holder_key is not None and licence.holder_key != case.update.supplier_key:
            lines.append(reasons.licence_other_holder(licence, case.update))
            continue
        terms = licence.terms_at(at)
        if terms is None:
            lines.append(reasons.licence_not_in_force(licence, designation, at))
            continue
        result = fit(terms.scope, case.model, case.update)
        if result.fit is Fit.YES:
            lifted.append(licence)
            lines.append(reasons.licence_lifts(licence, designation, terms.valid_until))
        elif result.fit is Fit.UNKNOWN:
            maybe.append(licence)
            lines.append(reasons.licence_maybe(licence, result.why))
        else:
            lines.append(reasons.licence_excludes(licence, result.why))
    effect = policy.effect_of(designation.source)
    return _Assessment(designation, effect, tuple(lifted), tuple(maybe))


def _licences_used(assessments: list[_Assessment]) -> list[Licence]:
    seen: dict[str, Licence] = {}
    for a in assessments:
        for licence in a.lifted_by + a.maybe_by:
            seen.setdefault(licence.id, licence)
    return list(seen.values())


def _licence_until(licence: Licence, at: datetime) -> datetime | None:
    terms = licence.terms_at(at)
    until = terms.valid_until if terms else None
    if licence.revoked_from is not None and (until is None or licence.revoked_from < until):
        until = licence.revoked_from
    return until


def _apply_stale_policy(
    verdict: Verdict, basis: Basis, stale_policy: StalePolicy
) -> tuple[Verdict, Basis]:
    """Withhold what stale data would let through; a deny on the merits keeps its basis."""
    if verdict is Verdict.DENY or stale_policy is StalePolicy.ANNOTATE:
        return verdict, basis
    if stale_policy is StalePolicy.DENY:  # refuse reviews too, so more facts never soften it
        return Verdict.DENY, Basis.DATA_STALE
    if verdict is Verdict.ALLOW:
        return Verdict.REVIEW, Basis.DATA_STALE
    return verdict, basis
