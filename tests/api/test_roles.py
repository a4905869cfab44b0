"""Every route × every credential: only the roles meant to reach a route do.

The routes are read from the app's URL map, so a route added later is checked too: it must
declare the role it needs (`service.auth.requires` or `public`), that role must be the one
api.md gives its kind of route, and the declaration must hold for real requests: 401 without a
valid key, 403 below the role, neither at or above it.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from config.settings import PROJECT_ROOT, Settings
from service import clock, create_app
from service.keys import create_key
from service.store.models import Base

ORDER = ["ota", "viewer", "editor", "admin"]
PUBLIC_PATHS = {"/livez", "/readyz", "/metrics", "/api/v1/openapi.json"}
ADMIN_PREFIXES = ("/api/v1/keys", "/api/v1/sources", "/api/v1/webhooks", "/api/v1/jobs",
                  "/api/v1/users")
INLINE_DECISION = {"device": {"vendor": "Acme Devices", "model": "Phone 1"},
                   "update": {"supplier": "Google LLC", "kind": "security_patch",
                              "product": "Android"},
                   "at": "2019-06-01T00:00:00Z"}


def route_app() -> Flask:
    """The app as built for serving; building it touches neither database nor Redis."""
    return create_app(settings=Settings(database_url="sqlite://", redis_url="",
                                        follow_snapshots=False))


def routes(app: Flask) -> list[tuple[str, str]]:
    """Every (method, rule) the API answers (the dashboard's pages are checked in
    `tests/dashboard`), but for Flask's own static files."""
    return sorted((method, rule.rule) for rule in app.url_map.iter_rules()
                  if rule.endpoint != "static" and not rule.endpoint.startswith("dashboard.")
                  for method in (rule.methods or set()) - {"HEAD", "OPTIONS"})


SERVED = route_app()
ROUTES = routes(SERVED)


def view_for(app: Flask, method: str, rule: str) -> Any:
    matched, _ = app.url_map.bind("localhost").match(concrete(rule), method=method,
                                                     return_rule=True)
    assert matched.rule == rule, f"{concrete(rule)} reaches {matched.rule}, not {rule}"
    return app.view_functions[matched.endpoint]


def concrete(rule: str) -> str:
    """A path for `rule` with every variable part filled by an id that names nothing."""
    return re.sub(r"<(?:[^:>]+:)?[^>]+>", "x_unknown", rule)


def policy(method: str, rule: str) -> str:
    """The role api.md gives a route: decisions `ota`, reads `viewer`, writes `editor`,
    keys, sources, webhooks, jobs and users `admin`; health and the API description public."""
    if rule in PUBLIC_PATHS:
        return "public"
    assert rule.startswith("/api/v1/"), f"{rule}: not in api.md's policy; add it here"
    if rule == "/api/v1/decisions/export":  # a list of them all: as the dashboard's search
        return "viewer"
    if rule.startswith("/api/v1/decisions"):
        return "ota"
    if rule.startswith(ADMIN_PREFIXES):
        return "admin"
    return "viewer" if method == "GET" else "editor"


def call(client: FlaskClient, method: str, rule: str, headers: dict[str, str]) -> TestResponse:
    """Request the route with a minimal body: enough to get past the permission check."""
    body: Any = {} if method in {"POST", "PUT", "PATCH"} else None
    return client.open(concrete(rule), method=method, json=body, headers=headers)


# --- every route declares its role, and it is the one api.md gives -------------------------

@pytest.mark.parametrize(("method", "rule"), ROUTES)
def test_every_route_declares_the_role_it_needs(method: str, rule: str) -> None:
    view = view_for(SERVED, method, rule)
    assert hasattr(view, "required_role"), (
        f"{method} {rule} has no permission check: decorate it with requires(...) or public")


@pytest.mark.parametrize(("method", "rule"), ROUTES)
def test_the_declared_role_is_the_one_the_api_gives(method: str, rule: str) -> None:
    declared = getattr(view_for(SERVED, method, rule), "required_role", None)
    assert declared == policy(method, rule)


def test_the_routes_checked_are_the_routes_served(app: Flask) -> None:
    assert routes(app) == ROUTES
    assert len(ROUTES) > 30  # the URL map was really read


# --- every route × every credential ----------------------------------------------------------

@dataclass(frozen=True)
class Keyring:
    client: FlaskClient
    headers: dict[str, dict[str, str]]  # credential name -> request headers


REFUSED = ["no_header", "basic_scheme", "bearer_without_key", "key_without_scheme",
           "unknown_key", "altered_key", "revoked_key"]


