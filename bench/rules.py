"""The rules in-process, on one core: repeated keys through the per-view decision cache, and
all-distinct seeded cases straight through `eligibility.evaluate`, where no cache can help."""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from config.settings import Settings
from service import clock
from service import eligibility as el
from service.api.schemas import DecisionRequest, DeviceClass, UpdateKind
from service.decisions.judge import decide
from service.decisions.resolve import resolve
from service.demo_loader import load_into_database
from service.screening.normalise import name_key
from service.snapshot import Snapshot, build_snapshot
from service.store.migrate import upgrade

RUNS = 5
REPEATED_CALLS = 200_000
AT_PER_KEY = 64
DISTINCT_CASES = 20_000
RUN_BUDGET_S = 60.0  # stop taking more runs once one has taken this long
INSTANTS = [datetime(y, m, d, tzinfo=UTC) for y, m, d in [
    (2016, 6, 1), (2017, 6, 1), (2018, 5, 1), (2019, 6, 1), (2019, 10, 1), (2020, 3, 15),
    (2020, 9, 1), (2022, 1, 1)]]
SOURCES = ["EL", "EL", "EL", "MEU", "DPL", "UVL", "SDN", "ISN", "CMIC", "SSI", "XYZ"]
SUPPLIERS = {"Google LLC": ["Android", "Google Play services"], "Microsoft Corporation":
             ["Windows 10", "Windows 11"], "Qualcomm Inc.": ["Modem firmware"],
             "Example Fleet Software Inc.": ["Example Fleet Agent"]}
KINDS = [k.value for k in UpdateKind]
CLASSES = [c.value for c in DeviceClass]


def policy() -> el.Policy:
    s = Settings()
    return el.Policy(s.list_effects, s.stale_policy, s.list_names)


def demo_snapshot(workdir: Path, redis_url: str) -> Snapshot:
    url = f"sqlite:///{workdir / 'rules.db'}"
    upgrade(url)
    load_into_database(Settings(var_dir=str(workdir), database_url=url, redis_url=redis_url,
                                follow_snapshots=False))
    return build_snapshot(url, clock.now())


def repeated_pool(snapshot: Snapshot, pol: el.Policy, rng: random.Random) -> list[tuple[Any, ...]]:
    """(key, party, model, update, at) for every demo (model, update), `at` in one window."""
    view, pool = snapshot.current, []
    for model_id in sorted(view.models):
        for update_id in sorted(view.updates):
            req = DecisionRequest.model_validate(
                {"device": {"model_id": model_id}, "update": {"id": update_id}})
            key, party, model, update = resolve(snapshot, view, req)
            base = rng.choice(INSTANTS)
            licences = view.licences_by_vendor.get(party.vendor_id or "", ())
            first = el.evaluate(el.Case(party, model, update, licences), base, pol)
            start = first.valid_from or base - timedelta(days=365)
            end = (first.valid_until or base + timedelta(days=365)) - timedelta(microseconds=1)
            for _ in range(AT_PER_KEY):
                pool.append((key, party, model, update, start + (end - start) * rng.random()))
    rng.shuffle(pool)
    return pool


def _day(rng: random.Random) -> datetime:
    return datetime(2015, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(8 * 365))


def _scope(rng: random.Random) -> el.Scope:
    products = [p.casefold() for ps in SUPPLIERS.values() for p in ps]
    return el.Scope(
        update_kinds=frozenset(rng.sample(KINDS, rng.randint(1, len(KINDS)))),
        products=None if rng.random() < 0.6 else frozenset(rng.sample(products, 2)),
        device_classes=None if rng.random() < 0.4 else frozenset(rng.sample(CLASSES, 3)),
        devices_available_on_or_before=None if rng.random() < 0.5 else _day(rng),
        functional_enhancement=rng.random() < 0.3)


def _licence(rng: random.Random, vendor_id: str, n: int, sources: list[str]) -> el.Licence:
    valid_from = _day(rng)
    terms, start = [], valid_from
    for _ in range(1 + rng.randint(0, 3)):  # the original terms and 0-3 amendments
        until = start + timedelta(days=rng.randint(30, 400))
        terms.append(el.LicenceTerms(start, until if rng.random() < 0.8 else None, _scope(rng)))
        start = until
    general = rng.random() < 0.5
    return el.Licence(
        id=f"l_{vendor_id}_{n}", number=f"BENCH-{vendor_id}-{n}",
        kind="general" if general else "specific",
        holder_key=None if general else name_key(rng.choice(list(SUPPLIERS))),
        vendor_ids=frozenset({vendor_id}), lifts=frozenset(rng.sample(sources, 1) + ["EL"]),
        valid_from=valid_from, terms=tuple(terms),
        revoked_from=_day(rng) if rng.random() < 0.1 else None, authority="BIS")


