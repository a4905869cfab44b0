"""Where a job recorded in the outbox is, for a page that follows it (`data-progress-url`).

A job is known by its outbox id; its live state is in RQ. The state is what
`static/dashboard.js` reads: status, a sentence, done/total, whether it has finished, and where
to go then. A job whose RQ record has expired, or that Redis cannot tell about, still gets an
honest answer from its outbox row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis
import sqlalchemy as sa
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from service import outbox
from service.context import services
from service.store.db import read_session
from service.store.pipeline import OutboxRow

JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,160}")
Describe = Callable[[dict[str, Any]], tuple[str, int, int]]  # progress -> (message, done, total)


@dataclass
class JobState:
    status: str  # RQ's status name, or "waiting" (not yet handed to RQ) or "unknown"
    message: str
    done: int = 0
    total: int = 0
    finished: bool = False
    result: Any = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self, result_url: str | None) -> dict[str, Any]:
        return {"status": self.status, "message": self.message, "finished": self.finished,
                "progress": {"done": self.done, "total": self.total},
                "result_url": result_url if self.finished else None}


def outbox_row(job_id: str) -> OutboxRow | None:
    if not JOB_ID.fullmatch(job_id):
        return None
    with read_session(services().settings.database_url) as session:
        return session.scalar(sa.select(OutboxRow).where(OutboxRow.job_id == job_id))


def job_state(row: OutboxRow, describe: Describe) -> JobState:
    """The state of the outbox row's job, told in the words `describe` gives its stages."""
    settings = services().settings
    try:
        queue = outbox.work_queue(settings)
        job = Job.fetch(outbox.rq_id(settings.queue_name, row.job_id),
                        connection=queue.connection)
    except NoSuchJobError:
        if row.done_at is not None:
            return JobState("finished", "Finished (its report has expired).", 1, 1, True)
        return JobState("waiting", "Waiting to be handed to a worker.")
    except (redis.RedisError, ValueError):
        return JobState("unknown", "The job queue (Redis) cannot be reached; the work waits "
                        "in the outbox and runs when it is back.")
    return _of(job, describe)


def _of(job: Job, describe: Describe) -> JobState:
    status = job.get_status(refresh=False)
    if status == JobStatus.FINISHED:
        return JobState("finished", "Finished.", 1, 1, True, job.return_value())
    if status == JobStatus.FAILED:
        latest = job.latest_result()
        error = (latest.exc_string or "").strip().splitlines()[-1:] if latest else []
        return JobState("failed", f"Failed: {error[0] if error else 'no reason recorded'}",
                        1, 1, True, error=error[0] if error else None)
    if status in (JobStatus.SCHEDULED, JobStatus.DEFERRED):
        return JobState(str(status.value), "The last attempt failed; it is tried again "
                        "shortly.")
    if status == JobStatus.STARTED and job.meta.get("progress"):
        message, done, total = describe(job.meta["progress"])
        return JobState("started", message, done, total)
    if status == JobStatus.STARTED:
        return JobState("started", "Started.")
    return JobState(str(status.value) if status else "queued", "Waiting for a worker.")
