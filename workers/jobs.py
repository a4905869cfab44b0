"""RQ job functions: plain, importable, taking ids; exceptions propagate so RQ records them.

Each job reads its settings from the environment, as the worker process was started with.
Jobs that come from the outbox are idempotent and mark their row done when they succeed
(`outbox_job`), so a lost job is relayed again and a repeated one changes nothing.
"""

from __future__ import annotations

from typing import Any

from rq import get_current_job

from config.settings import from_env
from service import clock, outbox
from service.store import audit
from service.store.db import read_session


def preload() -> None:
    """Import what the jobs use, so that a worker's forked work-horses start warm."""
    import service.device_imports
    import service.flips
    import service.matching
    import service.sources.refresh
    import service.webhooks.delivery  # noqa: F401


def _database_url() -> str:
    return from_env().database_url


def _progress(stage: str, detail: dict[str, Any]) -> None:
    """Let `GET /api/v1/jobs/{id}` show where a long job is."""
    job = get_current_job()
    if job is not None:
        job.meta["progress"] = {"stage": stage, **detail}
        job.save_meta()


done_when_finished = outbox.outbox_job(_database_url, clock.now)


@done_when_finished
def refresh_source(source_id: str, trigger: str = "manual") -> dict[str, Any]:
    from service.sources.refresh import refresh

    job = get_current_job()
    return refresh(from_env(), source_id, job.id if job else None, trigger, clock.now,
                   _progress)


@done_when_finished
def activate_held(refresh_id: str, approver: str) -> dict[str, Any]:
    from service.sources.refresh import approve

    return approve(from_env(), refresh_id, approver, clock.now)


@done_when_finished
def import_devices(import_id: str) -> dict[str, Any]:
    """Check the staged rows of an uploaded device file and import all of them or none."""
    from service.device_imports import run

    return run(from_env(), import_id, clock.now, _progress)


@done_when_finished
def screen(vendor_ids: list[str] | None = None,
           designation_ids: list[str] | None = None) -> dict[str, Any]:
    """Re-screen the vendors an older matcher screened last. (Writes screen what they change
    themselves; the arguments are those of outbox rows from before that, and are ignored.)"""
    return rescreen_outdated()


def rescreen_outdated() -> dict[str, Any]:
    """Screen every vendor not yet screened by the matcher in use (the scheduler runs this)."""
    from service.matching import rescreen

    return rescreen(from_env(), clock.now)


@done_when_finished
def recompute() -> dict[str, Any]:
    from service.flips import recompute as run

    return run(from_env(), clock.now)


@done_when_finished
def deliver_webhook(message_id: str) -> str:
    from service.webhooks.delivery import deliver

    return deliver(from_env(), message_id, clock.now())


def relay_outbox() -> int:
    """Hand pending outbox rows to the queue (the scheduler runs this every minute)."""
    settings = from_env()
    return outbox.relay(settings, clock.now())


def refresh_due_sources() -> list[str]:
    """Record a refresh for every source whose schedule has come round (every minute)."""
    from service.sources.schedule import record_due

    settings = from_env()
    due = record_due(settings.database_url, clock.now())
    outbox.relay_quietly(settings, clock.now())
    return due


def forget_idempotency_keys() -> int:
    """Drop the Idempotency-Keys older than a day (the scheduler runs this hourly)."""
    from service.idempotency import forget

    return forget(from_env().database_url, clock.now())


def keep_decision_log() -> dict[str, Any]:
    """Make the decision log's months ahead and drop those past retention (hourly)."""
    from service.decisions.upkeep import keep

    return keep(from_env(), clock.now())


def verify_audit_chain() -> dict[str, int | None]:
    """Check the audit log's hash chain; fail loudly (and so visibly in RQ) if it is broken."""
    with read_session(from_env().database_url) as session:
        broken = audit.verify(session)
    if broken is not None:
        raise RuntimeError(f"the audit log was altered at entry {broken.seq}: {broken.reason}")
    return {"first_broken": None}
