"""Answering decision requests: single and batch, each answer logged before it is given."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from service import decisions
from service.api.schemas import DecisionRequest
from service.context import Services
from service.decision_log import LogRecord, new_request_id
from service.errors import ServiceError, Unavailable, problem_body
from service.logs import request_id
from service.metrics import DECISIONS
from service.parsing import validate
from service.snapshot import Snapshot

log = logging.getLogger(__name__)


def answer(services: Services, snapshot: Snapshot, req: DecisionRequest, decision_id: str,
           now: datetime) -> tuple[dict[str, Any], decisions.Judged]:
    """Return the answer to one request and the decision it gives."""
    body, judged = judge(services, snapshot, req, decision_id, now)
    DECISIONS.labels(judged.decision.verdict.value, judged.decision.basis.value).inc()
    return body, judged


def judge(services: Services, snapshot: Snapshot, req: DecisionRequest, decision_id: str,
          now: datetime) -> tuple[dict[str, Any], decisions.Judged]:
    """Work out the answer to one request without counting it as given (the simulator's)."""
    if services.out_of_touch(now):
        raise Unavailable("The service has lost touch with its database for longer than the "
                          "staleness limit, so it gives no answer; try again later.")
    at = req.at or now
    view = snapshot.view(req.known_at)
    key, party, model, update = decisions.resolve(snapshot, view, req)
    stale = services.lists_stale(now)
    judged = decisions.decide(view, key, party, model, update, at, services.policy, stale,
                              snapshot.data_version)
    body = decisions.render(judged.shared, decision_id, decisions.iso(at), decisions.iso(now))
    return body, judged


def answer_one(services: Services, raw: dict[str, Any], req: DecisionRequest, now: datetime,
               key_id: str | None, request_id: str | None = None) -> dict[str, Any]:
    """Answer one request, logged under `request_id` (by default a new one)."""
    snapshot = services.snapshots.current
    record = LogRecord(request_id or new_request_id(), now, key_id, snapshot.data_version)
    body, judged = answer(services, snapshot, req, record.id, now)
    record.add(None, raw, body["at"], judged)
    services.decision_log.write(record)
    return body


def answer_batch(services: Services, items: list[Any], now: datetime, key_id: str | None,
                 request_id: str | None = None) -> list[dict[str, Any]]:
    """Answer every item; a bad item gets its own problem and does not fail the others."""
    snapshot = services.snapshots.current  # one data version for the whole batch
    record = LogRecord(request_id or new_request_id(), now, key_id, snapshot.data_version)
    results: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        try:
            req = validate(DecisionRequest, item, prefix=f"items.{index}")
            body, judged = answer(services, snapshot, req, f"{record.id}.{index}", now)
        except Unavailable:
            raise
        except ServiceError as error:
            results.append(_within_item(problem_body(error), f"items.{index}"))
            continue
        except Exception:  # broad on purpose: this item fails closed, the others are answered
            results.append(_unanswered(index))
            continue
        results.append(body)
        record.add(index, item, body["at"], judged)
    if record.items:
        services.decision_log.write(record)
    return results


def _unanswered(index: int) -> dict[str, Any]:
    """The problem an item gets when answering it failed: never an answer, never an allow."""
    correlation_id = request_id()
    log.exception("batch item %d could not be answered, correlation id %s", index,
                  correlation_id)
    return {**problem_body(Unavailable("This item could not be answered; nothing was "
                                       "allowed. Try it again.")),
            "correlation_id": correlation_id}


def _within_item(problem: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Name an item's bad fields from the batch body (`items.4.device.id`), as validation does."""
    if "errors" in problem:
        problem["errors"] = [
            e if e["field"] == prefix or e["field"].startswith(prefix + ".")
            else {**e, "field": f"{prefix}.{e['field']}"} for e in problem["errors"]]
    return problem


def max_age(body: dict[str, Any], now: datetime, at: datetime, cap_seconds: int) -> int:
    """Seconds a client may cache the answer: never past `valid_until`, never past the cap."""
    if body["valid_until"] is None:
        return cap_seconds
    remaining = datetime.fromisoformat(body["valid_until"]) - max(now, at)
    return max(0, min(cap_seconds, int(remaining / timedelta(seconds=1))))
