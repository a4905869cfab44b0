"""Fixtures for the tests that read the demo history over HTTP."""

from __future__ import annotations

import pytest
from demo_api import demo_refs
from flask.testing import FlaskClient


@pytest.fixture(scope="module")
def refs(demo_client: FlaskClient, demo_keys: dict[str, dict[str, str]]) -> dict[str, str]:
    return demo_refs(demo_client, demo_keys["viewer"])


@pytest.fixture(scope="module")
def ota(demo_keys: dict[str, dict[str, str]]) -> dict[str, str]:
    return demo_keys["ota"]
