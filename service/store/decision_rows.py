"""Writing decision-log rows fast: plain DB-API `executemany`, values prepared once.

The ORM's per-value processing costs more than the database's own work at thousands of rows
a second, so this module speaks the driver's SQL directly; instants go in as naive UTC in
the same text form SQLAlchemy writes to SQLite, so reading them through the models agrees.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import orjson
import sqlalchemy as sa

from service.store.partitions import month_of

COLUMNS = ("id", "evaluated_at", "api_key_id", "data_version", "size", "items")


def _instant(value: datetime, dialect: str) -> Any:
    naive = value.astimezone(UTC).replace(tzinfo=None)
    return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else naive


def body_months(rows: list[dict[str, Any]], bodies: Mapping[str, str]
                ) -> set[tuple[str, date]]:
    """Each (digest, month) that `rows` use and whose body is among `bodies`: a body is kept
    once per month of the rows using it (see service.store.partitions)."""
    return {(item[3], month_of(row["evaluated_at"])) for row in rows
            for item in orjson.loads(row["items"]) if item[3] in bodies}


def write(engine: sa.Engine, rows: list[dict[str, Any]], bodies: Mapping[str, str],
          skip_known: bool = False) -> set[tuple[str, date]]:
    """Insert log rows and the shared bodies given, in one committed transaction; return
    the (digest, month) pairs now stored.

    With `skip_known`, rows already stored are left alone (replaying a spool whose earlier
    replay may have half-happened; a replayed row has its first `evaluated_at`).
    """
    pairs = body_months(rows, bodies)
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
            f"INSERT INTO decision_bodies (digest, month, body) VALUES ({mark}, {mark}, {mark}) "
            "ON CONFLICT (digest, month) DO NOTHING",
            [(d, m.isoformat() if dialect == "sqlite" else m, bodies[d]) for d, m in pairs])
        cursor.executemany(
            f"INSERT INTO decision_log ({', '.join(COLUMNS)}) "
            f"VALUES ({', '.join([mark] * len(COLUMNS))})"
            + (" ON CONFLICT (id, evaluated_at) DO NOTHING" if skip_known else ""),
            [tuple(_instant(row[c], dialect) if c == "evaluated_at" else row[c]
                   for c in COLUMNS) for row in rows])
        conn.commit()
        return pairs
    except BaseException:
        conn.rollback()
        pooled.invalidate()  # a connection in an unknown state never goes back to the pool
        raise
    finally:
        cursor.close()
        pooled.close()
