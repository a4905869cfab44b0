"""Bad input is refused with a 4xx problem naming the bad field, and nothing is written.

Every case starts from a body the route accepts (checked by the first test), changes one thing,
and expects a problem+json answer whose `errors` name the exact field path. The row count of
every table is compared before and after: a refused request writes nothing at all, and never
answers a verdict.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from config.settings import Settings
from service import clock, create_app
from service import devices as registry
from service.keys import create_key
from service.store.models import Base

PROBLEM = "application/problem+json"
DROP = object()  # a change that removes the field
TEN_KB = "x" * 10_240


# --- the routes that take a body, and a body each accepts ---------------------------------

@dataclass(frozen=True)
class Route:
    method: str
    path: str
    role: str
    valid: Any  # strings may name the seeded records: "{vendor}", "{licence}", …


DECISION = {"device": {"id": "{device}"}, "update": {"id": "{update}"},
            "at": "2019-06-01T00:00:00Z"}
INLINE_DECISION = {"device": {"vendor": "Acme Devices", "model": "Phone 1"},
                   "update": {"supplier": "Google LLC", "supplier_country": "US",
                              "kind": "security_patch", "product": "Android",
                              "version": "2019-06-05", "enhances_functionality": False,
                              "publicly_available": False}}
SCOPE = {"update_kinds": ["security_patch"], "products": None, "device_classes": ["handset"],
         "devices_available_on_or_before": "2019-05-16", "functional_enhancement": False}

ROUTES = {
    "decisions": Route("POST", "/api/v1/decisions", "ota", DECISION),
    "inline_decisions": Route("POST", "/api/v1/decisions", "ota", INLINE_DECISION),
    "batch": Route("POST", "/api/v1/decisions/batch", "ota", {"items": [DECISION]}),
    "vendors": Route("POST", "/api/v1/vendors", "editor",
                     {"name": "Other Devices", "aliases": ["Other"], "country": "DE",
                      "brands": ["Otto"]}),
    "models": Route("POST", "/api/v1/models", "editor",
                    {"vendor_id": "{vendor}", "name": "Phone 2", "device_class": "handset",
                     "available_from": "2019-01-01"}),
    "updates": Route("POST", "/api/v1/updates", "editor", INLINE_DECISION["update"]),
    "devices": Route("POST", "/api/v1/devices", "editor",
                     [{"id": "SN-NEW-1", "model_id": "{model}"},
                      {"id": "SN-NEW-2", "model_id": "{model}"}]),
    "designations": Route("POST", "/api/v1/designations", "editor",
                          {"source": "EL", "name": "Other Devices", "alt_names": [],
                           "country": "CN", "effective_from": "2019-05-16",
                           "effective_until": None, "reference": "84 FR 22961",
                           "vendor_ids": ["{vendor}"]}),
    "licences": Route("POST", "/api/v1/licences", "editor",
                      {"number": "GL-2", "kind": "general", "authority": "BIS", "holder": None,
                       "vendor_ids": ["{vendor}"], "lifts": ["EL"],
                       "valid_from": "2019-05-20", "valid_until": "2019-08-19",
                       "scope": SCOPE, "conditions": None, "document_url": None}),
    "amendments": Route("POST", "/api/v1/licences/{licence}/amendments", "editor",
                        {"effective_from": "2019-08-19", "valid_until": "2019-11-18",
                         "scope": {"update_kinds": ["security_patch"]}}),
    "revocation": Route("POST", "/api/v1/licences/{licence}/revocation", "editor",
                        {"effective_from": "2019-09-01", "reason": "withdrawn"}),
    "keys": Route("POST", "/api/v1/keys", "admin", {"name": "ci", "role": "ota"}),
    "patch_vendors": Route("PATCH", "/api/v1/vendors/{vendor}", "editor",
                           {"name": "Acme Devices Renamed"}),
    "patch_models": Route("PATCH", "/api/v1/models/{model}", "editor", {"name": "Phone 1 Pro"}),
    "patch_updates": Route("PATCH", "/api/v1/updates/{update}", "editor",
                           {"version": "2019-07-05"}),
    "patch_designations": Route("PATCH", "/api/v1/designations/{designation}", "editor",
                                {"reference": "84 FR 22962"}),
    "patch_licences": Route("PATCH", "/api/v1/licences/{licence}", "editor",
                            {"conditions": "keep records"}),
}


# --- helpers --------------------------------------------------------------------------------

def fill(value: Any, ids: dict[str, str]) -> Any:
    """Put the seeded records' ids into `value` wherever it names them."""
    if isinstance(value, str) and "{" in value:
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


