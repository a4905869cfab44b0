"""Each refusal carries the header its status calls for, as a client or a proxy reads it:
`Allow` on a 405 (RFC 9110), `WWW-Authenticate` on a 401 (RFC 6750), `Retry-After` on a 503."""

from __future__ import annotations

import re

from flask import Flask

from config.settings import Settings
from service import create_app

PROBLEM = "application/problem+json"


def allowed_by_path(app: Flask) -> dict[str, set[str]]:
    """The methods each path takes (`/decisions/batch` is also a decision's id to GET), with an
    id that names nothing in each variable part."""
    urls = app.url_map.bind("localhost")
    paths = {re.sub(r"<(?:[^:>]+:)?[^>]+>", "x_unknown", rule.rule)
             for rule in app.url_map.iter_rules()
             if rule.endpoint != "static" and not rule.endpoint.startswith("dashboard.")}
    return {path: set(urls.allowed_methods(path)) for path in paths}


def test_every_path_names_its_methods_when_another_is_used(app, client, keys):
    for path, methods in allowed_by_path(app).items():
        wrong = next(m for m in ("PUT", "PATCH", "DELETE", "POST") if m not in methods)
        answer = client.open(path, method=wrong, headers=keys["admin"])
        assert answer.status_code == 405, (wrong, path)
        assert answer.mimetype == PROBLEM
        allow = {m.strip() for m in answer.headers["Allow"].split(",")}
        assert allow == methods, (wrong, path)
    # `batch` is no decision's id: only POST reaches it
    batch = client.get("/api/v1/decisions/batch", headers=keys["ota"])
    assert batch.status_code == 405
    assert {m.strip() for m in batch.headers["Allow"].split(",")} == {"POST", "OPTIONS"}


def test_a_request_without_a_key_is_challenged_for_one(client):
    for path in ("/api/v1/vendors", "/api/v1/keys", "/api/v1/decisions/d_1"):
        answer = client.get(path)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_an_unknown_or_revoked_key_is_challenged_as_invalid(client, keys):
    made = client.post("/api/v1/keys", json={"name": "soon gone", "role": "viewer"},
                       headers=keys["admin"]).json
    assert client.delete(f"/api/v1/keys/{made['id']}", headers=keys["admin"]).status_code == 200
    for key in ("elk_never-issued", made["key"]):
        answer = client.get("/api/v1/vendors", headers={"Authorization": f"Bearer {key}"})
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_a_key_below_the_role_is_told_its_scope_is_short(client, keys):
    answer = client.post("/api/v1/vendors", json={"name": "Acme"}, headers=keys["viewer"])
    assert answer.status_code == 403
    assert answer.headers["WWW-Authenticate"] == 'Bearer error="insufficient_scope"'


def test_with_the_database_out_of_reach_every_refusal_says_when_to_retry(tmp_path, redis_url):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the database's folder should be")
    app = create_app(settings=Settings(database_url=f"sqlite:///{blocker}/service.db",
                                       redis_url=redis_url, follow_snapshots=False,
                                       decision_log_journal=""))
    client = app.test_client()
    key = {"Authorization": "Bearer elk_any"}
    for answer in (client.get("/api/v1/vendors", headers=key),
                   client.post("/api/v1/decisions", headers=key, json={
                       "device": {"vendor": "Acme", "model": "A1"},
                       "update": {"supplier": "Google LLC", "kind": "security_patch",
                                  "product": "Android"}})):
        # the unexpected-error handler: nothing allowed, a correlation id to find the log by
        assert (answer.status_code, answer.mimetype) == (503, PROBLEM)
        assert re.fullmatch(r"[0-9]+", answer.headers["Retry-After"])
        assert answer.json["correlation_id"]
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json["checks"]["database"]) == (503, False)
    assert re.fullmatch(r"[0-9]+", ready.headers["Retry-After"])


def test_with_the_job_queue_out_of_reach_the_refusal_says_when_to_retry(database_url, keys):
    app = create_app(settings=Settings(database_url=database_url,
                                       redis_url="redis://127.0.0.1:9/0",
                                       follow_snapshots=False, decision_log_journal=""))
    answer = app.test_client().get("/api/v1/jobs", headers=keys["admin"])
    assert (answer.status_code, answer.mimetype) == (503, PROBLEM)
    assert re.fullmatch(r"[0-9]+", answer.headers["Retry-After"])
