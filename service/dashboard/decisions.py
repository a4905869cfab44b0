"""The decision log: every answer given, searchable, and each one with the facts known then."""

from __future__ import annotations

from datetime import datetime

from flask import abort, request
from wtforms import Form, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from service.auth import Role
from service.context import services
from service.dashboard import decision_facts, instants
from service.dashboard.blueprint import bp, page, render
from service.dashboard.decision_search import Query, Who, decode, search
from service.dashboard.vendors import draw
from service.eligibility import Basis, Verdict

ANY = SelectChoice("", "any")


class LogFilters(Form):
    device = StringField("Device id")
    vendor = SelectField("Vendor", choices=[ANY])
    model = StringField("Model (id or part of its name)")
    verdict = SelectField("Verdict", choices=[ANY, *[SelectChoice(v.value) for v in Verdict]])
    basis = SelectField("Basis", choices=[ANY, *[SelectChoice(b.value, b.value.replace("_", " "))
                                                  for b in Basis]])
    since = StringField("Evaluated from")
    until = StringField("Evaluated before")


@bp.get("/decisions")
@page(Role.VIEWER)
def decisions() -> tuple[str, int]:
    ctx = services()
    snapshot = ctx.snapshots.current
    view = snapshot.current
    form = LogFilters(request.args)
    form.vendor.choices = [ANY, *(SelectChoice(v.id, v.name) for v in sorted(
        view.vendors.values(), key=lambda v: v.name.casefold()))]
    bounds: dict[str, datetime | None] = {}
    for field in (form.since, form.until):
        bounds[field.name], error = instants.read(field.data)
        if error:
            field.errors = [error]
    if form.since.errors or form.until.errors:
        return render("decisions.html", 422, form=form, page=None, cursor=None)
    text = {f.name: (f.data or "").strip() for f in form if f.name not in bounds}
    query = Query(text["device"], text["vendor"], text["model"], text["verdict"],
                  text["basis"], bounds["since"], bounds["until"])
    cursor = request.args.get("cursor") if decode(request.args.get("cursor")) else None
    found = search(ctx.settings.database_url, Who(view, snapshot.records.devices), query,
                   cursor)
    return render("decisions.html", form=form, page=found, cursor=cursor,
                  args={k: v for k, v in request.args.items() if k != "cursor" and v})


@bp.get("/decisions/<decision_id>")
@page(Role.VIEWER)
def decision(decision_id: str) -> tuple[str, int]:
    ctx = services()
    given = ctx.decision_log.fetch(decision_id)
    if given is None:
        abort(404, f"No decision has id {decision_id!r}.")
    snapshot, now = ctx.snapshots.current, ctx.clock()
    then = decision_facts.known_then(ctx.settings.database_url, snapshot, given)
    drawn = None
    if then.vendor_id is not None:
        drawn = draw(then.view, then.vendor_id, now, then.at,
                     instants.read(given.get("valid_until"))[0])
    return render("decision.html", given=given, then=then, drawn=drawn, now=now,
                  again=decision_facts.simulator_args(given))
