"""The dashboard in a real browser: Playwright driving Debian's Chromium against a live
`python -m service serve --demo` (web, worker and scheduler on the embedded defaults).

Playwright's own browser download is not used: Chromium comes from the system
(`apt-get install chromium`, found at `ELIG_CHROMIUM` or /usr/bin/chromium). Where there is
none, every browser test is skipped and the run says so in one line; it never passes silently.
Screenshots of each page go to `var/screenshots/` (an artifact; three are in the README).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_serve import (
    ROOT,
    free_port,
    serve_env,
    start_serve,
    wait_until_live,
)

CHROMIUM = os.environ.get("ELIG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
HAVE_BROWSER = Path(CHROMIUM).exists()
NO_BROWSER = (f"browser tests skipped: no Chromium at {CHROMIUM} "
              "(apt-get install chromium, or set ELIG_CHROMIUM)")
SCREENSHOTS = ROOT / "var" / "screenshots"
PASSWORD = "a long password for the browser tests"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if HAVE_BROWSER:
        return
    for item in items:
        if "tests/browser" in str(item.path):
            item.add_marker(pytest.mark.skip(reason=NO_BROWSER))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not HAVE_BROWSER:
        terminalreporter.write_line(NO_BROWSER, yellow=True, bold=True)


@dataclass
class Live:
    url: str
    env: dict[str, str]
    log: Path


def create_user(env: dict[str, str], role: str, name: str) -> None:
    subprocess.run([sys.executable, "-m", "service", "create-user", "--role", role, "--name",
                    name, "--password-stdin"], input=PASSWORD + "\n", text=True, cwd=ROOT,
                   env=env, check=True, capture_output=True)


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """`serve --demo` on a port of its own, with a user per role (password `PASSWORD`)."""
    var = tmp_path_factory.mktemp("browser-var")
    env = serve_env(var)
    env["ELIG_WEB_WORKERS"] = "2"
    port = free_port()
    log = var / "serve.log"
    process = start_serve(port, env, log, "--demo")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_live(url, process, seconds=90)
        for role in ("viewer", "editor", "admin"):
            create_user(env, role, f"{role}-browser")
        yield Live(url, env, log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def context(chromium: Any) -> Iterator[Any]:
    made = chromium.new_context(viewport={"width": 1280, "height": 900})
    made.set_default_timeout(15_000)
    yield made
    made.close()


def sign_in(page: Any, live: Live, role: str = "admin") -> None:
    page.goto(f"{live.url}/login")
    page.get_by_label("User name").fill(f"{role}-browser")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live.url}/")


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def accessibility_violations(page: Any) -> list[str]:
    """axe-core's WCAG 2.x A and AA violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
            for v in results.response["violations"]]
