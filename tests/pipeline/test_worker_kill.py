"""A worker killed with SIGKILL while its list import's transaction is open.

The import is one transaction, so the old list stays active while the job is gone, as the
decisions show; RQ finds the job abandoned once its execution lease runs out and retries it
(`Retry`); the retry carries on with the same refresh record and activates exactly one new
version, which the decisions then follow.

RQ notices abandoned jobs when a worker's maintenance runs after the lease has expired (job
timeout plus a margin). Waiting ten minutes is no test, so after the kill the test runs the
same cleanup with the clock moved past that lease.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy.engine import make_url

from bench.feedgen import generate
from config.settings import PROJECT_ROOT
from service import clock, outbox
from service.store.db import WRITE_LOCK
from tests.feeds.feed_server import FeedServer, wait_for
from tests.pipeline.conftest import Pipeline
from tests.pipeline.test_refresh import active, feed_designations
from tests.pipeline.test_screening_flow import decide, vendor_with_model


def worker(pipeline: Pipeline) -> subprocess.Popen[bytes]:
    env = dict(os.environ, DATABASE_URL=pipeline.settings.database_url,
               REDIS_URL=pipeline.settings.redis_url,
               ELIG_QUEUE_NAME=pipeline.settings.queue_name,
               ELIG_VAR_DIR=pipeline.settings.var_dir)
    return subprocess.Popen([sys.executable, "-m", "service", "worker"], cwd=PROJECT_ROOT,
                            env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def descendants(pid: int) -> list[int]:
    """The processes below `pid`, read from /proc (the work-horse RQ forks for a job)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def write_lock_held(database_url: str) -> bool:
    """Whether some process has a write transaction open: it holds SQLite's writer lock file,
    or PostgreSQL's write lock (`store.db`)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        with open(f"{url.database}.lock", "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(lock, fcntl.LOCK_UN)
            return False
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return bool(conn.scalar(sa.text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid = 0 AND objid = :key"), {"key": WRITE_LOCK}))
    finally:
        engine.dispose()


def verdict(pipeline: Pipeline, model_id: str) -> str:
    """What the service answers now (as the web process sees the data, once it caught up)."""
    pipeline.app.extensions["eligibility"].snapshots.refresh()
    answer: str = decide(pipeline, {"model_id": model_id}, at=clock.now().isoformat())["verdict"]
    return answer


def test_a_killed_import_leaves_the_old_list_and_is_retried_once(
        pipeline: Pipeline, feeds: FeedServer, tmp_path: Path) -> None:
    source = pipeline.add_source(feeds.url("/feed.json"))
    feeds.serve("/feed.json", feeds.root / "sample.json")
    assert pipeline.refresh(source["id"])["version"] == 1
    big = tmp_path / "big.json"
    generate(big, "csl-json", entries=20_000, names=40_000)
    feeds.serve("/feed.json", big)
    newly = next(e["name"] for e in json.loads(big.read_text())["results"]
                 if e["source"].startswith("Entity List"))
    _, only_old = vendor_with_model(pipeline, "SZ DJI Technology Co., Ltd.")  # not in `big`
    _, only_new = vendor_with_model(pipeline, newly)
    assert (verdict(pipeline, only_old), verdict(pipeline, only_new)) == ("deny", "allow")
    refresh_job = pipeline.post(f"/api/v1/sources/{source['id']}/refresh", expect=202)["job_id"]
    queue = outbox.work_queue(pipeline.settings)
    process = worker(pipeline)
    try:
        def activating() -> bool:
            job = Job.fetch(refresh_job, connection=queue.connection)
            stage = (job.meta.get("progress") or {}).get("stage")
            return stage == "writing" and write_lock_held(pipeline.settings.database_url)

        wait_for(activating, seconds=60)  # the activation's transaction is open: kill now
        # RQ runs each job in a work-horse with a process group of its own: kill both.
        for pid in [*descendants(process.pid), process.pid]:
            os.kill(pid, signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    # The lock goes with the killed processes (once the kernel has taken them down): the
    # transaction never committed.
    wait_for(lambda: not write_lock_held(pipeline.settings.database_url), seconds=10)
    shown = pipeline.get(f"/api/v1/sources/{source['id']}")
    assert shown["version"] == 1 and len(active(pipeline, source["id"])) == 13
    assert (verdict(pipeline, only_old), verdict(pipeline, only_new)) == ("deny", "allow")
    job = Job.fetch(refresh_job, connection=queue.connection)
    assert job.get_status() == "started"  # nobody is running it any more
    lease_over = time.time() + outbox.JOB_TIMEOUT + 3600
    StartedJobRegistry(queue=queue).cleanup(timestamp=lease_over)
    assert job.get_status() == "scheduled"  # RQ's Retry: again after its interval
    _run_retry(pipeline, queue, refresh_job)
    shown = pipeline.get(f"/api/v1/sources/{source['id']}")
    assert shown["version"] == 2
    assert len(active(pipeline, source["id"])) == 20_000
    ran = [r for r in shown["refreshes"] if r["job_id"] == refresh_job]
    assert [r["outcome"] for r in ran] == ["activated"], shown["refreshes"]
    assert len({d.id for d in feed_designations(pipeline, source["id"])}) == 20_000 + 13
    assert verdict(pipeline, only_new) == "deny"
    assert verdict(pipeline, only_old) != "deny"  # its entry is gone from the list


def _run_retry(pipeline: Pipeline, queue: Queue, job_id: str) -> None:
    """The retry waits out RQ's interval; move it on instead of sleeping through it. (Not
    through RQ's scheduler: the killed worker still holds its lock until that expires.)"""
    scheduled = ScheduledJobRegistry(queue=queue)
    if job_id in scheduled.get_job_ids():
        scheduled.remove(job_id)
        queue.enqueue_job(Job.fetch(job_id, connection=queue.connection))
    pipeline.work()


pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
