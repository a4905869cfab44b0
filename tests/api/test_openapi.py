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
