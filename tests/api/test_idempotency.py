"""Safe retries with `Idempotency-Key`: the first answer again, and the work done once."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from service import clock
from service import eligibility as el
from service.store.db import read_session, write_session
from service.store.models import DecisionLogEntry, Vendor
from service.store.pipeline import IdempotencyKey

DECISION = {"device": {"vendor": "Acme Mobile Co., Ltd.", "model": "A1"},
            "update": {"supplier": "Google LLC", "kind": "security_patch",
                       "product": "Android", "enhances_functionality": False}}


def with_key(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


def count(database_url: str, table: Any) -> int:
    with read_session(database_url) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(table)) or 0


def test_a_retried_write_gets_the_first_answer_and_writes_once(
        client: FlaskClient, keys: dict, database_url: str) -> None:
    headers = with_key(keys["editor"], "vendor-1")
    first = client.post("/api/v1/vendors", json={"name": "Acme"}, headers=headers)
    again = client.post("/api/v1/vendors", json={"name": "Acme"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count(database_url, Vendor) == 1


def test_a_retried_decision_gives_the_same_decision_and_logs_nothing_new(
        client: FlaskClient, keys: dict, database_url: str) -> None:
    headers = with_key(keys["ota"], "check-in-7")
    first = client.post("/api/v1/decisions", json=DECISION, headers=headers)
    logged = count(database_url, DecisionLogEntry)
    again = client.post("/api/v1/decisions", json=DECISION, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    assert count(database_url, DecisionLogEntry) == logged
    fetched = client.get(f"/api/v1/decisions/{first.get_json()['decision_id']}",
                         headers=keys["ota"])
    assert fetched.get_json()["verdict"] == first.get_json()["verdict"]
    batch = {"items": [DECISION, {"device": {}}]}
    one = client.post("/api/v1/decisions/batch", json=batch, headers=with_key(headers, "b"))
    two = client.post("/api/v1/decisions/batch", json=batch, headers=with_key(headers, "b"))
    assert two.get_json() == one.get_json() and two.headers["Idempotent-Replayed"] == "true"


def test_the_same_key_for_another_request_is_refused(client: FlaskClient, keys: dict,
                                                     database_url: str) -> None:
    headers = with_key(keys["editor"], "vendor-1")
    client.post("/api/v1/vendors", json={"name": "Acme"}, headers=headers)
    other = client.post("/api/v1/vendors", json={"name": "Globex"}, headers=headers)
    assert other.status_code == 422
    assert other.get_json()["errors"][0]["field"] == "Idempotency-Key"
    elsewhere = client.post("/api/v1/models", json={"name": "Acme"}, headers=headers)
    assert elsewhere.status_code == 422
    assert count(database_url, Vendor) == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "caf\u00e9"])
def test_a_malformed_key_is_refused_naming_the_header(client: FlaskClient, keys: dict,
                                                      key: str, database_url: str) -> None:
    answer = client.post("/api/v1/vendors", json={"name": "Acme"},
                         headers=with_key(keys["editor"], key))
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == [{"field": "Idempotency-Key",
                                            "message": "1 to 255 printable characters"}]
    assert count(database_url, Vendor) == 0


def test_keys_belong_to_the_api_key_that_sent_them(client: FlaskClient, keys: dict,
                                                   database_url: str) -> None:
    for role in ("editor", "admin"):
        answer = client.post("/api/v1/vendors", json={"name": "Acme"},
                             headers=with_key(keys[role], "same"))
        assert answer.status_code == 201 and "Idempotent-Replayed" not in answer.headers
    assert count(database_url, Vendor) == 2


def test_a_key_is_kept_for_a_day(client: FlaskClient, keys: dict, database_url: str) -> None:
    headers = with_key(keys["editor"], "daily")
    client.post("/api/v1/vendors", json={"name": "Acme"}, headers=headers)
    with time_machine.travel(clock.now() + timedelta(hours=23), tick=False):
        assert client.post("/api/v1/vendors", json={"name": "Acme"},
                           headers=headers).headers.get("Idempotent-Replayed") == "true"
    with time_machine.travel(clock.now() + timedelta(hours=24, seconds=1), tick=False):
        fresh = client.post("/api/v1/vendors", json={"name": "Acme"}, headers=headers)
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh.headers
    assert count(database_url, Vendor) == 2


def test_concurrent_duplicates_write_once(app: Flask, keys: dict, database_url: str) -> None:
    headers = with_key(keys["editor"], "burst")
    answers: list[Any] = []
    start = threading.Barrier(8)

    def send() -> None:
        client = app.test_client()
        start.wait()
        answers.append(client.post("/api/v1/vendors", json={"name": "Acme"},
                                   headers=headers))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert count(database_url, Vendor) == 1
    created = {a.get_json()["id"] for a in answers if a.status_code == 201}
    assert len(created) == 1
    busy = [a for a in answers if a.status_code == 409]
    assert all(a.headers["Retry-After"] == "1" for a in busy)
    assert len(busy) + sum(a.status_code == 201 for a in answers) == 8


def test_a_failed_answer_is_not_kept_and_the_retry_is_answered_afresh(
        client: FlaskClient, keys: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    headers = with_key(keys["ota"], "flaky")

    def broken(*args: object) -> el.Decision:
        raise RuntimeError("a fault in the rules")

    with monkeypatch.context() as fault:
        fault.setattr(el, "evaluate", broken)
        failed = client.post("/api/v1/decisions", json=DECISION, headers=headers)
    assert failed.status_code == 503
    answered = client.post("/api/v1/decisions", json=DECISION, headers=headers)
    assert answered.status_code == 200 and "Idempotent-Replayed" not in answered.headers


def test_a_request_whose_process_died_is_answered_by_the_retry_without_doing_it_twice(
        client: FlaskClient, keys: dict, database_url: str) -> None:
    headers = with_key(keys["ota"], "died")
    first = client.post("/api/v1/decisions", json=DECISION, headers=headers)
    # What a process killed between logging the decision and keeping its answer leaves:
    with write_session(database_url) as session:
        session.execute(sa.update(IdempotencyKey).values(status=None, body=None))
    in_flight = client.post("/api/v1/decisions", json=DECISION, headers=headers)
    assert in_flight.status_code == 409
    logged = count(database_url, DecisionLogEntry)
    with time_machine.travel(clock.now() + timedelta(minutes=2), tick=False):
        retried = client.post("/api/v1/decisions", json=DECISION, headers=headers)
    assert retried.status_code == 200
    assert retried.get_json() == first.get_json()
    assert count(database_url, DecisionLogEntry) == logged


def test_a_replayed_key_creation_never_repeats_or_stores_the_secret(
        client: FlaskClient, keys: dict, database_url: str) -> None:
    headers = with_key(keys["admin"], "new-key")
    first = client.post("/api/v1/keys", json={"name": "ci", "role": "ota"}, headers=headers)
    again = client.post("/api/v1/keys", json={"name": "ci", "role": "ota"}, headers=headers)
    secret = first.get_json()["key"]
    assert secret.startswith("elk_")
    assert again.get_json() == {**first.get_json(), "key": None}
    with read_session(database_url) as session:
        bodies = session.scalars(sa.select(IdempotencyKey.body)).all()
    assert not any(secret.encode() in (body or b"") for body in bodies)


def test_every_write_route_honours_the_key(app: Flask, client: FlaskClient,
                                           keys: dict) -> None:
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("dashboard."):
            continue  # pages: forms with CSRF tokens, not API keys (tests/dashboard)
        for method in sorted((rule.methods or set()) & {"POST", "PATCH", "DELETE"}):
            path = str(rule).replace("<", "").replace(">", "")  # ids that name nothing
            headers = with_key(keys["admin"], f"{method}-{rule.endpoint}")
            first = client.open(path, method=method, json={}, headers=headers)
            again = client.open(path, method=method, json={}, headers=headers)
            assert 400 <= first.status_code < 500, (method, path, first.status_code)
            assert again.headers.get("Idempotent-Replayed") == "true", (method, path)
            assert again.get_data() == first.get_data()
