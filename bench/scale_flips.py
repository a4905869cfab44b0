"""The flip scan at fleet scale: a licence revocation's flips, device counts and messages.

A database (SQLite, and a fresh PostgreSQL one when `DATABASE_URL` names a server) gets, by
bulk SQL, 200 vendors (20 of them on the Entity List), 5,000 models, 2,000 updates, one
general licence covering one listed vendor, one webhook subscription and 1,000,000 devices
(seeded). The first recompute records every pair's answer (10,000,000 rows; timed, as
setup). Then the licence is revoked through the API (the Flask app, as a client would) and
the recompute that follows is timed: it must find the flips, count their devices and write
the batched messages within 10 s. Not a test: `python -m bench.scale_flips`.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import pgdb
from config.settings import Settings
from service import create_app
from service.device_index import NoDevices
from service.flips import recompute
from service.keys import create_key
from service.screening import MATCHER_VERSION
from service.snapshot import build_snapshot
from service.store import models as m
from service.store.db import write_session
from service.store.migrate import upgrade
from service.store.pipeline import Webhook

TARGET_S = 10.0
KINDS = ["security_patch", "bug_fix", "os_upgrade", "feature_update", "app_update",
         "vulnerability_disclosure"]
CLASSES = ["handset", "tablet", "laptop", "wearable"]
ROWS_AT_ONCE = 50_000
Figure = tuple[str, str, str, bool]


def run(vendors: int = 200, models: int = 5_000, updates: int = 2_000,
        devices: int = 1_000_000) -> list[Figure]:
    """Run on SQLite, then on PostgreSQL if `DATABASE_URL` names it."""
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'flips.db'}"
        figures += _backend("sqlite", url, vendors, models, updates, devices)
    postgres = pgdb.postgres_url()
    if postgres:
        with pgdb.fresh_database(postgres) as url:
            figures += _backend("postgresql", url, vendors, models, updates, devices)
    return figures


def _backend(name: str, url: str, vendors: int, models: int, updates: int,
             devices: int) -> list[Figure]:
    upgrade(url)
    now = datetime.now(UTC).replace(microsecond=0)
    settings = Settings(database_url=url, redis_url="redis://127.0.0.1:1/0",  # none: quiet
                        follow_snapshots=False, decision_log_journal="",
                        queue_name="bench-flips")
    started = time.perf_counter()
    licence_id = _fill(url, now - timedelta(days=1), vendors, models, updates, devices)
    filled = time.perf_counter() - started
    first, first_s = _timed(lambda: recompute(settings, lambda: now))
    revoked_s = _revoke(settings, licence_id, now)
    later = now + timedelta(seconds=1)
    after, after_s = _timed(lambda: recompute(settings, lambda: later))
    snapshot_s = _timed(lambda: {"built": build_snapshot(url, later, NoDevices())})[1]
    return [
        (f"{name} setup: {devices:,} devices, {models:,} models bulk-inserted (s)",
         f"{filled:.1f}", "-", True),
        (f"{name} first recompute: {first['judged']:,} pairs recorded (s)", f"{first_s:.1f}",
         "-", True),
        (f"{name} revocation through the API (s)", f"{revoked_s:.2f}", "-", True),
        (f"{name} revocation recompute: {after['judged']:,} pairs judged, "
         f"{after['flipped']:,} flips, {after['devices']:,} devices, "
         f"{after['messages']:,} messages (s)", f"{after_s:.2f}", f"<= {TARGET_S:.0f}",
         after_s <= TARGET_S and after["flipped"] > 0),
        (f"{name} of which the snapshot it judges on, built alone (s)", f"{snapshot_s:.2f}",
         "-", True),
    ]


def _timed(call: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def _fill(url: str, at: datetime, vendors: int, models: int, updates: int,
          devices: int) -> str:
    """Write the fleet by bulk SQL (seeded); return the licence's id."""
    rng = random.Random(11)
    versioned = {"version": 1, "recorded_at": at, "recorded_by": "bench", "deleted": False}
    vendor_ids = [f"v_{n:04d}" for n in range(vendors)]
    model_ids = [f"m_{n:05d}" for n in range(models)]
    with write_session(url) as session:
        session.execute(sa.insert(m.Vendor), [
            {"id": v, "name": f"Bench Vendor {v} Ltd", "aliases": [], "country": "CN",
             "brands": [], **versioned} for v in vendor_ids])
        session.execute(sa.insert(m.VendorScreening), [
            {"vendor_id": v, "matcher": MATCHER_VERSION, "screened_at": at} for v in vendor_ids])
        session.execute(sa.insert(m.DeviceModel), [
            {"id": model_id, "vendor_id": vendor_ids[n % vendors], "name": f"Model {n}",
             "device_class": rng.choice(CLASSES),
             "available_from": datetime(2015, 1, 1, tzinfo=UTC)
             + timedelta(days=rng.randrange(3650)), **versioned}
            for n, model_id in enumerate(model_ids)])
        session.execute(sa.insert(m.Update), [
            {"id": f"u_{n:05d}", "supplier": "Google LLC", "supplier_country": "US",
             "kind": KINDS[n % len(KINDS)], "product": "Android", "version_label": str(n),
             "enhances_functionality": rng.choice([False, False, None, True]),
             "publicly_available": rng.random() < 0.05, **versioned} for n in range(updates)])
        session.execute(sa.insert(m.Designation), [{
            "id": "des_bench", "source": "EL", "name": "Bench Listed Group", "alt_names": [],
            "effective_from": datetime(2019, 5, 16, tzinfo=UTC),
            "vendor_ids": vendor_ids[: max(1, vendors // 10)], **versioned}])
        session.execute(sa.insert(m.Licence), [{
            "id": "lic_bench", "number": "BENCH-1", "kind": "general", "vendor_ids":
            vendor_ids[:1], "lifts": ["EL"], "valid_from": datetime(2019, 5, 20, tzinfo=UTC),
            "valid_until": None, "scope": {"update_kinds": KINDS[:2] + KINDS[-1:],
                                           "functional_enhancement": True}, **versioned}])
        session.add(Webhook(id="wh_bench", url="https://hooks.example.com/flips",
                            secret="s" * 40, vendor_ids=[], update_kinds=[], event_types=[],
                            enabled=True, created_at=at, created_by="bench"))
        session.add(m.DataVersion(recorded_at=at, recorded_by="bench"))
    for start in range(0, devices, ROWS_AT_ONCE):
        with write_session(url) as session:
            session.execute(sa.insert(m.Device), [
                {"id": f"SN-{n:08d}", "model_id": model_ids[n % models], "recorded_at": at,
                 "recorded_by": "bench"} for n in range(start, min(devices, start + ROWS_AT_ONCE))])
    return "lic_bench"


def _revoke(settings: Settings, licence_id: str, now: datetime) -> float:
    _, secret, _ = create_key(settings.database_url, "bench editor", "editor", "bench", now)
    client = create_app(settings=settings).test_client()
    started = time.perf_counter()
    answer = client.post(f"/api/v1/licences/{licence_id}/revocation",
                         json={"effective_from": now.isoformat()},
                         headers={"Authorization": f"Bearer {secret}"})
    if answer.status_code != 201:
        raise RuntimeError(f"revocation refused: {answer.status_code} {answer.get_json()}")
    return time.perf_counter() - started


def main(argv: list[str]) -> None:
    scale = float(argv[0]) if argv else 1.0  # e.g. 0.1 for a quick look
    for name, value, target, met in run(models=int(5_000 * scale), updates=int(2_000 * scale),
                                        devices=int(1_000_000 * scale)):
        print(f"{name}: {value} (target {target}) {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main(sys.argv[1:])
