"""Background jobs (admin): what RQ holds, with progress and errors; failed ones retried.

Job state lives in Redis and goes with it: the durable record of a refresh is its row in
`refreshes` (see `GET /sources/{id}`), and lost work is rebuilt from the outbox.
"""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

import redis
from flask import Blueprint, Response, request
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import (
    BaseRegistry,
    DeferredJobRegistry,
    FailedJobRegistry,
    FinishedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)

from service import outbox
from service.api import openapi, responses
from service.api.resources import json_response, listing
from service.api.writes import transaction
from service.auth import Role, requires
from service.context import services
from service.decisions import iso
from service.errors import Conflict, InvalidInput, NotFound, Unavailable
from service.jsonio import dumps

bp = Blueprint("jobs", __name__)
REGISTRIES: dict[str, type[BaseRegistry]] = {
    "started": StartedJobRegistry, "finished": FinishedJobRegistry,
    "failed": FailedJobRegistry, "deferred": DeferredJobRegistry,
    "scheduled": ScheduledJobRegistry,
}
STATUSES = ("queued", *REGISTRIES)
JOB_ID = re.compile(r"[A-Za-z0-9_-]+")  # the ids RQ takes (`outbox.rq_id` makes them)


def job_json(job: Job) -> dict[str, Any]:
    status = job.get_status(refresh=False)
    latest = job.latest_result() if status == JobStatus.FAILED else None
    error = latest.exc_string if latest is not None else None
    result = job.return_value() if status == JobStatus.FINISHED else None
    return {"id": job.id, "status": None if status is None else str(status.value),
            "function": job.func_name, "kwargs": _shown(job.kwargs),
            "progress": job.meta.get("progress"), "error": _last_line(error),
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
        registry = None if status == "queued" else REGISTRIES[status](queue=queue)
        ids += queue.get_job_ids() if registry is None else registry.get_job_ids()
    ids = list(dict.fromkeys(ids))  # a job moving on may show in two lists at once
    if cursor := request.args.get("cursor"):
        if cursor not in ids:
            raise InvalidInput("The cursor names no job of this list (it may have moved on).",
                               [{"field": "cursor", "message": "unknown cursor"}])
        ids = ids[ids.index(cursor) + 1:]
    jobs = [job for job in Job.fetch_many(ids[:limit], connection=queue.connection) if job]
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
    if job.get_status(refresh=False) != JobStatus.FAILED:
        raise Conflict("Only a failed job can be retried.",
                       [{"field": "status", "message": "not failed"}])
    with transaction() as tx:
        tx.writer.audit("retry", "jobs", job_id, {})
        job.requeue()  # in the transaction: if Redis refuses, the audit entry goes too
        return tx.answer(job_json(job), 202)


def _queue() -> Any:
    try:
        queue = outbox.work_queue(services().settings)
        queue.connection.ping()
    except (redis.RedisError, ValueError):
        raise Unavailable("The job queue (Redis) cannot be reached; work waits in the "
                          "outbox and is queued when it is back.") from None
    return queue


def _find(job_id: str) -> Job:
    # RQ raises ValueError on an id it could never have given, and reads "a:b" as job "a".
    if not JOB_ID.fullmatch(job_id):
        raise NotFound(f"No job has id {job_id!r}.")
    try:
        return Job.fetch(job_id, connection=_queue().connection)
    except NoSuchJobError:
        raise NotFound(f"No job has id {job_id!r} (finished jobs are kept for a while "
                       "only).") from None


def _last_line(text: str | None) -> str | None:
    return None if not text else text.strip().splitlines()[-1]


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
