"""The whole app loses its PostgreSQL for real, and gets it back.

The real server (granian, two workers) runs on a private PostgreSQL cluster with the demo
history (see `conftest.py`), and OTA clients keep asking for decisions while the cluster is
stopped as a crash stops it (`pg_ctl stop -m immediate`) and started again. The staleness
limit is set to seconds, so that both sides of it are seen:

- within it, decisions go on from each process's snapshot with the answers they gave before,
  logged to the decision journal under `ELIG_VAR_DIR`; `/readyz` says `database: false`; admin
  writes get a 503 problem+json with `Retry-After`, and write nothing;
- past it, decisions are refused with a 503, never guessed;
- with the database back, everything resumes without a restart: `/readyz` is ready, writes
  commit, answers follow new data, and every decision answered before or during the outage is
  in the log as it was given (the journal shipped).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict

from tests.feeds.feed_server import wait_for
from tests.integration.postgres_cluster import PrivateCluster
from tests.integration.test_serve import ROOT, create_key
from tests.integration.web_server import WebServer

LIMIT = 12.0  # seconds: the staleness limit, and so how long decisions outlive the database
WITHIN = LIMIT / 2  # answers asked this soon after the stop must all be given
RESUMED = 3.0  # answers asked this long after /readyz is ready again must all be given
PATCH = {"supplier": "Google LLC", "supplier_country": "US", "kind": "security_patch",
         "product": "Android", "enhances_functionality": False}
QUESTIONS = {  # the demo's answers: an allow under the TGL, a deny, a review, an unlisted maker
    "licensed": {"device": {"id": "SN-P30PRO-0001"}, "update": PATCH,
                 "at": "2019-06-01T00:00:00Z"},
    "denied": {"device": {"vendor": "Huawei Technologies Co., Ltd.", "model": "Mate 30 Pro"},
               "update": PATCH, "at": "2019-10-01T00:00:00Z"},
    "scope_unknown": {"device": {"id": "SN-Y9PRIME-0001"}, "update": PATCH,
                      "at": "2019-06-01T00:00:00Z"},
    "unlisted": {"device": {"vendor": "Acme Phones Ltd", "model": "A1"}, "update": PATCH,
                 "at": "2024-01-01T00:00:00Z"},
}
PER_ANSWER = ("decision_id", "evaluated_at", "data_version")  # what differs between answers
TIMEOUT = 10
PACE = 0.05  # seconds between one asker's rounds of questions


@dataclass
class Answer:
    question: str
    sent: float  # time.monotonic() when asked
    status: int
    body: dict[str, Any]
    headers: Mapping[str, str]


class Askers:
    """OTA clients asking the questions in turn, each on a new connection (so both workers
    answer), until stopped; every answer is kept."""

    def __init__(self, url: str, key: str, threads: int = 2) -> None:
        self.url, self.key = url, key
        self.answers: list[Answer] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._ask, daemon=True) for _ in range(threads)]

    def __enter__(self) -> Askers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=TIMEOUT + 5)

    def since(self, moment: float, until: float = float("inf")) -> list[Answer]:
        return [a for a in list(self.answers) if moment <= a.sent < until]

    def _ask(self) -> None:
        # A pause between questions keeps the answers to check at a thousand or so; two
        # threads still make the workers log and ship at the same time.
        while not self._stop.wait(PACE):
            for name in QUESTIONS:
                try:
                    self.answers.append(ask(self.url, self.key, name))
                except requests.RequestException as exc:  # the test fails on any of these
                    self.failures.append(f"{name}: {exc}")


def listed_answer(answer: Answer) -> bool:
    """An answer that follows the new designation (a 503 in the seconds after the database is
    back, before every worker has caught up, is not one yet)."""
    return answer.status == 200 and answer.body["verdict"] != "allow"


def ask(url: str, key: str, name: str) -> Answer:
    sent = time.monotonic()
    reply = Client(url, key).post("/api/v1/decisions", QUESTIONS[name])
    return Answer(name, sent, reply.status, reply.body, reply.headers)


def content(body: dict[str, Any]) -> dict[str, Any]:
    """What an answer says, without what differs from one answer to the next."""
    return {k: v for k, v in body.items() if k not in PER_ANSWER}


def test_decisions_outlive_the_database_within_the_limit_and_all_resumes_unaided(
        private_postgres: PrivateCluster, redis_url: str, tmp_path: Path) -> None:
    env = dict(os.environ, DATABASE_URL=private_postgres.create_database("eligibility"),
               REDIS_URL=redis_url, ELIG_VAR_DIR=str(tmp_path), ELIG_WEB_WORKERS="2",
               ELIG_STALENESS_LIMIT_HOURS=str(LIMIT / 3600),
               ELIG_QUEUE_NAME=f"tests-dbdown-{secrets.token_hex(4)}")
    env.pop("ELIG_DECISION_LOG_JOURNAL", None)  # the default: under ELIG_VAR_DIR
    journal = tmp_path / "decision-journal"
    for command in (["db", "upgrade"], ["demo"]):
        subprocess.run([sys.executable, "-m", "service", *command], cwd=ROOT, env=env,
                       check=True, capture_output=True, timeout=120)
    ota, editor = create_key("ota", env), create_key("editor", env)
    server = WebServer(env, tmp_path / "web.log")
    server.start()
    web = Client(server.url, editor)
    try:
        every_worker_answers(server, ota)  # each has its snapshot now
        before = {name: ask(server.url, ota, name) for name in QUESTIONS}
        assert {a.status for a in before.values()} == {200}, before
        assert {a.body["verdict"] for a in before.values()} == {"allow", "deny", "review"}
        with Askers(server.url, ota) as askers:
            wait_for(lambda: len(askers.answers) >= 8, seconds=30)

            private_postgres.stop()  # immediate: every backend gone, as in a crash
            stopped = time.monotonic()
            wait_for(lambda: not web.ready()["checks"]["database"], seconds=5)
            written = web.post("/api/v1/vendors", {"name": "Written While Down Ltd"})
            assert written.status == 503, written.text
            assert written.headers["Content-Type"] == "application/problem+json"
            assert int(written.headers["Retry-After"]) > 0
            wait_for(lambda: len(askers.since(stopped)) >= 12, seconds=WITHIN)
            assert len(journalled(journal)) >= 2, "the outage's answers are not in the journal"

            wait_for(lambda: bool(askers.since(stopped + LIMIT + 3)), seconds=LIMIT + 30)

            restarting = time.monotonic()  # answers asked from now on may already be given
            private_postgres.start()
            restarted = time.monotonic()
            wait_for(lambda: web.ready()["status"] == "ready", seconds=30)
            ready = time.monotonic()
            created = web.post("/api/v1/vendors", {"name": "Written After Ltd"})
            assert created.status == 201, created.text
            listed = web.post("/api/v1/designations", {
                "source": "EL", "name": "Acme Phones Ltd", "effective_from": "2023-01-01"})
            assert listed.status == 201, listed.text
            wait_for(lambda: all(listed_answer(ask(server.url, ota, "unlisted"))
                                 for _ in range(6)), seconds=10)
            outage = journalled(journal)  # shipped once the database is back
            wait_for(lambda: not outage & journalled(journal), seconds=30)
            wait_for(lambda: bool(askers.since(ready + RESUMED)), seconds=30)
        assert not askers.failures, askers.failures[:5]
        given = [a for a in [*before.values(), *askers.answers] if a.status == 200]
        with ThreadPoolExecutor(4) as pool:
            fetched = list(pool.map(
                lambda a: web.get(f"/api/v1/decisions/{a.body['decision_id']}", ota), given))
        unwritten = web.get("/api/v1/vendors?name=Written While Down Ltd").body["items"]
    finally:
        server.stop()

    # Within the limit every answer was given, as before; past it, none; then all again.
    within = askers.since(stopped, stopped + WITHIN)
    assert within and all(a.status == 200 for a in within), [
        (round(a.sent - stopped, 2), a.body) for a in within if a.status != 200]
    for a in askers.since(stopped + LIMIT + 3, restarting):
        assert a.status == 503 and "verdict" not in a.body, a
        assert a.headers["Content-Type"] == "application/problem+json"
        assert int(a.headers["Retry-After"]) > 0
    assert all(a.status == 200 for a in askers.since(ready + RESUMED)), "not all resumed"
    # Never an allow the data would not give: each answer is the one given before the outage,
    # but for the maker designated afterwards, never allowed from that data version on.
    listed_from = min((int(a.body["data_version"]) for a in given
                       if a.question == "unlisted" and a.body["verdict"] != "allow"), default=None)
    assert listed_from is not None, "no answer followed the new designation"
    for a in given:
        if a.question == "unlisted" and int(a.body["data_version"]) >= listed_from:
            assert a.body["verdict"] != "allow", a
        else:
            assert content(a.body) == content(before[a.question].body), a
    # Every decision given is in the log as it was given, the outage's too (the journal
    # shipped); the write refused during the outage left nothing.
    assert len([a for a in given if stopped <= a.sent < restarted]) >= 12
    for answer, shown in zip(given, fetched, strict=True):
        assert shown.status == 200, (answer.body["decision_id"], shown.text)
        assert {**shown.body, "request": None} == {**answer.body, "request": None}
        assert shown.body["request"] == QUESTIONS[answer.question]
    assert unwritten == []


def every_worker_answers(server: WebServer, key: str) -> None:
    """Wait until each worker has answered a decision. (The server is live once one worker
    answers; one that starts after the database is gone has no snapshot to answer from.)"""
    answered: set[int | None] = set()

    def all_answered() -> bool:
        answered.add(server.answered_by("POST", "/api/v1/decisions", QUESTIONS["licensed"],
                                        {"Authorization": f"Bearer {key}"}))
        return set(server.workers()) <= answered

    wait_for(all_answered, seconds=60)


def journalled(journal: Path) -> set[Path]:
    return {p for p in journal.iterdir() if p.suffix == ".jsonl"} if journal.is_dir() else set()


@dataclass
class Reply:
    status: int
    headers: Mapping[str, str]
    body: Any
    text: str


class Client:
    """Plain HTTP calls to the server, each on a new connection (either worker may answer),
    each closed once read."""

    def __init__(self, url: str, key: str) -> None:
        self.url, self.key = url, key

    def ready(self) -> dict[str, Any]:
        reply = self.call("GET", "/readyz")
        assert reply.status == (200 if reply.body["status"] == "ready" else 503), reply
        found: dict[str, Any] = reply.body
        return found

    def post(self, path: str, body: Any, key: str | None = None) -> Reply:
        return self.call("POST", path, body, key)

    def get(self, path: str, key: str | None = None) -> Reply:
        return self.call("GET", path, None, key)

    def call(self, method: str, path: str, body: Any = None, key: str | None = None) -> Reply:
        # (A Response kept unclosed keeps its connection open, and a worker stops accepting
        # new ones at a few hundred.)
        with requests.request(method, f"{self.url}{path}", json=body, timeout=TIMEOUT,
                              headers={"Authorization": f"Bearer {key or self.key}"}) as answer:
            return Reply(answer.status_code, CaseInsensitiveDict(answer.headers), answer.json(),
                         answer.text)
