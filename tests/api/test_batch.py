"""A batch answers exactly as the same requests sent one by one, in order, each on its own.

About forty requests mix every way of naming a device (registered device, registered model,
inline vendor and model strings) and an update (registered, inline), at instants across the
demo history and at "now". The clock is frozen so that "now" is one instant for the batch and
for the singles alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import cycle, islice
from typing import Any

import pytest
import time_machine
from demo_api import API, check_answer, decide, instant, without_identity
from flask.testing import FlaskClient

from service.demo import resolve

NOW = datetime(2021, 6, 1, 12, 0, tzinfo=UTC)
DEVICES = [
    {"id": "SN-P30PRO-0001"},
    {"model_id": "{mate30pro}"},
    {"vendor": "Huawei", "model": "P30"},
    {"id": "SN-MATEBOOK-0001"},
    {"model_id": "{mediapad}"},
    {"id": "SN-BLADEV9-0001"},
    {"vendor": "ZTE Parsian", "model": "MF286"},
    {"id": "SN-MI9-0001"},
    {"vendor": "Samsung Electronics Co., Ltd.", "model": "Galaxy S10"},
    {"vendor": "Honor", "model": "Honor 20"},
    {"model_id": "{y9prime}"},
    {"vendor": "Unlisted Handsets Ltd.", "model": "Phone 1"},
    {"id": "SN-AXON9PRO-0001"},
]
UPDATES = [
    {"id": "{google_patch}"},
    {"id": "{android10}"},
    {"id": "{windows_patch}"},
    {"supplier": "Google LLC", "supplier_country": "US", "kind": "security_patch",
     "product": "Android", "version": "2019-06-05", "enhances_functionality": False},
    {"id": "{demo_agent}"},
    {"id": "{google_disclosure}"},
    {"supplier": "Android Open Source Project", "kind": "security_patch", "product": "AOSP",
     "publicly_available": True},
    {"id": "{google_patch_nov}"},
    {"supplier": "Google LLC", "kind": "feature_update", "product": "Android",
     "enhances_functionality": None},
]
WHEN: list[dict[str, str]] = [
    {"at": "2016-03-10"},
    {"at": "2018-07-05T12:00:00Z"},
    {"at": "2019-05-17"},
    {"at": "2019-06-01T00:00:00Z"},
    {"at": "2019-09-01T02:00:00+02:00"},
    {"at": "2020-01-15"},
    {},  # now
    {"at": "2020-08-15T00:00:00Z"},
    {"at": "2021-02-01", "known_at": "2030-01-01T00:00:00Z"},
    {"at": "2019-12-01T00:00:00Z"},
    {"known_at": "2030-01-01"},
]


@pytest.fixture(scope="module")
def questions(refs: dict[str, str]) -> list[dict[str, Any]]:
    """Forty requests; the cycles' lengths are coprime, so the combinations vary."""
    devices = islice(cycle(DEVICES), 40)
    updates = islice(cycle(UPDATES), 40)
    when = islice(cycle(WHEN), 40)
    return [resolve({"device": d, "update": u} | w, refs)
            for d, u, w in zip(devices, updates, when, strict=True)]


def post_batch(client: FlaskClient, headers: dict[str, str], items: list[dict[str, Any]]
               ) -> list[dict[str, Any]]:
    response = client.post(f"{API}/decisions/batch", json={"items": items}, headers=headers)
    assert response.status_code == 200, response.get_json()
    assert "Date" in response.headers
    results: list[dict[str, Any]] = response.get_json()["results"]
    assert len(results) == len(items)
    return results


def test_batch_answers_equal_the_same_requests_sent_one_by_one_in_order(
    demo_client: FlaskClient, ota: dict[str, str], questions: list[dict[str, Any]]
) -> None:
    with time_machine.travel(NOW, tick=False):
        batch = post_batch(demo_client, ota, questions)
        singles = [decide(demo_client, ota, request) for request in questions]

    for result, request in zip(batch, questions, strict=True):
        check_answer(result, request)
    assert [without_identity(r) for r in batch] == [without_identity(s) for s in singles]
    assert len({(r["verdict"], r["basis"]) for r in batch}) >= 6  # order is really tested


def test_each_batch_answer_is_a_decision_of_its_own_that_can_be_fetched(
    demo_client: FlaskClient, ota: dict[str, str], questions: list[dict[str, Any]]
) -> None:
    batch = post_batch(demo_client, ota, questions)

    assert len({result["decision_id"] for result in batch}) == len(batch)
    for result, request in zip(batch, questions, strict=True):
        fetched = demo_client.get(f"{API}/decisions/{result['decision_id']}", headers=ota)
        assert fetched.status_code == 200
        body = fetched.get_json()
        asked = body.pop("request")
        assert body == result
        assert (asked["device"], asked["update"]) == (request["device"], request["update"])
        for moment in ("at", "known_at"):
            assert (moment in asked) == (moment in request)
            if moment in request:
                assert instant(asked[moment]) == instant(request[moment])


@pytest.mark.parametrize(("bad", "field"), [
    ({"device": {"id": "SN-NOT-REGISTERED"}}, "device.id"),
    ({"device": {"model_id": "m_000000000000"}}, "device.model_id"),
    ({"update": {"id": "u_000000000000"}}, "update.id"),
], ids=["device", "model", "update"])
def test_an_unknown_id_in_the_middle_fails_only_its_own_item(
    demo_client: FlaskClient, ota: dict[str, str], questions: list[dict[str, Any]],
    bad: dict[str, Any], field: str
) -> None:
    middle = len(questions) // 2
    items = [*questions[:middle], questions[middle] | bad, *questions[middle + 1:]]

    with time_machine.travel(NOW, tick=False):
        mixed = post_batch(demo_client, ota, items)
        clean = post_batch(demo_client, ota, questions)

    problem = mixed[middle]
    assert problem["status"] == 404
    assert {"type", "title", "detail"} <= set(problem)
    assert "decision_id" not in problem and "verdict" not in problem
    assert [e["field"].endswith(field) for e in problem["errors"]] == [True]
    others = [without_identity(r) for i, r in enumerate(mixed) if i != middle]
    assert others == [without_identity(r) for i, r in enumerate(clean) if i != middle]
