"""The 2016-2020 Huawei and ZTE history, judged one second before and exactly at every change."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pytest
from history import (
    AOSP_UPDATE,
    AXON_7,
    GOOGLE_DISCLOSURE,
    GOOGLE_OS_UPGRADE,
    GOOGLE_PATCH,
    HONOR_20,
    MATE_30,
    MATEBOOK,
    MEDIAPAD_M5,
    P30_PRO,
    WINDOWS_UPDATE,
    ZTE_DPL,
    ZTE_LICENCES,
    ZTE_PARSIAN_PARTY,
    ZTE_PARTY,
    huawei_case,
    instant,
    judge,
    zte_case,
)

from service.eligibility import Basis, Case, Verdict
from service.eligibility.timeline import change_points

ONE_SECOND = timedelta(seconds=1)

ALLOW_NOT_LISTED = (Verdict.ALLOW, Basis.NOT_LISTED)
ALLOW_LICENSED = (Verdict.ALLOW, Basis.LICENSED)
DENY_LICENCE = (Verdict.DENY, Basis.LICENCE_REQUIRED)
DENY_DENIED = (Verdict.DENY, Basis.DENIED_PARTY)
REVIEW_SCOPE = (Verdict.REVIEW, Basis.SCOPE_UNKNOWN)

P30_PATCH = huawei_case(P30_PRO, GOOGLE_PATCH)
P30_OS_UPGRADE = huawei_case(P30_PRO, GOOGLE_OS_UPGRADE)
P30_PATCH_ENHANCEMENT_UNKNOWN = huawei_case(
    P30_PRO, replace(GOOGLE_PATCH, enhances_functionality=None)
)
P30_UNKNOWN_AVAILABILITY = huawei_case(replace(P30_PRO, available_from=None), GOOGLE_PATCH)
P30_DISCLOSURE = huawei_case(P30_PRO, GOOGLE_DISCLOSURE)
MATE_30_PATCH = huawei_case(MATE_30, GOOGLE_PATCH)
HONOR_20_PATCH = huawei_case(HONOR_20, GOOGLE_PATCH)
MEDIAPAD_PATCH = huawei_case(MEDIAPAD_M5, GOOGLE_PATCH)
MATEBOOK_WINDOWS = huawei_case(MATEBOOK, WINDOWS_UPDATE)
AXON_PATCH = zte_case(AXON_7, GOOGLE_PATCH)
AXON_OS_UPGRADE = zte_case(AXON_7, GOOGLE_OS_UPGRADE)
PARSIAN_PATCH = Case(ZTE_PARSIAN_PARTY, AXON_7, GOOGLE_PATCH, ZTE_LICENCES)
AXON_PATCH_DPL_NEVER_LIFTED = zte_case(
    AXON_7,
    GOOGLE_PATCH,
    party=replace(ZTE_PARTY, designations=(replace(ZTE_DPL, effective_until=None),)),
)


@dataclass(frozen=True)
class Boundary:
    name: str
    case: Case
    instant: datetime
    before: tuple[Verdict, Basis]
    at: tuple[Verdict, Basis]


def _boundaries(name: str, case: Case, *steps: tuple[str, tuple, tuple]) -> list[Boundary]:
    return [Boundary(name, case, instant(day), before, at) for day, before, at in steps]


SEAMS = [(day, ALLOW_LICENSED, ALLOW_LICENSED) for day in ("2019-11-18", "2020-02-16")]
SEAMS += [(day, ALLOW_LICENSED, ALLOW_LICENSED) for day in ("2020-04-01", "2020-05-15")]

BOUNDARIES = [
    *_boundaries(
        "p30-security-patch",
        P30_PATCH,
        ("2019-05-16", ALLOW_NOT_LISTED, DENY_LICENCE),  # listed, and no licence for 4 days
        ("2019-05-20", DENY_LICENCE, ALLOW_LICENSED),  # the TGL begins
        ("2019-08-19", ALLOW_LICENSED, ALLOW_LICENSED),  # amended without a gap
        *SEAMS,
        ("2019-11-20", ALLOW_LICENSED, ALLOW_LICENSED),  # Microsoft's licence is not for Google
        ("2020-08-14", ALLOW_LICENSED, DENY_LICENCE),  # the TGL expires
    ),
    *_boundaries(
        "p30-os-upgrade",
        P30_OS_UPGRADE,
        ("2019-05-20", DENY_LICENCE, ALLOW_LICENSED),
        ("2019-08-19", ALLOW_LICENSED, DENY_LICENCE),  # enhancements excluded from here
        ("2020-08-14", DENY_LICENCE, DENY_LICENCE),
    ),
    *_boundaries(
        "p30-enhancement-unknown",
        P30_PATCH_ENHANCEMENT_UNKNOWN,
        ("2019-05-20", DENY_LICENCE, ALLOW_LICENSED),  # the first terms admit enhancements
        ("2019-08-19", ALLOW_LICENSED, REVIEW_SCOPE),
        ("2020-08-14", REVIEW_SCOPE, DENY_LICENCE),
    ),
    *_boundaries(
        "p30-availability-unknown",
        P30_UNKNOWN_AVAILABILITY,
        ("2019-05-16", ALLOW_NOT_LISTED, DENY_LICENCE),
        ("2019-05-20", DENY_LICENCE, REVIEW_SCOPE),
        ("2019-08-19", REVIEW_SCOPE, REVIEW_SCOPE),
        ("2020-08-14", REVIEW_SCOPE, DENY_LICENCE),
    ),
    *_boundaries(
        "p30-vulnerability-disclosure",
        P30_DISCLOSURE,
        ("2019-05-20", DENY_LICENCE, ALLOW_LICENSED),
        ("2020-08-14", ALLOW_LICENSED, ALLOW_LICENSED),  # the narrow authorisation takes over
    ),
    *_boundaries(
        "mate-30-never-covered",
        MATE_30_PATCH,
        ("2019-05-16", ALLOW_NOT_LISTED, DENY_LICENCE),
        ("2019-05-20", DENY_LICENCE, DENY_LICENCE),
        ("2019-08-19", DENY_LICENCE, DENY_LICENCE),
        ("2020-08-14", DENY_LICENCE, DENY_LICENCE),
    ),
    *_boundaries(
        "honor-20-after-cutoff",
        HONOR_20_PATCH,
        ("2019-05-20", DENY_LICENCE, DENY_LICENCE),
        ("2019-08-19", DENY_LICENCE, DENY_LICENCE),
    ),
    *_boundaries(
        "mediapad-tablet",
        MEDIAPAD_PATCH,
        ("2019-05-20", DENY_LICENCE, DENY_LICENCE),  # handsets only at first
        ("2019-08-19", DENY_LICENCE, ALLOW_LICENSED),  # widened to consumer electronics
        ("2020-08-14", ALLOW_LICENSED, DENY_LICENCE),
    ),
    *_boundaries(
        "matebook-windows-update",
        MATEBOOK_WINDOWS,
        ("2019-05-16", ALLOW_NOT_LISTED, DENY_LICENCE),
        ("2019-05-20", DENY_LICENCE, DENY_LICENCE),  # the TGL never covered laptops
        ("2019-08-19", DENY_LICENCE, DENY_LICENCE),
        ("2019-11-20", DENY_LICENCE, ALLOW_LICENSED),  # Microsoft's specific licence
        ("2020-08-14", ALLOW_LICENSED, ALLOW_LICENSED),  # open-ended, outlives the TGL
    ),
    *_boundaries(
        "zte-security-patch",
        AXON_PATCH,
        ("2016-03-08", ALLOW_NOT_LISTED, DENY_LICENCE),
        ("2016-03-24", DENY_LICENCE, ALLOW_LICENSED),
        ("2017-03-29", ALLOW_LICENSED, ALLOW_NOT_LISTED),  # licence ends as the listing does
        ("2018-04-15", ALLOW_NOT_LISTED, DENY_DENIED),
        ("2018-07-02", DENY_DENIED, ALLOW_LICENSED),  # service and support authorised
        ("2018-07-13", ALLOW_LICENSED, ALLOW_NOT_LISTED),  # the order terminated
        ("2018-08-01", ALLOW_NOT_LISTED, ALLOW_NOT_LISTED),
    ),
    *_boundaries(
        "zte-os-upgrade",
        AXON_OS_UPGRADE,
        ("2016-03-24", DENY_LICENCE, ALLOW_LICENSED),
        ("2018-07-02", DENY_DENIED, DENY_DENIED),  # support excludes enhancements
        ("2018-07-13", DENY_DENIED, ALLOW_NOT_LISTED),
    ),
    *_boundaries(
        "zte-parsian-excluded",
        PARSIAN_PATCH,
        ("2016-03-08", ALLOW_NOT_LISTED, DENY_LICENCE),
        ("2016-03-24", DENY_LICENCE, DENY_LICENCE),
        ("2017-03-29", DENY_LICENCE, DENY_LICENCE),
    ),
    *_boundaries(
        "zte-order-never-terminated",
        AXON_PATCH_DPL_NEVER_LIFTED,
        ("2018-07-02", DENY_DENIED, ALLOW_LICENSED),
        ("2018-08-01", ALLOW_LICENSED, DENY_DENIED),
    ),
]


@pytest.mark.parametrize(
    "boundary", BOUNDARIES, ids=[f"{b.name}@{b.instant.date()}" for b in BOUNDARIES]
)
def test_answer_changes_exactly_at_each_instant_of_the_history(boundary: Boundary) -> None:
    before = judge(boundary.case, boundary.instant - ONE_SECOND)
    at = judge(boundary.case, boundary.instant)

    assert (before.verdict, before.basis) == boundary.before
    assert (at.verdict, at.basis) == boundary.at
    assert before.valid_until == boundary.instant
    assert at.valid_from == boundary.instant


@pytest.mark.parametrize("case", [P30_PATCH, AXON_PATCH], ids=["huawei", "zte"])
def test_every_change_point_of_the_history_is_a_tested_boundary(case: Case) -> None:
    tested = {b.instant for b in BOUNDARIES if b.case.party == case.party}

    assert set(change_points(case)) <= tested


def test_el_listing_denies_at_its_effective_instant() -> None:
    assert judge(P30_PATCH, "2019-05-15T23:59:59").basis is Basis.NOT_LISTED
    assert judge(P30_PATCH, "2019-05-16T00:00:00").basis is Basis.LICENCE_REQUIRED


def test_tgl_expiry_denies_at_the_exact_instant() -> None:
    last_second = judge(P30_PATCH, "2020-08-13T23:59:59")
    expired = judge(P30_PATCH, "2020-08-14T00:00:00")

    assert (last_second.verdict, last_second.basis) == ALLOW_LICENSED
    assert (expired.verdict, expired.basis) == DENY_LICENCE


def test_tgl_expiry_holds_to_the_last_microsecond() -> None:
    decision = judge(P30_PATCH, instant("2020-08-14") - timedelta(microseconds=1))

    assert decision.verdict is Verdict.ALLOW


@pytest.mark.parametrize("day", ["2019-05-20", "2019-06-01", "2020-01-01", "2020-08-13"])
def test_mate_30_launched_after_the_cutoff_is_never_covered(day: str) -> None:
    decision = judge(MATE_30_PATCH, day)

    assert (decision.verdict, decision.basis) == DENY_LICENCE
    assert any("2019-05-16" in line and "Mate 30" in line for line in decision.reasons)


@pytest.mark.parametrize(
    ("available", "verdict"),
    [("2019-05-16", Verdict.ALLOW), ("2019-05-17", Verdict.DENY)],
)
def test_availability_cutoff_includes_its_own_day(available: str, verdict: Verdict) -> None:
    model = replace(P30_PRO, available_from=instant(available))

    assert judge(huawei_case(model, GOOGLE_PATCH), "2019-06-01").verdict is verdict


@pytest.mark.parametrize("day", ["2019-05-15", "2019-05-16", "2019-06-01", "2020-08-14"])
def test_publicly_available_aosp_ships_throughout(day: str) -> None:
    decision = judge(huawei_case(P30_PRO, AOSP_UPDATE), day)

    assert (decision.verdict, decision.basis) == (Verdict.ALLOW, Basis.NOT_SUBJECT_TO_CONTROLS)
    assert (decision.valid_from, decision.valid_until) == (None, None)
