"""The OpenAPI document is generated from the routes and the schemas that validate bodies."""

from __future__ import annotations


def test_every_route_is_described_with_its_security_and_body(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    described = {(path, method.upper()) for path, ops in document["paths"].items()
                 for method in ops}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = str(rule).replace("<", "{").replace(">", "}")
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
    assert set(create) == {"201", "4XX"}
    assert create["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Vendor"}
    assert {link["operationId"] for link in create["201"]["links"].values()} == {
        "reference_get_vendors", "reference_patch_vendors_patch",
        "reference_delete_vendors_delete"}
    assert {"id", "revision", "recorded_at", "name"} <= set(schemas["Vendor"]["required"])
    problem = create["4XX"]["content"]["application/problem+json"]["schema"]
    assert problem == {"$ref": "#/components/schemas/Problem"}
    listed = {p["name"]: p for p in paths["/api/v1/updates"]["get"]["parameters"]}
    assert {"limit", "cursor", "supplier", "kind", "version"} <= set(listed)
    assert "publicly_available" not in listed  # only text fields filter
    assert listed["limit"]["schema"]["maximum"] == 500
    assert set(paths["/api/v1/devices"]["post"]["responses"]) == {"200", "201", "4XX"}
    assert paths["/api/v1/devices"]["post"]["requestBody"]["content"]["application/json"][
        "schema"]["type"] == "array"
    patch = paths["/api/v1/licences/{record_id}"]["patch"]["requestBody"]
    assert "required" not in schemas[patch["content"]["application/json"]["schema"][
        "$ref"].rsplit("/", 1)[1]]
    assert schemas["BatchRequest"]["properties"]["items"]["maxItems"] == 1000
    assert len(schemas["DeviceRef"]["anyOf"]) == 3  # id, model_id, or vendor (with model)