@pytest.fixture(scope="module")
def keyring(databases: Any, redis_url: str) -> Keyring:
    """A key per role, and every kind of credential that must not pass, on one database.

    The requests below get past the permission check with minimal bodies and unknown ids, so
    none of them writes: the database can serve the whole matrix.
    """
    database_url = databases.fresh()
    settings = Settings(database_url=database_url, redis_url=redis_url, follow_snapshots=False)
    client = create_app(settings=settings).test_client()
    secrets = {role: create_key(database_url, f"matrix {role}", role, "tests", clock.now())[1]
               for role in ORDER}
    admin = {"Authorization": f"Bearer {secrets['admin']}"}
    created = client.post("/api/v1/keys", json={"name": "to revoke", "role": "admin"},
                          headers=admin)
    assert created.status_code == 201
    assert client.delete(f"/api/v1/keys/{created.get_json()['id']}",
                         headers=admin).status_code == 200
    headers = {role: {"Authorization": f"Bearer {secret}"} for role, secret in secrets.items()}
    headers |= {
        "no_header": {},
        "basic_scheme": {"Authorization": f"Basic {secrets['admin']}"},
        "bearer_without_key": {"Authorization": "Bearer "},
        "key_without_scheme": {"Authorization": secrets["admin"]},
        "unknown_key": {"Authorization": "Bearer elk_" + "A" * 43},
        "altered_key": {"Authorization": f"Bearer {secrets['admin'][:-1]}"
                                         f"{'B' if secrets['admin'][-1] != 'B' else 'C'}"},
        "revoked_key": {"Authorization": f"Bearer {created.get_json()['key']}"},
    }
    return Keyring(client, headers)


def assert_refused(response: TestResponse, status: int) -> None:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]


@pytest.mark.parametrize("credential", REFUSED + ORDER)
@pytest.mark.parametrize(("method", "rule"), ROUTES)
def test_each_route_admits_exactly_the_roles_it_declares(
        keyring: Keyring, method: str, rule: str, credential: str) -> None:
    required = policy(method, rule)
    response = call(keyring.client, method, rule, keyring.headers[credential])
    if required == "public":
        assert response.status_code not in {401, 403}
    elif credential in REFUSED:
        assert_refused(response, 401)
    elif ORDER.index(credential) < ORDER.index(required):
        assert_refused(response, 403)
    else:
        assert response.status_code not in {401, 403}, response.get_json()
        assert response.status_code < 500, response.get_json()


@pytest.mark.parametrize("path", sorted(PUBLIC_PATHS))
def test_public_routes_answer_without_a_key(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


# --- keys: revoked at once, never stored in the clear, printed by the command line ---------

def test_a_revoked_key_is_refused_on_its_next_call(client: FlaskClient, keys: dict) -> None:
    created = client.post("/api/v1/keys", json={"name": "laptop", "role": "editor"},
                          headers=keys["admin"]).get_json()
    own = {"Authorization": f"Bearer {created['key']}"}
    assert client.get("/api/v1/vendors", headers=own).status_code == 200

    revoked = client.delete(f"/api/v1/keys/{created['id']}", headers=keys["admin"])

    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    assert_refused(client.get("/api/v1/vendors", headers=own), 401)
    assert_refused(client.post("/api/v1/decisions", json=INLINE_DECISION, headers=own), 401)
    assert client.get("/api/v1/vendors", headers=keys["admin"]).status_code == 200


def test_a_key_cannot_revoke_keys_below_admin(client: FlaskClient, keys: dict) -> None:
    listed = client.get("/api/v1/keys", headers=keys["admin"]).get_json()["items"]
    admin_key = next(k for k in listed if k["role"] == "admin")
    assert_refused(client.delete(f"/api/v1/keys/{admin_key['id']}", headers=keys["editor"]),
                   403)
    assert client.get("/api/v1/keys", headers=keys["admin"]).status_code == 200


def test_no_key_secret_is_stored_in_the_database(client: FlaskClient, keys: dict,
                                                 database_url: str) -> None:
    created = client.post("/api/v1/keys", json={"name": "ci", "role": "ota"},
                          headers=keys["admin"]).get_json()
    secrets = [h["Authorization"].removeprefix("Bearer ") for h in keys.values()]
    secrets.append(created["key"])

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = [str(value) for table in Base.metadata.sorted_tables
                      for row in conn.execute(sa.select(table)) for value in row]
            hashes = set(conn.execute(sa.text("SELECT key_hash FROM api_keys")).scalars())
    finally:
        engine.dispose()

    for secret in secrets:
        token = secret.removeprefix("elk_")
        assert not any(token in value for value in stored)
        assert hashlib.sha256(secret.encode()).hexdigest() in hashes
    database_file = sa.engine.make_url(database_url).database
    if database_url.startswith("sqlite") and database_file:
        raw = b"".join(p.read_bytes() for p in Path(database_file).parent.glob(
            Path(database_file).name + "*"))  # the file with its -wal and -shm
        assert not any(s.removeprefix("elk_").encode() in raw for s in secrets)


def test_the_command_line_prints_a_key_that_works_at_its_next_request(
        client: FlaskClient, keys: dict, database_url: str, redis_url: str) -> None:
    # The web process has served with its snapshot before the key exists, and does not
    # follow other processes' writes here: the key must still work at once.
    assert client.get("/api/v1/vendors", headers=keys["viewer"]).status_code == 200
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    result = subprocess.run([sys.executable, "-m", "service", "create-key", "--role", "ota",
                             "--name", "x"], env=env, cwd=PROJECT_ROOT, capture_output=True,
                            text=True, timeout=120, check=True)

    last_line = result.stdout.splitlines()[-1]
    assert re.fullmatch(r"elk_[A-Za-z0-9_-]{40,}", last_line), result.stdout
    own = {"Authorization": f"Bearer {last_line}"}
    decision = client.post("/api/v1/decisions", json=INLINE_DECISION, headers=own)
    assert decision.status_code == 200, decision.get_json()
    assert decision.get_json()["verdict"] in {"allow", "deny", "review"}
    assert_refused(client.get("/api/v1/vendors", headers=own), 403)
