"""Reference data on the dashboard: models, updates and manual designations, written through
the API's own functions, so the API then shows exactly what the pages wrote."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from tests.dashboard.conftest import Browser

Keys = dict[str, dict[str, str]]


def api(client: FlaskClient, keys: Keys, path: str) -> Any:
    answer = client.get(path, headers=keys["viewer"])
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def vendor(client: FlaskClient, keys: Keys, name: str = "Acme Devices") -> str:
    made = client.post("/api/v1/vendors", json={"name": name}, headers=keys["editor"])
    assert made.status_code == 201
    return str(made.get_json()["id"])


def test_an_editor_adds_a_model_that_the_api_then_lists(
        signed_in: Callable[[str], Browser], client: FlaskClient, keys: Keys) -> None:
    vendor_id = vendor(client, keys)
    editor = signed_in("editor")
    assert "Acme Devices" in editor.get("/reference/models/new").text  # offered by name
    answer = editor.post("/reference/models", {"vendor_id": vendor_id, "name": "A1 Pro",
                                               "device_class": "handset",
                                               "available_from": "2019-03-26"})
    assert answer.status_code == 303
    listed = api(client, keys, "/api/v1/models")["items"]
    assert [(m["name"], m["vendor_id"], m["available_from"]) for m in listed] == [
        ("A1 Pro", vendor_id, "2019-03-26T00:00:00Z")]
    page = editor.get(answer.headers["Location"]).text
    assert "A1 Pro" in page and "is recorded" in page


def test_a_model_the_schema_refuses_is_shown_beside_its_fields_and_not_written(
        signed_in: Callable[[str], Browser], client: FlaskClient, keys: Keys) -> None:
    editor = signed_in("editor")
    answer = editor.post("/reference/models", {"vendor_id": "v_nobody", "name": "",
                                               "device_class": "handset",
                                               "available_from": "26/03/2019"})
    assert answer.status_code == 422
    page = answer.text
    assert 'id="name-error"' in page and "at least 1 character" in page
    assert 'id="available_from-error"' in page and "not a date" in page
    assert api(client, keys, "/api/v1/models")["items"] == []


def test_an_unknown_vendor_is_named_beside_the_vendor_field(
        signed_in: Callable[[str], Browser], client: FlaskClient, keys: Keys) -> None:
    answer = signed_in("editor").post("/reference/models", {
        "vendor_id": "v_nobody", "name": "A1", "device_class": "handset"})
    assert answer.status_code == 422
    assert 'id="vendor_id-error"' in answer.text and "unknown id" in answer.text
    assert api(client, keys, "/api/v1/models")["items"] == []


def test_saving_an_update_records_a_new_revision_with_its_history(
        signed_in: Callable[[str], Browser], client: FlaskClient, keys: Keys) -> None:
    editor = signed_in("editor")
    editor.post("/reference/updates", {"supplier": "Google LLC", "kind": "security_patch",
                                       "product": "Android", "version": "2019-06-05",
                                       "enhances_functionality": "false"})
    [made] = api(client, keys, "/api/v1/updates")["items"]
    assert made["enhances_functionality"] is False and made["publicly_available"] is False
    form = editor.get(f"/reference/updates/{made['id']}").text
    assert 'value="2019-06-05"' in form
    answer = editor.post(f"/reference/updates/{made['id']}", {
        "supplier": "Google LLC", "kind": "security_patch", "product": "Android",
        "version": "2019-07-05", "enhances_functionality": "", "publicly_available": "y"})
    assert answer.status_code == 303
    now = api(client, keys, f"/api/v1/updates/{made['id']}")
    assert (now["revision"], now["version"], now["enhances_functionality"],
            now["publicly_available"]) == (2, "2019-07-05", None, True)


def test_withdrawing_a_model_keeps_it_from_lists_and_answers(
        signed_in: Callable[[str], Browser], client: FlaskClient, keys: Keys) -> None:
    vendor_id = vendor(client, keys)
    editor = signed_in("editor")
    editor.post("/reference/models", {"vendor_id": vendor_id, "name": "A1",
                                      "device_class": "tablet"})
    [made] = api(client, keys, "/api/v1/models")["items"]
    assert editor.post(f"/reference/models/{made['id']}/withdraw").status_code == 303
    assert api(client, keys, "/api/v1/models")["items"] == []
    assert editor.get(f"/reference/models/{made['id']}").status_code == 404


def test_a_viewer_reads_the_lists_but_is_offered_no_change(
        signed_in: Callable[[str], Browser], client: FlaskClient, keys: Keys) -> None:
    vendor_id = vendor(client, keys)
    client.post("/api/v1/models", headers=keys["editor"], json={
        "vendor_id": vendor_id, "name": "A1", "device_class": "handset"})
    viewer = signed_in("viewer")
    page = viewer.get("/reference/models").text
    assert "A1" in page and "Acme Devices" in page and "Add a model" not in page
    [made] = api(client, keys, "/api/v1/models")["items"]
    record = viewer.get(f"/reference/models/{made['id']}").text
    assert "<fieldset disabled>" in record and "Withdraw" not in record
    assert viewer.post("/reference/models", {"name": "x"}).status_code == 403


def test_lists_go_a_page_at_a_time(
        signed_in: Callable[[str], Browser], client: FlaskClient, keys: Keys) -> None:
    for n in range(51):
        client.post("/api/v1/updates", headers=keys["editor"], json={
            "supplier": "Google LLC", "kind": "bug_fix", "product": f"App {n:02}"})
    viewer = signed_in("viewer")
    first = viewer.get("/reference/updates").text
    assert first.count("App ") == 50 and "Next page" in first
    cursor = first.split("cursor=")[1].split('"')[0]
    second = viewer.get(f"/reference/updates?cursor={cursor}").text
    assert second.count("App ") == 1 and "Next page" not in second


def test_the_landing_page_counts_what_each_list_holds(
        signed_in: Callable[[str], Browser], client: FlaskClient, keys: Keys) -> None:
    vendor_id = vendor(client, keys)
    model = client.post("/api/v1/models", headers=keys["editor"], json={
        "vendor_id": vendor_id, "name": "A1", "device_class": "handset"}).get_json()
    client.post("/api/v1/devices", headers=keys["editor"],
                json=[{"id": "SN-1", "model_id": model["id"]}])
    page = signed_in("viewer").get("/reference").text
    assert page.count('<p class="big">1</p>') == 2  # one model, one device
    for link in ("/reference/models", "/reference/updates", "/reference/devices",
                 "/reference/designations"):
        assert f'href="{link}"' in page


def test_a_manual_designation_is_added_screened_and_ended(
        signed_in: Callable[[str], Browser], client: FlaskClient, keys: Keys) -> None:
    vendor_id = vendor(client, keys, "Acme Devices")
    editor = signed_in("editor")
    answer = editor.post("/reference/designations", {
        "source": "el", "name": "Acme Devices", "alt_names": "Acme\nAcme Devices Ltd",
        "effective_from": "2019-05-16", "reference": "84 FR 22961",
        "vendor_ids": vendor_id})
    assert answer.status_code == 303
    shown = api(client, keys, f"/api/v1/vendors/{vendor_id}")
    assert shown["status"] == "designated"
    [designation] = api(client, keys, "/api/v1/designations")["items"]
    assert designation["alt_names"] == ["Acme", "Acme Devices Ltd"]
    assert "Acme Devices" in editor.get("/reference/designations").text
    ended = editor.post(f"/reference/designations/{designation['id']}/end",
                        {"effective_until": "2020-01-01"})
    assert ended.status_code == 303
    now = api(client, keys, f"/api/v1/designations/{designation['id']}")
    assert (now["revision"], now["effective_until"]) == (2, "2020-01-01T00:00:00Z")


def test_a_designation_cannot_end_before_it_began(
        signed_in: Callable[[str], Browser], client: FlaskClient, keys: Keys) -> None:
    made = client.post("/api/v1/designations", headers=keys["editor"], json={
        "source": "EL", "name": "Acme", "effective_from": "2020-01-01"}).get_json()
    answer = signed_in("editor").post(f"/reference/designations/{made['id']}/end",
                                      {"effective_until": "2019-01-01"})
    assert answer.status_code == 422
    assert 'id="effective_until-error"' in answer.text and "must be after" in answer.text
    assert api(client, keys, f"/api/v1/designations/{made['id']}")["revision"] == 1


def test_a_designation_form_with_nothing_in_it_names_each_missing_field(
        signed_in: Callable[[str], Browser], client: FlaskClient, keys: Keys) -> None:
    answer = signed_in("editor").post("/reference/designations", {})
    assert answer.status_code == 422
    for name in ("source", "name", "effective_from"):
        assert f'id="{name}-error"' in answer.text
    assert api(client, keys, "/api/v1/designations")["items"] == []


def test_unknown_records_are_a_404_page(signed_in: Callable[[str], Browser]) -> None:
    editor = signed_in("editor")
    for url in ("/reference/models/m_nothing", "/reference/updates/u_nothing",
                "/reference/designations/des_nothing", "/reference/vendors"):
        answer = editor.get(url, headers={"Accept": "text/html"})  # as a browser asks
        assert answer.status_code == 404 and "text/html" in answer.content_type
    assert editor.post("/reference/models/m_nothing/withdraw").status_code == 404
