"""The outbox: follow-up work written with the change that needs it, relayed to RQ.

A write that needs work done afterwards (screen a renamed vendor, recompute answers, deliver
a webhook) adds an `outbox` row in its own transaction, so the work is on record exactly when
the change is. `relay` hands pending rows to RQ under the row's unique job id: a second relay,
or a second scheduler, finds the id taken and does nothing. Rows stay pending until their job
says it is done, so when Redis loses its queues (restarted, flushed) the next relay enqueues
them again; every job is idempotent, so running one twice changes nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import redis
import sqlalchemy as sa
from rq import Queue, Retry, get_current_job
from rq.exceptions import DuplicateJobError, InvalidJobOperation, NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy.orm import Session

from config.settings import Settings
from service.metrics import POST_COMMIT_FAILURES
from service.store.db import read_session, write_session
from service.store.pipeline import OutboxRow

log = logging.getLogger(__name__)
# Which function runs each kind of work. Strings, so that the web process never imports them.
JOBS = {
    "refresh": "workers.jobs.refresh_source",
    "activate": "workers.jobs.activate_held",
    "screen": "workers.jobs.screen",
    "recompute": "workers.jobs.recompute",
    "deliver": "workers.jobs.deliver_webhook",
    "import_devices": "workers.jobs.import_devices",
}
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
RETRY = Retry(max=3, interval=[5, 30, 120])
JOB_TIMEOUT = 600  # seconds: a CSL-sized import takes seconds, a hung one is killed
# A row handed to RQ this long ago and still not done is looked at again: its job may be lost.
RECHECK_AFTER = timedelta(minutes=2)

P = ParamSpec("P")
R = TypeVar("R")


def add(session: Session, kind: str, key: str, payload: dict[str, Any], now: datetime,
        run_at: datetime | None = None) -> str:
    """Record work of `kind` under the job id `kind-key`; the same id again is a no-op.

    RQ takes only letters, digits, `_` and `-` in an id, so other characters become `_`.
    """
    if kind not in JOBS:
        raise ValueError(f"unknown kind of work {kind!r}")
    job_id = _UNSAFE.sub("_", f"{kind}-{key}")
    exists = session.scalar(sa.select(OutboxRow.id).where(OutboxRow.job_id == job_id))
    if exists is None:
        session.add(OutboxRow(job_id=job_id, kind=kind, payload=payload, created_at=now,
                              run_at=run_at))
        session.flush()
    return job_id


def relay(settings: Settings, now: datetime, limit: int = 1000) -> int:
    """Hand pending rows to RQ; return how many were enqueued. Safe to run anywhere, often."""
    with read_session(settings.database_url) as session:
        rows = list(session.scalars(
            sa.select(OutboxRow)
            .where(OutboxRow.done_at.is_(None),
                   sa.or_(OutboxRow.enqueued_at.is_(None),
                          OutboxRow.enqueued_at < now - RECHECK_AFTER))
            .order_by(OutboxRow.id).limit(limit)
        ))
    if not rows:
        return 0
    queue = work_queue(settings)
    handed: list[int] = []
    enqueued = 0
    for row in rows:
        if _enqueue(queue, row, now):
            enqueued += 1
        handed.append(row.id)
    with write_session(settings.database_url) as session:
        session.execute(sa.update(OutboxRow).where(OutboxRow.id.in_(handed))
                        .values(enqueued_at=now))
    return enqueued


def relay_quietly(settings: Settings, now: datetime) -> None:
    """Relay now if it can be done; if not, the scheduled relay catches up within a minute.

    This runs after a commit: whatever goes wrong here, the write stays committed and its
    client gets its answer, so every error is caught, logged and counted, never raised.
    """
    try:
        relay(settings, now)
    except (redis.RedisError, sa.exc.SQLAlchemyError, ValueError) as exc:
        POST_COMMIT_FAILURES.labels("relay").inc()
        log.warning("outbox relay deferred: %s", exc)
    except Exception:  # broad on purpose: see above; the traceback says what it was
        POST_COMMIT_FAILURES.labels("relay").inc()
        log.exception("outbox relay failed; the scheduled relay will catch up")


def rq_id(queue_name: str, job_id: str) -> str:
    """The job's id in Redis: RQ's ids are global, so they carry the queue's name, and
    deployments (or test databases) sharing one Redis never take each other's ids."""
    return _UNSAFE.sub("_", f"{queue_name}-{job_id}")


