"""Administration pages: users, API keys and webhook subscriptions, as an admin uses them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from config.settings import Settings
from service.store.db import read_session
from service.store.models import ApiKey, AuditEntry, User
from tests.conftest import make_settings
from tests.dashboard.conftest import PASSWORD, Browser
from tests.webhooks.conftest import Receiver, receiver  # noqa: F401  (a fixture used here)

SECRET = re.compile(r'<code class="secret" id="secret">([^<]+)</code>')


@pytest.fixture
def settings(database_url: str, redis_url: str) -> Settings:
    """Webhooks may reach the test receiver on 127.0.0.1, and give up on it quickly."""
    return make_settings(database_url, redis_url, webhook_allow_hosts="127.0.0.1",
                         webhook_timeout=0.5, webhook_max_attempts=3)


def secret_of(page: str) -> str:
    found = SECRET.search(page)
    assert found is not None, "no secret shown"
    return found.group(1)


def flashed(browser: Browser, answer: object) -> str:
    """Follow a redirect and return the page it leads to."""
    assert answer.status_code == 303, answer.text  # type: ignore[attr-defined]
    return browser.get(answer.headers["Location"]).text  # type: ignore[attr-defined]


def user_named(database_url: str, name: str) -> User | None:
    with read_session(database_url) as session:
        return session.scalar(sa.select(User).where(User.name == name))


def audit_details(database_url: str, resource: str, action: str) -> list[tuple[str, dict]]:
    with read_session(database_url) as session:
        rows = session.execute(sa.select(AuditEntry.actor, AuditEntry.detail).where(
            AuditEntry.resource == resource, AuditEntry.action == action)
            .order_by(AuditEntry.seq)).all()
    return [(row.actor, row.detail) for row in rows]


def test_the_admin_page_leads_to_users_keys_and_webhooks(
        signed_in: Callable[[str], Browser]) -> None:
    page = signed_in("admin").get("/admin").text
    for link in ('href="/admin/users"', 'href="/admin/keys"', 'href="/admin/webhooks"'):
        assert link in page


def test_a_new_users_password_is_shown_once_and_works(
        app: Flask, signed_in: Callable[[str], Browser], database_url: str,
        users: dict[str, str]) -> None:
    admin = signed_in("admin")
    answer = admin.post("/admin/users", {"name": "alice", "role": "editor"})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    password = secret_of(answer.text)
    cookie = admin.client.get_cookie("elig_session")
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert password not in json.dumps(serializer.loads(cookie.value))
    assert password not in admin.get(answer.request.path).text  # not shown again
    alice = Browser(app.test_client())
    assert alice.login("alice", password).status_code == 302
    assert "alice" in admin.get("/admin/users").text
    assert audit_details(database_url, "users", "create")[-1] == (
        f"user:{users['admin']}", {"name": "alice", "role": "editor"})


def test_a_taken_or_blank_name_is_refused_beside_the_field(signed_in: Callable[[str], Browser],
                                                 database_url: str) -> None:
    answer = signed_in("admin").post("/admin/users", {"name": "viewer", "role": "admin"})
    assert answer.status_code == 422
    assert re.search(r'id="name-error">[^<]*exists already', answer.text)
    assert user_named(database_url, "viewer").role == "viewer"  # type: ignore[union-attr]
    for bad in ("   ", "tab\there"):
        assert signed_in("admin").post("/admin/users", {"name": bad}).status_code == 422


def test_a_role_change_is_audited_with_before_and_after(
        signed_in: Callable[[str], Browser], database_url: str, users: dict[str, str]) -> None:
    admin = signed_in("admin")
    page = flashed(admin, admin.post(f"/admin/users/{users['viewer']}/role", {"role": "editor"}))
    assert "The role is now editor." in page
    assert user_named(database_url, "viewer").role == "editor"  # type: ignore[union-attr]
    assert audit_details(database_url, "users", "role") == [
        (f"user:{users['admin']}", {"role": {"before": "viewer", "after": "editor"}})]


def test_disabling_a_user_ends_their_sessions_until_enabled(
        signed_in: Callable[[str], Browser], users: dict[str, str]) -> None:
    admin, viewer = signed_in("admin"), signed_in("viewer")
    assert viewer.get("/audit").status_code == 200
    page = flashed(admin, admin.post(f"/admin/users/{users['viewer']}/disable"))
    assert "every session of theirs has ended" in page
    assert viewer.get("/audit").status_code == 302  # sent to sign in
    assert viewer.login("viewer").status_code == 401
    flashed(admin, admin.post(f"/admin/users/{users['viewer']}/enable"))
    assert viewer.login("viewer").status_code == 302


def test_the_last_admin_can_neither_disable_nor_demote_themselves(
        signed_in: Callable[[str], Browser], database_url: str, users: dict[str, str]) -> None:
    admin = signed_in("admin")
    me = users["admin"]
    page = flashed(admin, admin.post(f"/admin/users/{me}/disable"))
    assert "admin is the last enabled admin: you cannot disable them" in page
    page = flashed(admin, admin.post(f"/admin/users/{me}/role", {"role": "viewer"}))
    assert "admin is the last enabled admin: you cannot take the admin role" in page
    still = user_named(database_url, "admin")
    assert still is not None and still.role == "admin" and still.disabled_at is None
    flashed(admin, admin.post(f"/admin/users/{users['editor']}/role", {"role": "admin"}))
    flashed(admin, admin.post(f"/admin/users/{me}/role", {"role": "viewer"}))
    assert admin.get("/admin").status_code == 403  # now a viewer, by their own hand


def test_a_reset_password_is_shown_once_and_ends_their_sessions(
        signed_in: Callable[[str], Browser], users: dict[str, str]) -> None:
    admin, viewer = signed_in("admin"), signed_in("viewer")
    answer = admin.post(f"/admin/users/{users['viewer']}/password")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    password = secret_of(answer.text)
    assert viewer.get("/audit").status_code == 302
    assert viewer.login("viewer", PASSWORD).status_code == 401
    assert viewer.login("viewer", password).status_code == 302


def test_a_key_is_shown_once_works_and_is_revoked(
        signed_in: Callable[[str], Browser], client: FlaskClient, database_url: str) -> None:
    admin = signed_in("admin")
    answer = admin.post("/admin/keys", {"name": "OTA eu-1", "role": "viewer"})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    bearer = {"Authorization": f"Bearer {secret_of(answer.text)}"}
    assert client.get("/api/v1/vendors", headers=bearer).status_code == 200
    with read_session(database_url) as session:
        key_id = session.scalar(sa.select(ApiKey.id).where(ApiKey.name == "OTA eu-1"))
    page = flashed(admin, admin.post(f"/admin/keys/{key_id}/revoke"))
    assert "is revoked" in page and "revoked" in page
    assert client.get("/api/v1/vendors", headers=bearer).status_code == 401


def test_a_key_is_refused_by_the_apis_own_rules(signed_in: Callable[[str], Browser],
                                               database_url: str) -> None:
    answer = signed_in("admin").post("/admin/keys", {"name": "", "role": "root"})
    assert answer.status_code == 422
    assert 'id="name-error"' in answer.text and 'id="role-error"' in answer.text
    with read_session(database_url) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ApiKey)) == 0


def register(admin: Browser, url: str, **fields: object) -> tuple[str, str]:
    """Register a subscription through the page; return its id and secret."""
    answer = admin.post("/admin/webhooks", {"url": url, "enabled": "y", **fields})
    assert answer.status_code == 200, answer.text
    found = re.search(r'href="/admin/webhooks/(wh_[0-9a-f]+)"', answer.text)
    assert found is not None
    return found.group(1), secret_of(answer.text)


def test_a_test_event_is_signed_and_delivered_to_the_subscriber(
        signed_in: Callable[[str], Browser], receiver: Receiver,  # noqa: F811
        client: FlaskClient, keys: dict[str, dict[str, str]]) -> None:
    admin = signed_in("admin")
    webhook_id, receiver.secret = register(admin, receiver.url(), event_types="source.failing",
                                           description="ops pager")
    shown = client.get(f"/api/v1/webhooks/{webhook_id}", headers=keys["admin"]).get_json()
    assert shown["event_types"] == ["source.failing"] and shown["description"] == "ops pager"
    page = flashed(admin, admin.post(f"/admin/webhooks/{webhook_id}/ping"))
    assert "delivered; the receiver answered 2xx." in page
    [got] = receiver.received
    body = json.loads(got.body)
    assert got.verified and body["type"] == "ping" and body["data"]["webhook_id"] == webhook_id
    assert got.headers["webhook-id"] in page and "HTTP 200" in page


def test_a_test_event_that_fails_is_logged_and_left_to_retry(
        signed_in: Callable[[str], Browser], receiver: Receiver) -> None:  # noqa: F811
    admin = signed_in("admin")
    webhook_id, receiver.secret = register(admin, receiver.url())
    receiver.script(500)
    page = flashed(admin, admin.post(f"/admin/webhooks/{webhook_id}/ping"))
    assert "it will be tried again" in page
    assert "HTTP 500" in page and "answered 500" in page and ">pending<" in page


def test_a_bad_subscription_is_refused_beside_its_fields(
        signed_in: Callable[[str], Browser], client: FlaskClient,
        keys: dict[str, dict[str, str]]) -> None:
    admin = signed_in("admin")
    private = admin.post("/admin/webhooks", {"url": "http://10.1.2.3/hook"})
    assert private.status_code == 422 and 'id="url-error"' in private.text
    unknown = admin.post("/admin/webhooks", {"url": "http://127.0.0.1:9/hook",
                                             "vendor_ids": "v_nobody"})
    assert unknown.status_code == 422 and "unknown vendor id" in unknown.text
    assert 'id="vendor_ids-error"' in unknown.text
    wrong = admin.post("/admin/webhooks", {"url": "http://127.0.0.1:9/hook",
                                           "event_types": "decision.exploded"})
    assert wrong.status_code == 422 and 'id="event_types-error"' in wrong.text
    assert client.get("/api/v1/webhooks", headers=keys["admin"]).get_json()["items"] == []


def test_a_subscription_is_disabled_enabled_and_deleted(
        signed_in: Callable[[str], Browser], client: FlaskClient,
        keys: dict[str, dict[str, str]], receiver: Receiver) -> None:  # noqa: F811
    admin = signed_in("admin")
    webhook_id, _ = register(admin, receiver.url())
    api = f"/api/v1/webhooks/{webhook_id}"
    page = flashed(admin, admin.post(f"/admin/webhooks/{webhook_id}/disable"))
    assert "Send a test event" not in page
    assert client.get(api, headers=keys["admin"]).get_json()["enabled"] is False
    flashed(admin, admin.post(f"/admin/webhooks/{webhook_id}/enable"))
    assert client.get(api, headers=keys["admin"]).get_json()["enabled"] is True
    flashed(admin, admin.post(f"/admin/webhooks/{webhook_id}/delete"))
    assert client.get(api, headers=keys["admin"]).status_code == 404
    assert admin.get(f"/admin/webhooks/{webhook_id}").status_code == 404
