"""Jobs: queues, running and failed jobs, and retrying a failed one.

Redis holds the jobs; when it cannot be reached the page says so (work waits in the outbox
meanwhile). A retry goes through `service.job_queue.retry`, as the API's does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import abort, flash, redirect, request, url_for
from rq import Queue
from rq.job import Job
from werkzeug.wrappers import Response

from service import job_queue
from service.api.writes import transaction
from service.auth import Role
from service.context import services
from service.dashboard.blueprint import bp, page, render
from service.errors import Conflict, NotFound, Unavailable

PER_PAGE = 50
SHOWN = ("started", "scheduled", "failed", "queued")  # the lists a person acts on
TITLES = {"started": "Running", "scheduled": "Scheduled", "failed": "Failed",
          "queued": "Queued"}
ERROR_LINES = 3


@dataclass(frozen=True)
class JobRow:
    """One job as the page shows it."""

    id: str
    function: str | None
    status: str | None
    enqueued_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    scheduled_for: datetime | None
    progress: Any
    retries_left: int | None
    error: str | None

    def error_tail(self) -> str | None:
        return job_queue.last_lines(self.error, ERROR_LINES)


@dataclass(frozen=True)
class JobList:
    status: str
    title: str
    rows: list[JobRow]
    total: int
    page: int

    @property
    def more(self) -> bool:
        return self.page * PER_PAGE < self.total


def row(queue: Queue, job: Job) -> JobRow:
    status = job.get_status(refresh=False)
    return JobRow(job.id, job.func_name, None if status is None else str(status.value),
                  _utc(job.enqueued_at), _utc(job.started_at), _utc(job.ended_at),
                  job_queue.scheduled_for(queue, job.id), job.meta.get("progress"),
                  job.retries_left, job_queue.error_of(job))


def job_list(queue: Queue, status: str, page_number: int, total: int) -> JobList:
    ids = job_queue.page_ids(queue, status, (page_number - 1) * PER_PAGE, PER_PAGE)
    rows = [row(queue, job) for job in job_queue.fetch(queue, ids)]
    return JobList(status, TITLES[status], rows, total, page_number)


@bp.get("/jobs")
@page(Role.ADMIN)
def jobs() -> tuple[str, int]:
    wanted = request.args.get("status")
    if wanted is not None and wanted not in SHOWN:
        abort(404, "There is no such list of jobs.")
    page_number = max(1, request.args.get("page", 1, type=int) or 1)
    try:
        queue = job_queue.connect(services().settings)
        counts = job_queue.counts(queue)
        lists = [job_list(queue, status, page_number if wanted else 1, counts.counts[status])
                 for status in ([wanted] if wanted else SHOWN)]
    except Unavailable as down:
        return render("jobs.html", down=down.detail, counts=None, lists=[], wanted=wanted)
    return render("jobs.html", down=None, counts=counts, lists=lists, wanted=wanted)


@bp.get("/jobs/<job_id>")
@page(Role.ADMIN)
def job(job_id: str) -> tuple[str, int]:
    try:
        queue = job_queue.connect(services().settings)
        found = job_queue.find(queue, job_id)
    except NotFound as missing:
        abort(404, missing.detail)
    except Unavailable as down:
        return render("job.html", down=down.detail, job=None)
    return render("job.html", down=None, job=row(queue, found), kwargs=found.kwargs)


@bp.post("/jobs/<job_id>/retry")
@page(Role.ADMIN)
def retry_job(job_id: str) -> Response:
    try:
        found = job_queue.find(job_queue.connect(services().settings), job_id)
        job_queue.check_retriable(found)
        with transaction() as tx:
            job_queue.retry(tx.writer, found)
    except NotFound as missing:
        abort(404, missing.detail)
    except (Conflict, Unavailable) as refused:
        flash(refused.detail, "error")
        return redirect(url_for("dashboard.job", job_id=job_id), 303)
    flash(f"Job {job_id} is queued again.")
    return redirect(url_for("dashboard.jobs"), 303)


def _utc(value: datetime | None) -> datetime | None:
    # RQ keeps naive UTC instants.
    return None if value is None else value if value.tzinfo else value.replace(tzinfo=UTC)
