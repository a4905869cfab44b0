"""The OpenAPI document is generated from the routes and the schemas that validate bodies."""

from __future__ import annotations

import re


def test_every_route_is_described_with_its_security_and_body(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    described = {(path, method.upper()) for path, ops in document["paths"].items()
                 for method in ops}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("dashboard."):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in described
    decisions = document["paths"]["/api/v1/decisions"]["post"]
    assert decisions["security"] == [{"bearer": []}]
    ref = decisions["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"device", "update", "at", "known_at"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False
    assert "security" not in document["paths"]["/livez"]["get"]


def test_answers_parameters_and_links_are_described_for_a_client_or_a_fuzzer(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths, schemas = document["paths"], document["components"]["schemas"]
    create = paths["/api/v1/vendors"]["post"]["responses"]
    assert set(create) == {"201", "400", "401", "403", "409", "413", "415", "422", "503"}
    assert create["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Vendor"}
    links = create["201"]["links"]
    assert {link["operationId"] for link in links.values()} == {
        "getVendor", "updateVendor", "deleteVendor", "createModel", "createDesignation",
        "createLicence"}
    assert links["GetVendor"]["parameters"] == {"record_id": "$response.body#/id"}
    assert links["DesignateVendor"]["requestBody"] == {"vendor_ids": ["$response.body#/id"]}
    assert {"id", "revision", "recorded_at", "name"} <= set(schemas["Vendor"]["required"])
    for status in ("400", "401", "403", "413", "415", "422", "503"):
        problem = create[status]["content"]["application/problem+json"]["schema"]
        assert problem == {"$ref": "#/components/schemas/Problem"}
    listed = {p["name"]: p for p in paths["/api/v1/updates"]["get"]["parameters"]}
    assert {"limit", "cursor", "supplier", "kind", "version"} <= set(listed)
    assert "publicly_available" not in listed  # only text fields filter
    assert listed["limit"]["schema"]["maximum"] == 500
    assert {"200", "201", "409"} <= set(paths["/api/v1/devices"]["post"]["responses"])
    retry = {p["name"]: p for p in paths["/api/v1/decisions"]["post"]["parameters"]}
    assert retry["Idempotency-Key"]["in"] == "header"
    assert retry["Idempotency-Key"]["schema"]["maxLength"] == 255
    assert "Retry-After" in paths["/api/v1/decisions"]["post"]["responses"]["409"]["headers"]
    assert not any(p["name"] == "Idempotency-Key" for p in paths["/api/v1/vendors"]["get"]
                   .get("parameters", []))
    assert paths["/api/v1/devices"]["post"]["requestBody"]["content"]["application/json"][
        "schema"]["type"] == "array"
    patch = paths["/api/v1/licences/{record_id}"]["patch"]["requestBody"]
    assert "required" not in schemas[patch["content"]["application/json"]["schema"][
        "$ref"].rsplit("/", 1)[1]]
    assert schemas["BatchRequest"]["properties"]["items"]["maxItems"] == 1000
    shapes = schemas["DeviceRef"]["anyOf"]  # id, model_id, or vendor (with model)
    assert [shape["title"] for shape in shapes] == [
        "RegisteredDevice", "RegisteredModel", "InlineDevice"]
    assert shapes[2]["properties"]["vendor"]["type"] == "string"
    assert shapes[2]["properties"]["id"] == {"type": "null"}


def served(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


def operations(document: dict):
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            yield path, method.upper(), op


def test_the_served_document_is_valid_openapi(client):
    from openapi_spec_validator import validate

    validate(served(client))  # raises, naming the first thing wrong


VERBS = ("get", "list", "create", "update", "delete", "register", "revoke", "confirm",
         "dismiss", "refresh", "approve", "retry", "import")


# What real clients' generated methods are called, by (method, path).
METHOD_NAMES = {
    ("POST", "/api/v1/decisions"): "createDecision",
    ("POST", "/api/v1/decisions/batch"): "createDecisionBatch",
    ("GET", "/api/v1/decisions/{decision_id}"): "getDecision",
    ("GET", "/livez"): "getLivez",
    ("GET", "/api/v1/vendors"): "listVendors",
    ("GET", "/api/v1/vendors/{record_id}"): "getVendor",
    ("POST", "/api/v1/vendors"): "createVendor",
    ("PATCH", "/api/v1/vendors/{record_id}"): "updateVendor",
    ("DELETE", "/api/v1/vendors/{record_id}"): "deleteVendor",
    ("POST", "/api/v1/licences/{licence_id}/amendments"): "createLicenceAmendment",
    ("POST", "/api/v1/licences/{licence_id}/revocation"): "revokeLicence",
    ("GET", "/api/v1/matches"): "listMatches",
    ("POST", "/api/v1/matches/{match_id}/confirm"): "confirmMatch",
    ("POST", "/api/v1/sources/{source_id}/refresh"): "refreshSource",
    ("POST", "/api/v1/sources/{source_id}/approve"): "approveSource",
    ("GET", "/api/v1/jobs"): "listJobs",
    ("POST", "/api/v1/jobs/{job_id}/retry"): "retryJob",
    ("POST", "/api/v1/keys"): "createKey",
    ("DELETE", "/api/v1/keys/{key_id}"): "revokeKey",
}


def test_operation_ids_read_as_method_names_and_are_unique(client):
    named = {(method, path): op["operationId"]
             for path, method, op in operations(served(client))}
    assert len(set(named.values())) == len(named)
    for operation_id in named.values():
        assert re.fullmatch(rf"({'|'.join(VERBS)})([A-Z][a-z]+)+", operation_id), operation_id
    assert {named[operation]: name for operation, name in METHOD_NAMES.items()} == {
        name: name for name in METHOD_NAMES.values()}


def test_every_operation_declares_each_refusal_it_can_give_with_its_headers(client):
    for path, method, op in operations(served(client)):
        answers = op["responses"]
        assert "4XX" not in answers and "default" not in answers  # clients read exact statuses
        expected = set()
        if "security" in op:
            expected |= {"401"} | ({"403"} if "`ota`" not in op["description"] else set())
        if "{" in path:
            expected.add("404")
        if "requestBody" in op:
            expected |= {"400", "413", "415", "422"}
        if any(p["in"] == "query" for p in op["parameters"]):
            expected.add("422")
        if path not in ("/livez", "/api/v1/openapi.json"):
            expected.add("503")
        assert expected <= set(answers), (method, path, expected - set(answers))
        for status in expected - {"503"} if path == "/readyz" else expected:
            schema = answers[status]["content"]["application/problem+json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Problem"}, (method, path, status)
        for status, header in (("401", "WWW-Authenticate"), ("403", "WWW-Authenticate"),
                               ("503", "Retry-After")):
            if status in answers:
                assert answers[status]["headers"][header]["required"] is True


def test_every_list_enforces_the_page_size_its_document_gives(client, keys):
    for path, _, op in operations(served(client)):
        limit = next((p["schema"] for p in op["parameters"] if p["name"] == "limit"), None)
        if limit is None or "{" in path:
            continue
        for bad in (limit["minimum"] - 1, limit["maximum"] + 1):
            refused = client.get(path, query_string={"limit": bad}, headers=keys["admin"])
            assert refused.status_code == 422, (path, bad)
            assert [e["field"] for e in refused.json["errors"]] == ["limit"]
        taken = client.get(path, query_string={"limit": limit["maximum"]}, headers=keys["admin"])
        assert taken.status_code == 200, (path, taken.json)
        unknown = client.get(path, query_string={"owner": "me"}, headers=keys["admin"])
        assert unknown.status_code == 422, path


def test_keys_page_by_cursor_like_every_list(client, keys):
    for n in range(3):
        client.post("/api/v1/keys", json={"name": f"page {n}", "role": "ota"},
                    headers=keys["admin"])
    everything = client.get("/api/v1/keys", headers=keys["admin"]).json
    assert everything["next_cursor"] is None and len(everything["items"]) == 7
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/keys", query_string={"limit": 3, **(
            {"cursor": cursor} if cursor else {})}, headers=keys["admin"]).json
        seen += [key["id"] for key in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == [key["id"] for key in everything["items"]]
