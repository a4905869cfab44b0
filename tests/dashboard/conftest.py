"""A signed-in browser per role over the Flask test client, CSRF tokens and all.

`Browser.post` sends the CSRF token of the session, read from a page as a browser would; a
test that means to leave it out says so (`csrf=False`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from service import clock
from service.users import create_user

PASSWORD = "correct horse battery staple"
ROLES = ("viewer", "editor", "admin")
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token: str | None = None

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        response = self.client.get(url, **kwargs)
        self._remember(response)
        return response

    def post(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True,
             **kwargs: Any) -> TestResponse:
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf_token())
        response = self.client.post(url, data=data, **kwargs)
        self._remember(response)
        return response

    def csrf_token(self) -> str:
        if self.token is None:
            self.get("/login")
        assert self.token is not None, "no page gave a CSRF token"
        return self.token

    def login(self, name: str, password: str = PASSWORD) -> TestResponse:
        self.get("/login")
        return self.post("/login", {"name": name, "password": password})

    def _remember(self, response: TestResponse) -> None:
        if response.mimetype == "text/html":
            found = TOKEN.search(response.get_data(as_text=True))
            if found:
                self.token = found.group(1)


@pytest.fixture
def users(database_url: str) -> dict[str, str]:
    """A user per role, named after it, all with `PASSWORD`: role -> user id."""
    return {role: create_user(database_url, role, role, PASSWORD, "tests", clock.now()).id
            for role in ROLES}


@pytest.fixture
def browser(app: Flask) -> Browser:
    return Browser(app.test_client())


@pytest.fixture
def signed_in(app: Flask, users: dict[str, str]) -> Callable[[str], Browser]:
    """A new browser signed in as the user of `role`."""

    def make(role: str) -> Browser:
        browser = Browser(app.test_client())
        answer = browser.login(role)
        assert answer.status_code == 302, answer.get_data(as_text=True)
        return browser

    return make
