"""A flip scan judges only what a change can touch, counts devices, and tells in batches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from config.settings import Settings
from service.flips import recompute
from service.jsonio import iso
from service.store.db import read_session
from service.store.pipeline import WebhookMessage
from service.webhooks.events import BATCH
from tests.conftest import make_settings

NOW = datetime(2030, 1, 1, tzinfo=UTC)
UPDATES = 60


class Api:
    def __init__(self, client: FlaskClient, keys: dict[str, dict[str, str]]) -> None:
        self.client, self.keys = client, keys

    def post(self, path: str, body: Any, role: str = "editor") -> Any:
        answer = self.client.post(path, json=body, headers=self.keys[role])
        assert answer.status_code in (200, 201), answer.get_json()
        return answer.get_json()


@pytest.fixture
def settings(database_url: str, redis_url: str) -> Settings:
    # Subscribers on loopback (refused otherwise); nothing here delivers to them.
    return make_settings(database_url, redis_url, webhook_allow_hosts="127.0.0.1")


@pytest.fixture
def api(client: FlaskClient, keys: dict[str, dict[str, str]]) -> Api:
    return Api(client, keys)


def vendor_with_models(api: Api, name: str, models: list[tuple[str, str]]) -> list[str]:
    vendor = api.post("/api/v1/vendors", {"name": name})["id"]
    return [vendor] + [api.post("/api/v1/models", {
        "vendor_id": vendor, "name": model, "device_class": "handset",
        "available_from": available})["id"] for model, available in models]


def patches(api: Api, count: int) -> list[str]:
    return [api.post("/api/v1/updates", {
        "supplier": "Google LLC", "supplier_country": "US", "kind": "security_patch",
        "product": "Android", "version": str(n), "enhances_functionality": False})["id"]
            for n in range(count)]


def licence(api: Api, vendor_id: str, until: datetime | None = None) -> str:
    created = api.post("/api/v1/licences", {
        "number": f"L-{vendor_id}", "kind": "general", "vendor_ids": [vendor_id],
        "lifts": ["EL"], "valid_from": "2029-01-01", "valid_until": iso(until),
        "scope": {"update_kinds": ["security_patch"],
                  "devices_available_on_or_before": "2029-06-01"}})
    return str(created["id"])


def listed(api: Api, *vendor_ids: str) -> None:
    api.post("/api/v1/designations", {"source": "EL", "name": "Listed Makers",
                                      "effective_from": "2029-01-01",
                                      "vendor_ids": list(vendor_ids)})


def bodies(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """The data of each subscription's messages, by subscription id."""
    found: dict[str, list[dict[str, Any]]] = {}
    with read_session(settings.database_url) as session:
        for m in session.scalars(sa.select(WebhookMessage).order_by(WebhookMessage.id)):
            found.setdefault(m.webhook_id, []).append(orjson.loads(m.body)["data"])
    return found


def test_a_revocation_is_told_in_batches_with_the_devices_of_each_model(
        api: Api, settings: Settings) -> None:
    acme, a1, a2 = vendor_with_models(api, "Acme Handsets Ltd",
                                      [("A1", "2029-01-01"), ("A2", "2029-02-01")])
    other, _ = vendor_with_models(api, "Globex Devices Inc", [("G1", "2029-01-01")])
    patches(api, UPDATES)
    listed(api, acme, other)
    licence_id = licence(api, acme)
    api.post("/api/v1/devices", [{"id": f"SN-{n}", "model_id": a1} for n in range(3)])
    everyone = api.post("/api/v1/webhooks", {"url": "http://127.0.0.1:9/a"}, "admin")
    others = api.post("/api/v1/webhooks", {"url": "http://127.0.0.1:9/b",
                                           "vendor_ids": [other]}, "admin")
    assert recompute(settings, lambda: NOW)["full"]
    api.post(f"/api/v1/licences/{licence_id}/revocation", {"effective_from": iso(NOW)})

    result = recompute(settings, lambda: NOW)

    assert (result["full"], result["judged"], result["flipped"]) == (False, 2 * UPDATES,
                                                                     2 * UPDATES)
    assert (result["devices"], result["messages"]) == (3, 2)
    told = bodies(settings)
    assert others["id"] not in told
    changes = [c for data in told[everyone["id"]] for c in data["changes"]]
    assert sorted(data["count"] for data in told[everyone["id"]]) == [2 * UPDATES - BATCH, BATCH]
    assert sorted({(c["model_id"], c["devices"]) for c in changes}) == sorted([(a1, 3),
                                                                               (a2, 0)])
    assert {(c["before"]["verdict"], c["after"]["basis"]) for c in changes} == {
        ("allow", "licence_required")}
    assert len({(c["model_id"], c["update_id"]) for c in changes}) == 2 * UPDATES


def test_each_flip_names_its_own_model_in_its_reasons(api: Api, settings: Settings) -> None:
    # Two models with the same facts are judged once; the reasons still name each.
    acme, p1, p2 = vendor_with_models(api, "Acme Handsets Ltd",
                                      [("Phone One", "2029-09-01"), ("Phone Two", "2029-09-01")])
    patches(api, 1)
    licence(api, acme)
    recompute(settings, lambda: NOW)
    api.post("/api/v1/webhooks", {"url": "http://127.0.0.1:9/a"}, "admin")
    listed(api, acme)

    recompute(settings, lambda: NOW)

    [data] = next(iter(bodies(settings).values()))
    reasons = {c["model_id"]: " ".join(c["after"]["reasons"]) for c in data["changes"]}
    assert "Phone One was first available" in reasons[p1]
    assert "Phone Two was first available" in reasons[p2]


def test_a_licence_running_out_flips_at_its_instant_judging_only_what_ran_out(
        api: Api, settings: Settings) -> None:
    expiry = NOW + timedelta(days=2)
    acme, _ = vendor_with_models(api, "Acme Handsets Ltd", [("A1", "2029-01-01")])
    vendor_with_models(api, "Globex Devices Inc", [("G1", "2029-01-01")])
    patches(api, 3)
    listed(api, acme)
    licence(api, acme, until=expiry)
    first = recompute(settings, lambda: NOW)
    assert first["next_at"] == iso(expiry)

    early = recompute(settings, lambda: expiry - timedelta(microseconds=1))
    on_time = recompute(settings, lambda: expiry)
    again = recompute(settings, lambda: expiry)

    assert (early["judged"], early["flipped"]) == (0, 0)
    assert (on_time["judged"], on_time["flipped"]) == (3, 3)  # Acme's pairs, not Globex's
    assert (again["judged"], again["flipped"]) == (0, 0)