def changed(body: Any, changes: dict[str, Any]) -> Any:
    """A copy of `body` with each dotted path ("scope.update_kinds", "0.id") set or dropped."""
    body = copy.deepcopy(body)
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = body
        for part in parents:
            target = target[int(part) if isinstance(target, list) else part]
        key = int(last) if isinstance(target, list) else last
        if value is DROP:
            del target[key]
        else:
            target[key] = value
    return body


def row_counts(database_url: str) -> dict[str, int]:
    """How many rows each table holds."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return {table.name: conn.execute(sa.select(sa.func.count()).select_from(table))
                    .scalar_one() for table in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


@contextmanager
def nothing_written(database_url: str) -> Iterator[None]:
    before = row_counts(database_url)
    yield
    assert row_counts(database_url) == before, "a refused request wrote rows"


def assert_problem(response: TestResponse, status: int, field: str | None = None) -> dict:
    """The answer is a problem of `status`, names `field` if given, and gives no verdict."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status and body["detail"]
    assert "verdict" not in body
    if field is not None:
        named = [error["field"] for error in body["errors"]]
        assert field in named, f"{field} not in {named}"
        assert all(error["message"] for error in body["errors"])
    return body


@dataclass(frozen=True)
class Seeded:
    """A client on a database holding one of each record, and a key per role."""

    client: FlaskClient
    keys: dict[str, dict[str, str]]
    ids: dict[str, str]
    database_url: str

    def send(self, route: Route, *, json: Any = None, data: bytes | None = None,
             content_type: str = "application/json", ids: dict[str, str] | None = None
             ) -> TestResponse:
        """Send `json` (with the seeded ids filled in) or raw `data` to `route`."""
        if data is None:
            data = orjson.dumps(fill(json, self.ids))
        return self.client.open(route.path.format(**(ids or self.ids)), method=route.method,
                                data=data, content_type=content_type,
                                headers=self.keys[route.role])


def seed(client: FlaskClient, keys: dict[str, dict[str, str]]) -> dict[str, str]:
    """A vendor with two models, a device, an update, a designation and a general licence."""

    def create(path: str, body: Any) -> str:
        response = client.post(path, json=body, headers=keys["editor"])
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    ids = {"vendor": create("/api/v1/vendors", {"name": "Acme Devices", "country": "CN"})}
    ids["model"] = create("/api/v1/models", {"vendor_id": ids["vendor"], "name": "Phone 1",
                                             "device_class": "handset"})
    ids["other_model"] = create("/api/v1/models", {"vendor_id": ids["vendor"],
                                                   "name": "Tablet 1", "device_class": "tablet"})
    ids["update"] = create("/api/v1/updates", INLINE_DECISION["update"])
    ids["designation"] = create("/api/v1/designations", {
        "source": "EL", "name": "Acme Devices", "effective_from": "2019-05-16",
        "vendor_ids": [ids["vendor"]]})
    ids["licence"] = create("/api/v1/licences", fill(ROUTES["licences"].valid, ids))
    response = client.post("/api/v1/devices", json=[{"id": "SN-1", "model_id": ids["model"]}],
                           headers=keys["editor"])
    assert response.status_code == 201
    ids["device"] = "SN-1"
    return ids


