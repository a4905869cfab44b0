"""Every decision a client got a 2xx for is in the log, even after processes are killed.

Answers are fsynced to the host's decision journal before they are given, and shipped to the
database afterwards; these tests kill the processes holding unshipped answers, under load, and
check the log as a client reads it.
"""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import orjson
import requests
import sqlalchemy as sa

from tests.background import Background
from tests.feeds.feed_server import wait_for
from tests.integration.web_server import WebServer

QUESTION = {"device": {"vendor": "Acme Phones Ltd", "model": "A1"},
            "update": {"supplier": "Google LLC", "kind": "security_patch", "product": "Android",
                       "enhances_functionality": False}}


class Askers(Background):
    """Four clients asking single and batch decisions as fast as they are answered; each
    remembers the decision ids it got a 200 for."""

    def __init__(self, url: str, key: dict[str, str]) -> None:
        self.url, self.key = url, key
        self.given: list[str] = []
        super().__init__(4)

    def _run(self, n: int) -> None:
        with requests.Session() as session:
            while not self._stop.is_set():
                batch = n == 0
                try:
                    answer = session.post(
                        f"{self.url}/api/v1/decisions/batch" if batch
                        else f"{self.url}/api/v1/decisions",
                        json={"items": [QUESTION] * 5} if batch else QUESTION,
                        headers=self.key, timeout=10)
                except requests.RequestException:  # the server is being killed
                    continue
                if answer.status_code != 200:
                    continue
                body = answer.json()
                self.given += ([r["decision_id"] for r in body["results"]] if batch
                               else [body["decision_id"]])


def logged(database_url: str) -> set[str]:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, items FROM decision_log")).all()
    engine.dispose()
    return {row.id if index is None else f"{row.id}.{index}"
            for row in rows for index, *_ in orjson.loads(row.items)}


def test_answers_acknowledged_before_kill_9s_under_load_all_reach_the_log(
        database_url, redis_url, keys, tmp_path: Path):
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url,
               ELIG_WEB_WORKERS="2", ELIG_VAR_DIR=str(tmp_path),
               ELIG_DECISION_LOG_SHIP_MS="60000")  # nothing shipped before the kills
    server = WebServer(env, tmp_path / "web.log")
    server.start()
    journal = tmp_path / "decision-journal"
    try:
        with Askers(server.url, keys["ota"]) as askers:
            wait_for(lambda: len(askers.given) >= 200, seconds=60)
            os.kill(server.workers()[0], signal.SIGKILL)  # one worker, mid-load
            enough = len(askers.given) + 200
            wait_for(lambda: len(askers.given) >= enough, seconds=60)  # the others go on
            assert server.process is not None
            os.killpg(server.process.pid, signal.SIGKILL)  # then everything at once
            server.process.wait(timeout=30)
        given = set(askers.given)
        # A respawned worker ships the killed one's file at once; the rest wait on disk.
        assert given - logged(database_url)
    finally:
        server.stop()
    restarted = WebServer({**env, "ELIG_DECISION_LOG_SHIP_MS": "200"}, tmp_path / "web2.log")
    restarted.start()  # its workers ship the dead processes' journal files
    try:
        wait_for(lambda: given <= logged(database_url), seconds=30)
        some = sorted(given)[:: max(1, len(given) // 20)]
        for decision_id in some:
            shown = requests.get(f"{restarted.url}/api/v1/decisions/{decision_id}",
                                 headers=keys["ota"], timeout=10)
            assert shown.status_code == 200, shown.text
            assert shown.json()["request"] == QUESTION
    finally:
        restarted.stop()
    assert not list(journal.glob("*.jsonl"))


def test_a_decision_is_readable_at_once_though_not_yet_shipped(database_url, redis_url, keys,
                                                               tmp_path: Path):
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url,
               ELIG_WEB_WORKERS="2", ELIG_VAR_DIR=str(tmp_path),
               ELIG_DECISION_LOG_SHIP_MS="60000")
    server = WebServer(env, tmp_path / "web.log")
    server.start()
    try:
        for _ in range(10):  # on new connections: read back by either worker
            answer = requests.post(f"{server.url}/api/v1/decisions", json=QUESTION,
                                   headers=keys["ota"], timeout=10)
            assert answer.status_code == 200, answer.text
            shown = requests.get(f"{server.url}/api/v1/decisions/{answer.json()['decision_id']}",
                                 headers=keys["ota"], timeout=10)
            assert shown.status_code == 200, shown.text
            assert {**shown.json(), "request": None} == {**answer.json(), "request": None}
        metrics = requests.get(f"{server.url}/metrics", timeout=10).text
        waiting = re.search(r"^eligibility_decision_journal_files (\S+)$", metrics, re.M)
        assert waiting is not None and float(waiting.group(1)) >= 1  # the lag, as scraped
    finally:
        server.stop()
