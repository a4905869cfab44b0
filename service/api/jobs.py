"""Background jobs (admin): what RQ holds, with progress and errors; failed ones retried.

Job state lives in Redis and goes with it: the durable record of a refresh is its row in
`refreshes` (see `GET /sources/{id}`), and lost work is rebuilt from the outbox.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from flask import Blueprint, Response, request
from rq.job import Job, JobStatus

from service import job_queue
from service.api import openapi, responses
from service.api.resources import json_response, listing
from service.api.writes import transaction
from service.auth import Role, requires
from service.context import services
from service.errors import InvalidInput
from service.job_queue import STATUSES
from service.jsonio import dumps, iso

bp = Blueprint("jobs", __name__)


def job_json(job: Job) -> dict[str, Any]:
    status = job.get_status(refresh=False)
    error = job_queue.error_of(job)
    result = job.return_value() if status == JobStatus.FINISHED else None
    return {"id": job.id, "status": None if status is None else str(status.value),
            "function": job.func_name, "kwargs": _shown(job.kwargs),
            "progress": job.meta.get("progress"), "error": job_queue.last_lines(error),
            "error_detail": error, "result": _shown(result),
            "retries_left": job.retries_left, "enqueued_at": iso(_utc(job.enqueued_at)),
            "started_at": iso(_utc(job.started_at)), "ended_at": iso(_utc(job.ended_at))}


@bp.get("/jobs")
@requires(Role.ADMIN)
def list_jobs() -> Response:
    """Jobs by status (queued first), a page at a time; `cursor` is the last id of a page."""
    limit, wanted = listing({"status": STATUSES}), request.args.get("status")
    queue = _queue()
    ids: list[str] = []
    for status in [wanted] if wanted else list(STATUSES):
        ids += job_queue.ids(queue, status)
    ids = list(dict.fromkeys(ids))  # a job moving on may show in two lists at once
    if cursor := request.args.get("cursor"):
        if cursor not in ids:
            raise InvalidInput("The cursor names no job of this list (it may have moved on).",
                               [{"field": "cursor", "message": "unknown cursor"}])
        ids = ids[ids.index(cursor) + 1:]
    jobs = job_queue.fetch(queue, ids[:limit])
    return json_response({"items": [job_json(job) for job in jobs],
                          "next_cursor": ids[limit - 1] if len(ids) > limit else None})


@bp.get("/jobs/<job_id>")
@requires(Role.ADMIN)
def get_job(job_id: str) -> Response:
    return json_response(job_json(_find(job_id)))


@bp.post("/jobs/<job_id>/retry")
@requires(Role.ADMIN)
def retry_job(job_id: str) -> Response:
    job = _find(job_id)
    job_queue.check_retriable(job)
    with transaction() as tx:
        job_queue.retry(tx.writer, job)
        return tx.answer(job_json(job), 202)


def _queue() -> Any:
    return job_queue.connect(services().settings)


def _find(job_id: str) -> Job:
    return job_queue.find(_queue(), job_id)


def _shown(value: Any) -> Any:
    """The value if it is JSON (all the way down), else its repr."""
    try:
        dumps(value)
    except TypeError:  # orjson's JSONEncodeError, on any part it cannot write
        return repr(value)
    return value


def _utc(value: Any) -> Any:
    return None if value is None else value if value.tzinfo else value.replace(tzinfo=UTC)


openapi.describe({}, {"jobs.list_jobs": {"200": openapi.Page(responses.Job)},
                      "jobs.get_job": {"200": responses.Job},
                      "jobs.retry_job": {"202": responses.Job,
                                         "409": responses.Problem}},  # not failed
                  {"jobs.list_jobs": {"status": STATUSES}})
