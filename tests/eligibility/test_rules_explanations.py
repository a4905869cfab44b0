"""What a decision says: the reasons naming every designation and licence, and its window."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from history import (
    AXON_7,
    GOOGLE_PATCH,
    HONOR_20,
    HUAWEI_DISCLOSURE,
    HUAWEI_EL,
    HUAWEI_TGL,
    MATE_30,
    MATEBOOK,
    MICROSOFT_LICENCE,
    P30_PRO,
    POLICY,
    TGL_AMENDED,
    TGL_END,
    TGL_START,
    WINDOWS_UPDATE,
    ZTE_DPL,
    ZTE_TEMPORARY_AUTHORISATION,
    huawei_case,
    instant,
    judge,
    zte_case,
)

from service.eligibility import Basis, Case, Decision, Verdict

HISTORY_CASES = {
    "p30": huawei_case(P30_PRO, GOOGLE_PATCH),
    "mate-30": huawei_case(MATE_30, GOOGLE_PATCH),
    "honor-20": huawei_case(HONOR_20, GOOGLE_PATCH),
    "matebook": huawei_case(MATEBOOK, WINDOWS_UPDATE),
    "matebook-google": huawei_case(MATEBOOK, GOOGLE_PATCH),
    "axon-7": zte_case(AXON_7, GOOGLE_PATCH),
}
DAYS = [
    "2016-03-10",
    "2016-06-01",
    "2018-05-01",
    "2018-07-05",
    "2018-07-20",
    "2019-05-17",
    "2019-06-01",
    "2019-09-01",
    "2019-12-01",
    "2020-08-13T23:59:59",
    "2020-08-14",
]


def text(decision: Decision) -> str:
    return "\n".join(decision.reasons)


def test_window_runs_from_the_last_change_to_the_next() -> None:
    decision = judge(HISTORY_CASES["p30"], "2019-06-01")

    assert decision.valid_from == TGL_START
    assert decision.valid_until == TGL_AMENDED == instant("2019-08-19")


def test_window_is_open_ended_after_the_last_change() -> None:
    decision = judge(HISTORY_CASES["matebook"], "2021-01-01")

    assert decision.verdict is Verdict.ALLOW
    assert (decision.valid_from, decision.valid_until) == (TGL_END, None)


def test_window_is_open_before_the_first_change() -> None:
    decision = judge(HISTORY_CASES["p30"], "2019-01-01")

    assert (decision.valid_from, decision.valid_until) == (None, instant("2019-05-16"))


def test_licence_until_is_the_end_of_its_current_terms() -> None:
    decision = judge(HISTORY_CASES["p30"], "2020-06-01")

    assert decision.licences == ((HUAWEI_TGL, TGL_END),)


def test_licensed_allow_names_the_designation_and_the_licence() -> None:
    decision = judge(HISTORY_CASES["p30"], "2019-06-01")
    reasons = text(decision)

    assert decision.designations == (HUAWEI_EL,)
    for named in ("Huawei Technologies Co., Ltd.", "84 FR 22961", "Entity List (EL)"):
        assert named in reasons
    assert f"Licence {HUAWEI_TGL.number} (general) lifts the EL restriction" in reasons
    assert "until 2019-08-19" in reasons


def test_deny_in_the_gap_before_the_tgl_names_each_licence_not_yet_in_force() -> None:
    decision = judge(HISTORY_CASES["p30"], "2019-05-17")
    reasons = text(decision)

    assert (decision.verdict, decision.basis) == (Verdict.DENY, Basis.LICENCE_REQUIRED)
    for licence in (HUAWEI_TGL, HUAWEI_DISCLOSURE):
        assert f"Licence {licence.number} would address the EL restriction" in reasons
    # Microsoft's licence could never lift a Google update, whenever asked: that comes first.
    assert f"Licence {MICROSOFT_LICENCE.number} is held by another exporter" in reasons
    assert f"not in force then: it takes effect on {HUAWEI_TGL.valid_from.date()}" in reasons


def test_specific_licence_allow_names_the_general_licence_that_excludes_laptops() -> None:
    reasons = text(judge(HISTORY_CASES["matebook"], "2019-12-01"))

    assert f"Licence {MICROSOFT_LICENCE.number} (specific) lifts" in reasons
    assert f"Licence {HUAWEI_TGL.number} does not cover this update" in reasons
    assert "laptop devices" in reasons


def test_denied_party_reasons_name_the_order_and_the_temporary_authorisation() -> None:
    reasons = text(judge(HISTORY_CASES["axon-7"], "2018-07-05"))

    for named in (ZTE_DPL.name, "83 FR 17644", "Denied Persons List (DPL)", "until 2018-07-13"):
        assert named in reasons
    assert f"Licence {ZTE_TEMPORARY_AUTHORISATION.number} (general) lifts the DPL" in reasons


def test_unknown_fact_is_named_in_the_reasons() -> None:
    undated = huawei_case(replace(P30_PRO, available_from=None), GOOGLE_PATCH)
    reasons = text(judge(undated, "2019-06-01"))

    assert "first available to the public is unknown" in reasons


def test_not_listed_names_the_party_but_not_the_instant_so_the_window_can_reuse_it() -> None:
    reasons = text(judge(HISTORY_CASES["p30"], "2019-05-15T23:59:59"))

    assert "Huawei Device Co., Ltd. is on no restricted-party list" in reasons
    assert "2019-05-15" not in reasons


def _in_force_designations(case: Case, at: datetime):
    return [d for d in case.party.designations if d.in_force(at)]


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize("name", sorted(HISTORY_CASES))
def test_reasons_name_every_designation_and_every_licence_weighed(name: str, day: str) -> None:
    case = HISTORY_CASES[name]
    at = instant(day)
    decision = judge(case, at)
    reasons = text(decision)

    in_force = _in_force_designations(case, at)
    assert set(decision.designations) == set(in_force)
    for designation in in_force:
        assert f'"{designation.name}"' in reasons
        assert designation.reference in reasons
        assert POLICY.list_names[designation.source] in reasons
    sources = {d.source for d in in_force}
    for licence in case.licences:
        if licence.lifts & sources:
            assert f"Licence {licence.number} " in reasons
    for licence, _until in decision.licences:
        assert f"Licence {licence.number} " in reasons


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize("name", sorted(HISTORY_CASES))
def test_valid_until_is_the_next_instant_the_answer_could_change(name: str, day: str) -> None:
    case = HISTORY_CASES[name]
    decision = judge(case, day)
    if decision.valid_until is None:
        return
    last = judge(case, decision.valid_until - timedelta(microseconds=1))

    assert (last.verdict, last.basis) == (decision.verdict, decision.basis)
    assert decision.valid_from is None or decision.valid_from <= instant(day)
