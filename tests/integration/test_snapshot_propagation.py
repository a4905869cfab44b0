"""A write in one process reaches the others' snapshots; Redis being down only slows it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service import create_app
from tests.conftest import make_settings

P30_PATCH = {
    "device": {"vendor": "Acme Phones Ltd", "model": "A1"},
    "update": {"supplier": "Google LLC", "supplier_country": "US", "kind": "security_patch",
               "product": "Android", "enhances_functionality": False},
    "at": "2024-01-01T00:00:00Z",
}
DEAD_REDIS = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there


def poll(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
    return check()


@pytest.fixture
def processes(database_url: str, redis_url: str) -> Iterator[Callable[..., Flask]]:
    apps: list[Flask] = []

    def make(redis: str = redis_url) -> Flask:
        app = create_app(settings=make_settings(database_url, redis, follow_snapshots=True))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["eligibility"].snapshots.stop()


def verdict(client: FlaskClient, headers: dict[str, str]) -> str:
    response = client.post("/api/v1/decisions", json=P30_PATCH, headers=headers)
    assert response.status_code == 200, response.get_json()
    return str(response.get_json()["verdict"])


def designate_acme(client: FlaskClient, headers: dict[str, str]) -> None:
    vendor = client.post("/api/v1/vendors", json={"name": "Acme Phones Ltd"}, headers=headers)
    assert vendor.status_code == 201
    response = client.post("/api/v1/designations", headers=headers, json={
        "source": "EL", "name": "Acme Phones Ltd", "effective_from": "2023-01-01",
        "vendor_ids": [vendor.get_json()["id"]]})
    assert response.status_code == 201


def test_a_restricting_write_reaches_another_process_within_a_second(processes, keys):
    writer, reader = processes().test_client(), processes().test_client()
    assert verdict(reader, keys["ota"]) == "allow"
    designate_acme(writer, keys["editor"])
    assert verdict(writer, keys["ota"]) == "deny"  # the writer answers with it at once
    started = time.monotonic()
    assert poll(lambda: verdict(reader, keys["ota"]) == "deny", seconds=1.0)
    assert time.monotonic() - started <= 1.0


def test_with_redis_down_writes_commit_and_other_processes_still_follow(processes, keys):
    writer, reader = processes(DEAD_REDIS).test_client(), processes(DEAD_REDIS).test_client()
    assert verdict(reader, keys["ota"]) == "allow"
    designate_acme(writer, keys["editor"])
    assert verdict(writer, keys["ota"]) == "deny"
    assert poll(lambda: verdict(reader, keys["ota"]) == "deny", seconds=3.0)


def test_readyz_is_not_ready_while_redis_is_down(processes):
    response = processes(DEAD_REDIS).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": True, "redis": False,
                                             "lists_fresh": True}
