"""A fleet's devices: importing a million, and what they cost an unrelated write and a process.

Seeded: 1,000,000 devices over 5,000 models, written as ten NDJSON files of 100,000 rows in a
temporary folder, imported one after the other through the real path (staged as an upload is,
then the job function in this process, as `python -m service import-devices` runs it), on
SQLite and, when `DATABASE_URL` names PostgreSQL, on a fresh database next to it. Measured:
(a) the import rate over the million, and the last file's rate against the first's (the rate
must not fall as the table grows); (b) an admin write (a new vendor through the app, which
rebuilds the writer's snapshot) and a rebuild, with no devices and with the million; (c) the
resident memory of a fresh process holding the snapshot, with none and with the million.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from bench import pgdb
from config.settings import Settings
from service import clock, create_app, device_imports
from service.keys import create_key
from service.store.db import dispose_all, write_session
from service.store.migrate import upgrade
from service.store.models import DeviceModel, Vendor
from service.store.versions import Writer

DEVICES, MODELS, FILES, SEED = 1_000_000, 5_000, 10, 11
IMPORT_SECONDS, REBUILD_RATIO, RSS_MB = 60.0, 1.5, 300.0
_RSS = """
import resource, sys
from service import clock
from service.snapshot import SnapshotHolder
holder = SnapshotHolder(sys.argv[1], "", 3600, clock.now)
snapshot = holder.current
print(len(snapshot.records.devices), open("/proc/self/statm").read().split()[1])
"""
Figure = tuple[str, str, str, bool]


def write_files(folder: Path, model_ids: list[str], devices: int) -> list[Path]:
    """Ten seeded NDJSON files of devices over the given models."""
    rng, per = random.Random(SEED), devices // FILES
    paths = []
    for n in range(FILES):
        path = folder / f"devices-{n}.ndjson"
        with path.open("wb") as file:
            for i in range(n * per, (n + 1) * per):
                serial = f"SN-{rng.getrandbits(40):010x}-{i:07}"
                file.write(orjson.dumps({"id": serial, "model_id": rng.choice(model_ids)})
                           + b"\n")
        paths.append(path)
    return paths


def seed_models(url: str) -> list[str]:
    """A vendor and its 5,000 models, in one write."""
    upgrade(url)
    with write_session(url) as session:
        writer = Writer(session, "bench", clock.now())
        vendor = writer.create(Vendor, "v", {"name": "Fleet Devices Ltd", "country": "US",
                                                 "aliases": [], "brands": []})
        return [writer.create(DeviceModel, "m", {
            "vendor_id": vendor.id, "name": f"Model {n}", "device_class": "handset",
            "available_from": None}).id for n in range(MODELS)]


def import_all(settings: Settings, paths: list[Path]) -> list[float]:
    """Seconds each file took, staged and imported (both steps, as an upload's)."""
    seconds = []
    for path in paths:
        started = time.perf_counter()
        with path.open("rb") as file:
            import_id, _ = device_imports.stage_file(settings, file, "ndjson", "bench",
                                                     path.name, clock.now(), queue=False)
        result = device_imports.run(settings, import_id, clock.now, lambda *_: None)
        assert result["outcome"] == "imported", result
        seconds.append(time.perf_counter() - started)
    return seconds


def admin_write(client: Any, headers: dict[str, str]) -> tuple[float, float]:
    """Seconds for a new vendor's request, and for a rebuild of the snapshot after it."""
    started = time.perf_counter()
    answer = client.post("/api/v1/vendors", json={"name": f"Bench {os.urandom(4).hex()} Ltd"},
                         headers=headers)
    assert answer.status_code == 201, answer.get_json()
    wrote = time.perf_counter() - started
    holder = client.application.extensions["eligibility"].snapshots
    holder._current = None  # rebuild as a process hearing of the write does
    started = time.perf_counter()
    holder.refresh()
    return wrote, time.perf_counter() - started


def writes(client: Any, headers: dict[str, str]) -> tuple[float, float]:
    """The median of three admin writes and rebuilds, after one that lets this process read
    the devices registered since it last looked (once per import, not per write)."""
    admin_write(client, headers)
    times = sorted(admin_write(client, headers) for _ in range(3))
    return times[1][0], sorted(t[1] for t in times)[1]


def resident_mb(url: str) -> tuple[int, float]:
    """Devices held and resident MB of a fresh process that has built its snapshot."""
    out = subprocess.run([sys.executable, "-c", _RSS, url], capture_output=True, text=True,
                         check=True, env={**os.environ, "ELIG_LOG_LEVEL": "WARNING"}).stdout
    held, pages = out.split()
    return int(held), int(pages) * os.sysconf("SC_PAGE_SIZE") / 1e6


def measure(engine: str, url: str, folder: Path, devices: int) -> list[Figure]:
    model_ids = seed_models(url)
    paths = write_files(folder, model_ids, devices)  # the models' ids are this database's
    settings = Settings(database_url=url, redis_url="", follow_snapshots=False)
    _, secret, _ = create_key(url, "bench", "admin", "bench", clock.now())
    client = create_app(settings=settings).test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    empty_write, empty_rebuild = writes(client, headers)
    empty_held, empty_mb = resident_mb(url)
    seconds = import_all(settings, paths)
    catch_up = admin_write(client, headers)[0]
    full_write, full_rebuild = writes(client, headers)
    full_held, full_mb = resident_mb(url)
    total, per = sum(seconds), devices // FILES
    ratio = seconds[0] / seconds[-1]
    write_ratio = full_write / empty_write
    return [
        (f"{engine}: import {devices:,} devices (10 files)",
         f"{total:.1f} s = {devices / total:,.0f}/s",
         f"< {IMPORT_SECONDS:.0f} s", total < IMPORT_SECONDS),
        (f"{engine}: import rate, last 10% / first 10%",
         f"{per / seconds[-1]:,.0f}/s / {per / seconds[0]:,.0f}/s = {ratio:.2f}", ">= 0.8",
         ratio >= 0.8),
        (f"{engine}: admin write with 1M / with 0 devices",
         f"{full_write * 1000:.0f} ms / {empty_write * 1000:.0f} ms = {write_ratio:.2f}",
         f"<= {REBUILD_RATIO}", write_ratio <= REBUILD_RATIO),
        (f"{engine}: first rebuild after the import (reads the new devices)",
         f"{catch_up * 1000:.0f} ms", "", True),
        (f"{engine}: rebuild after it, 1M / 0 devices (index already read)",
         f"{full_rebuild * 1000:.0f} ms / {empty_rebuild * 1000:.0f} ms", "",
         True),
        (f"{engine}: RSS of a process with 1M ({full_held}) / 0 ({empty_held}) devices",
         f"{full_mb:.0f} MB / {empty_mb:.0f} MB = +{full_mb - empty_mb:.0f} MB",
         f"<= +{RSS_MB:.0f} MB", full_mb - empty_mb <= RSS_MB),
    ]


def run(devices: int = DEVICES) -> list[Figure]:
    """Every figure, with its target and whether it was met."""
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="scale-devices-") as tmp:
        folder = Path(tmp)
        figures += measure("SQLite", f"sqlite:///{folder / 'bench.db'}", folder, devices)
        dispose_all()
        if base := pgdb.postgres_url():
            with pgdb.fresh_database(base) as url:
                figures += measure("PostgreSQL", url, folder, devices)
                dispose_all()
    return figures


if __name__ == "__main__":
    for name, value, target, met in run(int(sys.argv[1]) if len(sys.argv) > 1 else DEVICES):
        print(f"{'met ' if met else 'MISS'}  {name}: {value}  (target {target or '-'})")
