"""What must never happen, measured on the real server (granian, two workers, Redis).

1. Four editors write 1,000 vendors at once, each request with an `Idempotency-Key`, retrying
   with the same key whatever went wrong: how many answers were 5xx, and how many vendors
   exist afterwards beyond the 1,000 asked for (duplicates).
2. A vendor is written under the exact name of a designation in force: how many decisions
   asked right after its `201`, on fresh connections spread over the workers, were `allow`.
3. A feed version that lists a registered vendor's name is activated (by the refresh job's own
   code): how many decisions asked from then on were `allow`, how many of those named the new
   data version or a later one (the promise: none), and how long the other worker took to
   serve it (allows before that name the version before, in which the vendor was not listed).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import requests

from bench.feedgen import SOURCES
from bench.feeds import add_source
from bench.server import Server

WRITERS, WRITES = 4, 1_000
ASKED = 50
WATCH_S = 2.0
UPDATE = {"supplier": "Google LLC", "kind": "security_patch", "product": "Android",
          "enhances_functionality": False}


def run(server: Server) -> dict[str, Any]:
    return {**_concurrent_writes(server), **_vendor_under_a_listed_name(server),
            **_activation(server)}


def _concurrent_writes(server: Server) -> dict[str, Any]:
    editor = {"Authorization": f"Bearer {server.editor_key}"}
    failures: list[int] = []
    retries = [0]
    lock = threading.Lock()

    def write(writer: int) -> None:
        with requests.Session() as session:
            for n in range(WRITES // WRITERS):
                headers = {**editor, "Idempotency-Key": uuid.uuid4().hex}
                body = {"name": f"Load Test {writer}-{n} GmbH"}
                for attempt in range(10):
                    try:
                        status = session.post(f"{server.base_url}/api/v1/vendors", json=body,
                                              headers=headers, timeout=30).status_code
                    except requests.RequestException:
                        status = 0
                    if 200 <= status < 300:
                        break
                    with lock:
                        failures.append(status)
                        retries[0] += 1
                    time.sleep(0.05 * (attempt + 1))  # a client's backoff before its retry

    started = time.perf_counter()
    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    with sqlite3.connect(server.sqlite_file(), timeout=30) as conn:
        stored = conn.execute("SELECT count(DISTINCT id) FROM vendors "
                              "WHERE name LIKE 'Load Test %'").fetchone()[0]
    return {"writes": WRITES, "writers": WRITERS, "writes_per_s": WRITES / elapsed,
            "answers_5xx": sum(1 for s in failures if s >= 500),
            "other_failures": sum(1 for s in failures if s < 500), "retries": retries[0],
            "vendors_stored": stored, "duplicates": stored - WRITES}


def _ask(server: Server, device: dict[str, Any]) -> dict[str, Any]:
    answer = requests.post(f"{server.base_url}/api/v1/decisions", timeout=10,
                           json={"device": device, "update": UPDATE},
                           headers={"Authorization": f"Bearer {server.api_key}",
                                    "Connection": "close"})
    body: dict[str, Any] = answer.json()
    return body


def _vendor_under_a_listed_name(server: Server) -> dict[str, Any]:
    editor = {"Authorization": f"Bearer {server.editor_key}"}
    name = f"Listed Devices {uuid.uuid4().hex[:6]} Co., Ltd."
    requests.post(f"{server.base_url}/api/v1/designations", headers=editor, timeout=10,
                  json={"source": "EL", "name": name, "effective_from": "2019-01-01"}
                  ).raise_for_status()
    written = requests.post(f"{server.base_url}/api/v1/vendors", headers=editor, timeout=10,
                            json={"name": name.upper()})
    written.raise_for_status()
    verdicts = [_ask(server, {"vendor": name.upper(), "model": "X1"}).get("verdict")
                for _ in range(ASKED)]
    return {"asked_after_vendor_201": ASKED,
            "allowed_after_vendor_201": verdicts.count("allow")}


def _activation(server: Server) -> dict[str, Any]:
    from config.settings import Settings
    from service.sources.refresh import refresh

    editor = {"Authorization": f"Bearer {server.editor_key}"}
    name = f"Newly Listed {uuid.uuid4().hex[:6]} Trading LLC"
    vendor = requests.post(f"{server.base_url}/api/v1/vendors", headers=editor, timeout=10,
                           json={"name": name}).json()
    model = requests.post(f"{server.base_url}/api/v1/models", headers=editor, timeout=10,
                          json={"vendor_id": vendor["id"], "name": "X1",
                                "device_class": "handset"}).json()
    folder = server.sqlite_file().parent
    feed = folder / "listing.json"
    feed.write_text(json.dumps({"results": [{
        "id": "safety-1", "source": SOURCES["EL"], "name": name, "alt_names": [],
        "addresses": [], "start_date": "2019-01-01", "end_date": None,
        "federal_register_notice": None}]}))
    settings = Settings(database_url=server.url, redis_url=server.redis_url,
                        var_dir=str(folder), feed_file_dir=str(folder), decision_log_journal="")
    source_id = add_source(settings.database_url, feed, "src_safety")
    done = refresh(settings, source_id, None, "bench", lambda: datetime.now(UTC))
    acknowledged, version = time.perf_counter(), int(done["data_version"])
    answers = []
    while time.perf_counter() - acknowledged < WATCH_S:
        answer = _ask(server, {"model_id": model["id"]})
        answers.append((time.perf_counter() - acknowledged, answer.get("verdict"),
                        int(answer.get("data_version", 0))))
    allows = [a for a in answers if a[1] == "allow"]
    return {"asked_after_activation": len(answers),
            "allowed_after_activation": len(allows),
            "allowed_naming_the_new_version": sum(1 for a in allows if a[2] >= version),
            "last_allow_after_activation_s": max((a[0] for a in allows), default=0.0)}
