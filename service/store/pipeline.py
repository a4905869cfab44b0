"""The tables around the rules' data: feeds and their refreshes, the outbox, webhooks.

These hold operational state rather than facts the rules read, so they are plain mutable rows;
every change to them that matters is still written to the audit log by the code making it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from service.store.models import Base


class Source(Base):
    """A restricted-party feed an admin registered, and where its refreshes stand."""

    __tablename__ = "sources"
    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    format: Mapped[str] = mapped_column(sa.String(10))
    url: Mapped[str] = mapped_column(sa.Text)
    schedule: Mapped[str] = mapped_column(sa.String(60))  # a cron expression, UTC
    enabled: Mapped[bool]
    staleness_limit_hours: Mapped[float]
    max_drop_percent: Mapped[float]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(sa.String(120))
    deleted: Mapped[bool] = mapped_column(default=False)
    # The compare-and-swap counter: each activation moves it on by exactly one.
    version: Mapped[int] = mapped_column(default=0)
    etag: Mapped[str | None] = mapped_column(sa.Text)
    last_modified: Mapped[str | None] = mapped_column(sa.Text)
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    counts: Mapped[dict[str, Any]]  # entries per list code in the active version
    last_checked_at: Mapped[datetime | None]  # the feed last answered with good data (or 304)
    last_changed_at: Mapped[datetime | None]  # a new version was last activated
    last_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    # The failing streak: refreshes in a row that brought no good data, since when, and when
    # subscribers were told it is failing (None: not told; the next good data ends it all).
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    failing_since: Mapped[datetime | None]
    failure_alerted_at: Mapped[datetime | None]


class Refresh(Base):
    """One run of a source's refresh, whatever became of it."""

    __tablename__ = "refreshes"
    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    source_id: Mapped[str] = mapped_column(sa.String(40), index=True)
    job_id: Mapped[str | None] = mapped_column(sa.String(160))
    trigger: Mapped[str] = mapped_column(sa.String(20))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    # activated, unchanged, not_modified, held, approved, rejected, failed, superseded
    outcome: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    http_status: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    size: Mapped[int | None]
    counts: Mapped[dict[str, Any]]
    previous_counts: Mapped[dict[str, Any]]
    added: Mapped[int] = mapped_column(default=0)
    removed: Mapped[int] = mapped_column(default=0)
    changed: Mapped[int] = mapped_column(default=0)
    base_version: Mapped[int | None]
    activated_version: Mapped[int | None]
    data_version: Mapped[int | None]
    decided_by: Mapped[str | None] = mapped_column(sa.String(120))


class FeedPayload(Base):
    """A feed body kept for a refresh held for approval, so that approval activates it exactly."""

    __tablename__ = "feed_payloads"
    refresh_id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    format: Mapped[str] = mapped_column(sa.String(10))
    body: Mapped[bytes] = mapped_column(sa.LargeBinary)  # zlib-compressed


class OutboxRow(Base):
    """Follow-up work written in the same transaction as the change that needs it."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(sa.String(160), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    run_at: Mapped[datetime | None]  # not before this instant (None: now)
    enqueued_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None] = mapped_column(index=True)


class Webhook(Base):
    __tablename__ = "webhooks"
    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    url: Mapped[str] = mapped_column(sa.Text)
    # Kept readable: signing needs it. Shown to the admin once, at creation.
    secret: Mapped[str] = mapped_column(sa.String(120))
    vendor_ids: Mapped[list[Any]]
    update_kinds: Mapped[list[Any]]
    event_types: Mapped[list[Any]] = mapped_column(default=list)  # empty: every event type
    description: Mapped[str | None] = mapped_column(sa.Text)
    enabled: Mapped[bool]
    disabled_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(sa.String(120))
    deleted: Mapped[bool] = mapped_column(default=False)


class WebhookMessage(Base):
    """One event for one subscription; its id is the `webhook-id` of every attempt."""

    __tablename__ = "webhook_messages"
    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(sa.String(40), index=True)
    event_type: Mapped[str] = mapped_column(sa.String(60))
    body: Mapped[str] = mapped_column(sa.Text)  # the exact bytes signed and sent
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(sa.String(12))  # pending, delivered, failed, abandoned
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempts"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(sa.String(40), index=True)
    webhook_id: Mapped[str] = mapped_column(sa.String(40))
    at: Mapped[datetime]
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(sa.Text)
    duration_ms: Mapped[float]


class Answer(Base):
    """The last answer told for a registered (model, update) pair, to see when one flips."""

    __tablename__ = "answers"
    model_id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    # Indexed so that a recompute reads only the pairs in its scope (`service.flips`).
    update_id: Mapped[str] = mapped_column(sa.String(40), primary_key=True, index=True)
    verdict: Mapped[str] = mapped_column(sa.String(10))
    basis: Mapped[str] = mapped_column(sa.String(40))
    valid_until: Mapped[datetime | None] = mapped_column(index=True)
    data_version: Mapped[int]
    decided_at: Mapped[datetime]


class FlipInput(Base):
    """A digest of the inputs of the answers, as the last recompute judged them.

    One row per vendor (its party and licences), model, update, and one for what every answer
    reads (policy, staleness, the instant of the run): a recompute judges again only the
    pairs whose inputs' digests moved (`service.flip_scope`).
    """

    __tablename__ = "flip_inputs"
    kind: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    digest: Mapped[str] = mapped_column(sa.String(64))


class IdempotencyKey(Base):
    """A request made with an `Idempotency-Key`, and the answer it got, kept 24 hours.

    `status` is None while the first request with the key is being answered; a write stores
    its answer in its own transaction, so a key whose write committed always has one.
    """

    __tablename__ = "idempotency_keys"
    api_key_id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))  # method, path and body
    created_at: Mapped[datetime] = mapped_column(index=True)
    claimed_at: Mapped[datetime]  # when the request now answering it began
    decision_id: Mapped[str | None] = mapped_column(sa.String(40))  # a decision's, given ahead
    status: Mapped[int | None]
    headers: Mapped[dict[str, Any] | None]
    body: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
