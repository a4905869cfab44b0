"""Every dashboard page declares its role, and the declaration holds for real requests.

The pages are read from the URL map, so a page added later is checked too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from config.settings import Settings
from service import create_app
from tests.dashboard.conftest import ROLES, Browser

ORDER = ["viewer", "editor", "admin"]


def pages(app: Flask) -> list[tuple[str, str, str]]:
    """(method, rule, endpoint) of every dashboard page but its static files."""
    return sorted((method, rule.rule, rule.endpoint) for rule in app.url_map.iter_rules()
                  if rule.endpoint.startswith("dashboard.") and rule.endpoint != "dashboard.static"
                  for method in (rule.methods or set()) - {"HEAD", "OPTIONS"})


SERVED = create_app(settings=Settings(database_url="sqlite://", redis_url="",
                                      follow_snapshots=False))
PAGES = pages(SERVED)


def declared(app: Flask, endpoint: str) -> Any:
    return getattr(app.view_functions[endpoint], "required_role", None)


def concrete(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?[^>]+>", "x_unknown", rule)


@pytest.mark.parametrize(("method", "rule", "endpoint"), PAGES)
def test_every_page_declares_the_role_it_needs(method: str, rule: str, endpoint: str) -> None:
    assert declared(SERVED, endpoint) in {"public", *ORDER}, (
        f"{method} {rule} has no role: decorate it with page(...) or public")


def test_only_signing_in_is_public() -> None:
    public = {rule for _, rule, endpoint in PAGES if declared(SERVED, endpoint) == "public"}
    assert public == {"/login"}


def test_the_pages_checked_are_the_pages_served() -> None:
    assert ("GET", "/", "dashboard.overview") in PAGES


@pytest.mark.parametrize(("method", "rule", "endpoint"),
                         [p for p in PAGES if declared(SERVED, p[2]) != "public"])
def test_a_stranger_is_sent_to_sign_in(browser: Browser, method: str, rule: str,
                                       endpoint: str) -> None:
    if method == "GET":
        answer = browser.get(concrete(rule))
        assert answer.status_code == 302
        assert answer.headers["Location"].startswith("/login?next=")
    else:
        answer = browser.post(concrete(rule))
        assert answer.status_code == 302
        assert answer.headers["Location"] == "/login"


@pytest.mark.parametrize(("method", "rule", "endpoint"),
                         [p for p in PAGES if declared(SERVED, p[2]) in ORDER])
def test_each_role_reaches_exactly_the_pages_it_may(
        signed_in: Callable[[str], Browser], method: str, rule: str, endpoint: str) -> None:
    needed = ORDER.index(declared(SERVED, endpoint))
    for role in ROLES:
        browser = signed_in(role)
        url = concrete(rule)
        answer = browser.get(url) if method == "GET" else browser.post(url)
        if ORDER.index(role) < needed:
            assert answer.status_code == 403, (role, method, rule)
            assert "text/html" in answer.content_type
        else:
            assert answer.status_code != 403, (role, method, rule)
            assert answer.status_code < 500, (role, method, rule, answer.text[:500])
