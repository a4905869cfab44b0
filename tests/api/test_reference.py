"""Reference data: pages, filters, versions that keep history, vendor status."""

from __future__ import annotations

PATCH = {"supplier": "Google LLC", "supplier_country": "US", "kind": "security_patch",
         "product": "Android", "enhances_functionality": False}


def test_lists_page_with_a_cursor_until_the_end(client, keys):
    for n in range(5):
        assert client.post("/api/v1/vendors", json={"name": f"Maker {n}"},
                           headers=keys["editor"]).status_code == 201
    seen, cursor = [], None
    while True:
        query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/vendors", query_string=query, headers=keys["viewer"]).json
        seen += [v["name"] for v in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == [f"Maker {n}" for n in range(5)]


def test_updates_filter_by_their_software_version_not_the_record_revision(client, keys):
    for version in ("2019-06-05", "2019-07-05"):
        client.post("/api/v1/updates", json=PATCH | {"version": version},
                    headers=keys["editor"])
    found = client.get("/api/v1/updates?version=2019-07-05", headers=keys["viewer"]).json
    assert [(u["version"], u["revision"]) for u in found["items"]] == [("2019-07-05", 1)]


def test_a_patch_is_a_new_revision_and_a_delete_withdraws(client, keys):
    made = client.post("/api/v1/vendors", json={"name": "Acme", "aliases": ["ACME"]},
                       headers=keys["editor"]).json
    changed = client.patch(f"/api/v1/vendors/{made['id']}", json={"country": "DE"},
                           headers=keys["editor"]).json
    assert (changed["revision"], changed["country"], changed["aliases"]) == (2, "DE", ["ACME"])
    assert client.delete(f"/api/v1/vendors/{made['id']}", headers=keys["editor"]).json[
        "revision"] == 3
    assert client.get(f"/api/v1/vendors/{made['id']}", headers=keys["viewer"]).status_code == 404


def test_a_vendor_shows_its_designations_and_status(client, keys):
    vendor = client.post("/api/v1/vendors", json={"name": "Acme"}, headers=keys["editor"]).json
    assert client.get(f"/api/v1/vendors/{vendor['id']}",
                      headers=keys["viewer"]).json["status"] == "not_listed"
    client.post("/api/v1/designations", headers=keys["editor"], json={
        "source": "EL", "name": "Acme", "effective_from": "2020-01-01",
        "vendor_ids": [vendor["id"]]})
    shown = client.get(f"/api/v1/vendors/{vendor['id']}", headers=keys["viewer"]).json
    assert shown["status"] == "designated"
    assert [(d["source"], d["name"]) for d in shown["designations"]] == [("EL", "Acme")]


def test_devices_register_idempotently(client, keys):
    vendor = client.post("/api/v1/vendors", json={"name": "Acme"}, headers=keys["editor"]).json
    model = client.post("/api/v1/models", headers=keys["editor"], json={
        "vendor_id": vendor["id"], "name": "A1", "device_class": "handset"}).json
    body = [{"id": f"SN-{n}", "model_id": model["id"]} for n in range(3)]
    first = client.post("/api/v1/devices", json=body, headers=keys["editor"])
    again = client.post("/api/v1/devices", json=body, headers=keys["editor"])
    assert (first.status_code, first.json["registered"]) == (201, 3)
    assert (again.status_code, again.json["registered"], again.json["already_known"]) == (
        200, 0, 3)
    answer = client.post("/api/v1/decisions", headers=keys["ota"], json={
        "device": {"id": "SN-1"}, "update": PATCH})
    assert answer.json["verdict"] == "allow"


def test_a_withdrawn_vendors_devices_are_unknown_not_an_error(client, keys):
    vendor = client.post("/api/v1/vendors", json={"name": "Acme"}, headers=keys["editor"]).json
    model = client.post("/api/v1/models", headers=keys["editor"], json={
        "vendor_id": vendor["id"], "name": "A1", "device_class": "handset"}).json
    client.post("/api/v1/devices", json=[{"id": "SN-ACME-1", "model_id": model["id"]}],
                headers=keys["editor"])
    assert client.delete(f"/api/v1/vendors/{vendor['id']}",
                         headers=keys["editor"]).status_code == 200
    for device, field in (({"id": "SN-ACME-1"}, "device.id"),
                          ({"model_id": model["id"]}, "device.model_id")):
        answer = client.post("/api/v1/decisions", headers=keys["ota"], json={
            "device": device, "update": PATCH | {"version": "2019-06-05"},
            "at": "2020-01-01T00:00:00Z"})
        assert answer.status_code == 404, answer.json
        assert answer.json["errors"][0]["field"] == field
        assert "withdrawn" in answer.json["detail"]
