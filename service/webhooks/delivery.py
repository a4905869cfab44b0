"""Delivering one webhook message: one attempt per call, the next one scheduled in the outbox.

Each call reads the message, makes at most one HTTP attempt with no database transaction
open, then records the attempt and its consequence in one transaction: delivered (2xx), the
subscription disabled (410 Gone), the next attempt scheduled with exponential backoff and full
jitter (any other failure, while attempts remain), or failed. Every attempt carries the same
`webhook-id`, so a subscriber can drop one it has already handled, with a fresh timestamp and
signature. Redirects are never followed: a 3xx could lead anywhere, including inside.

Calls are idempotent: a message that is settled, or whose next attempt is not due yet (a job
run twice), is left alone, and the result of an attempt is applied only if no other run has
recorded one in the meantime.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import requests
from sqlalchemy.orm import Session

from config.settings import Settings
from service import outbox
from service.net import TargetRefused, check_target, guarded_session
from service.store import audit
from service.store.db import read_session, write_session
from service.store.pipeline import Webhook, WebhookAttempt, WebhookMessage
from service.webhooks import signing
from service.webhooks.events import MessageStatus

log = logging.getLogger(__name__)
BASE_DELAY = 5.0  # seconds before the second attempt, at most; doubled for each one after
MAX_DELAY = 3600.0
# A job may start a little before the instant its attempt was scheduled for (clocks differ).
EARLY_GRACE = timedelta(seconds=1)
ACTOR = "webhooks"
USER_AGENT = "eligibility-service-webhooks/1"


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRYING = "retrying"
    FAILED = "failed"
    ABANDONED = "abandoned"
    SKIPPED = "skipped"  # unknown or already settled: nothing to do
    NOT_DUE = "not_due"  # the next attempt is scheduled later (a duplicate job)
    SUPERSEDED = "superseded"  # another run recorded this attempt first


@dataclass(frozen=True)
class Pending:
    """What one attempt needs, read before the request so that no transaction spans it."""

    message_id: str
    webhook_id: str
    url: str
    secret: str
    body: str
    attempts: int


@dataclass(frozen=True)
class Result:
    status_code: int | None
    error: str | None
    duration_ms: float

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


def backoff(attempt: int, base: float = BASE_DELAY, cap: float = MAX_DELAY,
            rng: random.Random | None = None) -> float:
    """Seconds to wait after failed attempt number `attempt` (from 1): within [half, full]
    of `base * 2**(attempt-1)`, capped, so that retries from many messages spread out."""
    full = min(cap, base * 2.0 ** min(attempt - 1, 64))
    return (rng or random).uniform(full / 2, full)


def deliver(settings: Settings, message_id: str, now: datetime, *,
            base_delay: float = BASE_DELAY) -> str:
    """Make the message's next attempt if one is due; return what became of it."""
    pending = _read(settings, message_id, now)
    if not isinstance(pending, Pending):
        return pending
    result = _post(settings, pending, now)
    log.info("webhook %s attempt %d to %s: %s", message_id, pending.attempts + 1,
             pending.webhook_id, result.status_code or result.error)
    return _record(settings, pending, result, now, base_delay)


def _read(settings: Settings, message_id: str, now: datetime) -> Pending | Outcome:
    with read_session(settings.database_url) as session:
        message = session.get(WebhookMessage, message_id)
        if message is None or message.status != MessageStatus.PENDING:
            return Outcome.SKIPPED
        if message.next_attempt_at is not None and now + EARLY_GRACE < message.next_attempt_at:
            return Outcome.NOT_DUE
        webhook = session.get(Webhook, message.webhook_id)
        if webhook is not None and webhook.enabled and not webhook.deleted:
            return Pending(message.id, webhook.id, webhook.url, webhook.secret, message.body,
                           message.attempts)
    return _abandon(settings, message_id)


def _abandon(settings: Settings, message_id: str) -> Outcome:
    """Settle a message whose subscription was disabled or deleted: nobody wants it now."""
    with write_session(settings.database_url) as session:
        message = session.get(WebhookMessage, message_id, with_for_update=True)
        if message is not None and message.status == MessageStatus.PENDING:
            message.status = MessageStatus.ABANDONED
            message.next_attempt_at = None
    return Outcome.ABANDONED


def _post(settings: Settings, pending: Pending, now: datetime) -> Result:
    started = time.monotonic()
    allow = settings.webhook_allow_hosts
    headers = {**signing.headers(pending.secret, pending.message_id, now, pending.body),
               "content-type": "application/json", "user-agent": USER_AGENT}
    status: int | None = None
    error: str | None = None
    try:
        check_target(pending.url, allow)  # again: the settings or the DNS may have changed
        with guarded_session(allow) as http, http.post(
                pending.url, data=pending.body.encode(), headers=headers, stream=True,
                timeout=settings.webhook_timeout, allow_redirects=False) as response:
            status = response.status_code
            if response.is_redirect:
                error = f"redirect to {response.headers.get('location')!r} not followed"
            elif not 200 <= status < 300:
                error = f"answered {status} {response.reason}"
    except TargetRefused as exc:
        error = f"target refused: {exc.reason}"
    except requests.Timeout:
        error = f"no answer within {settings.webhook_timeout:g} s"
    except requests.RequestException as exc:
        error = f"request failed: {exc}"
    return Result(status, error and error[:1000], (time.monotonic() - started) * 1000)


def _record(settings: Settings, pending: Pending, result: Result, now: datetime,
            base_delay: float) -> Outcome:
    with write_session(settings.database_url) as session:
        session.add(WebhookAttempt(message_id=pending.message_id, webhook_id=pending.webhook_id,
                                   at=now, status_code=result.status_code, error=result.error,
                                   duration_ms=round(result.duration_ms, 1)))
        message = session.get(WebhookMessage, pending.message_id, with_for_update=True)
        if (message is None or message.status != MessageStatus.PENDING
                or message.attempts != pending.attempts):
            return Outcome.SUPERSEDED
        message.attempts = attempt = pending.attempts + 1
        message.next_attempt_at = None
        if result.delivered:
            message.status, message.delivered_at = MessageStatus.DELIVERED, now
            return Outcome.DELIVERED
        if result.gone:
            _disable(session, pending, now)
            message.status = MessageStatus.ABANDONED
            return Outcome.ABANDONED
        if attempt >= settings.webhook_max_attempts:
            message.status = MessageStatus.FAILED
            log.warning("webhook %s failed after %d attempts", pending.message_id, attempt)
            return Outcome.FAILED
        message.next_attempt_at = now + timedelta(seconds=backoff(attempt, base_delay))
        outbox.add(session, "deliver", f"{pending.message_id}:{attempt + 1}",
                   {"message_id": pending.message_id}, now, run_at=message.next_attempt_at)
        return Outcome.RETRYING


def _disable(session: Session, pending: Pending, now: datetime) -> None:
    """A 410 Gone says the subscriber has gone for good: stop sending, and say so."""
    webhook = session.get(Webhook, pending.webhook_id, with_for_update=True)
    if webhook is None or not webhook.enabled:
        return
    webhook.enabled = False
    webhook.disabled_reason = f"the endpoint answered 410 Gone at {now.isoformat()}"
    audit.append(session, at=now, actor=ACTOR, action="disable", resource="webhooks",
                 resource_id=webhook.id,
                 detail={"reason": webhook.disabled_reason, "message_id": pending.message_id})
