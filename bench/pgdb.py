"""A fresh PostgreSQL database for one benchmark run, created next to `DATABASE_URL`'s.

The database `DATABASE_URL` names is shared (the test suite uses it): the served benchmarks
get a new `bench_<hex>` database on the same server instead, dropped when they are done, so
that each run starts from the demo alone and leaves nothing behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import make_url


def postgres_url(environ: dict[str, str] | None = None) -> str:
    """`DATABASE_URL` if it names a PostgreSQL database, else ""."""
    url = (os.environ if environ is None else environ).get("DATABASE_URL", "")
    if not url:
        return ""
    return url if make_url(url).get_backend_name() == "postgresql" else ""


@contextmanager
def fresh_database(url: str) -> Iterator[str]:
    """Create an empty database on `url`'s server, yield its URL, drop it afterwards."""
    name = f"bench_{os.urandom(6).hex()}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:  # CREATE DATABASE cannot run inside a transaction
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:  # FORCE: a straggling connection must not keep it
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
