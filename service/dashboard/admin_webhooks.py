"""Webhook subscriptions: list, register (the secret shown once), disable, enable, delete,
their delivery log, and a signed test event sent through the real delivery path.

Registering takes the API's schema (`WebhookIn`) and its functions, so the page refuses what
the API refuses, with the same messages beside the fields.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from service.api.schemas import UpdateKind
from service.api.webhooks import WebhookIn, change, check_url, register, remove
from service.api.writes import transaction
from service.auth import Role
from service.context import services
from service.dashboard.admin import PER_PAGE, shown_once
from service.dashboard.admin_forms import WebhookForm, apply, refuse
from service.dashboard.blueprint import bp, page, render
from service.errors import InvalidInput
from service.store.db import read_session
from service.store.pipeline import Webhook
from service.webhooks import delivery, events
from service.webhooks.events import EventType, MessageStatus

SUBSCRIBED = [t.value for t in EventType if t != EventType.PING]  # a ping is sent, not taken
SEPARATORS = re.compile(r"[\s,]+")


def webhook_form() -> WebhookForm:
    """The form, with the choices the API's schema takes (a POST's answers filled in)."""
    form = WebhookForm()
    form.event_types.choices = SUBSCRIBED
    form.update_kinds.choices = [kind.value for kind in UpdateKind]
    return form


@bp.get("/admin/webhooks")
@page(Role.ADMIN)
def admin_webhooks() -> tuple[str, int]:
    return _list_page(webhook_form())


@bp.post("/admin/webhooks")
@page(Role.ADMIN)
def create_webhook() -> tuple[str, int] | Response:
    form = webhook_form()
    body = apply(form, WebhookIn, _values(form))
    if body is None:
        return _list_page(form, 422)
    try:
        check_url(body.url)  # before the transaction: resolving a host may take a while
        with transaction() as tx:
            row = register(tx.writer, body)
    except InvalidInput as refused:
        refuse(form, refused)
        return _list_page(form, 422)
    return shown_once(f"Webhook {row.id} registered", row.secret,
                      f"The signing secret of the subscription to {row.url}. Its receiver "
                      "verifies each request's webhook-signature with it.",
                      url_for("dashboard.admin_webhook", webhook_id=row.id),
                      "Back to the subscription")


@bp.get("/admin/webhooks/<webhook_id>")
@page(Role.ADMIN)
def admin_webhook(webhook_id: str) -> tuple[str, int]:
    status = request.args.get("status") or None
    if status is not None and status not in tuple(MessageStatus):
        abort(404, "There is no such delivery status.")
    with read_session(services().settings.database_url) as session:
        row = _find(session, webhook_id)
        try:
            messages = events.recent(session, webhook_id, PER_PAGE + 1, status,
                                     request.args.get("before"))
        except LookupError:
            abort(404, "That message is not in this subscription's log.")
    more = len(messages) > PER_PAGE
    messages = messages[:PER_PAGE]
    return render("admin_webhook.html", webhook=row, messages=messages, wanted=status,
                  statuses=list(MessageStatus), next_before=messages[-1]["id"] if more else None)


@bp.post("/admin/webhooks/<webhook_id>/disable")
@page(Role.ADMIN)
def disable_webhook(webhook_id: str) -> Response:
    return _change(webhook_id, {"enabled": False}, "The subscription is disabled: nothing more "
                   "is sent to it, and messages waiting for it are dropped.")


@bp.post("/admin/webhooks/<webhook_id>/enable")
@page(Role.ADMIN)
def enable_webhook(webhook_id: str) -> Response:
    return _change(webhook_id, {"enabled": True}, "The subscription is enabled again.")


@bp.post("/admin/webhooks/<webhook_id>/delete")
@page(Role.ADMIN)
def delete_webhook(webhook_id: str) -> Response:
    with transaction() as tx:
        remove(tx.writer, _find(tx.session, webhook_id, lock=True))
    flash(f"The subscription {webhook_id} is deleted; its delivery log is kept.")
    return redirect(url_for("dashboard.admin_webhooks"), 303)


@bp.post("/admin/webhooks/<webhook_id>/ping")
@page(Role.ADMIN)
def ping_webhook(webhook_id: str) -> Response:
    """Queue a signed `ping` and make its first attempt now, so the answer shows at once;
    a failed attempt is retried like any other message's."""
    with transaction() as tx:
        row = _find(tx.session, webhook_id, lock=True)
        if not row.enabled:
            flash("The subscription is disabled: enable it before testing it.", "error")
            return _back(webhook_id)
        message_id = events.ping(tx.session, row, tx.writer.now)
        tx.writer.audit("ping", "webhooks", row.id, {"message_id": message_id})
    ctx = services()
    outcome = delivery.deliver(ctx.settings, message_id, ctx.clock())
    flash(f"Test event {message_id}: {OUTCOMES.get(delivery.Outcome(outcome), outcome)}",
          "message" if outcome == delivery.Outcome.DELIVERED else "error")
    return _back(webhook_id)


OUTCOMES = {
    delivery.Outcome.DELIVERED: "delivered; the receiver answered 2xx.",
    delivery.Outcome.RETRYING: "the receiver did not take it; it will be tried again (see "
                               "the delivery log for why).",
    delivery.Outcome.FAILED: "the receiver did not take it, and no attempts are left.",
    delivery.Outcome.ABANDONED: "the receiver answered 410 Gone, so the subscription is now "
                                "disabled.",
}


def _change(webhook_id: str, changes: dict[str, Any], done: str) -> Response:
    with transaction() as tx:
        change(tx.writer, _find(tx.session, webhook_id, lock=True), changes)
    flash(done)
    return _back(webhook_id)


def _back(webhook_id: str) -> Response:
    return redirect(url_for("dashboard.admin_webhook", webhook_id=webhook_id), 303)


def _find(session: sa.orm.Session, webhook_id: str, lock: bool = False) -> Webhook:
    row = session.get(Webhook, webhook_id, with_for_update=lock)
    if row is None or row.deleted:
        abort(404, f"No webhook has id {webhook_id!r}.")
    return row


def _values(form: WebhookForm) -> dict[str, Any]:
    """The form as the API's JSON body would carry it."""
    return {"url": (form.url.data or "").strip(), "event_types": form.event_types.data or [],
            "vendor_ids": [v for v in SEPARATORS.split(form.vendor_ids.data or "") if v],
            "update_kinds": form.update_kinds.data or [],
            "description": (form.description.data or "").strip() or None,
            "enabled": bool(form.enabled.data)}


def _list_page(form: WebhookForm, status: int = 200) -> tuple[str, int]:
    query = (sa.select(Webhook).where(Webhook.deleted.is_(False)).order_by(Webhook.id)
             .limit(PER_PAGE + 1))
    if after := request.args.get("after"):
        query = query.where(Webhook.id > after)
    with read_session(services().settings.database_url) as session:
        rows = list(session.scalars(query))
    return render("admin_webhooks.html", status, form=form, webhooks=rows[:PER_PAGE],
                  next_after=rows[PER_PAGE - 1].id if len(rows) > PER_PAGE else None)
