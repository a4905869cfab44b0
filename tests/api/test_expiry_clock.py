"""A licence expires on the clock alone: no worker, no write, the same app instance.

The clock is moved with time-machine (not ticking), to one second before the licence's end and
then to the end itself; decisions ask without `at`, so they are judged at the server's now.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from demo_api import API, instant
from flask.testing import FlaskClient
from werkzeug.http import parse_date

Keys = dict[str, dict[str, str]]
EXPIRY = datetime(2030, 1, 1, tzinfo=UTC)
LAST_SECOND = datetime(2029, 12, 31, 23, 59, 59, tzinfo=UTC)
QUESTION = {"update": {"supplier": "Example Software Inc.", "supplier_country": "US",
                       "kind": "security_patch", "product": "Example OS",
                       "enhances_functionality": False}}


def created(client: FlaskClient, headers: dict[str, str], path: str, body: Any) -> str:
    response = client.post(f"{API}{path}", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


@pytest.fixture
def model_id(client: FlaskClient, keys: Keys) -> str:
    """A listed vendor's handset, with a licence that runs until 2030-01-01T00:00:00Z."""
    editor = keys["editor"]
    vendor = created(client, editor, "/vendors", {"name": "Expiring Devices Ltd."})
    model = created(client, editor, "/models", {"vendor_id": vendor, "name": "E1",
                                                "device_class": "handset"})
    created(client, editor, "/designations", {"source": "EL", "name": "Expiring Devices Ltd.",
                                              "effective_from": "2020-01-01",
                                              "vendor_ids": [vendor]})
    created(client, editor, "/licences", {
        "number": "GL-EXPIRING", "kind": "general", "vendor_ids": [vendor], "lifts": ["EL"],
        "valid_from": "2020-01-01", "valid_until": "2030-01-01T00:00:00Z",
        "scope": {"update_kinds": ["security_patch"]}})
    return model


def ask_now(client: FlaskClient, keys: Keys, model_id: str, moment: datetime
            ) -> tuple[dict[str, Any], int, datetime | None]:
    """Ask without `at` with the clock stopped at `moment`: the answer, max-age and Date."""
    with time_machine.travel(moment, tick=False):
        response = client.post(f"{API}/decisions", headers=keys["ota"],
                               json=QUESTION | {"device": {"model_id": model_id}})
    assert response.status_code == 200, response.get_json()
    age = re.search(r"max-age=(\d+)", response.headers["Cache-Control"])
    assert age is not None
    return response.get_json(), int(age.group(1)), parse_date(response.headers["Date"])


def test_licence_allows_in_its_last_second_and_denies_at_its_expiry_without_any_worker(
    client: FlaskClient, keys: Keys, model_id: str
) -> None:
    last, last_age, last_date = ask_now(client, keys, model_id, LAST_SECOND)
    expired, _, expired_date = ask_now(client, keys, model_id, EXPIRY)

    assert (last["verdict"], last["basis"]) == ("allow", "licensed")
    assert instant(last["at"]) == instant(last["evaluated_at"]) == LAST_SECOND
    assert instant(last["valid_until"]) == EXPIRY
    assert last_age <= 1  # a cached allow must not outlive the licence
    assert last_date == LAST_SECOND
    assert (expired["verdict"], expired["basis"]) == ("deny", "licence_required")
    assert instant(expired["at"]) == EXPIRY
    assert expired["valid_until"] is None
    assert expired_date == EXPIRY
    assert expired["data_version"] == last["data_version"]  # nothing was written in between


def test_licence_expiry_is_seen_even_after_the_allow_was_asked_for_many_times(
    client: FlaskClient, keys: Keys, model_id: str
) -> None:
    for _ in range(3):
        allowed, _, _ = ask_now(client, keys, model_id, LAST_SECOND)
        assert allowed["verdict"] == "allow"

    expired, age, _ = ask_now(client, keys, model_id, EXPIRY)

    assert (expired["verdict"], expired["basis"]) == ("deny", "licence_required")
    assert age > 0
