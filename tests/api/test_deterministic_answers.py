"""The same history gives the same answers, byte for byte, whatever order it was recorded in.

Two databases are loaded with the demo history, one in its own order and one in another order
that still records each record before the records naming it. Every question then gets the
same answer from both, but for the ids the databases gave and the instant of answering.
"""

from __future__ import annotations

import random
import re
from typing import Any

import orjson
import pytest

from service import create_app
from service.demo import STEPS, Step, resolve
from tests.api.demo_api import demo_refs
from tests.conftest import Databases, make_keys, make_settings

REF = re.compile(r"\{(\w+)\}")
UPDATE = {"supplier": "Google LLC", "supplier_country": "US", "kind": "security_patch",
          "product": "Android", "enhances_functionality": False}
OS_UPGRADE = {**UPDATE, "kind": "os_upgrade", "enhances_functionality": True}
INSTANTS = ["2016-06-01", "2018-05-01", "2018-07-20", "2019-05-18", "2019-06-01",
            "2019-09-01", "2020-08-14", "2020-09-01", "2024-01-01"]


def another_order(seed: int) -> list[Step]:
    """The steps shuffled, each still after the steps whose records it names."""
    rng, left, done, order = random.Random(seed), list(STEPS), set(), []
    while left:
        ready = [s for s in left if set(REF.findall(orjson.dumps(
            [s.path, s.body]).decode())) <= done]
        step = rng.choice(ready)
        left.remove(step)
        order.append(step)
        if step.ref is not None:
            done.add(step.ref)
    return order


def loaded(databases: Databases, redis_url: str, steps: list[Step]) -> Any:
    url = databases.fresh()
    client = create_app(settings=make_settings(url, redis_url)).test_client()
    keys = make_keys(url)
    refs: dict[str, str] = {}
    for step in steps:
        response = client.post(resolve(step.path, refs), json=resolve(step.body, refs),
                               headers=keys["admin"])
        assert response.status_code < 300, response.get_json()
        if step.ref is not None:
            refs[step.ref] = response.get_json()["id"]
    return client, keys


def answers(client: Any, keys: dict[str, dict[str, str]]) -> list[bytes]:
    refs = demo_refs(client, keys["viewer"])
    models = [ref for ref in refs if any(s.ref == ref and s.path.endswith("/models")
                                         for s in STEPS)]
    given = []
    for model in models:
        for update in (UPDATE, OS_UPGRADE):
            for at in INSTANTS:
                answer = client.post("/api/v1/decisions", headers=keys["ota"], json={
                    "device": {"model_id": refs[model]}, "update": update, "at": at})
                given.append(orjson.dumps(without_ids(answer.get_json())))
    return given


def without_ids(answer: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in answer.items() if k not in {"decision_id", "evaluated_at"}}
    for name in ("designations", "licences"):
        kept[name] = [{k: v for k, v in item.items() if k != "id"} for item in kept[name]]
    return kept


@pytest.mark.parametrize("seed", [1, 2])
def test_two_databases_with_one_history_give_identical_answers(databases: Databases,
                                                               redis_url: str,
                                                               seed: int) -> None:
    ordered = another_order(seed)
    assert [s.path for s in ordered] != [s.path for s in STEPS]
    first = answers(*loaded(databases, redis_url, list(STEPS)))
    second = answers(*loaded(databases, redis_url, ordered))
    assert len(first) > 200
    assert [a for a in first if b'"reasons"' in a] == first
    for one, other in zip(first, second, strict=True):
        assert one == other