@pytest.fixture(scope="module")
def seeded(databases: Any, redis_url: str) -> Seeded:
    """One seeded database shared by the cases that must write nothing (each checks it)."""
    database_url = databases.fresh()
    settings = Settings(database_url=database_url, redis_url=redis_url, follow_snapshots=False)
    client = create_app(settings=settings).test_client()
    keys = {}
    for role in ("ota", "viewer", "editor", "admin"):
        _, secret, _ = create_key(database_url, f"bad input {role}", role, "tests", clock.now())
        keys[role] = {"Authorization": f"Bearer {secret}"}
    return Seeded(client, keys, seed(client, keys), database_url)


@pytest.fixture
def own(client: FlaskClient, keys: dict, database_url: str) -> Seeded:
    """A seeded database of this test's own, for tests that write."""
    return Seeded(client, keys, seed(client, keys), database_url)


# --- the starting points are good -----------------------------------------------------------

@pytest.mark.parametrize("name", ROUTES)
def test_the_valid_bodies_the_cases_start_from_are_accepted(own: Seeded, name: str) -> None:
    response = own.send(ROUTES[name], json=ROUTES[name].valid)
    assert response.status_code in {200, 201}, response.get_json()


# --- bodies that are not a JSON object ------------------------------------------------------

@dataclass(frozen=True)
class Raw:
    name: str
    data: bytes
    content_type: str
    status: int


NOT_AN_OBJECT = [
    Raw("malformed_json", b'{"name": ', "application/json", 400),
    Raw("empty_body", b"", "application/json", 400),
    Raw("trailing_garbage", b'{"name": "x"} x', "application/json", 400),
    Raw("nested_too_deep", b"[" * 5_000 + b"]" * 5_000, "application/json", 400),
    Raw("invalid_utf8", b'{"name": "\xff\xfe"}', "application/json", 400),
    Raw("nan", b'{"name": NaN}', "application/json", 400),
    Raw("text_plain", b'{"name": "x"}', "text/plain", 415),
    Raw("form_encoded", b"name=x", "application/x-www-form-urlencoded", 415),
    Raw("json_null", b"null", "application/json", 422),
    Raw("json_string", b'"name"', "application/json", 422),
]


@pytest.mark.parametrize("raw", NOT_AN_OBJECT, ids=lambda r: r.name)
@pytest.mark.parametrize("name", ROUTES)
def test_a_body_that_is_not_a_json_object_is_refused(seeded: Seeded, name: str,
                                                     raw: Raw) -> None:
    field = "items" if name == "batch" and raw.status == 422 else "body"
    with nothing_written(seeded.database_url):
        response = seeded.send(ROUTES[name], data=raw.data, content_type=raw.content_type)
        assert_problem(response, raw.status, field)


@pytest.mark.parametrize("name", ROUTES)
def test_a_list_where_an_object_belongs_and_the_reverse_are_refused(seeded: Seeded,
                                                                    name: str) -> None:
    valid = ROUTES[name].valid
    wrapped = valid[0] if isinstance(valid, list) else [valid]  # devices take a list
    with nothing_written(seeded.database_url):
        response = seeded.send(ROUTES[name], json=wrapped)
        assert_problem(response, 422, "items" if name == "batch" else "body")


@pytest.mark.parametrize("size", [3 << 20, 20 << 20], ids=["3MB", "20MB"])
@pytest.mark.parametrize("name", ROUTES)
def test_a_body_over_the_size_limit_is_refused_with_413(seeded: Seeded, name: str,
                                                        size: int) -> None:
    # POST /devices has a cap of its own, which any list its item cap allows fits
    size += registry.MAX_BODY_BYTES if name == "devices" else 0
    body = orjson.dumps(fill(ROUTES[name].valid, seeded.ids)) + b" " * size  # valid, too big
    with nothing_written(seeded.database_url):
        assert_problem(seeded.send(ROUTES[name], data=body), 413)


# --- one field wrong -------------------------------------------------------------------------

@dataclass(frozen=True)
class Bad:
    route: str
    what: str  # the test id
    changes: dict[str, Any]  # dotted path -> new value, or DROP
    field: str  # the path the problem must name
    status: int = 422


