"""The impact preview judges the registered answers before and after a licence change, purely."""

from __future__ import annotations

from datetime import UTC, datetime

from service import eligibility as el
from service.api.schemas import AmendmentIn, LicenceIn, RevocationIn
from service.dashboard.impact import (
    instants,
    licence_impact,
    proposed_amendment,
    proposed_licence,
    proposed_revocation,
)
from service.dashboard.licence_records import status
from service.dashboard.licence_timeline import timeline
from service.store import models as m
from service.views import View, update_fact

POLICY = el.Policy({"EL": el.Effect.LICENCE_REQUIRED})
LISTED = datetime(2019, 5, 16, tzinfo=UTC)
JUNE = datetime(2019, 6, 1, tzinfo=UTC)
JULY = datetime(2019, 7, 1, tzinfo=UTC)
SCOPE = {"update_kinds": ["security_patch"], "functional_enhancement": True}


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def view(licences: tuple[el.Licence, ...] = ()) -> View:
    """Huawei listed on the EL with a handset and a laptop; Samsung unlisted with a handset;
    a security patch and an OS upgrade from a US supplier."""
    listed = el.Designation("des_1", "EL", "Huawei", LISTED)
    found = View(known_at=None)
    for vendor_id, name, designations in [("v_h", "Huawei", (listed,)), ("v_s", "Samsung", ())]:
        found.vendors[vendor_id] = m.Vendor(id=vendor_id, name=name, aliases=[], brands=[])
        found.parties[vendor_id] = el.Party(vendor_id, name, designations)
    for model_id, vendor_id, device_class in [("m_p30", "v_h", "handset"),
                                              ("m_book", "v_h", "laptop"),
                                              ("m_s10", "v_s", "handset")]:
        found.models[model_id] = el.Model(model_id, model_id, device_class, LISTED)
        found.model_vendor[model_id] = vendor_id
    found.updates["u_patch"] = update_fact("Google LLC", "US", "security_patch", "Android",
                                           "2019-06-05", False, False)
    found.updates["u_os"] = update_fact("Google LLC", "US", "os_upgrade", "Android", "10",
                                        True, False)
    found.licences_by_vendor = {"v_h": licences} if licences else {}
    return found


def new_licence(**changes: object) -> LicenceIn:
    body = {"number": "GL-1", "kind": "general", "vendor_ids": ["v_h"], "lifts": ["EL"],
            "valid_from": "2019-06-01", "scope": SCOPE, **changes}
    return LicenceIn.model_validate(body)


def existing() -> el.Licence:
    return proposed_licence(new_licence(), "lic_1")


def test_a_new_licence_allows_exactly_the_updates_its_scope_covers() -> None:
    impact = licence_impact(view(), None, proposed_licence(new_licence()), JUNE, POLICY, False,
                            {"m_p30": 3, "m_book": 1, "m_s10": 7})
    changed = {(c.model_id, c.update_id): (c.before, c.after) for c in impact.changes}
    assert changed == {
        ("m_p30", "u_patch"): (("deny", "licence_required"), ("allow", "licensed")),
        ("m_book", "u_patch"): (("deny", "licence_required"), ("allow", "licensed")),
    }
    assert impact.judged == 4  # Huawei's two models by two updates; Samsung is not touched
    assert (impact.models, impact.devices) == (2, 4)


def test_a_licence_changes_nothing_before_it_starts() -> None:
    impact = licence_impact(view(), None, proposed_licence(new_licence()), LISTED, POLICY,
                            False, {})
    assert impact.changes == ()


def test_a_revocation_denies_again_from_its_date_and_not_before() -> None:
    revoked = proposed_revocation(existing(), RevocationIn.model_validate(
        {"effective_from": "2019-07-01", "reason": "ended"}))
    current = view((existing(),))
    assert licence_impact(current, existing(), revoked, JUNE, POLICY, False, {}).changes == ()
    after = licence_impact(current, existing(), revoked, JULY, POLICY, False, {"m_p30": 2})
    assert {(c.model_id, c.after) for c in after.changes} == {
        ("m_p30", ("deny", "licence_required")), ("m_book", ("deny", "licence_required"))}
    assert after.devices == 2


