"""Licence pages over the demo history: the list, a licence's history, and every change saved
only from its impact preview, with its outcome read back through the API."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from config.settings import Settings
from service.demo_loader import load_into_database
from tests.dashboard.conftest import Browser

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
NEW = {"number": "GL-TEST-1", "kind": "general", "lifts": ["EL"], "valid_from": "2024-01-01",
       "update_kinds": ["security_patch", "os_upgrade"], "functional_enhancement": "y"}


@pytest.fixture
def demo(settings: Settings, client: FlaskClient, keys: dict[str, dict[str, str]]
         ) -> dict[str, str]:
    """The demo history in this test's own database: names -> ids of what the tests use."""
    load_into_database(settings)

    def find(path: str, field: str, value: str) -> str:
        items = client.get(f"/api/v1/{path}?limit=500", headers=keys["viewer"]).json["items"]
        return next(item["id"] for item in items if item[field] == value)

    return {"huawei": find("vendors", "name", "Huawei Technologies Co., Ltd."),
            "p30pro": find("models", "name", "P30 Pro"),
            "patch": find("updates", "version", "2019-06-05"),
            "tgl": find("licences", "number", "TGL-HUAWEI-2019"),
            "revoked": find("licences", "number", "DEMO-REVOKED")}


def answer(client: FlaskClient, keys: dict[str, dict[str, str]], ids: dict[str, str],
           at: str | None = None) -> tuple[str, str]:
    body: dict[str, Any] = {"device": {"model_id": ids["p30pro"]},
                            "update": {"id": ids["patch"]}}
    if at:
        body["at"] = at
    found = client.post("/api/v1/decisions", json=body, headers=keys["ota"]).json
    return found["verdict"], found["basis"]


def saved_from(browser: Browser, preview: str, action: str, go: str = "save") -> Any:
    """Press a button of the preview's form, sending its hidden fields as a browser would."""
    fields: dict[str, list[str]] = {}
    for name, value in HIDDEN.findall(preview):
        fields.setdefault(name, []).append(html.unescape(value))
    return browser.post(action, {**fields, "go": go})


def row_of(page: str, *texts: str) -> str:
    """The first table row of `page` holding every one of `texts`."""
    return next(row for row in page.split("<tr>") if all(t in row for t in texts))


def test_the_list_shows_each_licence_with_its_status_holder_and_vendors(
        demo: dict[str, str], signed_in: Callable[[str], Browser]) -> None:
    page = signed_in("viewer").get("/licences").text
    assert "expired" in row_of(page, "TGL-HUAWEI-2019")
    assert "revoked" in row_of(page, "DEMO-REVOKED")
    microsoft = row_of(page, "MSFT-HUAWEI-2019")
    assert "active" in microsoft and "Microsoft Corporation" in microsoft
    assert "Huawei Technologies Co., Ltd." in microsoft
    assert "New licence" not in page  # a viewer reads, and is offered no change


def test_the_list_can_show_one_status(demo: dict[str, str],
                                      signed_in: Callable[[str], Browser]) -> None:
    page = signed_in("viewer").get("/licences?status=revoked").text
    assert "DEMO-REVOKED" in page and "TGL-HUAWEI-2019" not in page
    assert signed_in("viewer").get("/licences?status=lapsed").status_code == 404


def test_a_licence_page_shows_its_whole_history(demo: dict[str, str],
                                                signed_in: Callable[[str], Browser]) -> None:
    browser = signed_in("viewer")
    tgl = browser.get(f"/licences/{demo['tgl']}").text
    assert tgl.count("<td>amended</td>") == 5 and tgl.count("<td>created</td>") == 1
    revoked = browser.get(f"/licences/{demo['revoked']}").text
    assert "<td>revoked</td>" in revoked and "Fictional revocation for the demo." in revoked
    assert browser.get("/licences/lic_unknown").status_code == 404


def test_a_new_licence_is_saved_from_its_preview_and_then_revoked_from_another(
        demo: dict[str, str], signed_in: Callable[[str], Browser], client: FlaskClient,
        keys: dict[str, dict[str, str]]) -> None:
    editor = signed_in("editor")
    assert answer(client, keys, demo) == ("deny", "licence_required")
    preview = editor.post("/licences/new", {**NEW, "vendor_ids": [demo["huawei"]]})
    assert preview.status_code == 200
    flipped = row_of(preview.text, "P30 Pro", "Google LLC Android 2019-06-05 (security_patch)")
    assert "verdict-deny" in flipped and "verdict-allow" in flipped
    assert "<td>1</td>" in flipped  # the demo's one registered P30 Pro, counted in the database
    assert "When it takes effect: 2024-01-01" in preview.text
    assert answer(client, keys, demo) == ("deny", "licence_required")  # nothing saved yet

    saved = saved_from(editor, preview.text, "/licences/new/save")
    assert saved.status_code == 303
    assert answer(client, keys, demo) == ("allow", "licensed")
    licence_id = saved.headers["Location"].rsplit("/", 1)[1]
    assert "The licence is recorded." in editor.get(saved.headers["Location"]).text

    revoke = editor.post(f"/licences/{licence_id}/revoke",
                         {"effective_from": "2024-06-01", "reason": "Test over."})
    assert "verdict-deny" in row_of(revoke.text, "P30 Pro", "2019-06-05")
    assert saved_from(editor, revoke.text, f"/licences/{licence_id}/revoke/save"
                      ).status_code == 303
    assert answer(client, keys, demo) == ("deny", "licence_required")
    assert "revoked" in row_of(editor.get("/licences").text, "GL-TEST-1")


