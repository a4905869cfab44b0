"""The simulator answers as the API would, logs nothing, and names bad input beside its field."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from config.settings import Settings
from service.store.db import read_session
from service.store.models import DecisionLogEntry
from tests.dashboard import demo_history
from tests.dashboard.conftest import Browser

P30_PATCH = {"device_id": "SN-P30PRO-0001", "supplier": "Google LLC", "supplier_country": "US",
             "kind": "security_patch", "product": "Android", "enhances": "no",
             "at": "2019-06-01"}


@pytest.fixture
def feed_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.with_overrides({"var_dir": str(tmp_path)})


def verdict(page: str) -> str:
    found = re.search(r'<p class="big verdict-(\w+)">', page)
    assert found, page[:2000]
    return found.group(1)


def logged(settings: Settings) -> int:
    with read_session(settings.database_url) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(DecisionLogEntry)) or 0


def test_the_p30_pro_in_june_2019_is_review_until_its_near_match_is_dismissed(
        app: Flask, feed_settings: Settings, signed_in: Callable[[str], Browser],
        keys: dict[str, dict[str, str]]) -> None:
    demo_history.load(feed_settings, with_feed=True)
    huawei = demo_history.vendor_id(feed_settings, "Huawei Technologies Co., Ltd.")
    viewer = signed_in("viewer")
    first = viewer.get("/simulator", query_string=P30_PATCH)
    assert first.status_code == 200
    assert verdict(first.text) == "review" and "possible_match" in first.text
    assert "not a decision given to a device" in first.text
    assert 'aria-labelledby="simulator-timeline-title' in first.text
    # The sample feed gives Huawei two near matches: its Düsseldorf office, in force then, and
    # its brand in "Huawei Cloud Computing Technology", listed only from 2020-08-17.
    pending = demo_history.pending_matches(feed_settings, huawei)
    assert sorted(pending) == ["Huawei Cloud Computing Technology Co., Ltd.",
                               "Huawei Technologies D'sseldorf GmbH"]
    match = pending["Huawei Technologies D'sseldorf GmbH"]
    dismissed = app.test_client().post(f"/api/v1/matches/{match}/dismiss", headers=keys["editor"],
                                       json={"reason": "Düsseldorf office, not the maker"})
    assert dismissed.status_code == 200
    second = viewer.get("/simulator", query_string=P30_PATCH)
    assert verdict(second.text) == "allow" and "<code>licensed</code>" in second.text
    assert "2019-08-19T00:00:00Z" in second.text  # when the TGL's first terms hand over
    assert logged(feed_settings) == 0


def test_the_simulator_gives_what_the_api_gives(app: Flask, settings: Settings,
                                                signed_in: Callable[[str], Browser],
                                                keys: dict[str, dict[str, str]]) -> None:
    demo_history.load(settings)
    mate30 = demo_history.model_id(settings, "Mate 30 Pro")
    given = demo_history.decide(app, keys, {"device": {"model_id": mate30},
                                            "update": demo_history.PATCH, "at": "2019-10-01"})
    page = signed_in("viewer").get("/simulator", query_string={
        "model_id": mate30, **{k: v for k, v in P30_PATCH.items() if k != "device_id"},
        "version": "2019-06-05", "at": "2019-10-01"})
    assert verdict(page.text) == given["verdict"] == "deny"
    for reason in given["reasons"]:
        assert reason.replace('"', "&#34;").replace("'", "&#39;") in page.text
    assert logged(settings) == 1  # the API's own decision, and nothing more


def test_bad_input_gets_the_apis_message_beside_its_field(
        app: Flask, settings: Settings, signed_in: Callable[[str], Browser],
        keys: dict[str, dict[str, str]]) -> None:
    api = app.test_client().post("/api/v1/decisions", headers=keys["ota"], json={
        "device": {"id": "SN-P30PRO-0001"}, "update": demo_history.PATCH, "at": "2019-13-01"})
    [error] = api.get_json()["errors"]
    page = signed_in("viewer").get("/simulator", query_string={**P30_PATCH,
                                                               "at": "2019-13-01"})
    assert page.status_code == 422
    shown = re.search(r'<p class="error" id="at-error">([^<]*)</p>', page.text)
    assert shown and shown.group(1) == error["message"]
    assert 'aria-describedby="at-error"' in page.text


def test_an_unknown_device_is_named_beside_its_field_and_nothing_is_logged(
        settings: Settings, signed_in: Callable[[str], Browser]) -> None:
    demo_history.load(settings)
    page = signed_in("viewer").get("/simulator", query_string={**P30_PATCH,
                                                               "device_id": "SN-NOBODY"})
    assert page.status_code == 422
    assert '<p class="error" id="device_id-error">unknown device</p>' in page.text
    assert logged(settings) == 0


def test_an_empty_simulator_is_a_form_to_fill(signed_in: Callable[[str], Browser]) -> None:
    page = signed_in("viewer").get("/simulator")
    assert page.status_code == 200
    assert '<form method="get" action="/simulator"' in page.text and "The answer" not in page.text


def test_a_link_naming_only_a_model_fills_the_form_in(
        signed_in: Callable[[str], Browser]) -> None:
    page = signed_in("viewer").get("/simulator", query_string={"model_id": "m_unknown"})
    assert page.status_code == 200 and "The answer" not in page.text
    asked = signed_in("viewer").get("/simulator", query_string={"model_id": "m_x", "ask": "1"})
    assert asked.status_code == 422
