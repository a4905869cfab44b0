"""Writing decision-log rows fast: plain DB-API `executemany`, values prepared once.

The ORM's per-value processing costs more than the database's own work at thousands of rows
a second, so this module speaks the driver's SQL directly; instants go in as naive UTC in
the same text form SQLAlchemy writes to SQLite, so reading them through the models agrees.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

COLUMNS = ("id", "evaluated_at", "api_key_id", "data_version", "size", "items")


def _instant(value: datetime, dialect: str) -> Any:
    naive = value.astimezone(UTC).replace(tzinfo=None)
    return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else naive


def write(engine: sa.Engine, rows: list[dict[str, Any]], bodies: Iterable[tuple[str, str]],
          skip_known: bool = False) -> None:
    """Insert log rows and the shared bodies not yet stored, in one committed transaction.

    With `skip_known`, rows whose id is already stored are left alone (replaying a spool
    whose earlier replay may have half-happened).
    """
    dialect = engine.dialect.name
    mark = "?" if dialect == "sqlite" else "%s"
    pooled = engine.raw_connection()
    conn = pooled.driver_connection
    assert conn is not None
    cursor = conn.cursor()
    try:
        if dialect == "sqlite":  # autocommit mode (see store.db): begin explicitly
            cursor.execute("BEGIN IMMEDIATE")
        cursor.executemany(
            f"INSERT INTO decision_bodies (digest, body) VALUES ({mark}, {mark}) "
            "ON CONFLICT (digest) DO NOTHING", list(bodies))
        cursor.executemany(
            f"INSERT INTO decision_log ({', '.join(COLUMNS)}) "
            f"VALUES ({', '.join([mark] * len(COLUMNS))})"
            + (" ON CONFLICT (id) DO NOTHING" if skip_known else ""),
            [tuple(_instant(row[c], dialect) if c == "evaluated_at" else row[c]
                   for c in COLUMNS) for row in rows])
        conn.commit()
    except BaseException:
        conn.rollback()
        pooled.invalidate()  # a connection in an unknown state never goes back to the pool
        raise
    finally:
        cursor.close()
        pooled.close()
