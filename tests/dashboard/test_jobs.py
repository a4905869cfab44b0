"""The jobs page: the queue's lists, a failed job's error, a retry, and Redis being down."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from rq import Queue, SimpleWorker

from config.settings import Settings
from service import create_app, outbox
from service.store.db import read_session
from service.store.models import AuditEntry
from tests.conftest import make_settings
from tests.dashboard.conftest import Browser


def needs_flag(flag: str) -> str:
    """A job that fails until its flag file exists (run by the worker in this process)."""
    if not Path(flag).exists():
        raise RuntimeError(f"the flag file {flag} is missing")
    return "flag found"


def run_jobs(queue: Queue) -> None:
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def failed_job(settings: Settings, flag: Path) -> tuple[Queue, str]:
    queue = outbox.work_queue(settings)
    job = queue.enqueue(needs_flag, str(flag))
    run_jobs(queue)
    assert job.get_status() == "failed"
    return queue, job.id


def test_a_failed_job_shows_its_error_and_an_admin_retries_it(
        signed_in: Callable[[str], Browser], settings: Settings, tmp_path: Path,
        database_url: str, users: dict[str, str]) -> None:
    flag = tmp_path / "flag"
    queue, job_id = failed_job(settings, flag)
    admin = signed_in("admin")
    page = admin.get("/jobs")
    assert page.status_code == 200
    assert job_id in page.text and f"RuntimeError: the flag file {flag} is missing" in page.text
    flag.touch()
    answer = admin.post(f"/jobs/{job_id}/retry")
    assert answer.status_code == 303
    assert f"Job {job_id} is queued again." in admin.get(answer.headers["Location"]).text
    run_jobs(queue)
    assert "finished" in admin.get(f"/jobs/{job_id}").text
    with read_session(database_url) as session:
        entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.resource == "jobs")).one()
    assert (entry.action, entry.resource_id, entry.actor) == \
        ("retry", job_id, f"user:{users['admin']}")


def test_only_a_failed_job_is_retried(signed_in: Callable[[str], Browser], settings: Settings,
                                      tmp_path: Path, database_url: str) -> None:
    flag = tmp_path / "flag"
    flag.touch()
    queue = outbox.work_queue(settings)
    job = queue.enqueue(needs_flag, str(flag))
    run_jobs(queue)
    admin = signed_in("admin")
    answer = admin.post(f"/jobs/{job.id}/retry")
    assert answer.status_code == 303
    assert "Only a failed job can be retried." in admin.get(answer.headers["Location"]).text
    with read_session(database_url) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                              .where(AuditEntry.resource == "jobs")) == 0


def test_an_unknown_job_is_a_404_page(signed_in: Callable[[str], Browser]) -> None:
    admin, html = signed_in("admin"), {"Accept": "text/html"}  # as a browser asks
    for answer in (admin.get("/jobs/no-such-job", headers=html),
                   admin.post("/jobs/no-such-job/retry", headers=html),
                   admin.get("/jobs/a:b", headers=html),
                   admin.get("/jobs?status=lost", headers=html)):
        assert answer.status_code == 404 and "text/html" in answer.content_type


def test_the_page_says_when_redis_is_down_and_does_not_fail(
        database_url: str, users: dict[str, str], app: Flask) -> None:
    unreachable = make_settings(database_url, "redis://127.0.0.1:9/0")
    browser = Browser(create_app(settings=unreachable).test_client())
    assert browser.login("admin").status_code == 302
    page = browser.get("/jobs")
    assert page.status_code == 200 and "Redis cannot be reached" in page.text
    assert "Redis cannot be reached" in browser.get("/jobs/some-job").text
    answer = browser.post("/jobs/some-job/retry")
    assert answer.status_code == 303
    assert "cannot be reached" in browser.get(answer.headers["Location"]).text
