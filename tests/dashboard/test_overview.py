"""The overview: what is stale or failing first, in words; then queues, licences and answers."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import time_machine
from flask import Flask

from config.settings import Settings
from service import clock, create_app
from service.store.db import write_session
from service.store.pipeline import Refresh, Source
from tests.dashboard import demo_history
from tests.dashboard.conftest import Browser


def add_source(settings: Settings, name: str, checked_ago: timedelta | None,
               version: int = 1) -> str:
    now = clock.now()
    with write_session(settings.database_url) as session:
        source = Source(id=f"src_{name.lower()}", name=name, format="csl-json",
                        url="https://feeds.example/csl.json", schedule="0 * * * *",
                        enabled=True, staleness_limit_hours=48, max_drop_percent=20,
                        created_at=now - timedelta(days=10), created_by="tests", counts={"EL": 3},
                        version=version,
                        last_checked_at=None if checked_ago is None else now - checked_ago)
        session.add(source)
    return source.id


def attention(page: str) -> list[str]:
    """The sentences of the 'Needs attention' list, in order."""
    found = re.search(r'<ul class="attention">(.*?)</ul>', page, re.S)
    assert found, page[:3000]
    return [html.unescape(re.sub(r"<[^>]+>", "", item)).strip()
            for item in re.findall(r"<li[^>]*>(.*?)</li>", found.group(1), re.S)]


def test_a_stale_source_is_said_first_in_words_and_a_held_refresh_after_it(
        settings: Settings, signed_in: Callable[[str], Browser]) -> None:
    add_source(settings, "Fresh", timedelta(hours=2))
    stale = add_source(settings, "Old", timedelta(days=3, hours=1))
    with write_session(settings.database_url) as session:
        session.add(Refresh(id="ref_held", source_id=stale, trigger="schedule",
                            started_at=clock.now(), outcome="held", counts={},
                            previous_counts={}, base_version=1,
                            reason="EL lost 40% of its rows"))
    page = signed_in("viewer").get("/")
    assert page.status_code == 200
    said = attention(page.text)
    assert said[0] == "Problem: Source Old is 3 days old, past its 48 h limit."
    assert any(s.startswith("Attention: A refresh of Old is held for an admin's approval")
               and "EL lost 40% of its rows" in s for s in said)
    assert not any("Fresh" in s for s in said)


def test_redis_away_is_said_on_the_page_which_still_answers(
        settings: Settings, users: dict[str, str]) -> None:
    away = create_app(settings=settings.with_overrides({"redis_url": "redis://127.0.0.1:9/0"}))
    browser = Browser(away.test_client())
    assert browser.login("viewer").status_code == 302
    page = browser.get("/")
    assert page.status_code == 200
    assert any("The job queue (Redis) cannot be reached" in s for s in attention(page.text))


def test_the_last_days_answers_are_counted_by_verdict_and_basis(
        app: Flask, settings: Settings, signed_in: Callable[[str], Browser],
        keys: dict[str, dict[str, str]]) -> None:
    demo_history.load(settings)
    p30 = {"model_id": demo_history.model_id(settings, "P30 Pro")}
    mate30 = {"model_id": demo_history.model_id(settings, "Mate 30 Pro")}
    with time_machine.travel(clock.now() - timedelta(hours=25), tick=False):
        demo_history.decide(app, keys, {"device": mate30, "update": demo_history.PATCH,
                                        "at": "2019-10-01"})  # too old to count
    for _ in range(2):
        demo_history.decide(app, keys, {"device": p30, "update": demo_history.PATCH,
                                        "at": "2019-06-01"})
    demo_history.decide(app, keys, {"device": mate30, "update": demo_history.PATCH,
                                    "at": "2019-10-01"})
    viewer = signed_in("viewer")
    page = viewer.get("/").text
    assert counted(page) == [("allow", "licensed", "2"), ("deny", "licence_required", "1")]
    assert 'aria-labelledby="answers-title answers-desc"' in page
    demo_history.decide(app, keys, {"device": mate30, "update": demo_history.PATCH,
                                    "at": "2019-10-01"})
    assert counted(viewer.get("/").text) == [("allow", "licensed", "2"),
                                             ("deny", "licence_required", "2")]


def counted(page: str) -> list[tuple[str, str, str]]:
    """The rows of the table of answers by verdict and basis."""
    return re.findall(r'<tr><td class="verdict-(\w+)">\w+</td><td><code>(\w+)</code></td>'
                      r"<td>(\d+)</td></tr>", page)


def test_a_licence_ending_within_30_days_is_named_with_its_date(
        settings: Settings, signed_in: Callable[[str], Browser]) -> None:
    demo_history.load(settings)
    # Each TGL extension took over where the last ended: its cover ends only on 2020-08-14.
    with time_machine.travel(datetime(2020, 7, 20, tzinfo=UTC), tick=False):
        page = signed_in("viewer").get("/").text
    assert any(s.startswith("Attention: Licence TGL-HUAWEI-2019 stops covering Huawei "
                            "Technologies Co., Ltd. on 2020-08-14") for s in attention(page))
    with time_machine.travel(datetime(2019, 8, 1, tzinfo=UTC), tick=False):
        earlier = signed_in("viewer").get("/").text
    assert "TGL-HUAWEI-2019" not in earlier
