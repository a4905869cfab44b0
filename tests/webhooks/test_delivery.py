"""Delivery: signed, retried with backoff and jitter under one webhook-id, never redirected,
stopped by 410 Gone, and kept off internal networks at the moment of connecting.

Retries are driven by calling `deliver` at the instant the outbox row it wrote names: no
sleeping, and no worker (the RQ path is the integration tests' business).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from config.settings import Settings
from service.store.db import read_session
from service.store.models import AuditEntry
from service.store.pipeline import OutboxRow, Webhook, WebhookAttempt, WebhookMessage
from service.webhooks.delivery import BASE_DELAY, backoff, deliver
from tests.webhooks.conftest import HANG, REDIRECT, SLOW, Receiver, flip

Keys = dict[str, dict[str, str]]


@pytest.fixture
def message_id(subscribe: Callable[..., dict[str, Any]],
               announce: Callable[..., list[str]]) -> str:
    subscribe()
    [created] = announce()
    return created


def message(settings: Settings, message_id: str) -> WebhookMessage:
    with read_session(settings.database_url) as session:
        found = session.get(WebhookMessage, message_id)
        assert found is not None
        return found


def attempts(settings: Settings, message_id: str) -> list[WebhookAttempt]:
    with read_session(settings.database_url) as session:
        return list(session.scalars(sa.select(WebhookAttempt).order_by(WebhookAttempt.id)
                                    .where(WebhookAttempt.message_id == message_id)))


def scheduled(settings: Settings, message_id: str, attempt: int) -> datetime | None:
    """When the outbox says attempt number `attempt` runs, or None if it is not there."""
    with read_session(settings.database_url) as session:
        row = session.scalars(sa.select(OutboxRow).where(
            OutboxRow.job_id == f"deliver-{message_id}_{attempt}")).one_or_none()
    if row is None:
        return None
    assert row.payload == {"message_id": message_id} and row.run_at is not None
    return row.run_at


def test_a_2xx_delivers_the_exact_body_signed(settings: Settings, receiver: Receiver,
                                              message_id: str) -> None:
    now = datetime.now(UTC)

    assert deliver(settings, message_id, now) == "delivered"

    [request] = receiver.received
    sent = message(settings, message_id)
    assert (request.method, request.path, request.verified) == ("POST", "/hook", True)
    assert request.headers["webhook-id"] == message_id
    assert request.headers["content-type"] == "application/json"
    assert request.body == sent.body.encode()
    assert (sent.status, sent.attempts, sent.delivered_at) == ("delivered", 1, now)
    assert [(a.status_code, a.error) for a in attempts(settings, message_id)] == [(200, None)]
    assert scheduled(settings, message_id, 2) is None
    assert deliver(settings, message_id, now + timedelta(hours=1)) == "skipped"
    assert len(receiver.received) == 1


def test_a_500_is_retried_after_a_jittered_backoff_under_the_same_webhook_id(
        settings: Settings, receiver: Receiver, message_id: str, client: FlaskClient,
        keys: Keys) -> None:
    receiver.script(500)
    now = datetime.now(UTC)

    assert deliver(settings, message_id, now) == "retrying"
    retry_at = scheduled(settings, message_id, 2)
    assert retry_at is not None and retry_at == message(settings, message_id).next_attempt_at
    assert now + timedelta(seconds=BASE_DELAY / 2) <= retry_at
    assert retry_at <= now + timedelta(seconds=BASE_DELAY)
    assert deliver(settings, message_id, now) == "not_due"  # the first job, run twice
    assert deliver(settings, message_id, retry_at) == "delivered"

    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == message_id
    assert first.headers["webhook-timestamp"] != second.headers["webhook-timestamp"]
    assert first.verified and second.verified and first.body == second.body
    [shown] = client.get(f"/api/v1/webhooks/{message(settings, message_id).webhook_id}"
                         "/messages", headers=keys["admin"]).get_json()["items"]
    assert (shown["id"], shown["status"], shown["attempt_count"]) == (
        message_id, "delivered", 2)
    assert [(a["status_code"], a["error"]) for a in shown["attempts"]] == [
        (500, "answered 500 Internal Server Error"), (200, None)]


def test_500_then_a_hang_then_410_disables_the_subscription(
        settings: Settings, receiver: Receiver, message_id: str,
        announce: Callable[..., list[str]], client: FlaskClient, keys: Keys) -> None:
    [queued] = announce(flip(model_id="m_2"))  # written before the subscription went away
    receiver.script(500, HANG, 410)
    now = datetime.now(UTC)
    assert deliver(settings, message_id, now) == "retrying"
    second = scheduled(settings, message_id, 2)
    assert second is not None and deliver(settings, message_id, second) == "retrying"
    third = scheduled(settings, message_id, 3)
    assert third is not None and deliver(settings, message_id, third) == "abandoned"

    logged = attempts(settings, message_id)
    assert [a.status_code for a in logged] == [500, None, 410]
    assert logged[1].error == "no answer within 0.5 s" and logged[1].duration_ms < 3000
    webhook_id = message(settings, message_id).webhook_id
    shown = client.get(f"/api/v1/webhooks/{webhook_id}", headers=keys["admin"]).get_json()
    assert shown["enabled"] is False and "410" in shown["disabled_reason"]
    with read_session(settings.database_url) as session:
        audited = session.scalars(sa.select(AuditEntry).where(
            AuditEntry.resource_id == webhook_id, AuditEntry.action == "disable")).one()
    assert audited.actor == "webhooks"
    assert announce() == []  # no further messages for it
    assert deliver(settings, queued, datetime.now(UTC)) == "abandoned"
    assert len(receiver.received) == 3  # ...and none of those already queued is sent
    assert message(settings, message_id).status == "abandoned"


def test_a_redirect_is_not_followed_and_counts_as_a_failure(
        settings: Settings, receiver: Receiver, message_id: str) -> None:
    receiver.script(REDIRECT)

    assert deliver(settings, message_id, datetime.now(UTC)) == "retrying"

    assert receiver.paths() == ["/hook"]
    [attempt] = attempts(settings, message_id)
    assert attempt.status_code == 302 and attempt.error is not None
    assert "redirect" in attempt.error and "not followed" in attempt.error


def test_after_the_last_attempt_the_message_has_failed(
        settings: Settings, receiver: Receiver, message_id: str) -> None:
    receiver.script(500, 503, 500, 500)
    at: datetime | None = datetime.now(UTC)
    outcomes = []
    for attempt in range(1, settings.webhook_max_attempts + 1):
        assert at is not None
        outcomes.append(deliver(settings, message_id, at))
        at = scheduled(settings, message_id, attempt + 1)

    assert outcomes == ["retrying", "retrying", "failed"]
    assert at is None  # no fourth attempt was scheduled
    failed = message(settings, message_id)
    assert (failed.status, failed.attempts, failed.next_attempt_at) == ("failed", 3, None)
    assert deliver(settings, message_id, datetime.now(UTC) + timedelta(days=1)) == "skipped"
    assert len(receiver.received) == 3


def test_a_target_allowed_at_registration_is_refused_at_delivery(
        settings: Settings, receiver: Receiver, message_id: str) -> None:
    tightened = replace(settings, webhook_allow_hosts="")

    assert deliver(tightened, message_id, datetime.now(UTC)) == "retrying"

    assert receiver.received == []
    [attempt] = attempts(settings, message_id)
    assert attempt.status_code is None and attempt.error is not None
    assert attempt.error.startswith("target refused: 127.0.0.1 leads to a loopback address")


def test_a_message_for_a_deleted_subscription_is_abandoned_unsent(
        settings: Settings, receiver: Receiver, message_id: str, client: FlaskClient,
        keys: Keys) -> None:
    webhook_id = message(settings, message_id).webhook_id
    client.delete(f"/api/v1/webhooks/{webhook_id}", headers=keys["admin"])

    assert deliver(settings, message_id, datetime.now(UTC)) == "abandoned"

    assert receiver.received == [] and attempts(settings, message_id) == []
    with read_session(settings.database_url) as session:
        assert session.get(Webhook, webhook_id) is not None  # soft-deleted, kept on record


def test_two_runs_of_one_attempt_record_it_once(
        settings: Settings, receiver: Receiver, message_id: str) -> None:
    receiver.script(SLOW, SLOW)
    now = datetime.now(UTC)

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(lambda _: deliver(settings, message_id, now), range(2)))

    # Both requests went out (a receiver drops the repeat by its webhook-id); one counts.
    assert outcomes == ["delivered", "superseded"]
    assert len(attempts(settings, message_id)) == 2
    assert message(settings, message_id).attempts == 1


def test_an_unknown_message_is_skipped(settings: Settings) -> None:
    assert deliver(settings, "msg_unknown", datetime.now(UTC)) == "skipped"


def test_messages_filter_by_status_and_refuse_unknown_ones(
        settings: Settings, message_id: str, client: FlaskClient, keys: Keys) -> None:
    path = f"/api/v1/webhooks/{message(settings, message_id).webhook_id}/messages"
    deliver(settings, message_id, datetime.now(UTC))

    delivered = client.get(f"{path}?status=delivered", headers=keys["admin"]).get_json()
    pending = client.get(f"{path}?status=pending", headers=keys["admin"]).get_json()
    bad = client.get(f"{path}?status=lost", headers=keys["admin"])

    assert [m["id"] for m in delivered["items"]] == [message_id] and pending["items"] == []
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "status"


def test_backoff_doubles_from_the_base_with_full_jitter_and_a_cap() -> None:
    rng = random.Random(7)
    for attempt in range(1, 20):
        full = min(3600.0, 5.0 * 2 ** (attempt - 1))
        waits = [backoff(attempt, 5.0, rng=rng) for _ in range(50)]
        assert all(full / 2 <= wait <= full for wait in waits)
        assert len(set(waits)) > 1  # jittered, so that retries spread out
    assert backoff(1, 0.01) <= 0.01  # tests and impatient callers can shorten it


def test_messages_page_newest_first_by_cursor(
        settings: Settings, subscribe: Callable[..., dict[str, Any]],
        announce: Callable[..., list[str]], client: FlaskClient, keys: Keys) -> None:
    hook = subscribe()
    start = datetime.now(UTC)
    ids = [announce(now=start + timedelta(seconds=n))[0] for n in range(3)]
    path = f"/api/v1/webhooks/{hook['id']}/messages"

    first = client.get(f"{path}?limit=2", headers=keys["admin"]).get_json()
    second = client.get(f"{path}?limit=2&cursor={first['next_cursor']}",
                        headers=keys["admin"]).get_json()
    bad = client.get(f"{path}?cursor=msg_elsewhere", headers=keys["admin"])

    assert [m["id"] for m in first["items"] + second["items"]] == ids[::-1]
    assert second["next_cursor"] is None
    assert first["items"][0]["payload"]["type"] == "decision.changed"
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "cursor"
