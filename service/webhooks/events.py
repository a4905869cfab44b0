"""Turning events into webhook messages, inside the transaction that records the event.

A message and the outbox row that delivers it are written with the event's own writes (a
flipped answer with the recompute that found it, a failing feed with its failed refresh), so
an event is announced exactly when it is on record, and never for a write that rolled back.
The body is rendered once, here: every attempt sends and signs the very same bytes.

A subscription takes the event types it names in `event_types` (none named: every type); its
`vendor_ids` and `update_kinds` filters narrow decision events only, flip by flip.

Flips fan out in batches: one recompute writes, per subscription, one `decision.changed`
message per `BATCH` flips it takes, each listing them in `changes` (a licence revocation that
flips 100,000 answers writes 100,000 / `BATCH` messages per subscription, not 100,000). A
message of one flip also keeps that flip's fields at the top of `data`, the shape of one
change that subscribers read before batches. Subscriptions with the same filters share each
rendered body.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session

from service import outbox
from service.jsonio import dumps
from service.store.pipeline import Webhook, WebhookAttempt, WebhookMessage


class EventType(StrEnum):
    DECISION_CHANGED = "decision.changed"
    SOURCE_FAILING = "source.failing"  # a feed's failing streak reached the alert threshold
    SOURCE_RECOVERED = "source.recovered"  # good data again, after `source.failing`
    PING = "ping"  # a test an admin sends to one subscription, whatever types it takes


class MessageStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # every attempt failed
    ABANDONED = "abandoned"  # the subscription went away (410, disabled, deleted)


@dataclass(frozen=True)
class Flip:
    """The answer for a registered (model, update) pair changed between two data versions.

    `before` (None for a pair never answered before) and `after` are decision summaries:
    verdict, basis, valid_until, reasons and the like, as the subscriber should see them.
    """

    model_id: str
    update_id: str
    vendor_id: str
    update_kind: str
    before: dict[str, Any] | None
    after: dict[str, Any]
    at: datetime
    devices: int = 0  # registered devices of the model


BATCH = 100  # flips per message: a body of some 100 kB at most


def new_message_id() -> str:
    return "msg_" + secrets.token_hex(12)


def takes(webhook: Webhook, event_type: EventType) -> bool:
    """Whether a subscription takes events of this type; naming none takes every type."""
    return not webhook.event_types or event_type in webhook.event_types


def matches(webhook: Webhook, flip: Flip) -> bool:
    """Whether a subscription's filters take the flip; an empty filter takes everything."""
    return (takes(webhook, EventType.DECISION_CHANGED)
            and (not webhook.vendor_ids or flip.vendor_id in webhook.vendor_ids)
            and (not webhook.update_kinds or flip.update_kind in webhook.update_kinds))


def render_event(event_type: EventType, data: dict[str, Any], now: datetime) -> str:
    """The exact body subscribers receive (Standard Webhooks' type, timestamp, data)."""
    return dumps({"type": event_type, "timestamp": now, "data": data}).decode()


def change(flip: Flip) -> dict[str, Any]:
    """One flip as a subscriber reads it."""
    return {"model_id": flip.model_id, "update_id": flip.update_id,
            "vendor_id": flip.vendor_id, "update_kind": flip.update_kind,
            "before": flip.before, "after": flip.after, "at": flip.at,
            "devices": flip.devices}


def render(flips: Sequence[Flip], now: datetime) -> str:
    """The exact body of a `decision.changed` message carrying these flips."""
    changes = [change(flip) for flip in flips]
    data: dict[str, Any] = dict(changes[0]) if len(changes) == 1 else {}
    data.update({"count": len(changes), "devices": sum(c["devices"] for c in changes),
                 "changes": changes})
    return render_event(EventType.DECISION_CHANGED, data, now)


