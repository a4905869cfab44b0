"""A restricting change reaching every web process: from the write's request until every
answer, on fresh connections spread over the server's workers, says `deny`.

First a CSL-sized feed (20,000 entries, 60,000 names) is imported into the server's
database, as the refresh job would, so that the processes hold a realistic snapshot. Then
each round registers a vendor, designates it on the Entity List through the API and times
how long until 20 decisions in a row, each on a new connection, deny. The writing process
rebuilds before it answers; the others hear the new version on Redis.
"""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import requests

from bench.feedgen import generate
from bench.feeds import add_source
from bench.server import Server

ROUNDS = 10
IN_A_ROW = 20
LIMIT_S = 5.0


def run(server: Server) -> dict[str, Any]:
    imported = _import_csl(server)
    editor = {"Authorization": f"Bearer {server.editor_key}"}
    ota = {"Authorization": f"Bearer {server.api_key}"}
    times = []
    for _ in range(ROUNDS):
        name = f"Propagation Test {uuid.uuid4().hex[:8]} Ltd"
        vendor = requests.post(f"{server.base_url}/api/v1/vendors", json={"name": name},
                               headers=editor, timeout=10).json()
        body = {"device": {"vendor": name, "model": "X1"},
                "update": {"supplier": "Google LLC", "kind": "security_patch",
                           "product": "Android", "enhances_functionality": False}}
        started = time.perf_counter()
        written = requests.post(f"{server.base_url}/api/v1/designations", headers=editor,
                                json={"source": "EL", "name": name, "vendor_ids": [vendor["id"]],
                                      "effective_from": "2019-01-01"}, timeout=10)
        written.raise_for_status()
        in_a_row = 0
        while in_a_row < IN_A_ROW and time.perf_counter() - started < LIMIT_S:
            answer = requests.post(f"{server.base_url}/api/v1/decisions", json=body,
                                   headers={**ota, "Connection": "close"}, timeout=10)
            in_a_row = in_a_row + 1 if answer.json().get("verdict") == "deny" else 0
        times.append(time.perf_counter() - started)
    return {"visible_everywhere_max_s": max(times),
            "visible_everywhere_median_s": statistics.median(times), "rounds": ROUNDS,
            **imported}


def _import_csl(server: Server) -> dict[str, Any]:
    """Import a generated CSL-sized feed, then wait until every process serves it."""
    from config.settings import Settings
    from service.sources.refresh import refresh

    database = server.sqlite_file()
    feed = database.parent / "csl.json"
    generate(feed, "csl-json", entries=20_000, names=60_000)
    settings = Settings(database_url=f"sqlite:///{database}", redis_url=server.redis_url,
                        var_dir=str(database.parent),
                        feed_file_dir=str(database.parent), decision_log_journal="")
    source_id = add_source(settings.database_url, feed)
    done = refresh(settings, source_id, None, "bench", lambda: datetime.now(UTC))
    started = time.perf_counter()
    wanted, in_a_row = done["data_version"], 0
    while in_a_row < IN_A_ROW and time.perf_counter() - started < 120:
        ready = requests.get(f"{server.base_url}/readyz", timeout=30,
                             headers={"Connection": "close"}).json()
        in_a_row = in_a_row + 1 if int(ready["data_version"]) >= int(wanted) else 0
    return {"designations": sum(done["counts"].values()),
            "csl_in_every_process_s": time.perf_counter() - started}