def test_an_earlier_revocation_is_kept_when_a_later_one_is_proposed() -> None:
    first = proposed_revocation(existing(), RevocationIn.model_validate(
        {"effective_from": "2019-07-01"}))
    second = proposed_revocation(first, RevocationIn.model_validate(
        {"effective_from": "2019-09-01"}))
    assert second.revoked_from == JULY


def test_an_amendment_narrowing_the_scope_denies_only_what_it_leaves_out() -> None:
    amendment = AmendmentIn.model_validate({
        "effective_from": "2019-07-01",
        "scope": {**SCOPE, "device_classes": ["handset"]}})
    amended = proposed_amendment(existing(), amendment)
    impact = licence_impact(view((existing(),)), existing(), amended, JULY, POLICY, False, {})
    assert [(c.model_id, c.update_id, c.after) for c in impact.changes] == [
        ("m_book", "u_patch", ("deny", "licence_required"))]


def test_an_amendment_takes_over_from_terms_of_the_same_day_recorded_before_it() -> None:
    one = proposed_amendment(existing(), AmendmentIn.model_validate(
        {"effective_from": "2019-07-01", "scope": SCOPE}))
    two = proposed_amendment(one, AmendmentIn.model_validate(
        {"effective_from": "2019-07-01", "valid_until": "2019-08-01", "scope": SCOPE}))
    terms = two.terms_at(JULY)
    assert terms is not None and terms.valid_until == day("2019-08-01")


def test_a_licence_for_another_vendor_leaves_huawei_alone() -> None:
    samsung = proposed_licence(new_licence(vendor_ids=["v_s"]))
    impact = licence_impact(view(), None, samsung, JUNE, POLICY, False, {})
    assert impact.changes == ()  # Samsung is not listed: allowed before and after
    assert impact.judged == 2


def test_stale_lists_withhold_the_allow_a_licence_would_give() -> None:
    impact = licence_impact(view(), None, proposed_licence(new_licence()), JUNE, POLICY, True,
                            {})
    assert {c.after for c in impact.changes} == {("review", "data_stale")}


def test_a_change_in_the_past_is_judged_when_it_takes_effect_and_now() -> None:
    assert instants(JUNE, JULY) == [JUNE, JULY]
    assert instants(JULY, JUNE) == [JULY]


def test_a_licence_status_follows_its_terms_and_revocation() -> None:
    licence = proposed_licence(new_licence(valid_until="2019-07-01"))
    assert status(licence, LISTED) == "future"
    assert status(licence, JUNE) == "active"
    assert status(licence, JULY) == "expired"
    revoked = proposed_revocation(licence, RevocationIn.model_validate(
        {"effective_from": "2019-06-15"}))
    assert status(revoked, JUNE) == "active"
    assert status(revoked, day("2019-06-15")) == "revoked"


def test_a_licence_timeline_places_each_window_the_revocation_and_now() -> None:
    licence = proposed_amendment(proposed_licence(new_licence(valid_until="2019-07-01")),
                                 AmendmentIn.model_validate({"effective_from": "2019-07-01",
                                                             "scope": SCOPE}))
    revoked = proposed_revocation(licence, RevocationIn.model_validate(
        {"effective_from": "2019-09-01"}))
    drawn = timeline(revoked, day("2019-08-15"))
    assert [bar.label for bar in drawn.bars] == ["2019-06-01 to 2019-07-01",
                                                 "2019-07-01 to 2019-09-01"]
    assert drawn.bars[0].x == 0 and drawn.bars[0].x + drawn.bars[0].width <= drawn.bars[1].x + 1
    assert drawn.revoked is not None and drawn.now is not None
    assert drawn.bars[1].x < drawn.now < drawn.revoked < drawn.width
    assert timeline(revoked, day("2024-01-01")).now is None  # the axis ends with the licence
