"""The dashboard by keyboard alone: the skip link, visible focus, and the review queue's keys."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Live, sign_in

FOCUSED_OUTLINE = "getComputedStyle(document.activeElement).outlineStyle"


def test_tab_reaches_a_visible_skip_link_that_leads_to_the_content(live: Live,
                                                                    context: Any) -> None:
    page = context.new_page()
    sign_in(page, live, "viewer")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.evaluate("document.activeElement.getBoundingClientRect().top") >= 0
    assert page.evaluate(FOCUSED_OUTLINE) != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED_OUTLINE) != "none"  # the next link's focus shows too


def test_review_queue_keys_move_and_select(live: Live, context: Any) -> None:
    page = context.new_page()
    sign_in(page, live, "editor")
    page.goto(f"{live.url}/reference/designations/new")  # a near name: a match to review
    page.get_by_label("List code (EL, DPL, SDN, …)").fill("EL")
    page.get_by_label("Name", exact=True).fill("Huawei Technologies Kyiv LLC")
    page.get_by_label("Effective from").fill("2020-01-01")
    page.get_by_role("button", name="Add the designation").click()
    page.goto(f"{live.url}/review")
    assert page.locator("li.match").count() >= 1
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.matches('li.match')")
    page.keyboard.press("x")
    assert page.locator("li.match.current input[type=checkbox]").is_checked()