def distinct_cases(rng: random.Random, count: int) -> list[tuple[el.Case, datetime]]:
    """Seeded synthetic vendors (1-3 designations, 0-3 licences), each case its own model and
    update, so that no two cases share a (vendor, model, update) key."""
    cases: list[tuple[el.Case, datetime]] = []
    per_vendor = 4
    for v in range(count // per_vendor):
        vendor_id, name = f"v_bench{v:06d}", f"Bench Vendor {v} Co., Ltd."
        designations = tuple(
            el.Designation(f"d_{v}_{i}", rng.choice(SOURCES), name, _day(rng),
                           _day(rng) + timedelta(days=3000) if rng.random() < 0.2 else None)
            for i in range(rng.randint(1, 3)))
        matches = tuple(el.PossibleMatch(f"pm_{v}", el.Designation(
            f"dm_{v}", "SDN", name + " Group", _day(rng)), 0.91) for _ in range(
            rng.random() < 0.1))
        party = el.Party(vendor_id, name, designations, matches)
        licences = tuple(_licence(rng, vendor_id, n, [d.source for d in designations])
                         for n in range(rng.randint(0, 3)))
        for c in range(per_vendor):
            supplier = rng.choice(list(SUPPLIERS))
            model = el.Model(f"m_{v}_{c}", f"Model {v}-{c}", rng.choice([*CLASSES, None]),
                             rng.choice([None, _day(rng), _day(rng)]))
            update = el.Update(
                supplier, name_key(supplier), "US" if rng.random() < 0.9 else "DE",
                rng.choice(KINDS), rng.choice(SUPPLIERS[supplier]), f"{v}.{c}",
                rng.choice([True, False, None]), rng.random() < 0.03)
            cases.append((el.Case(party, model, update, licences), _day(rng)))
    return cases


def _time_repeated(snapshot: Snapshot, pool: list[tuple[Any, ...]], pol: el.Policy,
                   reps: int) -> float:
    view, version = snapshot.current, snapshot.data_version
    start = time.perf_counter_ns()
    for _ in range(reps):
        for key, party, model, update, at in pool:
            decide(view, key, party, model, update, at, pol, False, version)
    return reps * len(pool) / ((time.perf_counter_ns() - start) / 1e9)


def _hit_rate(snapshot: Snapshot, pool: list[tuple[Any, ...]], pol: el.Policy) -> float:
    """The share of one (untimed) pass that the cache answered, counting evaluations."""
    original, evaluated = el.evaluate, 0

    def counting(case: el.Case, at: datetime, policy: el.Policy) -> el.Decision:
        nonlocal evaluated
        evaluated += 1
        return original(case, at, policy)

    el.evaluate = counting  # `decide` calls the rules through the package attribute
    try:
        _time_repeated(snapshot, pool, pol, 1)
    finally:
        el.evaluate = original
    return 1 - evaluated / len(pool)


def _time_distinct(cases: list[tuple[el.Case, datetime]], pol: el.Policy) -> float:
    evaluate = el.evaluate
    start = time.perf_counter_ns()
    for case, at in cases:
        evaluate(case, at, pol)
    return len(cases) / ((time.perf_counter_ns() - start) / 1e9)


def run(workdir: Path, redis_url: str, runs: int = RUNS) -> dict[str, Any]:
    rng, pol = random.Random(20190516), policy()
    snapshot = demo_snapshot(workdir, redis_url)
    pool = repeated_pool(snapshot, pol, rng)
    reps = -(-REPEATED_CALLS // len(pool))
    _time_repeated(snapshot, pool, pol, 1)  # warm-up: fills the cache, one entry a key
    keys, hit_rate = len(snapshot.current.decisions), _hit_rate(snapshot, pool, pol)
    cases = distinct_cases(rng, DISTINCT_CASES)
    bases = Counter(el.evaluate(case, at, pol).basis.value for case, at in cases[:2000])
    repeated: list[float] = []
    distinct: list[float] = []
    for _ in range(runs):
        began = time.monotonic()
        repeated.append(_time_repeated(snapshot, pool, pol, reps))
        distinct.append(_time_distinct(cases, pol))
        if time.monotonic() - began > RUN_BUDGET_S:
            break
    return {"repeated_per_s": statistics.median(repeated), "repeated_runs": repeated,
            "repeated_calls": reps * len(pool), "repeated_keys": keys,
            "cache_hit_rate": hit_rate,
            "cache_entries_after": len(snapshot.current.decisions),
            "distinct_per_s": statistics.median(distinct), "distinct_runs": distinct,
            "distinct_cases": len(cases), "distinct_bases": dict(bases.most_common())}