def work_queue(settings: Settings) -> Queue:
    connection = redis.Redis.from_url(settings.redis_url, socket_timeout=5)
    return Queue(settings.queue_name, connection=connection)


def _enqueue(queue: Queue, row: OutboxRow, now: datetime) -> bool:
    try:
        existing = Job.fetch(rq_id(queue.name, row.job_id), connection=queue.connection)
    except NoSuchJobError:
        existing = None
    if existing is not None:
        status = existing.get_status(refresh=False)
        if status != JobStatus.FINISHED:
            return False  # queued, running, scheduled, or failed for good (an admin retries it)
        try:  # finished, yet the row is pending: its work was lost; run it again
            existing.delete()
        except (NoSuchJobError, InvalidJobOperation):
            pass  # it expired between the fetch and the delete: gone either way
    options: dict[str, Any] = {"job_id": rq_id(queue.name, row.job_id), "retry": RETRY,
                               "job_timeout": JOB_TIMEOUT, "unique": True,
                               "description": row.job_id, "meta": {"outbox": row.job_id}}
    try:
        if row.run_at is not None and row.run_at > now:
            queue.enqueue_at(row.run_at, JOBS[row.kind], kwargs=row.payload, **options)
        else:
            queue.enqueue(JOBS[row.kind], kwargs=row.payload, **options)
    except DuplicateJobError:
        return False  # another relay was first
    return True


def mark_done(database_url: str, job_id: str, now: datetime) -> None:
    with write_session(database_url) as session:
        session.execute(sa.update(OutboxRow).where(OutboxRow.job_id == job_id,
                                                   OutboxRow.done_at.is_(None))
                        .values(done_at=now))


def pending(settings: Settings) -> int:
    with read_session(settings.database_url) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(OutboxRow)
                              .where(OutboxRow.done_at.is_(None))) or 0


def is_done(database_url: str, job_id: str) -> bool:
    with read_session(database_url) as session:
        done = session.scalar(sa.select(OutboxRow.done_at).where(OutboxRow.job_id == job_id))
    return done is not None


def cover(session: Session, kind: str, up_to: int, now: datetime) -> None:
    """Mark done the pending rows of `kind` up to row `up_to` (for work that one run does for
    all of them at once, such as a recompute reading the newest data)."""
    session.execute(sa.update(OutboxRow).where(
        OutboxRow.kind == kind, OutboxRow.id <= up_to, OutboxRow.run_at.is_(None),
        OutboxRow.done_at.is_(None)).values(done_at=now))


def newest_row(database_url: str) -> int:
    with read_session(database_url) as session:
        return session.scalar(sa.select(sa.func.max(OutboxRow.id))) or 0


def outbox_job(database_url: Callable[[], str], now: Callable[[], datetime]
               ) -> Callable[[Callable[P, R]], Callable[P, R | str]]:
    """Wrap a job function so that its outbox row is marked done once it has succeeded."""

    def decorate(function: Callable[P, R]) -> Callable[P, R | str]:
        @wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> R | str:
            job = get_current_job()
            row = job.meta.get("outbox") if job is not None else None
            if row is not None and is_done(database_url(), row):
                return "done already"  # a repeat, or covered by a later run
            result = function(*args, **kwargs)
            if row is not None:
                mark_done(database_url(), row, now())
            return result

        return run

    return decorate
