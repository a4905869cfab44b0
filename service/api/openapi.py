"""The OpenAPI document, generated from the same schemas that validate requests.

Paths come from the app's routes, request bodies from the schemas that validate them, query
parameters from what the list routes read, and answers from `service.api.responses`: each
operation names every status it gives, with its body and the headers it carries (problems are
listed by `service.api.refusals`), and links an id in an answer to the operations that take it
(so a client, or a fuzzer, can follow them). Operation ids read as a generated client's method
names: a verb and a noun, `createDecision`, `listVendors`.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from flask import Blueprint, Response, current_app
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from service import idempotency
from service.api import devices, refusals, responses, schemas
from service.api.operation_ids import operation_id
from service.api.resources import MAX_PAGE, Resource, filterable, json_response
from service.auth import PUBLIC, public
from service.context import services
from service.decisions import export as decision_export

bp = Blueprint("openapi", __name__)

# Request bodies by (method, rule); routes not listed take no body. PATCH bodies are derived.
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
_DEVICES_BODY = {"type": "array", "minItems": 1, "maxItems": devices.MAX_DEVICES,
                 "items": {"$ref": "#/components/schemas/DeviceIn"}}
_DEVICE_FILE = {"required": True, "description": (
    "A file of any length (the JSON body cap does not apply): one `DeviceIn` object a line, "
    "or CSV with the header `id,model_id`. A file refused as a whole is a 415 (another "
    "content type) or 422 (not UTF-8, no header, no devices); its rows' errors are the job's."),
    "content": {"application/x-ndjson": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}}}}

# A record as written and listed, and as `GET` one shows it, by resource name.
RECORDS: dict[str, tuple[type[BaseModel], type[BaseModel]]] = {
    "vendors": (responses.Vendor, responses.VendorDetail),
    "models": (responses.DeviceModel, responses.DeviceModel),
    "updates": (responses.Update, responses.Update),
    "designations": (responses.Designation, responses.Designation),
    "licences": (responses.Licence, responses.LicenceDetail),
}


def describe(bodies: dict[tuple[str, str], type[BaseModel]], answers: dict[str, dict[str, Any]],
             filters: dict[str, dict[str, tuple[str, ...] | None]] | None = None) -> None:
    """Let a route module outside this file name its request bodies, its answers, and the
    query filters of its lists (endpoint -> filter name -> its values, None for any text)."""
    BODIES.update(bodies)
    ANSWERS.update(answers)
    FILTERS.update(filters or {})


FILTERS: dict[str, dict[str, tuple[str, ...] | None]] = {
    "devices.list_devices": {"model_id": None}, "keys.list_keys": {}}


@dataclass(frozen=True)
class Page:
    """A list answer: `{"items": [<of>, ...], "next_cursor": "…" | null}`."""

    of: type[BaseModel]


_TEXT = "text"  # marks a plain-text answer
_NOTHING = "nothing"  # marks an answer without a body (304)

# Answers of the routes that are not a `Resource`'s, by endpoint: status -> body. Problems
# `refusals` does not read from the route (a conflict, an unknown id in a body) are named too.
ANSWERS: dict[str, dict[str, Any]] = {
    "health.livez": {"200": responses.Live},
    "health.readyz": {"200": responses.Ready, "503": responses.Ready},
    "health.metrics": {"200": _TEXT},
    # Unknown registered ids in a request are 404 (api.md); a batch answers them per item.
    "decisions.create_decision": {"200": responses.Decision, "404": responses.Problem},
    "decisions.create_batch": {"200": responses.Batch},
    "decisions.get_decision": {"200": responses.DecisionGiven},
    "decisions.export_decisions": {"200": decision_export.ANSWER},
    "decisions.lookup_decision": {"200": responses.Decision, "304": _NOTHING,
                                  "404": responses.Problem},
    "devices.register_devices": {"200": responses.DeviceRegistration,
                                 "201": responses.DeviceRegistration,
                                 "409": responses.Problem},  # known with another model
    "devices.import_devices": {"202": responses.DeviceImportQueued},
    "devices.get_device_import": {"200": responses.DeviceImport},
    "devices.get_device": {"200": responses.Device},
    "devices.list_devices": {"200": Page(responses.Device)},
    "licences.amend": {"201": responses.AmendmentRecorded},
    "licences.revoke": {"201": responses.RevocationRecorded},
    "keys.create": {"201": responses.KeyCreated},
    "keys.list_keys": {"200": Page(responses.Key)},
    "keys.revoke": {"200": responses.Key},
    "openapi.openapi": {"200": None},
}


@dataclass(frozen=True)
class Link:
    """Where an id in an answer can be used next: the operation (by endpoint) and the path
    parameters or body fields it fills, each a JSON pointer into the answer."""

    name: str
    target: str
    parameters: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None

    def described(self) -> dict[str, Any]:
        link: dict[str, Any] = {"operationId": operation_id(self.target)}
        if self.parameters:
            link["parameters"] = {name: f"$response.body#{pointer}"
                                  for name, pointer in self.parameters.items()}
        if self.body is not None:
            link["requestBody"] = self.body
        return link


_NEW_ID = "$response.body#/id"
LINKS: dict[str, list[Link]] = {
    "decisions.create_decision": [
        Link("GetDecision", "decisions.get_decision", {"decision_id": "/decision_id"})],
    "devices.register_devices": [
        Link("GetDevice", "devices.get_device", {"device_id": "/items/0/id"})],
    "keys.create": [Link("RevokeKey", "keys.revoke", {"key_id": "/id"})],
    "reference.create_vendors": [
        Link("CreateModelOfVendor", "reference.create_models", body={"vendor_id": _NEW_ID}),
        Link("DesignateVendor", "reference.create_designations", body={"vendor_ids": [_NEW_ID]}),
        Link("LicenceVendor", "licences.create_licences", body={"vendor_ids": [_NEW_ID]})],
    "licences.create_licences": [
        Link("AmendLicence", "licences.amend", {"licence_id": "/id"}),
        Link("RevokeLicence", "licences.revoke", {"licence_id": "/id"})],
    "sources.create_source": [
        Link(f"{verb.title()}Source", f"sources.{verb}_source", {"source_id": "/id"})
        for verb in ("get", "patch", "delete", "refresh")]
    + [Link("ApproveSource", "sources.approve", {"source_id": "/id"})],
    "webhooks.create_webhook": [
        Link(f"{verb.title()}Webhook", f"webhooks.{verb}_webhook", {"webhook_id": "/id"})
        for verb in ("get", "patch", "delete")]
    + [Link("ListWebhookMessages", "webhooks.list_messages", {"webhook_id": "/id"})],
    "matches.list_matches": [
        Link(name, f"matches.{view}", {"match_id": "/items/0/id"}) for name, view in (
            ("GetFirstMatch", "get_match"), ("ConfirmFirstMatch", "confirm"),
            ("DismissFirstMatch", "dismiss"))],
    "jobs.list_jobs": [Link("RetryFirstJob", "jobs.retry_job", {"job_id": "/items/0/id"})],
}
# Path and query values: any text without the control characters bodies refuse either.
_TEXT_VALUE = {"type": "string", "pattern": schemas.PRINTABLE}
# Query parameters of the routes that read their input from the URL, by endpoint.
QUERIES: dict[str, list[dict[str, Any]]] = {
    "decisions.lookup_decision": [
        {"name": "model_id", "in": "query", "required": True, "description":
         "A registered device model.", "schema": TypeAdapter(schemas.RecordId).json_schema()},
        {"name": "update_id", "in": "query", "required": True, "description":
         "A registered update.", "schema": TypeAdapter(schemas.RecordId).json_schema()},
        {"name": "at", "in": "query", "required": False, "description":
         "The instant to judge at; now if left out.",
         "schema": TypeAdapter(schemas.Instant).json_schema()},
        {"name": "known_at", "in": "query", "required": False, "description":
         "Judge with the data as the service knew it then.",
         "schema": TypeAdapter(schemas.Instant).json_schema()},
    ],
    "decisions.export_decisions": decision_export.PARAMETERS,
}
# Headers of a decision's answer, which HTTP caches read.
_CACHING = {
    "Cache-Control": {"description": "`private` (`public` on a lookup), with a max-age that "
                                     "never passes the answer's `valid_until`.",
                      "required": True, "schema": {"type": "string"}},
    "ETag": {"description": "Weak; the same for every answer saying the same thing (verdict, "
                            "basis, reasons, window, data version). Not on an answer replayed "
                            "for an `Idempotency-Key` after its first request's process died.",
             "required": False, "schema": {"type": "string"}},
}
_LIST_PARAMETERS = [
    {"name": "limit", "in": "query", "required": False,
     "description": "Records per page.",
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 100}},
    {"name": "cursor", "in": "query", "required": False,
     "description": "The `next_cursor` of the page before.", "schema": _TEXT_VALUE},
]


_ABOUT = """Whether a security update may ship to a device under export controls, and why.

