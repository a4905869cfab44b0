"""Answering decision requests, single and batch: judged, rendered, logged before given."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson

from service.api.schemas import DecisionRequest
from service.decisions.judge import given, judge_at, moment
from service.decisions.judged import Judged
from service.decisions.log import LogRecord, new_request_id
from service.decisions.parse import SEEN
from service.decisions.render import render
from service.errors import ServiceError, Unavailable, problem_body
from service.jsonio import iso
from service.parsing import validate

if TYPE_CHECKING:
    from service.context import Services

log = logging.getLogger(__name__)


def answer_one(services: Services, raw: Any, req: DecisionRequest, now: datetime,
               key_id: str | None, decision_id: str | None = None) -> tuple[bytes, Judged]:
    """Answer one request, logged under `decision_id` (by default a new one): the answer's
    bytes and the decision they give."""
    snapshot = services.snapshots.current
    record = LogRecord(decision_id or new_request_id(now), now, key_id, snapshot.data_version)
    asked = moment(services, snapshot, now)
    judged = judge_at(asked, req)
    at = iso(req.at) if req.at else asked.now_iso
    record.add(None, raw, at, judged)
    services.decision_log.write(record)
    given((judged,))
    return render(judged, record.id, at, asked.now_iso), judged


def answer_batch(services: Services, items: list[Any], now: datetime, key_id: str | None,
                 correlation_id: str, request_id: str | None = None) -> bytes:
    """Answer every item; a bad item gets its own problem (naming `correlation_id` if it
    failed unexpectedly) and does not fail the others. Return the whole answer,
    `{"results": [...]}`, as bytes."""
    snapshot = services.snapshots.current  # one data version for the whole batch
    record = LogRecord(request_id or new_request_id(now), now, key_id, snapshot.data_version)
    asked = moment(services, snapshot, now)
    results: list[bytes] = []
    answered: list[Judged] = []
    for index, item in enumerate(items):
        try:
            req = SEEN.item(item) or validate(DecisionRequest, item, prefix=f"items.{index}")
            judged = judge_at(asked, req)
        except ServiceError as error:
            results.append(orjson.dumps(_within_item(problem_body(error), f"items.{index}")))
            continue
        except Exception:  # broad on purpose: this item fails closed, the others are answered
            results.append(orjson.dumps(_unanswered(index, correlation_id)))
            continue
        at = iso(req.at) if req.at else asked.now_iso
        results.append(render(judged, f"{record.id}.{index}", at, asked.now_iso))
        record.add(index, item, at, judged)
        answered.append(judged)
    if record.items:
        services.decision_log.write(record)
    given(answered)
    return b'{"results":[' + b",".join(results) + b"]}"


def _unanswered(index: int, correlation_id: str) -> dict[str, Any]:
    """The problem an item gets when answering it failed: never an answer, never an allow."""
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
