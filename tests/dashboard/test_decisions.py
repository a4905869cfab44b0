"""The decision log: searched, paged, and each decision with the facts known when given."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask

from config.settings import Settings
from tests.dashboard import demo_history
from tests.dashboard.conftest import Browser


def listed(page: str) -> list[str]:
    """The decision ids a page of the log lists, in order."""
    return re.findall(r'<a href="/decisions/[^"]+"><code>([^<]+)</code></a>', page)


def test_the_log_is_searched_by_device_vendor_model_and_verdict(
        app: Flask, settings: Settings, signed_in: Callable[[str], Browser],
        keys: dict[str, dict[str, str]]) -> None:
    demo_history.load(settings)
    patch = demo_history.PATCH
    p30 = demo_history.decide(app, keys, {"device": {"id": "SN-P30PRO-0001"}, "update": patch,
                                          "at": "2019-06-01"})
    mate = demo_history.decide(app, keys, {"device": {"id": "SN-MATE30PRO-0001"},
                                           "update": patch, "at": "2019-10-01"})
    mi9 = demo_history.decide(app, keys, {"device": {"vendor": "Xiaomi", "model": "Mi 9"},
                                          "update": patch, "at": "2021-02-01"})
    viewer = signed_in("viewer")
    assert listed(viewer.get("/decisions").text) == [
        mi9["decision_id"], mate["decision_id"], p30["decision_id"]]
    assert listed(viewer.get("/decisions?device=SN-MATE30PRO-0001").text) == [
        mate["decision_id"]]
    assert listed(viewer.get("/decisions?verdict=allow").text) == [
        mi9["decision_id"], p30["decision_id"]]
    xiaomi = demo_history.vendor_id(settings, "Xiaomi Corporation")
    assert listed(viewer.get(f"/decisions?vendor={xiaomi}").text) == [mi9["decision_id"]]
    assert listed(viewer.get("/decisions?model=p30").text) == [p30["decision_id"]]
    assert listed(viewer.get("/decisions?basis=licence_required").text) == [
        mate["decision_id"]]
    assert listed(viewer.get("/decisions?until=2000-01-01").text) == []
    bad = viewer.get("/decisions?since=yesterday")
    assert bad.status_code == 422 and 'id="since-error"' in bad.text


def test_the_next_page_carries_on_where_the_last_ended(
        app: Flask, settings: Settings, signed_in: Callable[[str], Browser],
        keys: dict[str, dict[str, str]]) -> None:
    demo_history.load(settings)
    item = {"device": {"id": "SN-P30PRO-0001"}, "update": demo_history.PATCH,
            "at": "2019-06-01"}
    batch = app.test_client().post("/api/v1/decisions/batch", headers=keys["ota"],
                                   json={"items": [item] * 60})
    ids = [r["decision_id"] for r in batch.get_json()["results"]]
    viewer = signed_in("viewer")
    first = viewer.get("/decisions")
    assert listed(first.text) == ids[:50]
    older = re.search(r'<a href="([^"]+)">Older decisions</a>', first.text)
    assert older
    second = viewer.get(older.group(1).replace("&amp;", "&"))
    assert listed(second.text) == ids[50:]
    assert "Older decisions" not in second.text


def test_a_decision_shows_its_request_and_only_the_facts_known_when_it_was_given(
        app: Flask, settings: Settings, signed_in: Callable[[str], Browser],
        keys: dict[str, dict[str, str]]) -> None:
    demo_history.load(settings)
    huawei = demo_history.vendor_id(settings, "Huawei Technologies Co., Ltd.")
    given = demo_history.decide(app, keys, {"device": {"id": "SN-P30PRO-0001"},
                                            "update": demo_history.PATCH, "at": "2019-06-01"})
    later = app.test_client().post("/api/v1/licences", headers=keys["editor"], json={
        "number": "LATER-2019", "kind": "general", "vendor_ids": [huawei], "lifts": ["EL"],
        "valid_from": "2019-05-16", "scope": {"update_kinds": ["security_patch"]}})
    assert later.status_code == 201, later.get_json()
    viewer = signed_in("viewer")
    page = viewer.get(f"/decisions/{given['decision_id']}")
    assert page.status_code == 200
    assert "SN-P30PRO-0001" in page.text and "TGL-HUAWEI-2019" in page.text
    assert "LATER-2019" not in page.text  # recorded after the decision was given
    assert "LATER-2019" in viewer.get(f"/vendors/{huawei}").text
    assert 'aria-labelledby="decision-timeline-title' in page.text
    assert viewer.get(f"/decisions/{given['decision_id']}.0").status_code == 404
    assert viewer.get("/decisions/d_0000", headers={"Accept": "text/html"}).status_code == 404
