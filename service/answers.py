"""Answering decision requests: single and batch, each answer logged before it is given."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

import orjson

from service import decisions
from service.api.schemas import DecisionRequest
from service.context import Services
from service.errors import ServiceError, Unavailable, problem_body
from service.metrics import DECISIONS
from service.parsing import validate


def answer(services: Services, req: DecisionRequest, now: datetime, key_id: str | None
           ) -> tuple[dict[str, Any], dict[str, object]]:
    """Return the answer to one request and the decision-log row that records it."""
    snapshot = services.snapshots.current
    if services.out_of_touch(now):
        raise Unavailable("The service has lost touch with its database for longer than the "
                          "staleness limit, so it gives no answer; try again later.")
    at = req.at or now
    view = snapshot.view(req.known_at)
    key, party, model, update = decisions.resolve(snapshot, view, req)
    stale = services.lists_stale(now)
    decision = decisions.decide(view, key, party, model, update, at, services.policy, stale)
    decision_id = "d_" + secrets.token_hex(10)
    body = decisions.render(decision, decision_id, at, now, snapshot.data_version)
    DECISIONS.labels(decision.verdict.value, decision.basis.value).inc()
    row = {
        "id": decision_id, "evaluated_at": now, "verdict": body["verdict"],
        "basis": body["basis"], "data_version": body["data_version"], "api_key_id": key_id,
        "request": orjson.dumps(req.model_dump(mode="json", exclude_unset=True)).decode(),
        "response": orjson.dumps(body).decode(),
    }
    return body, row


def answer_one(services: Services, req: DecisionRequest, now: datetime, key_id: str | None
               ) -> dict[str, Any]:
    body, row = answer(services, req, now, key_id)
    services.decision_log.write([row])
    return body


def answer_batch(services: Services, items: list[Any], now: datetime, key_id: str | None
                 ) -> list[dict[str, Any]]:
    """Answer every item; a bad item gets its own problem and does not fail the others."""
    results: list[dict[str, Any]] = []
    rows: list[dict[str, object]] = []
    for index, item in enumerate(items):
        try:
            req = validate(DecisionRequest, item, prefix=f"items.{index}")
            body, row = answer(services, req, now, key_id)
        except Unavailable:
            raise
        except ServiceError as error:
            results.append(_within_item(problem_body(error), f"items.{index}"))
            continue
        results.append(body)
        rows.append(row)
    if rows:
        services.decision_log.write(rows)
    return results


def _within_item(problem: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Name an item's bad fields from the batch body (`items.4.device.id`), as validation does."""
    if "errors" in problem:
        problem["errors"] = [
            e if e["field"] == prefix or e["field"].startswith(prefix + ".")
            else {**e, "field": f"{prefix}.{e['field']}"} for e in problem["errors"]]
    return problem


def max_age(body: dict[str, Any], now: datetime, at: datetime, cap_seconds: int) -> int:
    """Seconds a client may cache the answer: never past `valid_until`, never past the cap."""
    until = body["valid_until"]
    if until is None:
        return cap_seconds
    remaining = datetime.fromisoformat(until) - max(now, at)
    return max(0, min(cap_seconds, int(remaining / timedelta(seconds=1))))