BAD = [
    # decisions: wrong types
    Bad("inline_decisions", "string_for_bool", {"update.publicly_available": "true"},
        "update.publicly_available"),
    Bad("inline_decisions", "string_for_nullable_bool", {"update.enhances_functionality": "no"},
        "update.enhances_functionality"),
    Bad("inline_decisions", "number_for_string", {"device.vendor": 17}, "device.vendor"),
    Bad("decisions", "number_for_id", {"device.id": 17}, "device.id"),
    Bad("decisions", "string_for_object", {"update": "{update}"}, "update"),
    Bad("decisions", "number_for_time", {"at": 1559347200}, "at"),
    Bad("decisions", "null_device", {"device": None}, "device"),
    Bad("decisions", "missing_update", {"update": DROP}, "update"),
    Bad("inline_decisions", "unknown_kind", {"update.kind": "firmware"}, "update.kind"),
    Bad("inline_decisions", "lowercase_country", {"update.supplier_country": "us"},
        "update.supplier_country"),
    # decisions: unknown fields, top level and nested
    Bad("decisions", "unknown_top_level_field", {"colour": "red"}, "colour"),
    Bad("decisions", "unknown_device_field", {"device.serial": "123"}, "device.serial"),
    Bad("inline_decisions", "unknown_update_field", {"update.size": 12}, "update.size"),
    # decisions: shapes
    Bad("decisions", "empty_device", {"device": {}}, "device"),
    Bad("decisions", "device_id_and_model_id", {"device.model_id": "{model}"}, "device"),
    Bad("decisions", "update_id_and_inline", {"update.supplier": "Google LLC"}, "update"),
    Bad("inline_decisions", "inline_update_without_kind", {"update.kind": DROP}, "update.kind"),
    Bad("inline_decisions", "inline_model_without_vendor", {"device.vendor": DROP},
        "device.vendor"),
    # decisions: bad dates
    Bad("decisions", "month_13", {"at": "2019-13-01"}, "at"),
    Bad("decisions", "yesterday", {"at": "yesterday"}, "at"),
    Bad("decisions", "naive_time", {"at": "2019-06-01T00:00:00"}, "at"),
    Bad("decisions", "naive_known_at", {"known_at": "2019-06-01T00:00:00"}, "known_at"),
    Bad("decisions", "time_past_year_9999", {"at": "9999-12-31T23:59:59-01:00"}, "at"),
    Bad("decisions", "time_before_year_1", {"known_at": "0001-01-01T00:00:00+01:00"},
        "known_at"),
    # decisions: unknown registered ids
    Bad("decisions", "unknown_device", {"device.id": "SN-UNKNOWN"}, "device.id", 404),
    Bad("decisions", "unknown_model", {"device": {"model_id": "m_unknown"}}, "device.model_id",
        404),
    Bad("decisions", "unknown_update", {"update.id": "u_unknown"}, "update.id", 404),
    # decisions: oversized strings
    Bad("inline_decisions", "10kB_vendor", {"device.vendor": TEN_KB}, "device.vendor"),
    Bad("inline_decisions", "10kB_product", {"update.product": TEN_KB}, "update.product"),
    Bad("decisions", "10kB_device_id", {"device.id": TEN_KB}, "device.id"),
    # batch envelope
    Bad("batch", "no_items", {"items": DROP}, "items"),
    Bad("batch", "string_for_items", {"items": "{device}"}, "items"),
    Bad("batch", "empty_items", {"items": []}, "items"),
    Bad("batch", "1001_items", {"items": [DECISION] * 1001}, "items"),
    Bad("batch", "10000_items", {"items": [DECISION] * 10_000}, "items"),
    Bad("batch", "unknown_top_level_field", {"priority": "high"}, "priority"),
    # vendors
    Bad("vendors", "number_for_name", {"name": 5}, "name"),
    Bad("vendors", "string_for_list", {"aliases": "Other"}, "aliases"),
    Bad("vendors", "number_in_list", {"brands": ["Otto", 5]}, "brands.1"),
    Bad("vendors", "country_name", {"country": "Germany"}, "country"),
    Bad("vendors", "missing_name", {"name": DROP}, "name"),
    Bad("vendors", "empty_name", {"name": ""}, "name"),
    Bad("vendors", "10kB_name", {"name": TEN_KB}, "name"),
    Bad("vendors", "10kB_alias", {"aliases": [TEN_KB]}, "aliases.0"),
    Bad("vendors", "unknown_field", {"nickname": "O"}, "nickname"),
    Bad("vendors", "id_given", {"id": "v_mine"}, "id"),
    # models
    Bad("models", "unknown_vendor", {"vendor_id": "v_unknown"}, "vendor_id"),
    Bad("models", "number_for_vendor_id", {"vendor_id": 5}, "vendor_id"),
    Bad("models", "unknown_device_class", {"device_class": "phone"}, "device_class"),
    Bad("models", "month_13", {"available_from": "2019-13-01"}, "available_from"),
    Bad("models", "yesterday", {"available_from": "yesterday"}, "available_from"),
    Bad("models", "naive_time", {"available_from": "2019-06-01T00:00:00"}, "available_from"),
    Bad("models", "10kB_name", {"name": TEN_KB}, "name"),
    # updates
    Bad("updates", "string_for_bool", {"publicly_available": "false"}, "publicly_available"),
    Bad("updates", "number_for_bool", {"enhances_functionality": 0}, "enhances_functionality"),
    Bad("updates", "number_for_kind", {"kind": 3}, "kind"),
    Bad("updates", "number_for_version", {"version": 7}, "version"),
    Bad("updates", "missing_product", {"product": DROP}, "product"),
    Bad("updates", "10kB_product", {"product": TEN_KB}, "product"),
    Bad("updates", "unknown_field", {"size_mb": 12}, "size_mb"),
    # devices (the body is a list)
    Bad("devices", "number_for_id", {"1.id": 5}, "1.id"),
    Bad("devices", "unknown_model", {"1.model_id": "m_unknown"}, "1.model_id"),
    Bad("devices", "missing_model", {"0.model_id": DROP}, "0.model_id"),
    Bad("devices", "unknown_field", {"1.colour": "red"}, "1.colour"),
    Bad("devices", "10kB_id", {"0.id": TEN_KB}, "0.id"),
    Bad("devices", "same_id_twice_with_other_models", {"1.id": "SN-NEW-1",
                                                       "1.model_id": "{other_model}"},
        "1.model_id"),
    # designations
    Bad("designations", "yesterday", {"effective_from": "yesterday"}, "effective_from"),
    Bad("designations", "naive_time", {"effective_until": "2020-01-01T00:00:00"},
        "effective_until"),
    Bad("designations", "until_before_from", {"effective_until": "2019-01-01"},
        "effective_until"),
    Bad("designations", "string_for_list", {"vendor_ids": "{vendor}"}, "vendor_ids"),
    Bad("designations", "unknown_vendor", {"vendor_ids": ["{vendor}", "v_unknown"]},
        "vendor_ids.1"),
    Bad("designations", "lowercase_source", {"source": "el"}, "source"),
    Bad("designations", "10kB_alt_name", {"alt_names": ["Acme", TEN_KB]}, "alt_names.1"),
    # licences
    Bad("licences", "general_with_holder", {"holder": "Google LLC"}, "holder"),
    Bad("licences", "specific_without_holder", {"kind": "specific"}, "holder"),
    Bad("licences", "until_before_from", {"valid_until": "2019-05-01"}, "valid_until"),
    Bad("licences", "unknown_vendor", {"vendor_ids": ["v_unknown"]}, "vendor_ids.0"),
    Bad("licences", "no_vendors", {"vendor_ids": []}, "vendor_ids"),
    Bad("licences", "unknown_kind", {"kind": "temporary"}, "kind"),
    Bad("licences", "string_for_lifts", {"lifts": "EL"}, "lifts"),
    Bad("licences", "naive_time", {"valid_from": "2019-05-20T00:00:00"}, "valid_from"),
    Bad("licences", "yesterday", {"valid_until": "yesterday"}, "valid_until"),
    Bad("licences", "scope_string_for_list", {"scope.update_kinds": "security_patch"},
        "scope.update_kinds"),
    Bad("licences", "scope_no_update_kinds", {"scope.update_kinds": []}, "scope.update_kinds"),
    Bad("licences", "scope_unknown_kind", {"scope.update_kinds": ["security_patch", "ota"]},
        "scope.update_kinds.1"),
    Bad("licences", "scope_string_for_bool", {"scope.functional_enhancement": "true"},
        "scope.functional_enhancement"),
    Bad("licences", "scope_month_13", {"scope.devices_available_on_or_before": "2019-13-01"},
        "scope.devices_available_on_or_before"),
    Bad("licences", "scope_unknown_field", {"scope.regions": ["US"]}, "scope.regions"),
    Bad("licences", "unknown_field", {"renewable": True}, "renewable"),
    Bad("licences", "10kB_conditions", {"conditions": TEN_KB}, "conditions"),
    # amendments and revocations
    Bad("amendments", "yesterday", {"effective_from": "yesterday"}, "effective_from"),
    Bad("amendments", "before_the_licence", {"effective_from": "2019-01-01"}, "effective_from"),
    Bad("amendments", "until_before_from", {"valid_until": "2019-08-01"}, "valid_until"),
    Bad("amendments", "scope_string_for_list", {"scope.update_kinds": "bug_fix"},
        "scope.update_kinds"),
    Bad("amendments", "scope_unknown_field", {"scope.holder": "x"}, "scope.holder"),
    Bad("amendments", "missing_scope", {"scope": DROP}, "scope"),
    Bad("revocation", "naive_time", {"effective_from": "2019-09-01T00:00:00"},
        "effective_from"),
    Bad("revocation", "number_for_reason", {"reason": 5}, "reason"),
    Bad("revocation", "unknown_field", {"by": "me"}, "by"),
    # keys
    Bad("keys", "unknown_role", {"role": "root"}, "role"),
    Bad("keys", "number_for_name", {"name": 5}, "name"),
    Bad("keys", "10kB_name", {"name": TEN_KB}, "name"),
    Bad("keys", "unknown_field", {"expires": "2030-01-01"}, "expires"),
    # PATCH: the merged record is validated like a new one
    Bad("patch_vendors", "number_for_name", {"name": 5}, "name"),
    Bad("patch_vendors", "null_name", {"name": None}, "name"),
    Bad("patch_vendors", "10kB_name", {"name": TEN_KB}, "name"),
    Bad("patch_vendors", "unknown_field", {"nickname": "A"}, "nickname"),
    Bad("patch_vendors", "id_given", {"id": "v_other"}, "id"),
    Bad("patch_models", "unknown_vendor", {"vendor_id": "v_unknown"}, "vendor_id"),
    Bad("patch_models", "naive_time", {"available_from": "2019-06-01T00:00:00"},
        "available_from"),
    Bad("patch_updates", "string_for_bool", {"publicly_available": "true"},
        "publicly_available"),
    Bad("patch_designations", "until_before_from", {"effective_until": "2019-01-01"},
        "effective_until"),
    Bad("patch_licences", "general_with_holder", {"holder": "Google LLC"}, "holder"),
    Bad("patch_licences", "unknown_vendor", {"vendor_ids": ["{vendor}", "v_unknown"]},
        "vendor_ids.1"),
    Bad("patch_licences", "scope_string_for_list", {"scope": {"update_kinds": "bug_fix"}},
        "scope.update_kinds"),
    Bad("patch_licences", "month_13", {"valid_until": "2019-13-01"}, "valid_until"),
]


