"""Signing in and out in a real browser, with and without JavaScript."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import (
    PASSWORD,
    Live,
    accessibility_violations,
    screenshot,
    sign_in,
)


def test_signing_in_shows_the_overview_and_signing_out_kills_the_old_cookie(
        live: Live, context: Any, chromium: Any) -> None:
    page = context.new_page()
    page.goto(f"{live.url}/")
    assert page.url.startswith(f"{live.url}/login?next=")
    assert accessibility_violations(page) == []
    screenshot(page, "login")
    sign_in(page, live)
    assert page.get_by_role("heading", level=1).inner_text() == "Overview"
    kept = context.cookies()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live.url}/login")
    assert "You are signed out." in page.content()

    thief = chromium.new_context()
    thief.add_cookies(kept)  # someone who kept the cookie finds the session dead
    stolen = thief.new_page()
    stolen.goto(f"{live.url}/account")
    assert stolen.url.startswith(f"{live.url}/login")
    thief.close()


def test_a_wrong_password_is_refused_beside_the_field(live: Live, context: Any) -> None:
    page = context.new_page()
    page.goto(f"{live.url}/login")
    page.get_by_label("User name").fill("admin-browser")
    page.get_by_label("Password").fill(PASSWORD + " not")
    page.get_by_role("button", name="Sign in").click()
    assert page.locator("#password-error").inner_text() == "The user name or the password is wrong."
    assert accessibility_violations(page) == []


def test_signing_in_works_without_javascript(live: Live, chromium: Any) -> None:
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live, "viewer")
    assert page.get_by_role("heading", level=1).inner_text() == "Overview"
    context.close()
