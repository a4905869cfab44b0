"""Batch decisions over HTTP: 1,000 items a request from 4 client threads for about 5 s.

The items mix registered devices, models and updates with inline ones (some judged at past
instants). Afterwards the decision log must have grown by exactly the decisions answered.
"""

from __future__ import annotations

import random
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import requests

from bench.server import Server, decision_log_count, ids

ITEMS = 1000
THREADS = 4
DURATION_S = 5.0
INLINE_DEVICES = [
    {"vendor": "Huawei", "model": "P30 Pro"}, {"vendor": "Samsung", "model": "Galaxy S10"},
    {"vendor": "ZTE Corporation", "model": "Blade V9"}, {"vendor": "Xiaomi", "model": "Mi 10"},
    {"vendor": "Acme Handsets Ltd.", "model": "A1"}, {"vendor": "Huawei Device Co., Ltd.",
                                                       "model": "Nova 5T"},
]
INLINE_UPDATES: list[dict[str, Any]] = [
    {"supplier": "Google LLC", "supplier_country": "US", "kind": "security_patch",
     "product": "Android", "version": "2019-06-05", "enhances_functionality": False},
    {"supplier": "Google LLC", "supplier_country": "US", "kind": "os_upgrade",
     "product": "Android", "version": "11", "enhances_functionality": True},
    {"supplier": "Microsoft Corporation", "kind": "security_patch", "product": "Windows 10",
     "version": "KB4503293"},
    {"supplier": "Android Open Source Project", "supplier_country": "US",
     "kind": "security_patch", "product": "AOSP", "publicly_available": True},
]


def batch_items(server: Server, count: int = ITEMS, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    devices, models = ids(server.url, "devices"), ids(server.url, "device_models")
    updates = ids(server.url, "updates")
    start = datetime(2016, 1, 1, tzinfo=UTC)
    items = []
    for i in range(count):
        device: dict[str, Any] = [
            {"id": rng.choice(devices)}, {"model_id": rng.choice(models)},
            dict(rng.choice(INLINE_DEVICES))][i % 3]
        update: dict[str, Any] = (
            {"id": rng.choice(updates)} if i % 2 else dict(rng.choice(INLINE_UPDATES)))
        item: dict[str, Any] = {"device": device, "update": update}
        if rng.random() < 0.2:  # most ask about now; some replay a past instant
            at = start + timedelta(days=rng.randrange(5 * 365))
            item["at"] = at.isoformat().replace("+00:00", "Z")
        items.append(item)
    return items


def _client(url: str, headers: dict[str, str], body: bytes, deadline: float
            ) -> dict[str, float]:
    counts = {"requests": 0.0, "decisions": 0.0, "problems": 0.0, "failed": 0.0}
    latencies: list[float] = []
    with requests.Session() as session:
        while time.monotonic() < deadline:
            began = time.perf_counter()
            response = session.post(url, data=body, headers=headers, timeout=120)
            latencies.append(time.perf_counter() - began)
            counts["requests"] += 1
            if response.status_code != 200:
                counts["failed"] += 1
                continue
            results = orjson.loads(response.content)["results"]
            answered = sum(1 for result in results if "verdict" in result)
            counts["decisions"] += answered
            counts["problems"] += len(results) - answered
    counts["median_latency_s"] = statistics.median(latencies) if latencies else 0.0
    return counts


def run(server: Server, seconds: float = DURATION_S, threads: int = THREADS) -> dict[str, Any]:
    url = f"{server.base_url}/api/v1/decisions/batch"
    headers = {"Authorization": f"Bearer {server.api_key}", "Content-Type": "application/json"}
    body = orjson.dumps({"items": batch_items(server)})
    before = decision_log_count(server.url)
    for _ in range(2 * server.workers):  # warm-up: reach every worker, most likely
        warm = requests.post(url, data=body, headers=headers, timeout=120)
        if warm.status_code != 200:
            raise RuntimeError(f"the batch request failed: {warm.status_code} {warm.text[:500]}")
        before += sum(1 for result in orjson.loads(warm.content)["results"]
                      if "verdict" in result)
    _shipped(server, before)  # the warm-up's answers reach the database before counting
    began = time.perf_counter()
    deadline = time.monotonic() + seconds
    with ThreadPoolExecutor(threads) as pool:
        futures = [pool.submit(_client, url, headers, body, deadline) for _ in range(threads)]
        per_thread = [f.result() for f in futures]
    elapsed = time.perf_counter() - began
    totals = {k: sum(c[k] for c in per_thread) for k in ("requests", "decisions", "problems",
                                                         "failed")}
    catching_up = time.perf_counter()
    grown = _shipped(server, before + int(totals["decisions"])) - before
    return {
        **totals, "seconds": elapsed, "decisions_per_s": totals["decisions"] / elapsed,
        "median_request_s": statistics.median(c["median_latency_s"] for c in per_thread),
        "log_grown": grown, "log_exact": grown == totals["decisions"],
        "log_shipped_after_s": time.perf_counter() - catching_up,
    }


def _shipped(server: Server, expected: int, seconds: float = 60) -> int:
    """The decision log's count once it holds `expected` decisions (every answer is in the
    web processes' journal when given, and in the database once shipped), or at the
    deadline."""
    deadline = time.monotonic() + seconds
    count = decision_log_count(server.url)
    while count < expected and time.monotonic() < deadline:
        time.sleep(0.05)  # polling the database, bounded by the deadline
        count = decision_log_count(server.url)
    return count