@pytest.mark.parametrize("bad", BAD, ids=lambda b: f"{b.route}-{b.what}")
def test_a_bad_field_is_named_and_nothing_is_written(seeded: Seeded, bad: Bad) -> None:
    route = ROUTES[bad.route]
    with nothing_written(seeded.database_url):
        response = seeded.send(route, json=changed(route.valid, bad.changes))
        assert_problem(response, bad.status, bad.field)


@pytest.mark.parametrize("name", [n for n, r in ROUTES.items() if "{" in r.path])
def test_an_unknown_id_in_the_path_is_404_and_nothing_is_written(seeded: Seeded,
                                                                 name: str) -> None:
    unknown = {**seeded.ids, "vendor": "v_unknown", "model": "m_unknown",
               "update": "u_unknown", "designation": "des_unknown", "licence": "lic_unknown"}
    with nothing_written(seeded.database_url):
        response = seeded.send(ROUTES[name], json=ROUTES[name].valid, ids=unknown)
        assert_problem(response, 404)


@pytest.mark.parametrize(("path", "field"), [
    ("/api/v1/vendors?limit=abc", "limit"),
    ("/api/v1/vendors?limit=0", "limit"),
    ("/api/v1/vendors?limit=100000", "limit"),
    ("/api/v1/vendors?colour=red", "colour"),
    ("/api/v1/vendors?aliases=Acme", "aliases"),
    ("/api/v1/models?available_from=yesterday", "available_from"),
    ("/api/v1/updates?publicly_available=true", "publicly_available"),
    ("/api/v1/licences?scope=x", "scope"),
    ("/api/v1/devices?limit=abc", "limit"),
    ("/api/v1/devices?limit=-1", "limit"),
])
def test_a_bad_query_parameter_is_named(seeded: Seeded, path: str, field: str) -> None:
    with nothing_written(seeded.database_url):
        response = seeded.client.get(path, headers=seeded.keys["viewer"])
        assert_problem(response, 422, field)


