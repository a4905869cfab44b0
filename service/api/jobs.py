"""Background jobs (admin): what RQ holds, with progress and errors; failed ones retried.

Job state lives in Redis and goes with it: the durable record of a refresh is its row in
`refreshes` (see `GET /sources/{id}`), and lost work is rebuilt from the outbox.
"""

from __future__ import annotations

from typing import Any

import redis
from flask import Blueprint, Response, g, request
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
from service.api import openapi
from service.api.resources import json_response, page_limit
from service.auth import Role, requires
from service.context import services
from service.decisions import iso
from service.errors import Conflict, InvalidInput, NotFound, Unavailable
from service.store.db import write_session
from service.store.versions import Writer

bp = Blueprint("jobs", __name__)
REGISTRIES: dict[str, type[BaseRegistry]] = {
    "started": StartedJobRegistry, "finished": FinishedJobRegistry,
    "failed": FailedJobRegistry, "deferred": DeferredJobRegistry,
    "scheduled": ScheduledJobRegistry,
}
STATUSES = ("queued", *REGISTRIES)


def job_json(job: Job) -> dict[str, Any]:
    status = job.get_status(refresh=False)
    latest = job.latest_result() if status == JobStatus.FAILED else None
    error = latest.exc_string if latest is not None else None
    result = job.return_value() if status == JobStatus.FINISHED else None
    return {"id": job.id, "status": None if status is None else str(status.value),
            "function": job.func_name, "kwargs": job.kwargs,
            "progress": job.meta.get("progress"), "error": _last_line(error),
            "error_detail": error, "result": result if _jsonable(result) else repr(result),
            "retries_left": job.retries_left, "enqueued_at": iso(_utc(job.enqueued_at)),
            "started_at": iso(_utc(job.started_at)), "ended_at": iso(_utc(job.ended_at))}


@bp.get("/jobs")
@requires(Role.ADMIN)
def list_jobs() -> Response:
    limit = page_limit()
    wanted = request.args.get("status")
    if wanted is not None and wanted not in STATUSES:
        raise InvalidInput(f"status is one of {', '.join(STATUSES)}.",
                           [{"field": "status", "message": "unknown status"}])
    queue = _queue()
    ids: list[str] = []
    for status in [wanted] if wanted else list(STATUSES):
        if status == "queued":
            ids += queue.get_job_ids()
        else:
            ids += REGISTRIES[status](queue=queue).get_job_ids()
    jobs = [job for job in Job.fetch_many(ids[:limit], connection=queue.connection) if job]
    return json_response({"items": [job_json(job) for job in jobs], "next_cursor": None})


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
    ctx = services()
    with write_session(ctx.settings.database_url) as session:
        Writer(session, g.actor, ctx.clock()).audit("retry", "jobs", job_id, {})
    job.requeue()
    return json_response(job_json(job), 202)


def _queue() -> Any:
    try:
        queue = outbox.work_queue(services().settings)
        queue.connection.ping()
    except (redis.RedisError, ValueError):
        raise Unavailable("The job queue (Redis) cannot be reached; work waits in the "
                          "outbox and is queued when it is back.") from None
    return queue


def _find(job_id: str) -> Job:
    try:
        return Job.fetch(job_id, connection=_queue().connection)
    except NoSuchJobError:
        raise NotFound(f"No job has id {job_id!r} (finished jobs are kept for a while "
                       "only).") from None


def _last_line(text: str | None) -> str | None:
    return None if not text else text.strip().splitlines()[-1]


def _jsonable(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool, list, dict))


def _utc(value: Any) -> Any:
    from datetime import UTC

    return None if value is None else value if value.tzinfo else value.replace(tzinfo=UTC)


openapi.describe({}, {"jobs.list_jobs": {"200": None}, "jobs.get_job": {"200": None},
                      "jobs.retry_job": {"202": None}})
