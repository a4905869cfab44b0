"""Fixtures for tests that fault whole processes: a private PostgreSQL cluster."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.postgres_cluster import PrivateCluster, server_binaries


@pytest.fixture
def private_postgres() -> Iterator[PrivateCluster]:
    """A running PostgreSQL cluster of this test's own, which it may stop and start."""
    binaries = server_binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) in "
                    "/usr/lib/postgresql/*/bin or on PATH")
    try:
        cluster = PrivateCluster(binaries)
    except KeyError:
        pytest.skip("running as root, and there is no `postgres` user to run initdb as")
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()
