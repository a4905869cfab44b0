"""Subscriptions choose the event types they take; vendor and kind filters narrow decisions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from flask.testing import FlaskClient

from config.settings import Settings
from service.store.db import read_session, write_session
from service.store.pipeline import WebhookMessage
from service.webhooks.events import EventType, publish
from tests.webhooks.conftest import flip

Keys = dict[str, dict[str, str]]
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def heard(settings: Settings) -> list[tuple[str, str]]:
    """(subscription, event type) of every message written, in order of subscription."""
    with read_session(settings.database_url) as session:
        rows = session.scalars(sa.select(WebhookMessage).order_by(WebhookMessage.webhook_id,
                                                                  WebhookMessage.event_type))
        return [(m.webhook_id, orjson.loads(m.body)["type"]) for m in rows]


def test_a_subscription_takes_every_event_type_unless_it_names_some(
        client: FlaskClient, keys: Keys, subscribe: Callable[..., dict[str, Any]]) -> None:
    everything = subscribe()
    chosen = subscribe(event_types=["source.failing", "source.recovered", "source.failing"])
    assert everything["event_types"] == []
    assert chosen["event_types"] == ["source.failing", "source.recovered"]
    path = f"/api/v1/webhooks/{chosen['id']}"
    changed = client.patch(path, json={"event_types": ["decision.changed"]},
                           headers=keys["admin"])
    assert changed.status_code == 200 and changed.get_json()["event_types"] == [
        "decision.changed"]
    assert client.get(path, headers=keys["admin"]).get_json()["event_types"] == [
        "decision.changed"]


def test_an_unknown_event_type_is_refused_by_field(client: FlaskClient, keys: Keys,
                                                   subscribe: Callable[..., dict[str, Any]]
                                                   ) -> None:
    answer = client.post("/api/v1/webhooks", headers=keys["admin"], json={
        "url": "https://8.8.8.8/", "event_types": ["decision.changed", "source.exploded"]})
    assert answer.status_code == 422
    assert "event_types.1" in [e["field"] for e in answer.get_json()["errors"]]
    hook = subscribe()
    answer = client.patch(f"/api/v1/webhooks/{hook['id']}", json={"event_types": None},
                          headers=keys["admin"])
    assert answer.status_code == 422


def test_events_reach_the_subscriptions_that_take_their_type(
        client: FlaskClient, keys: Keys, subscribe: Callable[..., dict[str, Any]],
        announce: Callable[..., list[str]], settings: Settings) -> None:
    acme = client.post("/api/v1/vendors", json={"name": "Acme"}, headers=keys["editor"])
    everything = subscribe()["id"]
    decisions = subscribe(event_types=["decision.changed"])["id"]
    sources = subscribe(event_types=["source.failing", "source.recovered"])["id"]
    acme_only = subscribe(vendor_ids=[acme.get_json()["id"]])["id"]

    announce(flip("v_other"), now=NOW)
    with write_session(settings.database_url) as session:
        publish(session, EventType.SOURCE_FAILING, {"source_id": "src_1"}, NOW)

    assert heard(settings) == sorted([
        (everything, "decision.changed"), (everything, "source.failing"),
        (decisions, "decision.changed"), (sources, "source.failing"),
        (acme_only, "source.failing")])  # vendor filters narrow decisions only