# --- batches and devices: what is written, and what is not ---------------------------------

def test_one_bad_item_in_a_batch_gets_its_own_problem_and_the_others_answers(own: Seeded
                                                                              ) -> None:
    good = fill(DECISION, own.ids)
    items = [good, INLINE_DECISION, good, changed(INLINE_DECISION, {"update.kind": "firmware"}),
             changed(good, {"device.id": "SN-UNKNOWN"}), "not an object"]
    before = row_counts(own.database_url)

    response = own.client.post("/api/v1/decisions/batch", json={"items": items},
                               headers=own.keys["ota"])

    assert response.status_code == 200
    results = response.get_json()["results"]
    assert len(results) == len(items)
    assert all(result["verdict"] in {"allow", "deny", "review"} for result in results[:3])
    problems = results[3:]
    assert [p["status"] for p in problems] == [422, 404, 422]
    assert all("verdict" not in p and p["type"] and p["title"] and p["detail"] for p in problems)
    assert [[e["field"] for e in p["errors"]] for p in problems] == [
        ["items.3.update.kind"], ["items.4.device.id"], ["items.5"]]
    after = row_counts(own.database_url)
    assert after.pop("decision_log") == before.pop("decision_log") + 1  # the batch, answered
    assert after.pop("decision_bodies") >= before.pop("decision_bodies")  # their shared parts
    assert after == before


def test_a_device_registered_again_with_another_model_is_a_conflict_and_nothing_is_written(
        own: Seeded) -> None:
    body = [{"id": "SN-NEW-1", "model_id": own.ids["model"]},
            {"id": own.ids["device"], "model_id": own.ids["other_model"]}]
    with nothing_written(own.database_url):
        response = own.client.post("/api/v1/devices", json=body, headers=own.keys["editor"])
        assert_problem(response, 409, "1.model_id")
    viewer = own.keys["viewer"]
    device = own.client.get(f"/api/v1/devices/{own.ids['device']}", headers=viewer)
    assert device.get_json()["model_id"] == own.ids["model"]
    assert own.client.get("/api/v1/devices/SN-NEW-1", headers=viewer).status_code == 404


def test_a_device_registered_again_with_the_same_model_is_accepted_without_a_write(
        own: Seeded) -> None:
    with nothing_written(own.database_url):
        response = own.client.post("/api/v1/devices", headers=own.keys["editor"],
                                   json=[{"id": own.ids["device"], "model_id": own.ids["model"]}])
    assert response.status_code == 200
    assert response.get_json()["already_known"] == 1
