"""The demo history over HTTP: every start and end, one second before and exactly at it.

The demo (`service.demo`) is loaded through the API into a session-wide database. Each crossing
names an instant of that history and a device and update for which the instant matters, the
answer just before and exactly at it, and what the reasons must say on either side. Every answer
is also checked against the contract (`demo_api.decide`), and its `valid_until` must be the next
change of that vendor's facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from demo_api import API, decide, instant, iso, second_before
from flask.testing import FlaskClient

from service.demo import EXAMPLES, STEPS, resolve

ALLOW_NOT_LISTED = ("allow", "not_listed")
ALLOW_LICENSED = ("allow", "licensed")
ALLOW_NO_EFFECT = ("allow", "no_update_effect")
ALLOW_NOT_SUBJECT = ("allow", "not_subject_to_controls")
DENY_EL = ("deny", "licence_required")
DENY_DPL = ("deny", "denied_party")
REVIEW_SCOPE = ("review", "scope_unknown")

# Every instant at which some fact of a vendor starts or ends. The first TGL terms' own end
# (2019-08-20) is not one: the August amendment takes over the day before.
HUAWEI = ("2019-05-16", "2019-05-20", "2019-08-19", "2019-11-19", "2019-11-20", "2020-01-01",
          "2020-02-17", "2020-03-01", "2020-04-02", "2020-05-16", "2020-08-14", "2020-08-17")
ZTE = ("2016-03-08", "2016-03-24", "2017-03-29", "2018-04-15", "2018-07-02", "2018-07-13",
       "2018-08-01")
ZTE_PARSIAN = ("2016-03-08",)
XIAOMI = ("2021-01-14",)
UNCONTROLLED = ()  # software not subject to controls: no list or licence changes its answer

GOOGLE_PATCH_INLINE = {"supplier": "Google LLC", "supplier_country": "US",
                       "kind": "security_patch", "product": "Android", "version": "2019-06-05",
                       "enhances_functionality": False}
OFFICE_PATCH_INLINE = {"supplier": "Microsoft Corporation", "kind": "security_patch",
                       "product": "Office 365", "enhances_functionality": False}


def device(ref: str) -> dict[str, str]:
    """A device the demo registered, by its serial."""
    return {"id": f"SN-{ref.upper()}-0001"}


def model(ref: str) -> dict[str, str]:
    return {"model_id": f"{{{ref}}}"}


def inline(vendor: str, model_name: str) -> dict[str, str]:
    return {"vendor": vendor, "model": model_name}


def update(ref: str) -> dict[str, str]:
    return {"id": f"{{{ref}}}"}


@dataclass(frozen=True)
class Crossing:
    name: str
    instant: str
    device: dict[str, str]
    update: dict[str, Any]
    before: tuple[str, str]
    at: tuple[str, str]
    changes: tuple[str, ...]  # the vendor's change instants, for valid_until
    said_before: tuple[str, ...] = ()
    said_at: tuple[str, ...] = ()
    unsaid_before: tuple[str, ...] = ()
    terms: tuple[str, str, str] | None = None  # licence number, its valid_until before and at


def terms_until(number: str, before: str, after: str) -> tuple[str, str, str]:
    return (number, before, after)


TGL = "TGL-HUAWEI-2019"
CROSSINGS = [
    # Huawei and its affiliates join the Entity List; no licence yet.
    Crossing("huawei-listed-p30-pro", "2019-05-16", device("p30pro"), update("google_patch"),
             ALLOW_NOT_LISTED, DENY_EL, HUAWEI,
             said_before=("is on no restricted-party list",),
             said_at=('"Huawei Technologies Co., Ltd."', "84 FR 22961", "Entity List (EL)",
                      f"Licence {TGL} would address the EL restriction but is not in force")),
    Crossing("huawei-listed-by-affiliate-name", "2019-05-16",
             inline("Huawei Device Co., Ltd.", "P30 Pro"), GOOGLE_PATCH_INLINE,
             ALLOW_NOT_LISTED, DENY_EL, HUAWEI),
    Crossing("huawei-listed-by-honor-brand", "2019-05-16", inline("Honor", "Honor 20"),
             update("google_patch"), ALLOW_NOT_LISTED, DENY_EL, HUAWEI),
    # The Temporary General License starts: handsets on sale by 2019-05-16, any update.
    Crossing("tgl-starts-p30-pro", "2019-05-20", device("p30pro"), update("google_patch"),
             DENY_EL, ALLOW_LICENSED, HUAWEI,
             said_before=(f"Licence {TGL} would address the EL restriction but is not in "
                          "force then: it takes effect on 2019-05-20",),
             said_at=(f"Licence {TGL} (general) lifts the EL restriction",
                      "run until 2019-08-20")),
    Crossing("tgl-starts-os-upgrade-allowed", "2019-05-20", model("mate20pro"),
             update("android10"), DENY_EL, ALLOW_LICENSED, HUAWEI),
    Crossing("tgl-starts-honor-20-after-cutoff", "2019-05-20", device("honor20"),
             update("google_patch"), DENY_EL, DENY_EL, HUAWEI,
             said_at=("covers only devices available on or before 2019-05-16",
                      "Honor 20 was first available on 2019-05-21")),
    Crossing("tgl-starts-launch-date-unknown", "2019-05-20", device("y9prime"),
             update("google_patch"), DENY_EL, REVIEW_SCOPE, HUAWEI,
             said_at=("first available to the public is unknown",)),
    # August 2019: more affiliates listed; the TGL widens to consumer devices and CPE and
    # excludes updates that enhance functionality.
    Crossing("tgl-widens-to-tablets", "2019-08-19", model("mediapad"), update("google_patch"),
             DENY_EL, ALLOW_LICENSED, HUAWEI, said_before=("tablet devices",)),
    Crossing("tgl-widens-to-cpe", "2019-08-19", inline("Huawei", "B525 LTE CPE"),
             update("google_patch"), DENY_EL, ALLOW_LICENSED, HUAWEI),
    Crossing("tgl-excludes-enhancements", "2019-08-19", device("p30pro"), update("android10"),
             ALLOW_LICENSED, DENY_EL, HUAWEI,
             said_at=("excludes updates that enhance functionality",)),
    Crossing("tgl-enhancement-unknown", "2019-08-19", device("p30pro"),
             update("google_patch_nov"), ALLOW_LICENSED, REVIEW_SCOPE, HUAWEI,
             said_at=("whether the update enhances functionality is unknown",)),
    Crossing("affiliates-of-2019-listed", "2019-08-19", device("p30pro"), update("google_patch"),
             ALLOW_LICENSED, ALLOW_LICENSED, HUAWEI,
             said_at=('"Huawei affiliates added 2019-08-19 (46 entities)"', "84 FR 43493"),
             unsaid_before=("84 FR 43493",),
             terms=terms_until(TGL, "2019-08-20", "2019-11-19")),
    Crossing("tgl-still-excludes-laptops", "2019-08-19", device("matebook"),
             update("google_patch"), DENY_EL, DENY_EL, HUAWEI, said_at=("laptop devices",)),
    # Extensions without a gap: nothing moves but the terms' end.
    *[Crossing(f"tgl-extended-{day}", day, device("p30pro"), update("google_patch"),
               ALLOW_LICENSED, ALLOW_LICENSED, HUAWEI,
               said_before=(f"run until {day}",), said_at=(f"run until {until}",),
               terms=terms_until(TGL, day, until))
      for day, until in [("2019-11-19", "2020-02-17"), ("2020-02-17", "2020-04-02"),
                         ("2020-04-02", "2020-05-16"), ("2020-05-16", "2020-08-14")]],
    Crossing("tgl-extended-for-tablets", "2020-02-17", device("mediapad"),
             update("google_patch"), ALLOW_LICENSED, ALLOW_LICENSED, HUAWEI,
             terms=terms_until(TGL, "2020-02-17", "2020-04-02")),
    # Microsoft's specific licence: Windows updates to Huawei laptops.
    Crossing("microsoft-licence-windows-on-matebook", "2019-11-20", device("matebook"),
             update("windows_patch"), DENY_EL, ALLOW_LICENSED, HUAWEI,
             said_at=("Licence MSFT-HUAWEI-2019 (specific) lifts the EL restriction",)),
    Crossing("microsoft-licence-not-for-google", "2019-11-20", model("matebook"),
             update("google_patch"), DENY_EL, DENY_EL, HUAWEI,
             said_at=("MSFT-HUAWEI-2019 is held by another exporter",)),
    Crossing("microsoft-licence-not-for-office", "2019-11-20", device("matebook"),
             OFFICE_PATCH_INLINE, DENY_EL, DENY_EL, HUAWEI,
             said_at=("does not cover the product Office 365",)),
    # The fictional DEMO-REVOKED: granted for a fleet agent, then revoked.
    Crossing("demo-licence-granted", "2020-01-01", device("mate30pro"), update("demo_agent"),
             DENY_EL, ALLOW_LICENSED, HUAWEI,
             said_at=("Licence DEMO-REVOKED (specific) lifts the EL restriction",)),
    Crossing("demo-licence-revoked", "2020-03-01", device("mate30pro"), update("demo_agent"),
             ALLOW_LICENSED, DENY_EL, HUAWEI,
             said_at=("Licence DEMO-REVOKED would address the EL restriction but is not in "
                      "force then: it was revoked from 2020-03-01",)),
    Crossing("demo-licence-never-for-google", "2020-01-01", device("mate30pro"),
             update("google_patch"), DENY_EL, DENY_EL, HUAWEI,
             said_at=("DEMO-REVOKED is held by another exporter",)),
    # The TGL expires after 2020-08-13.
    Crossing("tgl-expires-p30-pro", "2020-08-14", device("p30pro"), update("google_patch"),
             ALLOW_LICENSED, DENY_EL, HUAWEI,
             said_at=(f"Licence {TGL} would address the EL restriction but is not in force "
                      "then: it ended on 2020-08-14",)),
    Crossing("tgl-expires-tablet", "2020-08-14", model("mediapad"), update("google_patch"),
             ALLOW_LICENSED, DENY_EL, HUAWEI),
    Crossing("tgl-expires-disclosure", "2020-08-14", device("p30pro"),
             update("google_disclosure"), ALLOW_LICENSED, DENY_EL, HUAWEI),
    Crossing("tgl-expiry-leaves-open-source-alone", "2020-08-14", device("p30pro"),
             update("aosp_patch"), ALLOW_NOT_SUBJECT, ALLOW_NOT_SUBJECT, UNCONTROLLED,
             said_at=("publicly available software",)),
    Crossing("tgl-expiry-leaves-foreign-supplier-alone", "2020-08-14", device("p30pro"),
             update("emui10"), ALLOW_NOT_SUBJECT, ALLOW_NOT_SUBJECT, UNCONTROLLED,
             said_at=("outside US jurisdiction",)),
    # After the gap only vulnerability disclosure is authorised; 38 more affiliates listed.
    Crossing("disclosure-authorised", "2020-08-17", device("p30pro"),
             update("google_disclosure"), DENY_EL, ALLOW_LICENSED, HUAWEI,
             said_at=("Licence AUTH-HUAWEI-2020-VD (general) lifts the EL restriction",)),
    Crossing("disclosure-authorised-after-cutoff", "2020-08-17",
             inline("Huawei Technologies Co., Ltd.", "Mate 30 Pro"),
             update("google_disclosure"), DENY_EL, ALLOW_LICENSED, HUAWEI),
    Crossing("affiliates-of-2020-listed", "2020-08-17", device("p30pro"), update("google_patch"),
             DENY_EL, DENY_EL, HUAWEI,
             said_at=('"Huawei Cloud Computing Technology"', "85 FR 51596",
                      "AUTH-HUAWEI-2020-VD does not cover this update"),
             unsaid_before=("85 FR 51596",)),
    # ZTE: Entity List with a general licence (2016-2017), then the denial order (2018).
    Crossing("zte-listed", "2016-03-08", device("bladev9"), update("google_patch"),
             ALLOW_NOT_LISTED, DENY_EL, ZTE,
             said_at=('"Zhongxing Telecommunications Equipment Corporation"',
                      '"ZTE Kangxun Telecommunications Ltd."', "81 FR 12004")),
    Crossing("zte-listed-by-brand", "2016-03-08", inline("ZTE", "Axon 9 Pro"),
             GOOGLE_PATCH_INLINE, ALLOW_NOT_LISTED, DENY_EL, ZTE),
    Crossing("zte-parsian-listed", "2016-03-08", inline("ZTE Parsian", "MF286"),
             GOOGLE_PATCH_INLINE, ALLOW_NOT_LISTED, DENY_EL, ZTE_PARSIAN,
             said_at=('"ZTE Parsian"',)),
    Crossing("zte-general-licence-starts", "2016-03-24", device("bladev9"),
             update("google_patch"), DENY_EL, ALLOW_LICENSED, ZTE,
             said_at=("Licence TGL-ZTE-2016 (general) lifts the EL restriction",)),
    Crossing("zte-general-licence-excludes-parsian", "2016-03-24",
             inline("ZTE Parsian", "MF286"), GOOGLE_PATCH_INLINE, DENY_EL, DENY_EL,
             ZTE_PARSIAN, unsaid_before=("TGL-ZTE-2016",)),
    Crossing("zte-delisted-as-licence-ends", "2017-03-29", model("bladev9"),
             update("android10"), ALLOW_LICENSED, ALLOW_NOT_LISTED, ZTE,
             said_at=("is on no restricted-party list",)),
    Crossing("zte-parsian-stays-listed", "2017-03-29", inline("ZTE Parsian", "MF286"),
             GOOGLE_PATCH_INLINE, DENY_EL, DENY_EL, ZTE_PARSIAN),
    Crossing("zte-denial-order", "2018-04-15", device("bladev9"), update("google_patch"),
             ALLOW_NOT_LISTED, DENY_DPL, ZTE,
             said_at=("Denied Persons List (DPL)", "83 FR 17644", "until 2018-07-13")),
    Crossing("zte-temporary-authorisation", "2018-07-02", device("bladev9"),
             update("google_patch"), DENY_DPL, ALLOW_LICENSED, ZTE,
             said_at=("Licence TGA-ZTE-2018 (general) lifts the DPL restriction",)),
    Crossing("zte-temporary-authorisation-phones-on-sale-only", "2018-07-02",
             device("axon9pro"), update("google_patch"), DENY_DPL, DENY_DPL, ZTE,
             said_at=("covers only devices available on or before 2018-04-15",)),
    Crossing("zte-temporary-authorisation-no-enhancements", "2018-07-02", device("bladev9"),
             update("android10"), DENY_DPL, DENY_DPL, ZTE,
             said_at=("excludes updates that enhance functionality",)),
    Crossing("zte-denial-order-terminated", "2018-07-13", device("axon9pro"),
             update("google_patch"), DENY_DPL, ALLOW_NOT_LISTED, ZTE),
    Crossing("zte-denial-order-terminated-during-authorisation", "2018-07-13",
             device("bladev9"), update("android10"), DENY_DPL, ALLOW_NOT_LISTED, ZTE),
    Crossing("zte-temporary-authorisation-ends-unneeded", "2018-08-01", device("bladev9"),
             update("google_patch"), ALLOW_NOT_LISTED, ALLOW_NOT_LISTED, ZTE),
    # Xiaomi: a securities list, which must not stop updates.
    Crossing("xiaomi-on-cmic", "2021-01-14", device("mi9"), update("google_patch"),
             ALLOW_NOT_LISTED, ALLOW_NO_EFFECT, XIAOMI,
             said_at=('"Xiaomi Corporation"', "(CMIC)",
                      "this list does not restrict software updates")),
    Crossing("samsung-never-listed", "2021-01-14", inline("Samsung", "Galaxy S10"),
             GOOGLE_PATCH_INLINE, ALLOW_NOT_LISTED, ALLOW_NOT_LISTED, UNCONTROLLED),
]


def next_change(changes: tuple[str, ...], moment: datetime) -> str | None:
    later = [instant(day) for day in changes if instant(day) > moment]
    return iso(min(later)) if later else None


def licence_until(body: dict[str, Any], number: str) -> str | None:
    (found,) = [lic["valid_until"] for lic in body["licences"] if lic["number"] == number]
    return str(found) if found is not None else None


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: f"{e['expect']['basis']}")
def test_demo_examples_get_their_expected_answers(
    demo_client: FlaskClient, ota: dict[str, str], refs: dict[str, str], example: dict[str, Any]
) -> None:
    body = decide(demo_client, ota, resolve(example["request"], refs))

    assert {"verdict": body["verdict"], "basis": body["basis"]} == example["expect"]


@pytest.mark.parametrize("crossing", CROSSINGS, ids=lambda c: c.name)
def test_answer_changes_exactly_at_each_instant_of_the_history(
    demo_client: FlaskClient, ota: dict[str, str], refs: dict[str, str], crossing: Crossing
) -> None:
    at = instant(crossing.instant)
    question = {"device": resolve(crossing.device, refs),
                "update": resolve(crossing.update, refs)}

    before = decide(demo_client, ota, question | {"at": iso(second_before(at))})
    exactly = decide(demo_client, ota, question | {"at": iso(at)})

    assert (before["verdict"], before["basis"]) == crossing.before
    assert (exactly["verdict"], exactly["basis"]) == crossing.at
    assert before["valid_until"] == next_change(crossing.changes, second_before(at))
    assert exactly["valid_until"] == next_change(crossing.changes, at)
    said_before, said_at = " ".join(before["reasons"]), " ".join(exactly["reasons"])
    for fragment in crossing.said_before:
        assert fragment in said_before
    for fragment in crossing.said_at:
        assert fragment in said_at
    for fragment in crossing.unsaid_before:
        assert fragment not in said_before
    if crossing.terms is not None:
        number, until_before, until_at = crossing.terms
        assert licence_until(before, number) == iso(instant(until_before))
        assert licence_until(exactly, number) == iso(instant(until_at))


def test_every_start_and_end_of_the_demo_history_is_crossed() -> None:
    crossed = {crossing.instant for crossing in CROSSINGS}

    assert set(HUAWEI) | set(ZTE) | set(ZTE_PARSIAN) | set(XIAOMI) == demo_instants()
    assert demo_instants() <= crossed


def demo_instants() -> set[str]:
    """Every start and end the demo's steps record, less licence terms superseded early."""
    found: set[str] = set()
    terms: dict[str, list[tuple[str, str | None]]] = {}
    for step in STEPS:
        body = step.body if isinstance(step.body, dict) else {}
        if "effective_until" in body:  # a designation
            found |= {day for day in (body["effective_from"], body["effective_until"]) if day}
        elif "valid_from" in body:  # a licence
            terms[str(step.ref)] = [(body["valid_from"], body["valid_until"])]
        elif step.path.endswith("/amendments"):
            ref = re.search(r"\{(\w+)\}", step.path)
            assert ref is not None
            terms[ref.group(1)].append((body["effective_from"], body["valid_until"]))
        elif step.path.endswith("/revocation"):
            found.add(body["effective_from"])
    for windows in terms.values():
        windows.sort()
        for (start, until), following in zip(windows, [*windows[1:], None], strict=True):
            found.add(start)
            if until is not None and (following is None or until < following[0]):
                found.add(until)
    return found


