"""The audit trail: who changed what and when, with the hash chain verified.

The log is read newest first, 50 entries a page (`?before=<seq>` for the next), narrowed by
actor, resource, record, action and time. Every entry shown is held against its own hash; the
chain as a whole is checked as `audit_chain` explains.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from service import clock
from service.auth import Role
from service.context import services
from service.dashboard.admin_forms import AuditFilterForm
from service.dashboard.audit_chain import watch
from service.dashboard.blueprint import bp, page, render
from service.store.audit import sealed
from service.store.audit_reads import AuditFilter, actor_labels, actors_named, compare, entries
from service.store.db import read_session
from service.store.models import AuditEntry

PER_PAGE = 50
ACTIONS = ("create", "update", "delete", "login", "login_failed", "logout", "password",
           "disable", "enable", "role", "revoke", "retry", "activate", "approve", "refresh")


@bp.get("/audit")
@page(Role.VIEWER)
def audit() -> tuple[str, int]:
    form = AuditFilterForm(request.args)
    url = services().settings.database_url
    chain = watch().state(url, clock.now())
    if request.args and not form.validate():
        return render("audit.html", 422, form=form, chain=chain, rows=[], labels={},
                      next_before=None, actions=ACTIONS, query={})
    before = request.args.get("before", type=int)
    with read_session(url) as session:
        wanted = _filter(session, form)
        rows = entries(session, wanted, before, PER_PAGE + 1)
        labels = actor_labels(session, {row.actor for row in rows})
    more = len(rows) > PER_PAGE
    rows = rows[:PER_PAGE]
    query = {k: v for k, v in request.args.items() if k != "before" and v}
    return render("audit.html", form=form, chain=chain, labels=labels, actions=ACTIONS,
                  rows=[(row, sealed(row)) for row in rows], query=query,
                  next_before=rows[-1].seq if more else None)


@bp.get("/audit/<seq>")
@page(Role.VIEWER)
def audit_entry(seq: str) -> tuple[str, int]:
    with read_session(services().settings.database_url) as session:
        # Not an <int:> rule: every dashboard URL sends a stranger to sign in before a 404.
        number = int(seq) if seq.isascii() and seq.isdigit() and len(seq) < 19 else None
        entry = None if number is None else session.get(AuditEntry, number)
        if entry is None:
            abort(404, f"The audit log has no entry {seq}.")
        comparison = compare(session, entry)
        labels = actor_labels(session, {entry.actor})
        intact = sealed(entry)
    return render("audit_entry.html", entry=entry, comparison=comparison, labels=labels,
                  sealed=intact)


@bp.post("/audit/verify")
@page(Role.VIEWER)
def verify_audit() -> Response:
    """Walk the whole chain now (it is not a change, but it is work: a person asks for it)."""
    chain = watch().verify_all(services().settings.database_url, clock.now())
    if chain.broken is None:
        flash(f"The whole chain of {chain.entries} entries is intact.")
    else:
        flash(f"The chain is broken at entry {chain.broken.seq}.", "error")
    return redirect(url_for("dashboard.audit"), 303)


def _filter(session: Any, form: AuditFilterForm) -> AuditFilter:
    actor = (form.actor.data or "").strip()
    return AuditFilter(actors=actors_named(session, actor) if actor else (),
                       resource=form.resource.data or None,
                       resource_id=(form.resource_id.data or "").strip() or None,
                       action=(form.action.data or "").strip() or None,
                       since=form.since.data, until=form.until.data)
