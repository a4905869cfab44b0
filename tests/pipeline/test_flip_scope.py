"""The scoped flip scan finds every flip a full scan finds, and judges little else.

A small world (vendors with designations and licences, models sharing facts, updates) is
changed at random through the API while a controlled clock moves forward; after every
recompute the kept answers must equal the answers of every pair judged afresh by the pure
rules, the flips it counts must be exactly the pairs whose verdict or basis moved, and a
second run at the same instant must judge nothing at all.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.settings import Settings
from service import eligibility as el
from service.flips import recompute
from service.jsonio import iso
from service.snapshot import build_snapshot
from service.sources.freshness import Freshness
from service.store.db import read_session
from service.store.pipeline import Answer

START = datetime(2030, 1, 1, tzinfo=UTC)
KINDS = ["security_patch", "bug_fix", "os_upgrade"]
CLASSES = ["handset", "tablet"]
SOURCES = ["EL", "DPL", "UVL", "CMIC", "SDN"]
PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

hours = st.integers(-72, 72)
step = st.one_of(
    st.tuples(st.just("revoke"), st.integers(0, 99), hours),
    st.tuples(st.just("licence"), st.integers(0, 99), hours, hours, st.sampled_from(KINDS),
              st.sampled_from([None, *CLASSES]), st.booleans()),
    st.tuples(st.just("amend"), st.integers(0, 99), hours, st.sampled_from(KINDS)),
    st.tuples(st.just("designation"), st.integers(0, 99), st.sampled_from(SOURCES), hours,
              st.one_of(st.none(), hours)),
    st.tuples(st.just("model"), st.integers(0, 99), st.sampled_from(CLASSES),
              st.sampled_from([None, "2019-01-01", "2021-06-01"])),
    st.tuples(st.just("new_model"), st.integers(0, 99), st.sampled_from(CLASSES)),
    st.tuples(st.just("update"), st.integers(0, 99), st.sampled_from([None, True, False])),
    st.tuples(st.just("new_update"), st.sampled_from(KINDS), st.booleans()),
    st.tuples(st.just("withdraw_model"), st.integers(0, 99)),
    st.tuples(st.just("wait"), st.integers(1, 96)),
)


class World:
    """The records made so far and the controlled clock the recomputes read."""

    def __init__(self, client: FlaskClient, keys: dict[str, dict[str, str]]) -> None:
        self.client, self.keys = client, keys
        self.now = START
        self.ids: dict[str, list[str]] = {"vendors": [], "models": [], "updates": [],
                                          "licences": []}

    def post(self, path: str, body: dict[str, Any], kind: str | None = None) -> None:
        answer = self.client.post(path, json=body, headers=self.keys["editor"])
        # A random change the API refuses (an amendment before its licence starts) is none.
        assert answer.status_code in (200, 201, 409, 422), answer.get_json()
        if kind is not None and answer.status_code == 201:
            self.ids[kind].append(answer.get_json()["id"])

    def patch(self, path: str, body: dict[str, Any]) -> None:
        answer = self.client.patch(path, json=body, headers=self.keys["editor"])
        assert answer.status_code in (200, 409, 422), answer.get_json()

    def at(self, offset: int) -> str:
        return iso(self.now + timedelta(hours=offset))

    def pick(self, kind: str, index: int) -> str:
        return self.ids[kind][index % len(self.ids[kind])]


@pytest.fixture
def world(client: FlaskClient, keys: dict[str, dict[str, str]]) -> World:
    w = World(client, keys)
    for name in ("Acme Handsets Ltd", "Globex Devices Inc", "Initech Phones SA"):
        w.post("/api/v1/vendors", {"name": name}, "vendors")
    for n, (vendor, cls, available) in enumerate([
            (0, "handset", "2019-01-01"), (0, "handset", "2019-01-01"),  # the same facts
            (0, "tablet", None), (1, "handset", "2021-06-01"), (1, "handset", "2019-01-01"),
            (2, "tablet", "2019-01-01")]):
        w.post("/api/v1/models", {"vendor_id": w.ids["vendors"][vendor], "name": f"M{n}",
                                  "device_class": cls, "available_from": available}, "models")
    for kind, enhances in [("security_patch", False), ("bug_fix", None),
                           ("os_upgrade", True)]:
        w.post("/api/v1/updates", {"supplier": "Google LLC", "supplier_country": "US",
                                   "kind": kind, "product": "Android",
                                   "enhances_functionality": enhances}, "updates")
    w.post("/api/v1/designations", {"source": "EL", "name": "Acme Handsets Ltd",
                                    "effective_from": w.at(-1000),
                                    "vendor_ids": w.ids["vendors"][:2]})
    licence(w, 0, -500, 24, "security_patch", "handset", True)
    return w


def licence(w: World, vendor: int, start: int, end: int, kind: str, cls: str | None,
            cutoff: bool) -> None:
    scope: dict[str, Any] = {"update_kinds": [kind], "device_classes": cls and [cls],
                             "devices_available_on_or_before": "2020-01-01" if cutoff else None}
    w.post("/api/v1/licences", {
        "number": f"L-{len(w.ids['licences'])}", "kind": "general",
        "vendor_ids": [w.pick("vendors", vendor)], "lifts": ["EL", "DPL"],
        "valid_from": w.at(min(start, end)), "valid_until": w.at(max(start, end) + 1),
        "scope": scope}, "licences")


def apply(w: World, change: tuple[Any, ...]) -> None:
    what, *args = change
    if what == "revoke" and w.ids["licences"]:
        w.post(f"/api/v1/licences/{w.pick('licences', args[0])}/revocation",
               {"effective_from": w.at(args[1])})
    elif what == "licence":
        licence(w, *args)
    elif what == "amend" and w.ids["licences"]:
        w.post(f"/api/v1/licences/{w.pick('licences', args[0])}/amendments",
               {"effective_from": w.at(args[1]), "scope": {"update_kinds": [args[2]]}})
    elif what == "designation":
        until = None if args[3] is None else w.at(max(args[2], args[3]) + 1)
        w.post("/api/v1/designations", {"source": args[1], "name": f"Listed {args[0]}",
                                        "effective_from": w.at(args[2]),
                                        "effective_until": until,
                                        "vendor_ids": [w.pick("vendors", args[0])]})
    elif what == "model" and w.ids["models"]:
        w.patch(f"/api/v1/models/{w.pick('models', args[0])}",
                {"device_class": args[1], "available_from": args[2]})
    elif what == "new_model":
        w.post("/api/v1/models", {"vendor_id": w.pick("vendors", args[0]),
                                  "name": f"N{len(w.ids['models'])}", "device_class": args[1],
                                  "available_from": "2019-01-01"}, "models")
    elif what == "update":
        w.patch(f"/api/v1/updates/{w.pick('updates', args[0])}",
                {"enhances_functionality": args[1]})
    elif what == "new_update":
        w.post("/api/v1/updates", {"supplier": "Google LLC", "supplier_country": "US",
                                   "kind": args[0], "product": "Android",
                                   "enhances_functionality": args[1]}, "updates")
    elif what == "withdraw_model" and len(w.ids["models"]) > 1:
        model_id = w.pick("models", args[0])
        answer = w.client.delete(f"/api/v1/models/{model_id}", headers=w.keys["editor"])
        assert answer.status_code in (200, 204), answer.get_json()
        w.ids["models"].remove(model_id)
    elif what == "wait":
        w.now += timedelta(hours=args[0])


def told(database_url: str) -> dict[tuple[str, str], tuple[str, str, datetime | None]]:
    with read_session(database_url) as session:
        return {(a.model_id, a.update_id): (a.verdict, a.basis, a.valid_until)
                for a in session.scalars(sa.select(Answer))}


def judged_afresh(cfg: Settings, now: datetime
                  ) -> dict[tuple[str, str], tuple[str, str, datetime | None]]:
    """Every registered pair judged by the pure rules: the full scan the scope must match."""
    view = build_snapshot(cfg.database_url, now).current
    policy = el.Policy(cfg.list_effects, cfg.stale_policy, cfg.list_names)
    stale = Freshness(cfg.database_url).stale(now)
    found = {}
    for model_id, model in view.models.items():
        vendor_id = view.model_vendor[model_id]
        for update_id, update in view.updates.items():
            d = el.evaluate(el.Case(view.parties[vendor_id], model, update,
                                    view.licences_by_vendor.get(vendor_id, ()), stale),
                            now, policy)
            found[(model_id, update_id)] = (d.verdict.value, d.basis.value, d.valid_until)
    return found


@PROPERTY
@given(changes=st.lists(step, min_size=1, max_size=4))
def test_the_scoped_scan_finds_every_flip_the_full_scan_finds(
        world: World, settings: Settings, changes: list[tuple[Any, ...]]) -> None:
    if not told(settings.database_url):  # the first run: every pair, no notice
        assert recompute(settings, lambda: world.now)["full"]
        assert told(settings.database_url) == judged_afresh(settings, world.now)
    for change in changes:
        apply(world, change)
    before = told(settings.database_url)
    result = recompute(settings, lambda: world.now)
    expected = judged_afresh(settings, world.now)
    after = told(settings.database_url)
    assert {pair: after[pair] for pair in expected} == expected
    flipped = [p for p in expected if p in before and before[p][:2] != expected[p][:2]]
    assert result["flipped"] == len(flipped)
    again = recompute(settings, lambda: world.now)
    assert (again["flipped"], again["judged"]) == (0, 0)
