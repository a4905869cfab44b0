"""The decision simulator: the answer an OTA server would get, without giving it to anyone.

The request is validated by the API's schema and judged by the API's own code
(`service.decisions.judge`), but it is neither logged nor counted: it is not a decision given to
a device.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from flask import request

from service.api.schemas import DecisionRequest
from service.auth import Role
from service.context import Services, services
from service.dashboard.blueprint import bp, page, render
from service.dashboard.simulator_form import SimulatorForm
from service.dashboard.timeline import Drawn
from service.dashboard.vendors import draw
from service.decisions.judge import judge
from service.decisions.render import render as render_answer
from service.decisions.resolve import resolve
from service.errors import ServiceError, Unavailable
from service.jsonio import iso
from service.parsing import validate

SIMULATED = "simulation"  # the decision id shown: no logged decision has it


@dataclass(frozen=True)
class Simulated:
    body: dict[str, Any]  # the answer exactly as the API gives it
    valid_from: datetime | None  # the API leaves it out; the rules know it
    vendor_id: str | None
    vendor_name: str
    drawn: Drawn | None


@bp.get("/simulator")
@page(Role.VIEWER)
def simulator() -> tuple[str, int]:
    ctx = services()
    form = SimulatorForm(request.args)
    form.offer(ctx.snapshots.current.current)
    if not form.asked(pressed="ask" in request.args):
        return render("simulator.html", form=form, groups={}, result=None, sent=None)
    sent = form.body()
    try:
        result = simulate(ctx, validate(DecisionRequest, sent))
    except Unavailable as error:
        return render("simulator.html", 503, form=form, groups={"": [error.detail]},
                      result=None, sent=sent)
    except ServiceError as error:  # bad input, or an id nothing is registered under
        groups = form.place(error.errors or [])
        if not any(groups.values()) and not form.errors:
            groups[""].append(error.detail)
        return render("simulator.html", 422, form=form, groups=groups, result=None, sent=sent)
    return render("simulator.html", form=form, groups={}, result=result, sent=sent,
                  pretty=orjson.dumps(result.body, option=orjson.OPT_INDENT_2).decode())


def simulate(ctx: Services, req: DecisionRequest) -> Simulated:
    """Judge `req` as the API would, now, and draw its vendor's timeline with its window."""
    snapshot, now = ctx.snapshots.current, ctx.clock()
    judged = judge(ctx, snapshot, req, now)
    body = orjson.loads(render_answer(judged, SIMULATED, iso(req.at or now), iso(now)))
    view = snapshot.view(req.known_at)
    _, party, _, _ = resolve(snapshot, view, req)
    decision = judged.decision
    drawn = None
    if party.vendor_id is not None:
        drawn = draw(view, party.vendor_id, now, req.at or now, decision.valid_until)
    return Simulated(body, decision.valid_from, party.vendor_id, party.name, drawn)
