"""docker-compose.yml's topology as processes: migrate once, two web instances (two machines,
each with its own var dir and journal), two workers, and the scheduler, then a second one.

On PostgreSQL and Redis when DATABASE_URL / REDIS_URL name them (CI's second pass), else on a
SQLite file and the session's embedded redis-server. Checked as a client sees it: a
restricting write through one instance is answered by the other within a second; a refresh is
run once by two competing workers; `kill -9` of a web instance and a worker under load loses
no acknowledged write, decision or job; each instance answers while the other restarts; a
second scheduler doubles nothing. The tests share the topology and run in this order.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
import requests
from rq import Queue, Worker
from rq.job import Job
from rq.registry import FinishedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from service import outbox
from tests.background import Background
from tests.conftest import Databases, make_keys
from tests.feeds.feed_server import FeedServer, wait_for
from tests.integration.test_decision_log_durability import QUESTION, logged
from tests.integration.test_snapshot_propagation import P30_PATCH
from tests.pipeline.conftest import FEEDS_ENV
from tests.topology.compose import Part, Web, command, migrate

MEASURED: dict[str, float] = {}


@dataclass
class Topology:
    database_url: str
    queue: Queue
    keys: dict[str, dict[str, str]]
    feeds: FeedServer
    webs: list[Web]
    workers: list[Part]
    crons: list[Part]
    every_minute: str = ""  # a source the schedulers refresh each minute
    ready_at: datetime = field(default_factory=lambda: datetime.now(UTC))  # both crons, it

    def parts(self) -> list[Part]:
        return [*self.webs, *self.workers, *self.crons]


@pytest.fixture(scope="module")
def topology(databases: Databases, redis_url: str, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[Topology]:
    database_url = databases.fresh()
    root = tmp_path_factory.mktemp("topology")
    queue_name = f"tests-topology-{secrets.token_hex(4)}"
    env = {**os.environ, **FEEDS_ENV, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "ELIG_SECRET_KEY": secrets.token_hex(32), "ELIG_QUEUE_NAME": queue_name}
    migrate(env, root / "migrate")
    # Web A ships its journal only when restarted, so its kill leaves answers on its disk.
    web_a = Web({**env, "ELIG_DECISION_LOG_SHIP_MS": "600000"}, root / "web-a")
    web_b = Web(env, root / "web-b")
    workers = [Part("worker", command("worker"), env, root / f"worker-{n}") for n in (1, 2)]
    crons = [Part("cron", command("cron"), env, root / f"cron-{n}") for n in (1, 2)]
    feeds = FeedServer()
    feeds.start()
    top = Topology(database_url, Queue(queue_name, connection=redis.Redis.from_url(redis_url)),
                   make_keys(database_url), feeds, [web_a, web_b], workers, crons)
    try:
        for part in [*workers, *crons]:
            part.start()
        for web in top.webs:
            web.start()
        top.every_minute = add_source(web_b, top, "/sample.json", "* * * * *")
        top.ready_at = datetime.now(UTC)
        yield top
    finally:
        for part in top.parts():
            part.stop()
        feeds.stop()
        top.queue.connection.delete(top.queue.key)
        print("\ntopology figures:", MEASURED)


def add_source(web: Web, top: Topology, path: str, schedule: str) -> str:
    made = web.post("/api/v1/sources", {"name": f"feed {path} {schedule}", "format": "csl-json",
                                        "url": top.feeds.url(path), "schedule": schedule},
                    top.keys["admin"])
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def source(web: Web, top: Topology, source_id: str) -> dict[str, Any]:
    shown = web.get(f"/api/v1/sources/{source_id}", top.keys["admin"])
    assert shown.status_code == 200, shown.text
    found: dict[str, Any] = shown.json()
    return found


def verdict(web: Web, top: Topology) -> str:
    answer = web.post("/api/v1/decisions", P30_PATCH, top.keys["ota"])
    assert answer.status_code == 200, answer.text
    return str(answer.json()["verdict"])


def test_a_restricting_write_through_one_instance_is_answered_by_the_other_within_1s(
        topology: Topology) -> None:
    a, b = topology.webs
    editor = topology.keys["editor"]
    assert verdict(a, topology) == verdict(b, topology) == "allow"
    vendor = a.post("/api/v1/vendors", {"name": "Acme Phones Ltd"}, editor)
    assert vendor.status_code == 201, vendor.text
    designated = a.post("/api/v1/designations", {
        "source": "EL", "name": "Acme Phones Ltd", "effective_from": "2023-01-01",
        "vendor_ids": [vendor.json()["id"]]}, editor)
    assert designated.status_code == 201, designated.text
    started = time.monotonic()
    wait_for(lambda: verdict(b, topology) == "deny", seconds=1.0)
    MEASURED["write_on_a_to_deny_on_b_s"] = round(time.monotonic() - started, 3)


def test_a_refresh_is_run_once_by_two_competing_workers(topology: Topology) -> None:
    a, b = topology.webs
    topology.feeds.serve("/once.json", topology.feeds.root / "sample.json")  # its own path
    source_id = add_source(a, topology, "/once.json", "0 0 1 1 *")  # not due in this test
    asked = b.post(f"/api/v1/sources/{source_id}/refresh", None, topology.keys["admin"])
    assert asked.status_code == 202, asked.text
    job_id = asked.json()["job_id"]
    job = Job.fetch(job_id, connection=topology.queue.connection)
    wait_for(lambda: job.get_status() == "finished", seconds=30)
    shown = source(a, topology, source_id)
    manual = [r for r in shown["refreshes"] if r["trigger"] == "manual"]
    assert [(r["job_id"], r["outcome"]) for r in manual] == [(job_id, "activated")]
    assert shown["version"] == 1  # one new list version
    # Each refresh of it fetched the feed once (a scheduler's first look may add one).
    assert topology.feeds.count("/once.json") == len(shown["refreshes"])


class Load(Background):
    """Clients on one web instance: decisions, and every fifth request a write (a vendor).
    Each remembers what it got a 2xx for, and counts the requests that got none."""

    def __init__(self, web: Web, keys: dict[str, dict[str, str]]) -> None:
        self.web, self.keys = web, keys
        self.decisions: list[str] = []
        self.vendors: list[str] = []
        self.failed = 0
        super().__init__(2)

    def answered(self) -> int:
        return len(self.decisions) + len(self.vendors)

    def _run(self, n: int) -> None:
        count = 0
        with requests.Session() as session:
            while not self._stop.is_set():
                count += 1
                write = count % 5 == 0
                try:
                    answer = session.post(
                        f"{self.web.url}/api/v1/{'vendors' if write else 'decisions'}",
                        json={"name": f"Vendor {secrets.token_hex(6)}"} if write else QUESTION,
                        headers=self.keys["editor"], timeout=10)
                except requests.RequestException:
                    self.failed += 1
                    continue
                if not 200 <= answer.status_code < 300:
                    self.failed += 1
                    continue
                if write:
                    self.vendors.append(answer.json()["id"])
                else:
                    self.decisions.append(answer.json()["decision_id"])


def test_kill_9_of_a_web_and_a_worker_loses_nothing_acknowledged(topology: Topology) -> None:
    a, b = topology.webs
    admin = topology.keys["admin"]
    source_id = add_source(b, topology, "/sample.json", "0 0 1 1 *")
    killed_worker = topology.workers[0]
    with Load(a, topology.keys) as on_a, Load(b, topology.keys) as on_b:
        wait_for(lambda: on_a.answered() >= 40 and on_b.answered() >= 40, seconds=30)
        names = {w.pid: w.name for w in Worker.all(queue=topology.queue)}
        assert killed_worker.process is not None
        killed_name = names[killed_worker.process.pid]
        jobs = []
        for _ in range(20):
            asked = b.post(f"/api/v1/sources/{source_id}/refresh", None, admin)
            assert asked.status_code == 202, asked.text
            jobs.append(asked.json()["job_id"])
        wait_for(lambda: running(topology, killed_name) in jobs, seconds=30)  # mid-job
        a.kill()
        killed_worker.kill()
        down = time.monotonic()
        unshipped = set(on_a.decisions) - logged(topology.database_url)
        assert unshipped  # answered by A, on A's disk only: shipped when A is back
        before = on_b.answered()
        wait_for(lambda: on_b.answered() >= before + 40, seconds=30)  # B carries on alone
        killed_worker.start()  # compose restarts them: `restart: unless-stopped`
        del a.env["ELIG_DECISION_LOG_SHIP_MS"]  # back to compose's: shipped within ~0.2 s
        a.start()  # on its own var dir: its workers ship the journal the killed ones left
        MEASURED["web_a_down_s"] = round(time.monotonic() - down, 2)
        back = on_a.answered()
        wait_for(lambda: on_a.answered() >= back + 40, seconds=30)
    assert on_b.failed == 0  # B answered everything while A was down and restarting
    given = set(on_a.decisions) | set(on_b.decisions)
    started = time.monotonic()
    wait_for(lambda: given <= logged(topology.database_url), seconds=30)
    MEASURED["shipped_by_the_restarted_a"] = len(unshipped)
    MEASURED["decisions_logged_after_restart_s"] = round(time.monotonic() - started, 2)
    for decision_id in sorted(given)[:: max(1, len(given) // 20)]:
        shown = b.get(f"/api/v1/decisions/{decision_id}", topology.keys["ota"])
        assert shown.status_code == 200, shown.text
    for vendor_id in on_a.vendors + on_b.vendors:
        assert b.get(f"/api/v1/vendors/{vendor_id}", admin).status_code == 200, vendor_id
    MEASURED["acknowledged"] = len(given) + len(on_a.vendors) + len(on_b.vendors)
    finish(topology, jobs, killed_name)


def running(topology: Topology, worker_name: str) -> str | None:
    """The id of the job the named worker is running, if any."""
    started = StartedJobRegistry(queue=topology.queue).get_job_ids()
    return next((j.id for j in Job.fetch_many(started, connection=topology.queue.connection)
                 if j is not None and j.worker_name == worker_name), None)


def finish(topology: Topology, jobs: list[str], killed: str) -> None:
    """Every job ends finished. One the killed worker was running stays `started` until its
    lease runs out (job timeout + margin, minutes); RQ then retries it. The test moves the
    lease on instead of waiting, as tests/pipeline/test_worker_kill.py does."""
    connection = topology.queue.connection

    def settled() -> bool:
        found = Job.fetch_many(jobs, connection=connection)
        return all(j is not None and (j.get_status() == "finished" or (
            j.get_status() == "started" and j.worker_name == killed)) for j in found)

    wait_for(settled, seconds=60)
    abandoned = [j.id for j in Job.fetch_many(jobs, connection=connection)
                 if j is not None and j.get_status() != "finished"]
    if abandoned:
        registry = StartedJobRegistry(queue=topology.queue)
        registry.cleanup(timestamp=time.time() + outbox.JOB_TIMEOUT + 3600)
        scheduled = ScheduledJobRegistry(queue=topology.queue)
        for job_id in abandoned:
            if job_id in scheduled.get_job_ids():
                scheduled.remove(job_id)
                topology.queue.enqueue_job(Job.fetch(job_id, connection=connection))
    MEASURED["jobs_abandoned_by_the_kill"] = len(abandoned)
    assert len(abandoned) <= 1  # the one it was running; the queued ones went to the other
    wait_for(lambda: all(j is not None and j.get_status() == "finished"
                         for j in Job.fetch_many(jobs, connection=connection)), seconds=60)


def test_each_instance_answers_while_the_other_restarts(topology: Topology) -> None:
    a, b = topology.webs
    for going, staying in ((b, a), (a, b)):
        with Load(staying, topology.keys) as load:
            going.stop()
            going.start()
            before = load.answered()
            wait_for(lambda: load.answered() >= before + 10, seconds=30)  # noqa: B023
        assert load.failed == 0 and load.answered() > 0
        assert going.get("/readyz", {}).status_code == 200


def test_a_second_scheduler_doubles_nothing(topology: Topology) -> None:
    """Both schedulers enqueue the every-minute jobs; the source due each minute still gets
    one refresh per slot. Waits for the first minute boundary after both schedulers and the
    source were there."""
    boundary = (topology.ready_at + timedelta(minutes=1)).replace(second=0, microsecond=0)
    connection = topology.queue.connection
    finished = FinishedJobRegistry(queue=topology.queue)

    def both_schedulers_ran() -> bool:
        ran = [j for j in Job.fetch_many(finished.get_job_ids(), connection=connection)
               if j is not None and j.func_name == "workers.jobs.refresh_due_sources"
               and j.enqueued_at is not None and _utc(j.enqueued_at) >= boundary]
        return len(ran) >= 2

    wait_for(both_schedulers_ran, seconds=90)
    slot = f"{boundary:%Y%m%dT%H%M}"
    a = topology.webs[0]

    def refreshed() -> list[dict[str, Any]]:
        return [r for r in source(a, topology, topology.every_minute)["refreshes"]
                if r["job_id"].endswith(slot) and r["outcome"] is not None]

    wait_for(lambda: bool(refreshed()), seconds=30)
    assert len(refreshed()) == 1
    job_ids = [r["job_id"] for r in source(a, topology, topology.every_minute)["refreshes"]]
    assert len(job_ids) == len(set(job_ids))


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_the_topology_runs_composes_commands() -> None:
    """What the tests above started is what compose starts (they read it from the file)."""
    assert command("migrate") == ["db", "upgrade"]
    assert command("web")[0] == "web" and command("worker") == ["worker"]
    assert command("cron") == ["cron"]


pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
