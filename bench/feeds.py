"""The CSL-sized import: a generated feed (20,000 entries, 60,000 names) parsed, validated,
diffed, screened and activated by the refresh job's own code, on SQLite, in a process of its
own so that its peak memory (`VmHWM`) is the import's alone.

2,000 vendors are registered first (20 of them under a name the feed lists), since an
activation screens every vendor against its new names in its own transaction. Two refreshes
are timed: the first import of the whole feed, and a second one of the same feed with 100
entries changed (a diff of 100 against 20,000). Then vendor writes with the list loaded, as
an editor makes them (through the app, each screened against the active lists in its
transaction and published), are timed one by one.

`python -m bench.feeds` runs it alone; `run()` gives the figures to `python -m bench`.
"""

from __future__ import annotations

import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import show
from bench.feedgen import generate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENTRIES, NAMES, CHANGED = 20_000, 60_000, 100
VENDORS, LISTED_VENDORS, WRITES = 2_000, 20, 50


def run() -> dict[str, Any]:
    """Generate both feeds here, then import them in a fresh process that does only that."""
    with tempfile.TemporaryDirectory(prefix="elig-feeds-") as tmp:
        work = Path(tmp)
        generate(work / "csl.json", "csl-json", entries=ENTRIES, names=NAMES)
        _change(work / "csl.json", work / "csl-next.json", CHANGED)
        done = subprocess.run([sys.executable, "-m", "bench.feeds", "--child", tmp],
                              cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def add_source(database_url: str, feed: Path, source_id: str = "src_bench") -> str:
    """Register `feed` as a source straight in the database (no server needed); its id."""
    from service.store.db import write_session
    from service.store.pipeline import Source

    with write_session(database_url) as session:
        session.add(Source(id=source_id, name="generated CSL", format="csl-json",
                           url=feed.as_uri(), schedule="0 */6 * * *", enabled=True,
                           staleness_limit_hours=48, max_drop_percent=20,
                           created_at=datetime.now(UTC), created_by="bench", counts={}))
    return source_id


def _child(work: Path) -> dict[str, Any]:
    from config.settings import Settings
    from service.sources.refresh import refresh
    from service.store.migrate import upgrade

    feed = work / "csl.json"
    settings = Settings(database_url=f"sqlite:///{work / 'bench.db'}", redis_url="",
                        var_dir=str(work), decision_log_journal="", feed_file_dir=str(work))
    upgrade(settings.database_url)
    add_source(settings.database_url, feed)
    _add_vendors(settings.database_url, feed)
    rss_before = _peak_mb()
    started = time.perf_counter()
    first = refresh(settings, "src_bench", None, "bench", lambda: datetime.now(UTC))
    full_s = time.perf_counter() - started
    _move_source(settings.database_url, (work / "csl-next.json").as_uri())
    started = time.perf_counter()
    second = refresh(settings, "src_bench", None, "bench", lambda: datetime.now(UTC))
    changed_s = time.perf_counter() - started
    peak = _peak_mb()
    writes = _vendor_writes(settings)
    return {"import_s": full_s, "import_outcome": first["outcome"],
            "entries": sum(first["counts"].values()), "changed_100_import_s": changed_s,
            "changed_outcome": f"{second['outcome']} ({second['changed']} changed)",
            "peak_rss_mb": peak, "rss_before_import_mb": rss_before,
            "feed_mb": feed.stat().st_size / 1e6, "vendors": VENDORS,
            "vendor_write_p50_ms": statistics.median(writes),
            "vendor_write_p90_ms": statistics.quantiles(writes, n=10)[-1]}


def _add_vendors(database_url: str, feed: Path) -> None:
    """Register the vendors straight in the database: some named as the feed lists them."""
    from bench.screening import VENDOR_SYLLABLES, company
    from service.screening import MATCHER_VERSION
    from service.store.db import write_session
    from service.store.models import Vendor, VendorScreening

    rng = random.Random(7)
    listed = [e["name"] for e in json.loads(feed.read_text())["results"][:LISTED_VENDORS]]
    names = listed + [company(rng, VENDOR_SYLLABLES)[0] for _ in range(VENDORS - len(listed))]
    now = datetime.now(UTC)
    with write_session(database_url) as session:
        for n, name in enumerate(names):
            session.add(Vendor(id=f"v_bench{n:05d}", version=1, recorded_at=now,
                               recorded_by="bench", deleted=False, name=name, aliases=[],
                               country=None, brands=[]))
            session.add(VendorScreening(vendor_id=f"v_bench{n:05d}", matcher=MATCHER_VERSION,
                                        screened_at=now))


def _vendor_writes(settings: Any) -> list[float]:
    """Milliseconds of each of `WRITES` vendor creations through the app (no HTTP)."""
    from service import create_app
    from service.keys import create_key

    _, secret, _ = create_key(settings.database_url, "bench", "editor", "bench",
                              datetime.now(UTC))
    client = create_app(settings=settings.with_overrides({"follow_snapshots": False})).test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    client.get("/api/v1/vendors?limit=1", headers=headers)  # the snapshot, built once
    times = []
    for n in range(WRITES):
        started = time.perf_counter()
        answer = client.post("/api/v1/vendors", json={"name": f"Benchmark Devices {n} GmbH"},
                             headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 201, answer.get_json()
    return times


def _change(feed: Path, to: Path, count: int) -> None:
    data = json.loads(feed.read_text())
    for entry in data["results"][:count]:
        entry["alt_names"] = [*entry["alt_names"], f"{entry['name']} Trading"]
    to.write_text(json.dumps(data))


def _move_source(database_url: str, url: str) -> None:
    from service.store.db import write_session
    from service.store.pipeline import Source

    with write_session(database_url) as session:
        source = session.get(Source, "src_bench")
        assert source is not None
        source.url = url


def _peak_mb() -> float:
    """This process's peak resident memory. Not `ru_maxrss`: Linux carries it over from the
    parent across fork and exec, so a child of a large benchmark process reports the
    parent's peak. `VmHWM` belongs to the process's own memory map."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    if "--child" in sys.argv:
        print(json.dumps(_child(Path(sys.argv[-1]))))
    else:
        show(run())
