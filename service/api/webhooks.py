"""Webhook subscriptions (admin): register, list, change, remove, and see what was sent.

`event_types` chooses the events a subscription takes (none named: all of them);
`vendor_ids` and `update_kinds` narrow its `decision.changed` events only.

The signing secret is in the answer to the registration and nowhere else. A URL that leads to
a non-public address is refused here (422 naming `url`) and again at every delivery. A change
is audited, but moves no data version: subscriptions are not the rules' data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from flask import Blueprint, Response, request
from pydantic import BaseModel, Field
from pydantic.json_schema import JsonDict
from sqlalchemy.orm import Session

from service.api import openapi
from service.api.resources import answer_page, json_response, listing
from service.api.schemas import Kind, RecordId, Strict, Text
from service.api.writes import transaction
from service.auth import Role, requires
from service.context import services
from service.errors import InvalidInput, NotFound
from service.net import TargetRefused, check_target
from service.parsing import parse
from service.store.db import read_session
from service.store.models import Vendor
from service.store.pipeline import Webhook as WebhookRow
from service.store.versions import Writer, latest, new_id
from service.webhooks import signing
from service.webhooks.events import EventType, MessageStatus, recent

bp = Blueprint("webhooks", __name__)


# No spaces or control characters (PostgreSQL cannot store a NUL); `check_target` does the rest.
Url = Annotated[str, Field(min_length=1, max_length=2000, pattern=r"^[^\u0000-\u0020\u007f]+$")]
VendorIds = Annotated[list[RecordId], Field(max_length=1000)]
Kinds = Annotated[list[Kind], Field(max_length=50)]
EventTypes = Annotated[list[Annotated[EventType, Field(strict=False)]],
                      Field(max_length=20)]


def _no_default(schema: JsonDict) -> None:
    schema.pop("default", None)


def unset() -> Any:
    """A PATCH field that may be left out but not set to null: pydantic does not validate
    defaults, so null is still refused, and `exclude_unset` leaves an absent field alone."""
    return Field(default=None, json_schema_extra=_no_default)


class WebhookIn(Strict):
    """A subscription: an empty `event_types`, `vendor_ids` or `update_kinds` takes every
    event type, vendor or kind. Vendors and kinds narrow `decision.changed` events only."""

    url: Url
    event_types: EventTypes = Field(default_factory=list)
    vendor_ids: VendorIds = Field(default_factory=list)
    update_kinds: Kinds = Field(default_factory=list)
    description: Text | None = None
    enabled: bool = True


class WebhookPatch(Strict):
    """The fields to change; those left out keep their values. `enabled: true` clears the
    reason a subscription was disabled."""

    url: Url = unset()
    event_types: EventTypes = unset()
    vendor_ids: VendorIds = unset()
    update_kinds: Kinds = unset()
    description: Text | None = None
    enabled: bool = unset()


class Webhook(BaseModel):
    id: str
    url: str
    event_types: list[str]
    vendor_ids: list[str]
    update_kinds: list[str]
    description: str | None
    enabled: bool
    disabled_reason: str | None
    created_at: datetime
    created_by: str


class WebhookCreated(Webhook):
    secret: str


class WebhookAttempt(BaseModel):
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: float


class WebhookMessage(BaseModel):
    id: str
    event_type: str
    status: str
    created_at: datetime
    attempt_count: int
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    payload: Any
    attempts: list[WebhookAttempt]


def webhook_json(row: WebhookRow) -> dict[str, Any]:
    return Webhook.model_validate(row, from_attributes=True).model_dump()


def check_url(url: str) -> None:
    try:
        check_target(url, services().settings.webhook_allow_hosts)
    except TargetRefused as exc:
        raise InvalidInput(f"The webhook URL is refused: {exc.reason}.",
                           [{"field": "url", "message": exc.reason}]) from None


def filters(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    """Refuse vendor ids that name no current vendor; drop repeats, keeping the order."""
    vendor_ids = values.get("vendor_ids") or []
    errors = [{"field": f"vendor_ids.{index}", "message": f"unknown vendor id {ref!r}"}
              for index, ref in enumerate(vendor_ids) if latest(session, Vendor, ref) is None]
    if errors:
        raise InvalidInput("Some vendor ids refer to nothing.", errors)
    return {**values, **{name: list(dict.fromkeys(values[name]))
                         for name in ("event_types", "vendor_ids", "update_kinds")
                         if name in values}}


def find(session: Session, webhook_id: str, lock: bool = False) -> WebhookRow:
    row = session.get(WebhookRow, webhook_id, with_for_update=lock)
    if row is None or row.deleted:
        raise NotFound(f"No webhook has id {webhook_id!r}.")
    return row


def register(writer: Writer, body: WebhookIn) -> WebhookRow:
    """Add a subscription with a new signing secret (its URL checked by the caller first)."""
    values = filters(writer.session, body.model_dump(mode="json"))
    row = WebhookRow(id=new_id("wh"), secret=signing.new_secret(), disabled_reason=None,
                     created_at=writer.now, created_by=writer.actor, deleted=False, **values)
    writer.session.add(row)
    writer.audit("create", "webhooks", row.id, values)
    return row


def change(writer: Writer, row: WebhookRow, changes: dict[str, Any]) -> WebhookRow:
    """Apply validated changes (`WebhookPatch`, its URL checked by the caller first)."""
    changes = filters(writer.session, changes)
    if "enabled" in changes and changes["enabled"] != row.enabled:
        row.disabled_reason = None if changes["enabled"] else f"disabled by {writer.actor}"
    for name, value in changes.items():
        setattr(row, name, value)
    if changes:
        writer.audit("update", "webhooks", row.id, changes)
    return row


def remove(writer: Writer, row: WebhookRow) -> WebhookRow:
    row.deleted = True  # kept, with its messages, for the record; never sent to again
    writer.audit("delete", "webhooks", row.id, {})
    return row


@bp.post("/webhooks")
@requires(Role.ADMIN)
def create_webhook() -> Response:
    body = parse(WebhookIn)
    check_url(body.url)  # before the transaction: resolving a host may take a while
    with transaction() as tx:
        row = register(tx.writer, body)
        return tx.answer({**webhook_json(row), "secret": row.secret}, 201)


@bp.get("/webhooks")
@requires(Role.ADMIN)
def list_webhooks() -> Response:
    limit = listing({})
    query = sa.select(WebhookRow).where(WebhookRow.deleted.is_(False)).order_by(WebhookRow.id)
    if cursor := request.args.get("cursor"):
        query = query.where(WebhookRow.id > cursor)
    with read_session(services().settings.database_url) as session:
        return answer_page([webhook_json(r) for r in session.scalars(query.limit(limit + 1))],
                           limit)


@bp.get("/webhooks/<webhook_id>")
@requires(Role.ADMIN)
def get_webhook(webhook_id: str) -> Response:
    with read_session(services().settings.database_url) as session:
        return json_response(webhook_json(find(session, webhook_id)))


@bp.patch("/webhooks/<webhook_id>")
@requires(Role.ADMIN)
def patch_webhook(webhook_id: str) -> Response:
    changes = parse(WebhookPatch).model_dump(mode="json", exclude_unset=True)
    if "url" in changes:
        check_url(changes["url"])
    with transaction() as tx:
        row = change(tx.writer, find(tx.session, webhook_id, lock=True), changes)
        return tx.answer(webhook_json(row))


@bp.delete("/webhooks/<webhook_id>")
@requires(Role.ADMIN)
def delete_webhook(webhook_id: str) -> Response:
    with transaction() as tx:
        row = remove(tx.writer, find(tx.session, webhook_id, lock=True))
        return tx.answer(webhook_json(row))


@bp.get("/webhooks/<webhook_id>/messages")
@requires(Role.ADMIN)
def list_messages(webhook_id: str) -> Response:
    """The newest messages first, each with its attempts; `?status=` filters."""
    limit = listing({"status": tuple(MessageStatus)})
    status = request.args.get("status")
    with read_session(services().settings.database_url) as session:
        find(session, webhook_id)
        try:
            found = recent(session, webhook_id, limit + 1, status, request.args.get("cursor"))
        except LookupError:
            raise InvalidInput("The cursor names no message of this webhook.",
                               [{"field": "cursor", "message": "unknown cursor"}]) from None
    return answer_page(found, limit)


openapi.describe(
    {("POST", "/api/v1/webhooks"): WebhookIn,
     ("PATCH", "/api/v1/webhooks/{webhook_id}"): WebhookPatch},
    {"webhooks.create_webhook": {"201": WebhookCreated},
     "webhooks.list_webhooks": {"200": openapi.Page(Webhook)},
     "webhooks.get_webhook": {"200": Webhook},
     "webhooks.patch_webhook": {"200": Webhook},
     "webhooks.delete_webhook": {"200": Webhook},
     "webhooks.list_messages": {"200": openapi.Page(WebhookMessage)}},
    {"webhooks.list_webhooks": {},
     "webhooks.list_messages": {"status": tuple(MessageStatus)}})
