"""Vendors: found by name or alias, each with its status, its facts and its timeline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from config.settings import Settings
from service import eligibility as el
from service.dashboard.timeline import Lane, Span, layout
from service.dashboard.vendor_facts import licence_lane
from tests.dashboard import demo_history
from tests.dashboard.conftest import Browser


def utc(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def test_a_vendor_is_found_by_an_alias_with_its_status_in_words(
        settings: Settings, signed_in: Callable[[str], Browser]) -> None:
    demo_history.load(settings)
    viewer = signed_in("viewer")
    found = viewer.get("/vendors", query_string={"q": "zhongxing"})
    assert found.status_code == 200
    assert ">ZTE Corporation</a>" in found.text and "Huawei" not in found.text
    assert "Clear: on no list" in found.text  # ZTE's listings ended in 2017 and 2018
    everyone = viewer.get("/vendors").text
    assert "Listed now: EL" in everyone and "Licensed: AUTH-HUAWEI-2020-VD" in everyone
    assert "No vendor matches." in viewer.get("/vendors?q=nobody+at+all").text


def test_a_vendors_page_draws_its_windows_with_the_instant_asked_for(
        settings: Settings, signed_in: Callable[[str], Browser]) -> None:
    demo_history.load(settings)
    huawei = demo_history.vendor_id(settings, "Huawei Technologies Co., Ltd.")
    page = signed_in("viewer").get(f"/vendors/{huawei}", query_string={"at": "2019-06-01"})
    assert page.status_code == 200
    text = page.text
    assert 'role="img" aria-labelledby="vendor-timeline-title vendor-timeline-desc"' in text
    assert "Chosen instant: 2019-06-01" in text
    assert "Licensed: TGL-HUAWEI-2019" in text  # its status at the instant asked for
    # The table below the picture says the same: the TGL's terms, the fictional revocation.
    assert "<td>2019-05-20</td><td>2019-08-19</td><td>as issued:" in text
    assert "<td>2020-05-16</td><td>2020-08-14</td><td>amendment 5:" in text
    assert "<td>2020-03-01</td><td>—</td><td>revoked</td>" in text
    assert "P30 Pro" in text and "84 FR 22961" in text


def test_a_bad_instant_is_named_and_an_unknown_vendor_is_not_found(
        settings: Settings, signed_in: Callable[[str], Browser]) -> None:
    demo_history.load(settings)
    huawei = demo_history.vendor_id(settings, "Huawei Technologies Co., Ltd.")
    viewer = signed_in("viewer")
    bad = viewer.get(f"/vendors/{huawei}", query_string={"at": "June 2019"})
    assert bad.status_code == 422
    assert '<p class="error" id="at-error">' in bad.text
    missing = viewer.get("/vendors/v_nobody", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "No vendor has id" in missing.text


def test_a_licences_terms_end_where_the_next_take_over_and_at_its_revocation() -> None:
    scope = el.Scope(frozenset({"security_patch"}))
    licence = el.Licence(
        "lic", "L-1", "general", None, frozenset({"v"}), frozenset({"EL"}), utc("2019-05-20"),
        (el.LicenceTerms(utc("2019-05-20"), utc("2019-08-20"), scope),
         el.LicenceTerms(utc("2019-08-19"), None, scope)),
        revoked_from=utc("2020-03-01"))
    lane = licence_lane(licence)
    assert [(s.start, s.until) for s in lane.spans] == [
        (utc("2019-05-20"), utc("2019-08-19")), (utc("2019-08-19"), utc("2020-03-01"))]
    assert lane.events == ((utc("2020-03-01"), "revoked"),)


def test_an_open_ended_window_runs_to_the_axis_end_and_marks_get_their_own_line() -> None:
    lanes = [Lane("designation", "EL: X", (Span(utc("2019-05-16"), None, "EL"),))]
    drawn = layout(lanes, [("today", "Today", utc("2021-01-01")),
                           ("at", "Chosen instant", utc("2019-06-01"))])
    [bar] = drawn.lanes[0].bars
    assert bar.open_end and bar.x + bar.width == drawn.width - 10
    assert [label for _, _, _, label in drawn.marks] == ["Today: 2021-01-01",
                                                         "Chosen instant: 2019-06-01"]
    assert len({y for _, y, _, _ in drawn.marks}) == 2
