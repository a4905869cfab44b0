"""Rules 1-7 one at a time: lists and their effects, licences, matches, stale data, revocation."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from history import (
    AOSP_UPDATE,
    GOOGLE_OS_UPGRADE,
    GOOGLE_PATCH,
    HUAWEI_EL,
    HUAWEI_LICENCES,
    HUAWEI_PARTY,
    HUAWEI_TGL,
    MATE_30,
    MATEBOOK,
    MICROSOFT_LICENCE,
    P30_PRO,
    POLICY,
    WINDOWS_UPDATE,
    huawei_case,
    instant,
    judge,
)

from service.eligibility import (
    Basis,
    Case,
    Designation,
    Licence,
    LicenceTerms,
    Party,
    Policy,
    PossibleMatch,
    Scope,
    StalePolicy,
    Verdict,
)

ACME = "vendor-acme"
LISTED = "2021-01-01"
LATER = "2021-06-01"


def listing(source: str, name: str = "Acme Mobile Co., Ltd.", **changes: Any) -> Designation:
    designation = Designation(f"{source.lower()}-acme", source, name, instant(LISTED))
    return replace(designation, **changes)


def acme_case(*designations: Designation, licences: tuple[Licence, ...] = (), **party) -> Case:
    """Build the case of a Google patch to an Acme handset, Acme listed as given."""
    acme = Party(ACME, "Acme Mobile Co., Ltd.", designations=designations, **party)
    return Case(acme, P30_PRO, GOOGLE_PATCH, licences)


def licence(lifts: set[str], **changes: Any) -> Licence:
    """Build an open-ended general licence for Acme that admits every security patch."""
    scope = Scope(update_kinds=frozenset({"security_patch"}))
    start = instant(LISTED)
    base = Licence(
        id=f"lic-{'-'.join(sorted(lifts)).lower()}",
        number=f"GL-{'-'.join(sorted(lifts))}",
        kind="general",
        holder_key=None,
        vendor_ids=frozenset({ACME}),
        lifts=frozenset(lifts),
        valid_from=start,
        terms=(LicenceTerms(start, None, scope),),
    )
    return replace(base, **changes)


def outcome(case: Case, when: str = LATER, policy: Policy = POLICY) -> tuple[Verdict, Basis]:
    decision = judge(case, when, policy)
    return decision.verdict, decision.basis


# --- Rule 1: software not subject to controls -----------------------------------------------


@pytest.mark.parametrize("country", ["CN", "DE", "fi"])
def test_update_supplied_from_outside_the_us_is_not_subject_to_controls(country: str) -> None:
    emui = replace(GOOGLE_PATCH, supplier="Huawei Device Co., Ltd.", supplier_country=country)
    decision = judge(huawei_case(P30_PRO, emui), "2019-05-17")

    assert (decision.verdict, decision.basis) == (Verdict.ALLOW, Basis.NOT_SUBJECT_TO_CONTROLS)
    assert (decision.valid_from, decision.valid_until) == (None, None)
    assert decision.designations == () and decision.licences == ()


def test_publicly_available_software_ships_even_to_a_blocked_party() -> None:
    case = replace(acme_case(listing("SDN")), update=AOSP_UPDATE)
    decision = judge(case, LATER)

    assert (decision.verdict, decision.basis) == (Verdict.ALLOW, Basis.NOT_SUBJECT_TO_CONTROLS)
    assert decision.valid_until is None
    assert "publicly available" in decision.reasons[0]


@pytest.mark.parametrize("country", [None, "US", "us"])
def test_unknown_or_us_supplier_country_counts_as_us(country: str | None) -> None:
    update = replace(GOOGLE_PATCH, supplier_country=country)

    assert outcome(huawei_case(P30_PRO, update), "2019-05-17") == (
        Verdict.DENY,
        Basis.LICENCE_REQUIRED,
    )


# --- Rule 2: designations, effects and possible matches -------------------------------------


def test_vendor_not_listed_anywhere_is_allowed() -> None:
    assert outcome(acme_case()) == (Verdict.ALLOW, Basis.NOT_LISTED)


def test_cmic_only_vendor_is_allowed_with_no_update_effect() -> None:
    decision = judge(acme_case(listing("CMIC")), LATER)

    assert (decision.verdict, decision.basis) == (Verdict.ALLOW, Basis.NO_UPDATE_EFFECT)
    assert any("does not restrict software updates" in line for line in decision.reasons)


@pytest.mark.parametrize("source", ["SSI", "CMIC", "MBS", "CAP", "PLC", "DTC"])
def test_lists_without_effect_never_restrict(source: str) -> None:
    assert outcome(acme_case(listing(source))) == (Verdict.ALLOW, Basis.NO_UPDATE_EFFECT)


def test_designation_not_yet_in_force_is_ignored() -> None:
    assert outcome(acme_case(listing("SDN")), "2020-12-31T23:59:59") == (
        Verdict.ALLOW,
        Basis.NOT_LISTED,
    )


def test_ended_designation_is_ignored() -> None:
    ended = listing("SDN", effective_until=instant("2021-03-01"))

    assert outcome(acme_case(ended)) == (Verdict.ALLOW, Basis.NOT_LISTED)


def test_possible_match_on_a_list_without_effect_is_ignored() -> None:
    match = PossibleMatch("pm-cmic", listing("CMIC", "Acme Mobile Corp."), 0.91)

    assert outcome(acme_case(possible_matches=(match,))) == (Verdict.ALLOW, Basis.NOT_LISTED)


def test_possible_match_alone_goes_to_review() -> None:
    match = PossibleMatch("pm-el", listing("EL", "Acme Mobil Co."), 0.88)

    assert outcome(acme_case(possible_matches=(match,))) == (
        Verdict.REVIEW,
        Basis.POSSIBLE_MATCH,
    )


def test_possible_match_is_reviewed_even_when_a_licence_would_lift_it() -> None:
    resembling = replace(HUAWEI_EL, id="el-huawei-device-usa", name="Huawei Device USA Inc.")
    party = replace(HUAWEI_PARTY, possible_matches=(PossibleMatch("pm-1", resembling, 0.87),))
    case = huawei_case(P30_PRO, GOOGLE_PATCH, party=party)

    assert outcome(case, "2019-06-01") == (Verdict.REVIEW, Basis.POSSIBLE_MATCH)
    alone = replace(case, party=replace(party, designations=()))
    assert outcome(alone, "2019-06-01") == (Verdict.REVIEW, Basis.POSSIBLE_MATCH)


def test_possible_match_never_outranks_a_deny() -> None:
    match = PossibleMatch("pm-uvl", listing("UVL", "Acme Mobil"), 0.8)

    assert outcome(acme_case(listing("EL"), possible_matches=(match,))) == (
        Verdict.DENY,
        Basis.LICENCE_REQUIRED,
    )


def test_possible_match_to_an_ended_designation_is_ignored() -> None:
    ended = listing("EL", "Acme Mobil", effective_until=instant("2021-03-01"))
    match = PossibleMatch("pm-ended", ended, 0.9)

    assert outcome(acme_case(possible_matches=(match,))) == (Verdict.ALLOW, Basis.NOT_LISTED)


# --- Rules 4 and 5: what denies, what is reviewed -------------------------------------------


@pytest.mark.parametrize(
    ("source", "basis"),
    [
        ("EL", Basis.LICENCE_REQUIRED),
        ("MEU", Basis.LICENCE_REQUIRED),
        ("DPL", Basis.DENIED_PARTY),
        ("SDN", Basis.BLOCKED_PARTY),
        ("FSE", Basis.BLOCKED_PARTY),
    ],
)
def test_restricting_list_without_licence_denies(source: str, basis: Basis) -> None:
    assert outcome(acme_case(listing(source))) == (Verdict.DENY, basis)


@pytest.mark.parametrize("source", ["UVL", "ISN"])
def test_review_list_goes_to_review(source: str) -> None:
    assert outcome(acme_case(listing(source))) == (Verdict.REVIEW, Basis.LISTED_FOR_REVIEW)


def test_unknown_source_code_counts_as_restricting() -> None:
    decision = judge(acme_case(listing("XYZ")), LATER)

    assert (decision.verdict, decision.basis) == (Verdict.DENY, Basis.LICENCE_REQUIRED)
    assert any("the XYZ list" in line for line in decision.reasons)


def test_sdn_outranks_dpl_and_el() -> None:
    case = acme_case(listing("EL"), listing("DPL"), listing("SDN"))

    assert outcome(case) == (Verdict.DENY, Basis.BLOCKED_PARTY)


def test_dpl_outranks_el() -> None:
    assert outcome(acme_case(listing("EL"), listing("DPL"))) == (Verdict.DENY, Basis.DENIED_PARTY)


def test_review_list_beside_an_unlifted_restriction_denies() -> None:
    assert outcome(acme_case(listing("UVL"), listing("EL"))) == (
        Verdict.DENY,
        Basis.LICENCE_REQUIRED,
    )


def test_review_list_beside_a_lifted_restriction_is_still_reviewed() -> None:
    case = acme_case(listing("UVL"), listing("EL"), licences=(licence({"EL"}),))

    assert outcome(case) == (Verdict.REVIEW, Basis.LISTED_FOR_REVIEW)


def test_one_unlifted_restriction_denies_beside_a_lifted_one() -> None:
    meu = Designation("meu-huawei", "MEU", "Huawei Technologies Co., Ltd.", instant("2019-05-16"))
    party = replace(HUAWEI_PARTY, designations=(HUAWEI_EL, meu))
    decision = judge(huawei_case(P30_PRO, GOOGLE_PATCH, party=party), "2019-06-01")

    assert (decision.verdict, decision.basis) == (Verdict.DENY, Basis.LICENCE_REQUIRED)


# --- Rule 3: which licences lift ------------------------------------------------------------


def test_bis_licence_does_not_lift_an_sdn_block() -> None:
    case = acme_case(
        listing("EL"), listing("DPL"), listing("SDN"), licences=(licence({"EL", "DPL"}),)
    )

    assert outcome(case) == (Verdict.DENY, Basis.BLOCKED_PARTY)


def test_ofac_licence_lifts_an_sdn_block() -> None:
    case = acme_case(listing("SDN"), licences=(licence({"SDN"}),))

    assert outcome(case) == (Verdict.ALLOW, Basis.LICENSED)


def test_licence_for_another_vendor_does_not_lift() -> None:
    case = acme_case(listing("EL"), licences=(licence({"EL"}, vendor_ids=frozenset({"other"})),))

    assert outcome(case) == (Verdict.DENY, Basis.LICENCE_REQUIRED)


def test_licence_lifting_another_source_does_not_lift() -> None:
    case = acme_case(listing("EL"), licences=(licence({"MEU"}),))

    assert outcome(case) == (Verdict.DENY, Basis.LICENCE_REQUIRED)


def test_specific_licence_held_by_another_supplier_does_not_lift() -> None:
    decision = judge(huawei_case(MATEBOOK, GOOGLE_PATCH), "2020-01-01")

    assert (decision.verdict, decision.basis) == (Verdict.DENY, Basis.LICENCE_REQUIRED)
    assert any(
        MICROSOFT_LICENCE.number in line and "another exporter" in line for line in decision.reasons
    )


def test_specific_licence_lifts_for_its_holder() -> None:
    assert outcome(huawei_case(MATEBOOK, WINDOWS_UPDATE), "2020-01-01") == (
        Verdict.ALLOW,
        Basis.LICENSED,
    )


@pytest.mark.parametrize(
    ("product", "verdict"), [("WINDOWS", Verdict.ALLOW), ("Office", Verdict.DENY)]
)
def test_licence_products_are_compared_case_folded(product: str, verdict: Verdict) -> None:
    update = replace(WINDOWS_UPDATE, product=product)

    assert judge(huawei_case(MATEBOOK, update), "2020-01-01").verdict is verdict


def test_update_kind_outside_the_scope_is_not_lifted() -> None:
    case = replace(acme_case(listing("EL"), licences=(licence({"EL"}),)), update=GOOGLE_OS_UPGRADE)

    assert outcome(case) == (Verdict.DENY, Basis.LICENCE_REQUIRED)


def test_unknown_device_class_goes_to_review() -> None:
    inline = replace(P30_PRO, id=None, device_class=None)

    assert outcome(huawei_case(inline, GOOGLE_PATCH), "2019-06-01") == (
        Verdict.REVIEW,
        Basis.SCOPE_UNKNOWN,
    )


def test_unknown_availability_date_goes_to_review() -> None:
    undated = replace(P30_PRO, available_from=None)

    assert outcome(huawei_case(undated, GOOGLE_PATCH), "2019-06-01") == (
        Verdict.REVIEW,
        Basis.SCOPE_UNKNOWN,
    )


def test_unknown_enhancement_goes_to_review_while_the_licence_forbids_enhancement() -> None:
    unclear = replace(GOOGLE_PATCH, enhances_functionality=None)

    assert outcome(huawei_case(P30_PRO, unclear), "2019-09-01") == (
        Verdict.REVIEW,
        Basis.SCOPE_UNKNOWN,
    )


def test_exclusion_wins_over_an_unknown_fact() -> None:
    unclear = replace(GOOGLE_PATCH, enhances_functionality=None)

    assert outcome(huawei_case(MATE_30, unclear), "2019-09-01") == (
        Verdict.DENY,
        Basis.LICENCE_REQUIRED,
    )


# --- Revocation -----------------------------------------------------------------------------

REVOKED_AT = instant("2019-10-01T12:00:00")
REVOKED_TGL = replace(HUAWEI_TGL, revoked_from=REVOKED_AT)
WITH_REVOKED_TGL = (REVOKED_TGL, *HUAWEI_LICENCES[1:])


def test_revocation_ends_the_licence_at_its_instant() -> None:
    case = huawei_case(P30_PRO, GOOGLE_PATCH, licences=WITH_REVOKED_TGL)

    assert outcome(case, "2019-10-01T11:59:59") == (Verdict.ALLOW, Basis.LICENSED)
    assert outcome(case, "2019-10-01T12:00:00") == (Verdict.DENY, Basis.LICENCE_REQUIRED)


def test_revocation_is_the_next_boundary_and_the_licence_end() -> None:
    case = huawei_case(P30_PRO, GOOGLE_PATCH, licences=WITH_REVOKED_TGL)
    decision = judge(case, "2019-09-01")

    assert decision.valid_until == REVOKED_AT
    assert decision.licences == ((REVOKED_TGL, REVOKED_AT),)


def test_revocation_before_the_licence_starts_means_it_never_lifts() -> None:
    never = replace(HUAWEI_TGL, revoked_from=instant("2019-05-18"))
    case = huawei_case(P30_PRO, GOOGLE_PATCH, licences=(never,))

    assert outcome(case, "2019-06-01") == (Verdict.DENY, Basis.LICENCE_REQUIRED)


# --- Rule 7: stale data ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stale_policy", "expected"),
    [
        (StalePolicy.REVIEW, (Verdict.REVIEW, Basis.DATA_STALE)),
        (StalePolicy.DENY, (Verdict.DENY, Basis.DATA_STALE)),
        (StalePolicy.ANNOTATE, (Verdict.ALLOW, Basis.LICENSED)),
    ],
)
def test_stale_data_follows_the_policy_for_an_allow(
    stale_policy: StalePolicy, expected: tuple[Verdict, Basis]
) -> None:
    case = huawei_case(P30_PRO, GOOGLE_PATCH, stale=True)
    decision = judge(case, "2019-06-01", replace(POLICY, stale_policy=stale_policy))

    assert (decision.verdict, decision.basis) == expected
    assert decision.stale is True
    assert "staleness limit" in decision.reasons[-1]


@pytest.mark.parametrize("stale_policy", list(StalePolicy))
def test_stale_data_withholds_a_not_listed_allow_unless_annotating(
    stale_policy: StalePolicy,
) -> None:
    decision = judge(
        replace(acme_case(), stale=True), LATER, replace(POLICY, stale_policy=stale_policy)
    )

    assert (decision.verdict is Verdict.ALLOW) == (stale_policy is StalePolicy.ANNOTATE)


@pytest.mark.parametrize("stale_policy", list(StalePolicy))
def test_stale_data_never_touches_a_deny(stale_policy: StalePolicy) -> None:
    case = huawei_case(MATE_30, GOOGLE_PATCH, stale=True)
    decision = judge(case, "2019-06-01", replace(POLICY, stale_policy=stale_policy))

    assert (decision.verdict, decision.basis) == (Verdict.DENY, Basis.LICENCE_REQUIRED)
    assert decision.stale is True


@pytest.mark.parametrize("stale_policy", [StalePolicy.REVIEW, StalePolicy.ANNOTATE])
def test_stale_data_keeps_a_review_as_it_is(stale_policy: StalePolicy) -> None:
    case = huawei_case(replace(P30_PRO, available_from=None), GOOGLE_PATCH, stale=True)
    decision = judge(case, "2019-06-01", replace(POLICY, stale_policy=stale_policy))

    assert (decision.verdict, decision.basis) == (Verdict.REVIEW, Basis.SCOPE_UNKNOWN)


def test_stale_data_under_the_deny_policy_refuses_a_review_too() -> None:
    # Otherwise learning one more fact (a revocation) could soften deny/data_stale to review.
    case = huawei_case(replace(P30_PRO, available_from=None), GOOGLE_PATCH, stale=True)
    decision = judge(case, "2019-06-01", replace(POLICY, stale_policy=StalePolicy.DENY))

    assert (decision.verdict, decision.basis) == (Verdict.DENY, Basis.DATA_STALE)


def test_stale_data_does_not_matter_to_software_outside_controls() -> None:
    decision = judge(huawei_case(P30_PRO, AOSP_UPDATE, stale=True), "2019-06-01")

    assert (decision.verdict, decision.basis) == (Verdict.ALLOW, Basis.NOT_SUBJECT_TO_CONTROLS)


def test_fresh_data_is_not_marked_stale() -> None:
    decision = judge(huawei_case(P30_PRO, GOOGLE_PATCH), "2019-06-01")

    assert decision.stale is False
    assert not any("staleness" in line for line in decision.reasons)
