"""Subscriptions over the API: admin only, the secret shown once, bad targets refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from config.settings import Settings
from service.store.db import read_session
from service.store.models import AuditEntry
from service.store.pipeline import Webhook
from tests.webhooks.conftest import Receiver

PROBLEM = "application/problem+json"
Keys = dict[str, dict[str, str]]


def refused(answer: Any, status: int, field: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.get_data(as_text=True)[:500]
    assert answer.mimetype == PROBLEM
    body: dict[str, Any] = answer.get_json()
    assert field in [e["field"] for e in body["errors"]], body
    return body


def stored(settings: Settings) -> tuple[int, list[str]]:
    """How many subscriptions there are, and the audit actions written about them."""
    with read_session(settings.database_url) as session:
        count = session.scalar(sa.select(sa.func.count()).select_from(Webhook)) or 0
        actions = list(session.scalars(sa.select(AuditEntry.action)
                                       .where(AuditEntry.resource == "webhooks")
                                       .order_by(AuditEntry.seq)))
    return count, actions


def vendor(client: FlaskClient, keys: Keys, name: str = "Acme Devices") -> str:
    answer = client.post("/api/v1/vendors", json={"name": name}, headers=keys["editor"])
    assert answer.status_code == 201, answer.get_json()
    return str(answer.get_json()["id"])


def test_the_secret_is_shown_at_creation_and_never_again(
        client: FlaskClient, keys: Keys, receiver: Receiver, settings: Settings) -> None:
    acme = vendor(client, keys)
    created = client.post("/api/v1/webhooks", headers=keys["admin"], json={
        "url": receiver.url(), "vendor_ids": [acme, acme], "update_kinds": ["security_patch"],
        "description": "OTA fleet A"})

    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["secret"].startswith("whsec_")
    assert body["vendor_ids"] == [acme] and body["enabled"] is True
    shown = client.get(f"/api/v1/webhooks/{body['id']}", headers=keys["admin"]).get_json()
    listed = client.get("/api/v1/webhooks", headers=keys["admin"]).get_json()
    assert "secret" not in shown and shown == {k: v for k, v in body.items() if k != "secret"}
    assert listed == {"items": [shown], "next_cursor": None}
    assert stored(settings) == (1, ["create"])
    with read_session(settings.database_url) as session:
        audited = str(list(session.scalars(sa.select(AuditEntry.detail))))
    assert body["secret"].removeprefix("whsec_") not in audited


@pytest.mark.parametrize("url", ["http://10.0.0.5/hook", "http://169.254.169.254/",
                                 "http://127.0.0.2:9/", "http://[::1]/", "ftp://8.8.8.8/",
                                 "http://exa mple.com/"])
def test_a_private_or_odd_target_is_refused_at_registration_naming_url(
        client: FlaskClient, keys: Keys, settings: Settings, url: str) -> None:
    answer = client.post("/api/v1/webhooks", json={"url": url}, headers=keys["admin"])
    refused(answer, 422, "url")
    assert stored(settings) == (0, [])


@pytest.mark.parametrize(("body", "field"), [
    ({"url": "https://8.8.8.8/", "vendor_ids": ["v_nope"]}, "vendor_ids.0"),
    ({"url": "https://8.8.8.8/", "update_kinds": ["security_patch", "firmware"]},
     "update_kinds.1"),
    ({"url": "https://8.8.8.8/", "update_kinds": "security_patch"}, "update_kinds"),
    ({"url": "https://8.8.8.8/", "secret": "whsec_mine"}, "secret"),
    ({"url": "https://8.8.8.8/", "enabled": "yes"}, "enabled"),
    ({"url": "https://8.8.8.8/" + "a" * 2000}, "url"),
    ({"vendor_ids": []}, "url"),
])
def test_bad_input_is_refused_by_field_and_nothing_is_written(
        client: FlaskClient, keys: Keys, settings: Settings, body: dict[str, Any],
        field: str) -> None:
    refused(client.post("/api/v1/webhooks", json=body, headers=keys["admin"]), 422, field)
    assert stored(settings) == (0, [])


@pytest.mark.parametrize("role", ["ota", "viewer", "editor"])
def test_only_admins_reach_webhooks(client: FlaskClient, keys: Keys, role: str) -> None:
    answer = client.post("/api/v1/webhooks", json={"url": "https://8.8.8.8/"},
                         headers=keys[role])
    assert answer.status_code == 403
    assert client.get("/api/v1/webhooks", headers=keys[role]).status_code == 403


def test_a_change_is_checked_like_a_registration_and_audited(
        client: FlaskClient, keys: Keys, subscribe: Callable[..., dict[str, Any]],
        settings: Settings) -> None:
    hook = subscribe(description="OTA fleet A")
    path = f"/api/v1/webhooks/{hook['id']}"

    refused(client.patch(path, json={"url": "http://192.168.0.1/"}, headers=keys["admin"]),
            422, "url")
    refused(client.patch(path, json={"url": None}, headers=keys["admin"]), 422, "url")
    refused(client.patch(path, json={"vendor_ids": ["v_nope"]}, headers=keys["admin"]), 422,
            "vendor_ids.0")
    refused(client.patch(path, json={"secret": "mine"}, headers=keys["admin"]), 422, "secret")
    disabled = client.patch(path, json={"enabled": False, "update_kinds": ["bug_fix"]},
                            headers=keys["admin"]).get_json()
    enabled = client.patch(path, json={"enabled": True, "description": None},
                           headers=keys["admin"]).get_json()

    assert (disabled["enabled"], disabled["update_kinds"]) == (False, ["bug_fix"])
    assert disabled["description"] == "OTA fleet A"  # what a PATCH leaves out stays
    assert disabled["disabled_reason"].startswith("disabled by key:")
    assert (enabled["enabled"], enabled["disabled_reason"]) == (True, None)
    assert (enabled["url"], enabled["update_kinds"]) == (hook["url"], ["bug_fix"])
    assert enabled["description"] is None
    assert stored(settings) == (1, ["create", "update", "update"])


def test_a_deleted_subscription_is_gone_from_the_api_but_kept_on_record(
        client: FlaskClient, keys: Keys, subscribe: Callable[..., dict[str, Any]],
        settings: Settings) -> None:
    hook = subscribe()
    path = f"/api/v1/webhooks/{hook['id']}"

    assert client.delete(path, headers=keys["admin"]).status_code == 200

    assert client.get(path, headers=keys["admin"]).status_code == 404
    assert client.delete(path, headers=keys["admin"]).status_code == 404
    assert client.get(f"{path}/messages", headers=keys["admin"]).status_code == 404
    assert client.get("/api/v1/webhooks", headers=keys["admin"]).get_json()["items"] == []
    assert stored(settings) == (1, ["create", "delete"])


def test_subscriptions_page_by_cursor(client: FlaskClient, keys: Keys,
                                      subscribe: Callable[..., dict[str, Any]]) -> None:
    ids = sorted(subscribe()["id"] for _ in range(3))
    first = client.get("/api/v1/webhooks?limit=2", headers=keys["admin"]).get_json()
    second = client.get(f"/api/v1/webhooks?limit=2&cursor={first['next_cursor']}",
                        headers=keys["admin"]).get_json()
    assert [h["id"] for h in first["items"] + second["items"]] == ids
    assert second["next_cursor"] is None
    refused(client.get("/api/v1/webhooks?enabled=true", headers=keys["admin"]), 422, "enabled")
