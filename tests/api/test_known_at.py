"""`known_at`: the answer as the service knew it then, though the records changed since.

Each test builds its world through the API on a fresh database, and chooses `known_at` from the
`recorded_at` the API answered for each write, so no test waits on the wall clock: the instant
just before a write is its `recorded_at` less one microsecond.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from demo_api import API, decide, instant, iso
from flask.testing import FlaskClient

Keys = dict[str, dict[str, str]]
JUNE = "2020-06-01T00:00:00Z"


def send(client: FlaskClient, headers: dict[str, str], method: str, path: str,
         body: Any = None, status: int = 201) -> dict[str, Any]:
    response = client.open(f"{API}{path}", method=method, json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    answer: dict[str, Any] = response.get_json()
    return answer


def just_before(recorded_at: str) -> str:
    return iso(instant(recorded_at) - timedelta(microseconds=1))


def patch_update(kind: str) -> dict[str, Any]:
    return {"supplier": "Example Software Inc.", "supplier_country": "US", "kind": kind,
            "product": "Example OS", "enhances_functionality": False}


@pytest.fixture
def world(client: FlaskClient, keys: Keys) -> dict[str, Any]:
    """A listed vendor's handset, a licence for its security patches, one for its apps."""
    editor = keys["editor"]
    vendor = send(client, editor, "POST", "/vendors", {"name": "Acme Devices Ltd."})
    model = send(client, editor, "POST", "/models", {
        "vendor_id": vendor["id"], "name": "A1", "device_class": "handset",
        "available_from": "2019-01-01"})
    designation = send(client, editor, "POST", "/designations", {
        "source": "EL", "name": "Acme Devices Ltd.", "effective_from": "2020-01-01",
        "reference": "1 FR 100", "vendor_ids": [vendor["id"]]})
    patches = send(client, editor, "POST", "/licences", {
        "number": "GL-ACME-PATCHES", "kind": "general", "vendor_ids": [vendor["id"]],
        "lifts": ["EL"], "valid_from": "2020-01-01", "scope": {"update_kinds": ["security_patch"]}})
    apps = send(client, editor, "POST", "/licences", {
        "number": "GL-ACME-APPS", "kind": "general", "vendor_ids": [vendor["id"]],
        "lifts": ["EL"], "valid_from": "2020-01-01", "valid_until": "2020-05-01",
        "scope": {"update_kinds": ["app_update"]}})
    return {"vendor": vendor, "model": model, "designation": designation, "patches": patches,
            "apps": apps, "t1": apps["recorded_at"]}


def ask(client: FlaskClient, keys: Keys, world: dict[str, Any], kind: str, at: str = JUNE,
        known_at: str | None = None) -> dict[str, Any]:
    request = {"device": {"model_id": world["model"]["id"]}, "update": patch_update(kind),
               "at": at}
    if known_at is not None:
        request["known_at"] = known_at
    return decide(client, keys["ota"], request)


def verdict(body: dict[str, Any]) -> tuple[str, str]:
    return body["verdict"], body["basis"]


def test_known_at_before_a_revocation_gives_the_answer_as_it_was_then(
    client: FlaskClient, keys: Keys, world: dict[str, Any]
) -> None:
    revocation = send(client, keys["editor"], "POST",
                      f"/licences/{world['patches']['id']}/revocation",
                      {"effective_from": "2020-03-01", "reason": "Breach of conditions."})

    then = ask(client, keys, world, "security_patch", known_at=world["t1"])
    just_before_revoking = ask(client, keys, world, "security_patch",
                               known_at=just_before(revocation["recorded_at"]))
    once_revoked = ask(client, keys, world, "security_patch",
                       known_at=revocation["recorded_at"])
    now = ask(client, keys, world, "security_patch")

    assert verdict(then) == verdict(just_before_revoking) == ("allow", "licensed")
    assert [lic["number"] for lic in then["licences"]] == ["GL-ACME-PATCHES"]
    assert verdict(once_revoked) == verdict(now) == ("deny", "licence_required")
    assert ("Licence GL-ACME-PATCHES would address the EL restriction but is not in force "
            "then: it was revoked from") in " ".join(now["reasons"])
    assert instant(revocation["recorded_at"]) > instant(world["t1"])


def test_known_at_before_an_amendment_reads_the_old_terms(
    client: FlaskClient, keys: Keys, world: dict[str, Any]
) -> None:
    september = "2020-09-01T00:00:00Z"
    amendment = send(client, keys["editor"], "POST",
                     f"/licences/{world['apps']['id']}/amendments",
                     {"effective_from": "2020-05-01", "valid_until": "2021-01-01",
                      "scope": {"update_kinds": ["app_update"]}})

    then = ask(client, keys, world, "app_update", september, known_at=world["t1"])
    now = ask(client, keys, world, "app_update", september)

    assert verdict(then) == ("deny", "licence_required")
    assert "Licence GL-ACME-APPS would address the EL restriction but is not in force" in (
        " ".join(then["reasons"]))
    assert verdict(now) == ("allow", "licensed")
    assert now["licences"][0]["valid_until"] == "2021-01-01T00:00:00Z"
    assert now["valid_until"] == "2021-01-01T00:00:00Z"
    assert instant(amendment["recorded_at"]) > instant(world["t1"])


