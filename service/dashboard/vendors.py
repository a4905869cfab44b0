"""Vendors: a searchable list, and each vendor's page with its timeline."""

from __future__ import annotations

from datetime import datetime

from flask import abort, request

from service.auth import Role
from service.context import services
from service.dashboard import instants, vendor_facts
from service.dashboard.blueprint import bp, page, render
from service.dashboard.timeline import Drawn, layout
from service.views import View

PAGE = 50


@bp.get("/vendors")
@page(Role.VIEWER)
def vendors() -> tuple[str, int]:
    ctx = services()
    view, now = ctx.snapshots.current.current, ctx.clock()
    query = instants.arg_text(request.args, "q")[:200]
    found = vendor_facts.search(view, query)
    number = _page_number(request.args.get("page"), len(found))
    shown = found[(number - 1) * PAGE: number * PAGE]
    return render("vendors.html", query=query, vendors=shown, total=len(found), number=number,
                  pages=max(1, -(-len(found) // PAGE)),
                  statuses={v.id: vendor_facts.status(view, v.id, now) for v in shown})


@bp.get("/vendors/<vendor_id>")
@page(Role.VIEWER)
def vendor(vendor_id: str) -> tuple[str, int]:
    ctx = services()
    snapshot, now = ctx.snapshots.current, ctx.clock()
    view = snapshot.current
    found = view.vendors.get(vendor_id)
    if found is None:
        abort(404, f"No vendor has id {vendor_id!r}.")
    at_text = instants.arg_text(request.args, "at")
    at, at_error = instants.read(at_text)
    return render(
        "vendor.html", 422 if at_error else 200, vendor=found, now=now, at=at,
        at_text=at_text, at_error=at_error,
        status_now=vendor_facts.status(view, vendor_id, now),
        status_at=None if at is None else vendor_facts.status(view, vendor_id, at),
        party=view.parties.get(vendor_id), matches=vendor_facts.matches(snapshot, vendor_id),
        licences=sorted(view.licences_by_vendor.get(vendor_id, ()),
                        key=lambda lic: (lic.valid_from, lic.number)),
        licence_rows=vendor_facts.licence_rows(snapshot, vendor_id),
        models=vendor_facts.models(view, vendor_id),
        drawn=draw(view, vendor_id, now, at), policy=ctx.policy,
        evidence_lines=vendor_facts.evidence_lines, scope_text=vendor_facts.scope_text)


def draw(view: View, vendor_id: str, now: datetime, at: datetime | None,
         changes: datetime | None = None) -> Drawn:
    """The vendor's timeline with today, the instant asked about and when its answer changes."""
    marks = [("today", "Today", now)]
    if at is not None:
        marks.append(("at", "Chosen instant", at))
    if changes is not None:
        marks.append(("changes", "The answer changes", changes))
    return layout(vendor_facts.lanes(view, vendor_id), marks)


def _page_number(text: str | None, total: int) -> int:
    """The page asked for, within the pages there are (a bad number shows the first)."""
    last = max(1, -(-total // PAGE))
    try:
        number = int(text or "1")
    except ValueError:
        return 1
    return min(max(1, number), last)