def test_a_preview_of_outdated_data_is_shown_again_instead_of_saved(
        demo: dict[str, str], signed_in: Callable[[str], Browser], client: FlaskClient,
        keys: dict[str, dict[str, str]]) -> None:
    editor = signed_in("editor")
    preview = editor.post("/licences/new", {**NEW, "vendor_ids": [demo["huawei"]]})
    client.post("/api/v1/vendors", json={"name": "Meanwhile Devices Ltd"},
                headers=keys["editor"])
    again = saved_from(editor, preview.text, "/licences/new/save")
    assert again.status_code == 409 and "The data changed" in again.text
    assert "GL-TEST-1" not in editor.get("/licences").text
    assert saved_from(editor, again.text, "/licences/new/save").status_code == 303


def test_bad_input_is_shown_beside_its_field_and_nothing_is_saved(
        demo: dict[str, str], signed_in: Callable[[str], Browser]) -> None:
    editor = signed_in("editor")
    page = editor.post("/licences/new", {**NEW, "kind": "specific",
                                         "vendor_ids": [demo["huawei"]]})
    assert page.status_code == 422
    assert re.search(r'id="holder-error">[^<]*a specific licence needs its holder', page.text)
    kinds = editor.post("/licences/new", {**NEW, "update_kinds": [],
                                          "vendor_ids": [demo["huawei"]]})
    assert kinds.status_code == 422 and 'id="update_kinds-error"' in kinds.text
    until = editor.post("/licences/new", {**NEW, "valid_until": "2023-01-01",
                                          "vendor_ids": [demo["huawei"]]})
    assert until.status_code == 422 and 'id="valid_until-error"' in until.text
    unknown = editor.post("/licences/new", {**NEW, "vendor_ids": ["v_unknown"]})
    assert unknown.status_code == 422
    assert re.search(r'id="vendor_ids-error">[^<]*unknown id', unknown.text)
    assert "GL-TEST-1" not in editor.get("/licences").text


def test_an_extension_is_previewed_at_its_date_and_saved_as_an_amendment(
        demo: dict[str, str], signed_in: Callable[[str], Browser], client: FlaskClient,
        keys: dict[str, dict[str, str]]) -> None:
    editor = signed_in("editor")
    form = editor.get(f"/licences/{demo['tgl']}/amend").text
    assert 'value="handset" checked' in form  # it starts from the terms last in force
    fields = {"effective_from": "2020-08-14", "valid_until": "2020-11-01",
              "update_kinds": ["security_patch"], "device_classes": ["handset"],
              "devices_available_on_or_before": "2019-05-16"}
    preview = editor.post(f"/licences/{demo['tgl']}/amend", fields)
    assert "When it takes effect: 2020-08-14" in preview.text
    assert "verdict-allow" in row_of(preview.text, "P30 Pro", "2019-06-05")
    assert saved_from(editor, preview.text, f"/licences/{demo['tgl']}/amend/save"
                      ).status_code == 303
    assert answer(client, keys, demo, "2020-09-01T00:00:00Z") == ("allow", "licensed")
    assert editor.get(f"/licences/{demo['tgl']}").text.count("<td>amended</td>") == 6


def test_an_amendment_before_the_licence_starts_is_refused(
        demo: dict[str, str], signed_in: Callable[[str], Browser]) -> None:
    page = signed_in("editor").post(f"/licences/{demo['tgl']}/amend", {
        "effective_from": "2019-01-01", "update_kinds": ["security_patch"]})
    assert page.status_code == 422 and 'id="effective_from-error"' in page.text


def test_a_revocation_needs_its_reason(demo: dict[str, str],
                                       signed_in: Callable[[str], Browser]) -> None:
    page = signed_in("editor").post(f"/licences/{demo['tgl']}/revoke",
                                    {"effective_from": "2020-01-01", "reason": " "})
    assert page.status_code == 422 and 'id="reason-error"' in page.text


def test_changing_the_proposal_returns_to_its_form_filled_in(
        demo: dict[str, str], signed_in: Callable[[str], Browser]) -> None:
    editor = signed_in("editor")
    preview = editor.post("/licences/new", {**NEW, "vendor_ids": [demo["huawei"]]})
    back = saved_from(editor, preview.text, "/licences/new/save", go="edit")
    assert back.status_code == 200 and 'value="GL-TEST-1"' in back.text
    assert "GL-TEST-1" not in editor.get("/licences").text