def test_licence_history_keeps_every_amendment_and_revocation_with_its_recorded_at(
    client: FlaskClient, keys: Keys, world: dict[str, Any]
) -> None:
    licence_id = world["apps"]["id"]
    amendment = send(client, keys["editor"], "POST", f"/licences/{licence_id}/amendments",
                     {"effective_from": "2020-05-01", "valid_until": "2021-01-01",
                      "scope": {"update_kinds": ["app_update"]}})
    revocation = send(client, keys["editor"], "POST", f"/licences/{licence_id}/revocation",
                      {"effective_from": "2020-10-01"})

    shown = send(client, keys["viewer"], "GET", f"/licences/{licence_id}", status=200)

    assert shown["valid_until"] == "2020-05-01T00:00:00Z"  # the licence as first recorded
    assert [(a["id"], a["recorded_at"]) for a in shown["amendments"]] == [
        (amendment["id"], amendment["recorded_at"])]
    assert [(r["id"], r["recorded_at"]) for r in shown["revocations"]] == [
        (revocation["id"], revocation["recorded_at"])]


def test_known_at_before_a_designation_change_sees_its_old_name_and_dates(
    client: FlaskClient, keys: Keys, world: dict[str, Any]
) -> None:
    first = world["designation"]
    changed = send(client, keys["editor"], "PATCH", f"/designations/{first['id']}",
                   {"name": "Acme Group Holdings Ltd.", "effective_from": "2020-07-01",
                    "reference": "2 FR 200"}, status=200)
    shown = send(client, keys["viewer"], "GET", f"/designations/{first['id']}", status=200)

    then = ask(client, keys, world, "os_upgrade", known_at=just_before(changed["recorded_at"]))
    now = ask(client, keys, world, "os_upgrade")
    from_july = ask(client, keys, world, "os_upgrade", at="2020-07-01T00:00:00Z")

    assert (shown["revision"], shown["recorded_at"]) == (2, changed["recorded_at"]) != (
        first["revision"], first["recorded_at"])
    assert instant(shown["recorded_at"]) > instant(first["recorded_at"])
    assert shown["name"] == "Acme Group Holdings Ltd."
    assert verdict(then) == ("deny", "licence_required")
    assert [(d["name"], d["effective_from"], d["reference"]) for d in then["designations"]] == [
        ("Acme Devices Ltd.", "2020-01-01T00:00:00Z", "1 FR 100")]
    assert '"Acme Devices Ltd."' in " ".join(then["reasons"])
    assert verdict(now) == ("allow", "not_listed")
    assert now["valid_until"] == "2020-07-01T00:00:00Z"
    assert verdict(from_july) == ("deny", "licence_required")
    assert '"Acme Group Holdings Ltd."' in " ".join(from_july["reasons"])
    assert "2 FR 200" in " ".join(from_july["reasons"])


def test_deleted_designation_is_withdrawn_but_known_at_before_the_delete_still_sees_it(
    client: FlaskClient, keys: Keys, world: dict[str, Any]
) -> None:
    first = world["designation"]
    withdrawn = send(client, keys["editor"], "DELETE", f"/designations/{first['id']}",
                     status=200)

    then = ask(client, keys, world, "os_upgrade", known_at=just_before(withdrawn["recorded_at"]))
    now = ask(client, keys, world, "os_upgrade")
    gone = client.get(f"{API}/designations/{first['id']}", headers=keys["viewer"])
    listed = send(client, keys["viewer"], "GET", "/designations", status=200)

    assert withdrawn["revision"] == first["revision"] + 1
    assert instant(withdrawn["recorded_at"]) > instant(first["recorded_at"])
    assert verdict(then) == ("deny", "licence_required")
    assert [d["id"] for d in then["designations"]] == [first["id"]]
    assert verdict(now) == ("allow", "not_listed")
    assert gone.status_code == 404
    assert listed["items"] == []


def test_known_at_now_or_later_reads_the_current_records(
    client: FlaskClient, keys: Keys, world: dict[str, Any]
) -> None:
    send(client, keys["editor"], "POST", f"/licences/{world['patches']['id']}/revocation",
         {"effective_from": "2020-03-01"})

    later = ask(client, keys, world, "security_patch", known_at="2999-01-01T00:00:00Z")
    now = ask(client, keys, world, "security_patch")

    assert verdict(later) == verdict(now) == ("deny", "licence_required")
