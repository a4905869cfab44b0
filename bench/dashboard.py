"""How long each dashboard page takes to render with the demo data (target: under 200 ms).

The demo history is loaded into a fresh SQLite database, an admin signs in, and every page
reachable by following the dashboard's own links from the overview (at most two of each kind)
is rendered `ROUNDS` times through the app in this process; the median counts. Network and
browser time are not in it: this is the server's part of a page view.
"""

from __future__ import annotations

import re
import statistics
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from config.settings import Settings
from service import clock, create_app
from service.demo_loader import load_into_database
from service.store.db import dispose_all
from service.store.migrate import upgrade
from service.users import create_user

ROUNDS = 5
PER_KIND = 2
PASSWORD = "a password for the benchmark"
LINK = re.compile(r'href="(/[^"#]*)"')
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def run(workdir: Path, redis_url: str) -> dict[str, Any]:
    url = f"sqlite:///{workdir / 'dashboard.db'}"
    settings = Settings(database_url=url, redis_url=redis_url, follow_snapshots=False,
                        decision_log_journal="", var_dir=str(workdir), queue_name="bench-dash")
    upgrade(url)
    load_into_database(settings)
    create_user(url, "bench", "admin", PASSWORD, "bench", clock.now())
    app = create_app(settings=settings)
    client = app.test_client()
    token = TOKEN.search(client.get("/login").get_data(as_text=True))
    assert token is not None
    client.post("/login", data={"name": "bench", "password": PASSWORD,
                                "csrf_token": token.group(1)})
    times = {path: _median_ms(client, path) for path in _crawl(app, client)}
    dispose_all()
    slowest = max(times, key=times.__getitem__)
    for path, ms in sorted(times.items(), key=lambda item: -item[1]):
        print(f"    {ms:7.1f} ms  {path}")
    return {"pages": len(times), "slowest_page": slowest, "slowest_ms": times[slowest],
            "median_ms": statistics.median(times.values())}


def _crawl(app: Any, client: Any, limit: int = 80) -> list[str]:
    urls = app.url_map.bind("localhost")
    kinds: dict[str, int] = {}
    queue: list[str] = ["/"]
    seen: list[str] = []
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        answer = client.get(path)
        if answer.status_code != 200:
            continue
        seen.append(path)
        for href in LINK.findall(answer.get_data(as_text=True)):
            href = href.replace("&amp;", "&")
            try:
                endpoint = urls.match(urlsplit(href).path, method="GET")[0]
            except Exception:  # noqa: BLE001 - not a page of ours (a static file, a 404)
                continue
            if endpoint.startswith("dashboard.") and endpoint != "dashboard.static" \
                    and kinds.get(endpoint, 0) < PER_KIND and href not in seen:
                kinds[endpoint] = kinds.get(endpoint, 0) + 1
                queue.append(href)
    return seen


def _median_ms(client: Any, path: str) -> float:
    spent = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        client.get(path).close()
        spent.append((time.perf_counter() - started) * 1000)
    return statistics.median(spent)