def test_an_answer_reused_inside_its_window_reads_as_if_judged_afresh(
    demo_client: FlaskClient, ota: dict[str, str]
) -> None:
    question = {"device": device("p30pro"), "update": GOOGLE_PATCH_INLINE}
    unlisted = {"device": inline("Samsung", "Galaxy S10"), "update": GOOGLE_PATCH_INLINE}

    first = decide(demo_client, ota, question | {"at": "2019-06-01T00:00:00Z"})
    later = decide(demo_client, ota, question | {"at": "2019-07-01T00:00:00Z"})
    decide(demo_client, ota, unlisted | {"at": "2019-06-01T00:00:00Z"})
    unlisted_later = decide(demo_client, ota, unlisted | {"at": "2019-07-01T00:00:00Z"})

    assert later["reasons"] == first["reasons"]
    assert not any("2019-06-01" in line or "2019-07-01" in line for line in later["reasons"])
    assert unlisted_later["reasons"] == [
        "Samsung Electronics Co., Ltd. is on no restricted-party list in force at that instant."
    ]


def test_a_decision_given_can_be_fetched_with_its_request_and_data_version(
    demo_client: FlaskClient, ota: dict[str, str], refs: dict[str, str]
) -> None:
    request = {"device": {"model_id": refs["p30pro"]}, "update": {"id": refs["google_patch"]},
               "at": "2019-06-01T00:00:00Z"}
    given = decide(demo_client, ota, request)

    fetched = demo_client.get(f"{API}/decisions/{given['decision_id']}", headers=ota)

    assert fetched.status_code == 200
    body = fetched.get_json()
    assert body.pop("request") == request
    assert body == given
    assert body["data_version"] == given["data_version"]