class Batches:
    """Flips gathered per subscription, written as messages of up to `size` flips each."""

    def __init__(self, session: Session, now: datetime, size: int = BATCH) -> None:
        self.session, self.now, self.size = session, now, size
        self.groups: dict[tuple[Any, ...], list[Webhook]] = {}
        for webhook in _live(session):
            if takes(webhook, EventType.DECISION_CHANGED):
                key = (tuple(sorted(webhook.vendor_ids or ())),
                       tuple(sorted(webhook.update_kinds or ())))
                self.groups.setdefault(key, []).append(webhook)
        self.pending: dict[tuple[Any, ...], list[Flip]] = {key: [] for key in self.groups}
        self.created: list[str] = []

    def add(self, flips: Sequence[Flip]) -> None:
        for flip in flips:
            for key, webhooks in self.groups.items():
                if matches(webhooks[0], flip):
                    taken = self.pending[key]
                    taken.append(flip)
                    if len(taken) >= self.size:
                        self._write(key)

    def close(self) -> list[str]:
        """Write what is left; return the ids of every message written."""
        for key in self.groups:
            if self.pending[key]:
                self._write(key)
        self.session.flush()
        return self.created

    def _write(self, key: tuple[Any, ...]) -> None:
        body = render(self.pending[key], self.now)
        self.pending[key] = []
        for webhook in self.groups[key]:
            self.created.append(_queue(self.session, webhook, EventType.DECISION_CHANGED,
                                       body, self.now))


def notify(session: Session, flips: Sequence[Flip], now: datetime) -> list[str]:
    """Queue the flips to each live subscription whose filters take them, in batches."""
    if not flips:
        return []
    batches = Batches(session, now)
    batches.add(flips)
    return batches.close()


def publish(session: Session, event_type: EventType, data: dict[str, Any],
            now: datetime) -> list[str]:
    """Queue a message of one event to each live subscription that takes its type."""
    takers = [webhook for webhook in _live(session) if takes(webhook, event_type)]
    body = render_event(event_type, data, now)
    created = [_queue(session, webhook, event_type, body, now) for webhook in takers]
    session.flush()
    return created


def ping(session: Session, webhook: Webhook, now: datetime) -> str:
    """Queue a `ping` to one subscription (whatever types it takes), to see it is heard."""
    data = {"webhook_id": webhook.id, "message": "A test event: this subscription is heard."}
    message_id = _queue(session, webhook, EventType.PING, render_event(EventType.PING, data,
                                                                        now), now)
    session.flush()
    return message_id


def _live(session: Session) -> list[Webhook]:
    return list(session.scalars(
        sa.select(Webhook).where(Webhook.enabled.is_(True), Webhook.deleted.is_(False))
        .order_by(Webhook.id)))


def _queue(session: Session, webhook: Webhook, event_type: EventType, body: str,
           now: datetime) -> str:
    """Write a pending message and the outbox row of its first delivery attempt."""
    message_id = new_message_id()
    session.add(WebhookMessage(
        id=message_id, webhook_id=webhook.id, event_type=event_type, body=body,
        created_at=now, status=MessageStatus.PENDING, attempts=0, next_attempt_at=None,
        delivered_at=None))
    outbox.add(session, "deliver", f"{message_id}:1", {"message_id": message_id}, now)
    return message_id


def recent(session: Session, webhook_id: str, limit: int, status: str | None = None,
           before: str | None = None) -> list[dict[str, Any]]:
    """A subscription's newest messages first, from the one after message `before`, each with
    its attempts in order. Raise LookupError if `before` is no message of the subscription."""
    query = (sa.select(WebhookMessage).where(WebhookMessage.webhook_id == webhook_id)
             .order_by(WebhookMessage.created_at.desc(), WebhookMessage.id.desc()))
    if status is not None:
        query = query.where(WebhookMessage.status == status)
    if before is not None:
        anchor = session.get(WebhookMessage, before)
        if anchor is None or anchor.webhook_id != webhook_id:
            raise LookupError(before)
        query = query.where(sa.tuple_(WebhookMessage.created_at, WebhookMessage.id)
                            < sa.tuple_(anchor.created_at, anchor.id))
    messages = list(session.scalars(query.limit(limit)))
    attempts: dict[str, list[dict[str, Any]]] = {m.id: [] for m in messages}
    for a in session.scalars(sa.select(WebhookAttempt).order_by(WebhookAttempt.id)
                             .where(WebhookAttempt.message_id.in_(list(attempts)))):
        attempts[a.message_id].append({"at": a.at, "status_code": a.status_code,
                                       "error": a.error, "duration_ms": a.duration_ms})
    return [{"id": m.id, "event_type": m.event_type, "status": m.status,
             "created_at": m.created_at, "attempt_count": m.attempts,
             "next_attempt_at": m.next_attempt_at, "delivered_at": m.delivered_at,
             "payload": orjson.loads(m.body), "attempts": attempts[m.id]} for m in messages]
