"""Every decision a client got a 2xx for is in the log, even after the server is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import orjson
import requests
import sqlalchemy as sa

from tests.integration.test_serve import ROOT, free_port, wait_until_live

QUESTION = {"device": {"vendor": "Acme Phones Ltd", "model": "A1"},
            "update": {"supplier": "Google LLC", "kind": "security_patch", "product": "Android",
                       "enhances_functionality": False}}


def test_answers_acknowledged_before_a_kill_9_are_all_in_the_log(database_url, redis_url, keys):
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url,
               ELIG_WEB_WORKERS="2")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "service", "web", "--port", str(port)],
                              cwd=ROOT, env=env, start_new_session=True)
    given: list[str] = []
    try:
        wait_until_live(url, server, seconds=60)

        def ask(n: int) -> list[str]:
            with requests.Session() as session:
                ids = []
                for _ in range(n):
                    answer = session.post(f"{url}/api/v1/decisions", json=QUESTION,
                                          headers=keys["ota"], timeout=10)
                    assert answer.status_code == 200, answer.text
                    ids.append(answer.json()["decision_id"])
                batch = session.post(f"{url}/api/v1/decisions/batch", headers=keys["ota"],
                                     json={"items": [QUESTION] * 5}, timeout=10)
                return ids + [r["decision_id"] for r in batch.json()["results"]]

        with ThreadPoolExecutor(4) as pool:
            for ids in pool.map(ask, [25] * 4):
                given += ids
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, items FROM decision_log")).all()
    engine.dispose()
    logged = {row.id if index is None else f"{row.id}.{index}"
              for row in rows for index, *_ in orjson.loads(row.items)}
    assert len(given) == 4 * (25 + 5)
    assert set(given) <= logged