def test_a_decision_fetched_shows_the_inline_inputs_it_was_given(
    demo_client: FlaskClient, ota: dict[str, str]
) -> None:
    request = {"device": inline("Huawei Device Co., Ltd.", "P30 Pro"),
               "update": GOOGLE_PATCH_INLINE, "at": "2019-05-17"}
    given = decide(demo_client, ota, request)

    body = demo_client.get(f"{API}/decisions/{given['decision_id']}", headers=ota).get_json()
    asked = body.pop("request")

    assert body == given
    assert asked["device"] == request["device"]
    assert asked["update"] == GOOGLE_PATCH_INLINE
    assert instant(asked["at"]) == instant("2019-05-17")


def test_an_unknown_decision_id_is_not_found(
    demo_client: FlaskClient, ota: dict[str, str]
) -> None:
    response = demo_client.get(f"{API}/decisions/d_00000000000000000000", headers=ota)

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_a_decision_without_at_is_judged_now_and_cached_no_longer_than_the_cap(
    demo_client: FlaskClient, ota: dict[str, str]
) -> None:
    response = demo_client.post(f"{API}/decisions", headers=ota,
                                json={"device": device("p30pro"), "update": GOOGLE_PATCH_INLINE})
    body = response.get_json()

    assert (body["verdict"], body["basis"]) == DENY_EL
    assert body["at"] == body["evaluated_at"]
    assert body["valid_until"] is None
    age = re.search(r"max-age=(\d+)", response.headers["Cache-Control"])
    cap = demo_client.application.extensions["eligibility"].settings.max_cache_seconds
    assert age is not None and 0 < int(age.group(1)) <= cap