Bodies are JSON of at most {max_body_bytes} bytes (larger ones get 413) sent as
`application/json` (else 415). Lists answer `{{"items": [...], "next_cursor": ...}}` and page
with `limit` (1 to {max_page}) and `cursor`. Every problem is `application/problem+json`
(RFC 9457) and names each bad field in `errors`. A 401 carries `WWW-Authenticate`, a 503
`Retry-After`, a 405 `Allow`."""


def document() -> dict[str, Any]:
    models: set[type[BaseModel]] = set(BODIES.values()) | {schemas.DeviceIn, responses.Problem}
    models |= {model for pair in RECORDS.values() for model in pair}
    models |= {model for answers in ANSWERS.values() for body in answers.values()
               if (model := _model(body)) is not None}
    _, defs = models_json_schema([(s, "validation") for s in models],
                                 ref_template="#/components/schemas/{model}")
    components = defs.get("$defs", {})
    # The batch route reads items one by one: one that is no decision request gets a problem of
    # its own in `results`, so any JSON value is a valid item.
    components["BatchRequest"]["properties"]["items"].update(
        maxItems=services().settings.max_batch_items,
        items={"anyOf": [{"$ref": "#/components/schemas/DecisionRequest"}, {}]})
    paths: dict[str, dict[str, Any]] = {}
    for rule in current_app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("dashboard."):  # pages
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)  # converters aside
        view = current_app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(path, method, rule, view,
                                                                   components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Device security-update eligibility service", "version": "1",
                 "description": _ABOUT.format(max_body_bytes=services().settings.max_body_bytes,
                                              max_page=MAX_PAGE)},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _model(body: Any) -> type[BaseModel] | None:
    if isinstance(body, Page):
        body = body.of
    return body if isinstance(body, type) and issubclass(body, BaseModel) else None


def _operation(path: str, method: str, rule: Any, view: Any,
               components: dict[str, Any]) -> dict[str, Any]:
    role = getattr(view, "required_role", None)
    resource: Resource | None = getattr(view, "resource", None)
    op: dict[str, Any] = {
        "operationId": operation_id(rule.endpoint),
        # groups a generated client's modules: decisions, vendors, ..., health
        "tags": [resource.name if resource else rule.endpoint.partition(".")[0]],
        "parameters": [{"name": a, "in": "path", "required": True, "schema": _TEXT_VALUE}
                       for a in sorted(rule.arguments)],
    }
    if role != PUBLIC:
        op["security"] = [{"bearer": []}]
        op["description"] = f"Needs the role `{role}` or above."
    idempotent = role != PUBLIC and method in idempotency.UNSAFE
    if idempotent:
        op["parameters"].append(_IDEMPOTENCY_KEY)
    answers = ANSWERS.get(rule.endpoint, {})
    links = LINKS.get(rule.endpoint, [])
    filters = FILTERS.get(rule.endpoint, {})
    if resource is not None:
        answers, links = _resource_answers(rule.endpoint, resource)
        filters = dict.fromkeys(filterable(resource))
        if method == "PATCH":
            op["requestBody"] = _json_body(_partial(resource.schema, components))
    if isinstance(answers.get("200"), Page):
        op["parameters"] += _LIST_PARAMETERS + [
            {"name": name, "in": "query", "required": False,
             "description": f"Only records whose {name} is this.",
             "schema": _TEXT_VALUE if values is None else {"type": "string", "enum": values}}
            for name, values in filters.items()]
    op["parameters"] += QUERIES.get(rule.endpoint, [])
    if (method, path) == ("POST", "/api/v1/devices"):
        op["requestBody"] = _json_body(_DEVICES_BODY)
        op["description"] += (f" At most {devices.MAX_DEVICES} devices and "
                              f"{devices.registry.MAX_BODY_BYTES} bytes; more by "
                              "`POST /devices/import`.")
    if (method, path) == ("POST", "/api/v1/devices/import"):
        op["requestBody"] = _DEVICE_FILE
    body = BODIES.get((method, path))
    if body is not None:
        op["requestBody"] = _json_body({"$ref": f"#/components/schemas/{body.__name__}"})
    statuses = dict.fromkeys(refusals.statuses(
        rule.endpoint, role, path_ids=bool(rule.arguments), body="requestBody" in op,
        query=any(p["in"] == "query" for p in op["parameters"]), idempotent=idempotent),
        responses.Problem)
    statuses.update(answers)
    op["responses"] = {status: _answer(statuses[status], HTTPStatus(int(status)).phrase)
                       for status in sorted(statuses)}
    for status, answer in op["responses"].items():
        if status.startswith("2") and links:
            answer["links"] = {link.name: link.described() for link in links}
        if status in refusals.HEADERS:
            answer["headers"] = refusals.HEADERS[status]
        if status in ("200", "304") and rule.endpoint in _CACHED:
            answer["headers"] = _CACHING
    return op


_CACHED = {"decisions.create_decision", "decisions.lookup_decision"}
_IDEMPOTENCY_KEY = {
    "name": idempotency.HEADER, "in": "header", "required": False,
    "description": "Makes a retry safe: the same key with the same request gets the first "
                   "answer again (marked `Idempotent-Replayed: true`) and nothing is done "
                   "twice; with another request it is a 422; while the first is being "
                   "answered, a 409. Kept 24 hours, per API key.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"}}


def _resource_answers(endpoint: str, resource: Resource
                      ) -> tuple[dict[str, Any], list[Link]]:
    record, detail = RECORDS[resource.name]
    action = endpoint.rpartition(".")[2].partition("_")[0]
    if action == "list":
        return {"200": Page(record)}, []
    if action == "get":
        return {"200": detail}, []
    if action != "create":
        return {"200": record}, []
    blueprint = endpoint.partition(".")[0]
    links = [Link(f"{verb.title()}{record.__name__}", f"{blueprint}.{verb}_{resource.name}",
                  {"record_id": "/id"}) for verb in ("get", "patch", "delete")]
    return {"201": record}, links + LINKS.get(endpoint, [])


def _answer(body: Any, description: str) -> dict[str, Any]:
    if body == _NOTHING:
        return {"description": description}
    if isinstance(body, dict):  # described where it is made (e.g. a stream of JSON lines)
        return {"description": description, **body}
    if body == _TEXT:
        return {"description": description, "content": {"text/plain": {"schema": {
            "type": "string"}}}}
    if body is responses.Problem:
        return {"description": description, "content": {
            "application/problem+json": {"schema": _ref(body)}}}
    if isinstance(body, Page):
        schema: dict[str, Any] = {
            "type": "object", "required": ["items", "next_cursor"],
            "properties": {"items": {"type": "array", "items": _ref(body.of)},
                           "next_cursor": {"type": ["string", "null"]}}}
    else:
        schema = _ref(body) if body is not None else {"type": "object"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _partial(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    """A PATCH body: any of the create body's fields; the record with them must still be valid,
    which checks across fields (`holder` with `kind`, the order of times) decide at the server."""
    name = f"{model.__name__}Patch"
    if name not in components:
        schema = copy.deepcopy(components[model.__name__])
        for key in ("required", "anyOf"):
            schema.pop(key, None)
        schema["title"] = name
        components[name] = schema
    return {"$ref": f"#/components/schemas/{name}"}


@bp.get("/openapi.json")
@public
def openapi() -> Response:
    return json_response(document())
