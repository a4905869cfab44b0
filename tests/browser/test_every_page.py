"""Every page the dashboard links to, as an admin finds them by following links: each answers,
passes axe-core's WCAG 2.x A/AA rules, and reads on a phone as well as on a laptop."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from config.settings import Settings
from service import create_app
from tests.browser.conftest import Live, accessibility_violations, screenshot, sign_in

URLS = create_app(settings=Settings(database_url="sqlite://", redis_url="",
                                    follow_snapshots=False)).url_map.bind("localhost")
PER_PAGE = 2  # pages of one kind (one route) visited at most
HREFS = "links => links.map(a => a.getAttribute('href'))"
PHONE = {"width": 390, "height": 844}


def endpoint(path: str) -> str | None:
    try:
        return str(URLS.match(path, method="GET")[0])
    except Exception:  # noqa: BLE001 - anything but a dashboard page
        return None


def crawl(page: Any, live: Live, limit: int = 80) -> dict[str, list[str]]:
    """Follow same-site links breadth-first from the overview; endpoint -> paths visited."""
    seen: dict[str, list[str]] = {}
    queue, visited = ["/"], set()
    while queue and len(visited) < limit:
        path = queue.pop(0)
        if path in visited:
            continue
        visited.add(path)
        page.goto(f"{live.url}{path}")
        found = endpoint(urlsplit(path).path) or "?"
        seen.setdefault(found, []).append(path)
        for href in page.eval_on_selector_all("a[href]", HREFS):
            target = urlsplit(href)
            if target.netloc or not target.path.startswith("/") \
                    or target.path.startswith("/static"):
                continue
            name = endpoint(target.path)
            if name and name.startswith("dashboard.") and len(seen.get(name, [])) < PER_PAGE \
                    and href not in visited:
                queue.append(href)
    return seen


def test_every_linked_page_answers_and_passes_axe(live: Live, context: Any) -> None:
    page = context.new_page()
    sign_in(page, live)
    failures: dict[str, list[str]] = {}
    for name, paths in crawl(page, live).items():
        for path in paths:
            answer = page.goto(f"{live.url}{path}")
            assert answer is not None and answer.status == 200, (path, answer and answer.status)
            found = accessibility_violations(page)
            if found:
                failures[path] = found
        screenshot(page, name.removeprefix("dashboard."))
    assert failures == {}


def test_pages_fit_a_phone(live: Live, chromium: Any) -> None:
    context = chromium.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    sign_in(page, live)
    for path in crawl(page, live, limit=25).values():
        page.goto(f"{live.url}{path[0]}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, (path[0], overflow)
        assert accessibility_violations(page) == [], path[0]
    context.close()
