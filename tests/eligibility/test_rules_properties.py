"""Properties of the rules over random designations, licences, amendments and revocations.

Every fact starts or ends on one of a handful of instants, so that random cases collide often:
a licence lifting exactly the list that denies, an amendment on the day a listing begins.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import combinations, product

from history import POLICY
from hypothesis import given, settings
from hypothesis import strategies as st

from service.eligibility import (
    Basis,
    Case,
    Decision,
    Designation,
    Licence,
    LicenceTerms,
    Model,
    Party,
    Policy,
    PossibleMatch,
    Scope,
    StalePolicy,
    Update,
    Verdict,
    evaluate,
)
from service.eligibility.facts import RESTRICTING, Effect

BASE = datetime(2021, 1, 1, tzinfo=UTC)
INSTANTS = [BASE + timedelta(days=k) for k in range(7)]
MICROSECOND = timedelta(microseconds=1)
NUDGES = [timedelta(0), -MICROSECOND, MICROSECOND, timedelta(hours=12)]
SOURCES = ["EL", "MEU", "DPL", "SDN", "UVL", "CMIC", "XYZ"]
KINDS = ["security_patch", "os_upgrade", "vulnerability_disclosure"]
CLASSES = ["handset", "tablet", "laptop"]
SUPPLIERS = ["google llc", "microsoft corporation"]
VENDOR, OTHER_VENDOR = "vendor-x", "vendor-y"
PROPERTY = settings(max_examples=200, deadline=None)


def subsets(items: list[str], most: int) -> list[frozenset[str]]:
    """List the non-empty subsets of `items` with at most `most` members."""
    return [frozenset(c) for k in range(1, most + 1) for c in combinations(items, k)]


WINDOWS = [
    (start, until) for n, start in enumerate(INSTANTS[:-1]) for until in (None, *INSTANTS[n + 1 :])
]
instants = st.builds(
    lambda at, nudge: at + nudge,
    st.sampled_from([*INSTANTS[2:], *INSTANTS[:2], BASE - timedelta(days=1)]),
    st.sampled_from(NUDGES),
)
designations = st.builds(
    lambda window, source: Designation(
        f"d-{source}", source, f"{source} Co.", window[0], window[1], "1 FR 1"
    ),
    st.sampled_from(WINDOWS),
    st.sampled_from(SOURCES),
)
# Each scope, model and update is one draw from a precomputed table: cheap to generate.
ANYTHING = Scope(update_kinds=frozenset(KINDS), functional_enhancement=True)
scopes = st.just(ANYTHING) | st.sampled_from(
    [
        Scope(kinds, products, classes, cutoff, enhancement)
        for kinds, products, classes, cutoff, enhancement in product(
            [frozenset(KINDS), *subsets(KINDS, 2)],
            [None, frozenset({"android"})],
            [None, *subsets(CLASSES, 2)],
            [None, *INSTANTS],
            [False, True],
        )
    ]
)
amendment_starts = st.sets(st.sampled_from(INSTANTS[:-1]), min_size=1, max_size=3)
ends_after = {t: st.none() | st.sampled_from([i for i in INSTANTS if i > t]) for t in INSTANTS}
holders = st.sampled_from([None, None, *SUPPLIERS])
vendor_sets = st.sampled_from([frozenset({VENDOR}), *subsets([VENDOR, OTHER_VENDOR], 2)])
revocations = st.sampled_from([None] * 2 * len(INSTANTS) + INSTANTS)
lift_sets = st.just(frozenset(SOURCES)) | st.sampled_from(subsets(SOURCES, 2))


@st.composite
def licences(draw: st.DrawFn) -> Licence:
    """Draw a licence with one to three sets of terms: the first, then amendments."""
    starts = sorted(draw(amendment_starts))
    terms = tuple(LicenceTerms(s, draw(ends_after[s]), draw(scopes)) for s in starts)
    holder = draw(holders)
    return Licence(
        id="lic",
        number="L",
        kind="general" if holder is None else "specific",
        holder_key=holder,
        vendor_ids=draw(vendor_sets),
        lifts=draw(lift_sets),
        valid_from=starts[0],
        terms=terms,
        revoked_from=draw(revocations),
    )


models = st.sampled_from(
    [
        Model("model", "Model", device_class, available)
        for device_class, available in product([None, *CLASSES], [None, *INSTANTS])
    ]
)
updates = st.sampled_from(
    [
        Update("Supplier", key, country, kind, product_name, None, enhances, public)
        for key, country, kind, product_name, enhances, public in product(
            SUPPLIERS,
            ["US", "US", "US", "US", "us", None, "CN"],
            KINDS,
            ["Android", "Windows"],
            [None, False, True],
            [False] * 11 + [True],
        )
    ]
)


def _party(listed: list[Designation], resembling: list[Designation]) -> Party:
    return Party(
        VENDOR,
        "Vendor X Ltd.",
        designations=tuple(replace(d, id=f"d-{n}") for n, d in enumerate(listed)),
        possible_matches=tuple(
            PossibleMatch(f"pm-{n}", replace(d, id=f"pm-d-{n}"), 0.8)
            for n, d in enumerate(resembling)
        ),
    )


def _numbered(drawn: list[Licence]) -> tuple[Licence, ...]:
    return tuple(replace(lic, id=f"lic-{n}", number=f"L-{n}") for n, lic in enumerate(drawn))


cases = st.builds(
    Case,
    party=st.builds(
        _party, st.lists(designations, min_size=1, max_size=3), st.lists(designations, max_size=1)
    ),
    model=models,
    update=updates,
    licences=st.lists(licences(), max_size=3).map(_numbered),
    stale=st.sampled_from([False, False, False, True]),
)
policies = st.sampled_from([replace(POLICY, stale_policy=p) for p in StalePolicy])


def _answer(decision: Decision) -> tuple:
    return (
        decision.verdict,
        decision.basis,
        tuple(d.id for d in decision.designations),
        tuple((lic.id, until) for lic, until in decision.licences),
        decision.valid_from,
        decision.valid_until,
    )


def _denied_on_the_merits(decision: Decision) -> bool:
    # A stale-data deny is a withheld allow: more facts can turn it into a review instead.
    return decision.verdict is Verdict.DENY and decision.basis is not Basis.DATA_STALE


@PROPERTY
@given(cases, designations, st.booleans(), instants, policies)
def test_adding_a_designation_never_turns_a_refusal_into_an_allow(
    case: Case, added: Designation, as_match: bool, at: datetime, policy: Policy
) -> None:
    added = replace(added, id="d-added")
    party = case.party
    if as_match:
        matches = (*party.possible_matches, PossibleMatch("pm-added", added, 0.9))
        party = replace(party, possible_matches=matches)
    else:
        party = replace(party, designations=(*party.designations, added))
    before = evaluate(case, at, policy)
    after = evaluate(replace(case, party=party), at, policy)

    if before.verdict is not Verdict.ALLOW:
        assert after.verdict is not Verdict.ALLOW
    if _denied_on_the_merits(before):
        assert after.verdict is Verdict.DENY


@PROPERTY
@given(cases, st.data(), instants, policies)
def test_revoking_a_licence_never_turns_a_refusal_into_an_allow(
    case: Case, data: st.DataObject, at: datetime, policy: Policy
) -> None:
    held = list(case.licences) or [data.draw(licences())]
    index = data.draw(st.integers(0, len(held) - 1))
    case = replace(case, licences=_numbered(held))
    target = case.licences[index]
    revoke_at = data.draw(instants)
    if target.revoked_from is not None:
        revoke_at = min(revoke_at, target.revoked_from)
    revoked = list(case.licences)
    revoked[index] = replace(target, revoked_from=revoke_at)
    before = evaluate(case, at, policy)
    after = evaluate(replace(case, licences=tuple(revoked)), at, policy)

    if before.verdict is not Verdict.ALLOW:
        assert after.verdict is not Verdict.ALLOW
    if _denied_on_the_merits(before):
        assert after.verdict is Verdict.DENY


@PROPERTY
@given(cases, instants, policies, st.data())
def test_answer_is_constant_on_its_window(
    case: Case, at: datetime, policy: Policy, data: st.DataObject
) -> None:
    decision = evaluate(case, at, policy)
    start, until = decision.valid_from, decision.valid_until
    low = start if start is not None else at - timedelta(days=30)
    high = until if until is not None else at + timedelta(days=30)
    inside = low + data.draw(st.integers(0, (high - low) // MICROSECOND - 1)) * MICROSECOND
    points = [inside]
    if start is not None:
        points.append(start)
    if until is not None:
        points.append(until - MICROSECOND)

    assert start is None or start <= at
    assert until is None or at < until
    for point in points:
        assert _answer(evaluate(case, point, policy)) == _answer(decision), point


def _in_force(licence: Licence, at: datetime) -> bool:
    if at < licence.valid_from or (licence.revoked_from is not None and at >= licence.revoked_from):
        return False
    current = [t for t in licence.terms if t.effective_from <= at]
    return bool(current) and (current[-1].valid_until is None or at < current[-1].valid_until)


def _could_lift(case: Case, designation: Designation, at: datetime) -> bool:
    return any(
        designation.source in lic.lifts
        and case.party.vendor_id in lic.vendor_ids
        and lic.holder_key in (None, case.update.supplier_key)
        and _in_force(lic, at)
        for lic in case.licences
    )


def _subject_to_controls(update: Update) -> bool:
    return not update.publicly_available and (update.supplier_country or "US").upper() == "US"


@PROPERTY
@given(cases, instants, policies)
def test_never_allow_while_a_restriction_in_force_has_no_licence_to_lift_it(
    case: Case, at: datetime, policy: Policy
) -> None:
    decision = evaluate(case, at, policy)
    unlifted = [
        d
        for d in case.party.designations
        if d.in_force(at)
        and policy.effect_of(d.source) in RESTRICTING
        and not _could_lift(case, d, at)
    ]
    pending = [
        m
        for m in case.party.possible_matches
        if m.designation.in_force(at) and policy.effect_of(m.designation.source) is not Effect.NONE
    ]

    if _subject_to_controls(case.update) and unlifted:
        assert decision.verdict is Verdict.DENY
    if _subject_to_controls(case.update) and pending:
        assert decision.verdict is not Verdict.ALLOW


@PROPERTY
@given(cases, instants, policies)
def test_a_vendor_not_yet_screened_is_never_allowed(
    case: Case, at: datetime, policy: Policy
) -> None:
    unscreened = replace(case, party=replace(case.party, screened=False))
    decision = evaluate(unscreened, at, policy)
    screened = evaluate(case, at, policy)

    if _subject_to_controls(case.update):
        assert decision.verdict is not Verdict.ALLOW
        if screened.verdict is Verdict.ALLOW and not case.stale:
            assert (decision.verdict, decision.basis) == (Verdict.REVIEW,
                                                          Basis.SCREENING_PENDING)
    if _denied_on_the_merits(screened):  # a listing already known still denies
        assert (decision.verdict, decision.basis) == (screened.verdict, screened.basis)


@PROPERTY
@given(cases, instants, policies, st.randoms(use_true_random=False))
def test_the_order_facts_arrive_in_never_changes_the_answer(
    case: Case, at: datetime, policy: Policy, shuffler
) -> None:
    def shuffled(items: tuple) -> tuple:
        items = list(items)
        shuffler.shuffle(items)
        return tuple(items)

    party = replace(case.party, designations=shuffled(case.party.designations),
                    possible_matches=shuffled(case.party.possible_matches))
    reordered = replace(case, party=party, licences=shuffled(case.licences))

    assert evaluate(reordered, at, policy) == evaluate(case, at, policy)
