"""The OpenAPI document, generated from the same schemas that validate requests."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from service.api import schemas
from service.api.resources import json_response
from service.auth import PUBLIC, public

bp = Blueprint("openapi", __name__)

# Request bodies by (method, rule); routes not listed take no body.
BODIES: dict[tuple[str, str], type[BaseModel]] = {
    ("POST", "/api/v1/decisions"): schemas.DecisionRequest,
    ("POST", "/api/v1/decisions/batch"): schemas.BatchRequest,
    ("POST", "/api/v1/vendors"): schemas.VendorIn,
    ("POST", "/api/v1/models"): schemas.ModelIn,
    ("POST", "/api/v1/updates"): schemas.UpdateIn,
    ("POST", "/api/v1/designations"): schemas.DesignationIn,
    ("POST", "/api/v1/licences"): schemas.LicenceIn,
    ("POST", "/api/v1/licences/{licence_id}/amendments"): schemas.AmendmentIn,
    ("POST", "/api/v1/licences/{licence_id}/revocation"): schemas.RevocationIn,
    ("POST", "/api/v1/keys"): schemas.KeyIn,
}
_PROBLEM = {"description": "A problem (RFC 9457)",
            "content": {"application/problem+json": {"schema": {"type": "object"}}}}


def document() -> dict[str, Any]:
    _, defs = models_json_schema([(s, "validation") for s in set(BODIES.values())],
                                 ref_template="#/components/schemas/{model}")
    paths: dict[str, dict[str, Any]] = {}
    for rule in current_app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = str(rule).replace("<", "{").replace(">", "}")
        view = current_app.view_functions[rule.endpoint]
        role = getattr(view, "required_role", None)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(path, method, rule, role)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Device security-update eligibility service", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _operation(path: str, method: str, rule: Any, role: Any) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": rule.endpoint.replace(".", "_") + ("" if method == "GET" else
                                                           f"_{method.lower()}"),
        "parameters": [{"name": a, "in": "path", "required": True, "schema": {"type": "string"}}
                       for a in sorted(rule.arguments)],
        "responses": {"200": {"description": "OK"}, "4XX": _PROBLEM},
    }
    if role != PUBLIC:
        op["security"] = [{"bearer": []}]
        op["description"] = f"Needs the role `{role}` or above."
    body = BODIES.get((method, path))
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{body.__name__}"}}}}
    return op


@bp.get("/openapi.json")
@public
def openapi() -> Response:
    return json_response(document())
