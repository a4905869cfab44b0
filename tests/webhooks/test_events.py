"""A flipped answer becomes one message per subscription whose filters take it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from flask.testing import FlaskClient

from config.settings import Settings
from service.store.db import read_session
from service.store.pipeline import OutboxRow, WebhookMessage
from tests.webhooks.conftest import flip

Keys = dict[str, dict[str, str]]
NOW = datetime(2019, 5, 16, 12, 0, tzinfo=UTC)


def messages(settings: Settings) -> dict[str, WebhookMessage]:
    with read_session(settings.database_url) as session:
        return {m.id: m for m in session.scalars(sa.select(WebhookMessage))}


def test_filters_choose_the_subscriptions_that_hear_of_a_flip(
        client: FlaskClient, keys: Keys, subscribe: Callable[..., dict[str, Any]],
        announce: Callable[..., list[str]], settings: Settings) -> None:
    vendors = [client.post("/api/v1/vendors", json={"name": name}, headers=keys["editor"])
               .get_json()["id"] for name in ("Acme", "Globex")]
    everything = subscribe()["id"]
    acme_only = subscribe(vendor_ids=[vendors[0]])["id"]
    patches_only = subscribe(update_kinds=["security_patch"])["id"]
    globex_upgrades = subscribe(vendor_ids=[vendors[1]], update_kinds=["os_upgrade"])["id"]
    disabled = subscribe(enabled=False)["id"]
    deleted = subscribe()["id"]
    client.delete(f"/api/v1/webhooks/{deleted}", headers=keys["admin"])

    ids = announce(flip(vendors[0], "security_patch"), flip(vendors[1], "os_upgrade"),
                   flip("v_other", "bug_fix"))

    heard = sorted((m.webhook_id, change["vendor_id"]) for m in messages(settings).values()
                   for change in orjson.loads(m.body)["data"]["changes"])
    assert heard == sorted([
        (everything, vendors[0]), (everything, vendors[1]), (everything, "v_other"),
        (acme_only, vendors[0]), (patches_only, vendors[0]), (globex_upgrades, vendors[1])])
    # One message per subscription: the flips of one run travel together.
    assert len(ids) == 4 and not {disabled, deleted} & {w for w, _ in heard}


def test_each_message_is_pending_with_its_exact_body_and_a_first_delivery_in_the_outbox(
        subscribe: Callable[..., dict[str, Any]], announce: Callable[..., list[str]],
        settings: Settings) -> None:
    subscribe()
    [message_id] = announce(flip(), now=NOW)

    message = messages(settings)[message_id]
    with read_session(settings.database_url) as session:
        row = session.scalars(sa.select(OutboxRow).where(OutboxRow.kind == "deliver")).one()
    assert message_id.startswith("msg_")
    assert (message.status, message.attempts, message.event_type) == (
        "pending", 0, "decision.changed")
    change = {"model_id": "m_1", "update_id": "u_1", "vendor_id": "v_1",
              "update_kind": "security_patch",
              "before": {"verdict": "allow", "basis": "not_listed"},
              "after": {"verdict": "deny", "basis": "denied_party", "valid_until": None,
                        "reasons": ["Listed on the Entity List."]},
              "at": "2019-05-16T00:00:00Z", "devices": 0}
    assert orjson.loads(message.body) == {
        "type": "decision.changed", "timestamp": "2019-05-16T12:00:00Z",
        "data": {"model_id": "m_1", "update_id": "u_1", "vendor_id": "v_1",
                 "update_kind": "security_patch",
                 "before": {"verdict": "allow", "basis": "not_listed"},
                 "after": {"verdict": "deny", "basis": "denied_party", "valid_until": None,
                           "reasons": ["Listed on the Entity List."]},
                 "at": "2019-05-16T00:00:00Z", "devices": 0, "count": 1,
                 "changes": [change]}}
    assert (row.job_id, row.payload, row.run_at) == (
        f"deliver-{message_id}_1", {"message_id": message_id}, None)


def test_with_no_subscription_a_flip_writes_nothing(
        announce: Callable[..., list[str]], settings: Settings) -> None:
    assert announce(flip()) == []
    assert messages(settings) == {}
