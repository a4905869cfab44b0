"""The work queue as people see it: its registries, one job, and retrying a failed one.

Both the jobs API and the dashboard's jobs page read RQ through here, so they agree on what a
job id may be, what "Redis is down" looks like (`Unavailable`) and what a retry does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import redis
from rq import Queue
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

from config.settings import Settings
from service import outbox
from service.errors import Conflict, NotFound, Unavailable
from service.store.versions import Writer

REGISTRIES: dict[str, type[BaseRegistry]] = {
    "started": StartedJobRegistry, "finished": FinishedJobRegistry,
    "failed": FailedJobRegistry, "deferred": DeferredJobRegistry,
    "scheduled": ScheduledJobRegistry,
}
STATUSES = ("queued", *REGISTRIES)
JOB_ID = re.compile(r"[A-Za-z0-9_-]+")  # the ids RQ takes (`outbox.rq_id` makes them)
DOWN = ("The job queue (Redis) cannot be reached; work waits in the outbox and is queued "
        "when it is back.")


@dataclass(frozen=True)
class QueueCounts:
    """How many jobs one queue holds in each state."""

    name: str
    counts: dict[str, int]


def connect(settings: Settings) -> Queue:
    """The work queue, once Redis has answered a ping; `Unavailable` when it does not."""
    try:
        queue = outbox.work_queue(settings)
        queue.connection.ping()
    except (redis.RedisError, ValueError):
        raise Unavailable(DOWN) from None
    return queue


def find(queue: Queue, job_id: str) -> Job:
    """The job with this id, or `NotFound`."""
    # RQ raises ValueError on an id it could never have given, and reads "a:b" as job "a".
    if not JOB_ID.fullmatch(job_id):
        raise NotFound(f"No job has id {job_id!r}.")
    try:
        return Job.fetch(job_id, connection=queue.connection)
    except NoSuchJobError:
        raise NotFound(f"No job has id {job_id!r} (finished jobs are kept for a while "
                       "only).") from None


def check_retriable(job: Job) -> None:
    """Raise `Conflict` unless the job has failed (only a failed job is retried)."""
    if job.get_status(refresh=False) != JobStatus.FAILED:
        raise Conflict("Only a failed job can be retried.",
                       [{"field": "status", "message": "not failed"}])


def retry(writer: Writer, job: Job) -> None:
    """Audit the retry and put the failed job back in its queue, in the writer's transaction:
    if Redis refuses, the audit entry is rolled back with it."""
    writer.audit("retry", "jobs", job.id, {})
    job.requeue()


def ids(queue: Queue, status: str) -> list[str]:
    """The ids of the jobs in one state (`queued` or a registry's name)."""
    if status == "queued":
        return list(queue.get_job_ids())
    return list(REGISTRIES[status](queue=queue).get_job_ids())


def page_ids(queue: Queue, status: str, offset: int, count: int) -> list[str]:
    """One page of the ids in one state, newest first where RQ keeps an order by time."""
    if status == "queued":
        return list(queue.get_job_ids(offset, count))
    registry = REGISTRIES[status](queue=queue)
    # Scheduled jobs come soonest first; the others by when they expire, so newest first.
    newest_first = status != "scheduled"
    return list(registry.get_job_ids(offset, offset + count - 1, desc=newest_first))


def scheduled_for(queue: Queue, job_id: str) -> datetime | None:
    """When a scheduled job is due (UTC), or None if it is not scheduled."""
    try:
        return ScheduledJobRegistry(queue=queue).get_scheduled_time(job_id)
    except NoSuchJobError:
        return None


def counts(queue: Queue) -> QueueCounts:
    """How many jobs are queued, running, scheduled, failed and so on."""
    found = {"queued": queue.count}
    for status, registry in REGISTRIES.items():
        found[status] = registry(queue=queue).count
    return QueueCounts(queue.name, found)


def fetch(queue: Queue, job_ids: list[str]) -> list[Job]:
    """The jobs with these ids that still exist, in order."""
    return [job for job in Job.fetch_many(job_ids, connection=queue.connection) if job]


def error_of(job: Job) -> str | None:
    """The traceback of a failed job's last run, if it has one."""
    if job.get_status(refresh=False) != JobStatus.FAILED:
        return None
    latest = job.latest_result()
    return latest.exc_string if latest is not None else None


def last_lines(text: str | None, count: int = 1) -> str | None:
    """The last `count` lines of a traceback: where it failed and why."""
    return None if not text else "\n".join(text.strip().splitlines()[-count:])
