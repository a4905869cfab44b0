"""Device imports in the database: the staged rows of an upload, checked and merged as sets.

An upload's rows are copied into `device_import_rows` (PostgreSQL `COPY`, SQLite
`executemany`), so that the job that imports them may run on any machine and never holds a
file's rows in memory or in Redis. The checks are one query each (a join, a grouping), and the
merge is one `INSERT … SELECT … ON CONFLICT DO NOTHING`: their cost grows with the file, not
with the number of devices already registered, and never row by row in Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.store.db import engine_for, write_session
from service.store.models import Base, Device, DeviceModel

STAGE_CHUNK = 10_000  # rows per `executemany` on SQLite
_SQLITE_CACHE_KB = 128 * 1024
LISTED = 200  # rows at fault listed per check; the count says how many there were


class DeviceImport(Base):
    """One uploaded file: who sent it, how many rows, the rows unreadable as devices."""

    __tablename__ = "device_imports"
    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    actor: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[datetime]
    filename: Mapped[str] = mapped_column(sa.String(200))
    rows: Mapped[int]
    error_count: Mapped[int]  # errors of rows not staged (unreadable); the first in `errors`
    errors: Mapped[list[Any]]
    result: Mapped[dict[str, Any] | None]  # what the import did, once it ran


class StagedDevice(Base):
    """A readable row of an uploaded file, waiting for its import's job."""

    __tablename__ = "device_import_rows"
    import_id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    line: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(sa.String(120))
    model_id: Mapped[str] = mapped_column(sa.String(120))


Row = tuple[int, str, str]  # (line, device id, model id)
_STAGED = StagedDevice.__table__


@contextmanager
def staging_session(url: str) -> Iterator[Session]:
    """A transaction for staged rows: on PostgreSQL without the write lock (staging a large
    file takes seconds, and touches nothing a write reads); SQLite has one writer anyway."""
    engine = engine_for(url)
    if engine.dialect.name != "postgresql":
        with write_session(url) as session:
            yield session
        return
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


def stage(session: Session, import_id: str, rows: Iterable[list[Row]]) -> None:
    """Copy chunks of rows into the staging table, in the session's transaction."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        raw: Any = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(
                "COPY device_import_rows (import_id, line, device_id, model_id) FROM STDIN"
        ) as copy:
            for chunk in rows:
                for line, device_id, model_id in chunk:
                    copy.write_row((import_id, line, device_id, model_id))
        return
    insert = ("INSERT INTO device_import_rows (import_id, line, device_id, model_id) "
              "VALUES (?, ?, ?, ?)")
    for chunk in rows:
        connection.exec_driver_sql(insert, [(import_id, *row) for row in chunk])


def analyse(session: Session) -> None:
    """Let PostgreSQL's planner know the staged rows' number (its statistics would still say
    the table is empty, and plan the checks' joins for a handful of rows)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("ANALYZE device_import_rows"))


def discard(session: Session, import_id: str) -> None:
    """Drop an import's staged rows (once it has run: its result is kept on its record)."""
    session.execute(sa.delete(StagedDevice).where(StagedDevice.import_id == import_id))


def _current_models() -> sa.Select[Any]:
    newest = (sa.select(DeviceModel.id, sa.func.max(DeviceModel.version).label("v"))
              .group_by(DeviceModel.id).subquery())
    return (sa.select(DeviceModel.id).join(newest, (DeviceModel.id == newest.c.id)
                                           & (DeviceModel.version == newest.c.v))
            .where(DeviceModel.deleted.is_(False)))


def _at_fault(session: Session, query: Any) -> tuple[int, list[Any]]:
    """How many rows `query` finds, and the first of them by line."""
    count = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    listed = list(session.execute(query.order_by(sa.text("1")).limit(LISTED))) if count else []
    return count, listed


def listed_twice(session: Session, import_id: str) -> tuple[int, list[dict[str, Any]]]:
    """Rows naming a device listed on an earlier line with another model."""
    s, first = StagedDevice, sa.orm.aliased(StagedDevice)
    mixed = (sa.select(s.device_id).where(s.import_id == import_id).group_by(s.device_id)
             .having(sa.func.min(s.model_id) != sa.func.max(s.model_id)))
    if session.scalar(sa.select(sa.func.count()).select_from(mixed.subquery())) == 0:
        return 0, []  # the common case, answered by one grouping
    firsts = (sa.select(s.device_id, sa.func.min(s.line).label("line"))
              .where(s.import_id == import_id, s.device_id.in_(mixed)).group_by(s.device_id)
              .subquery())
    query = (sa.select(s.line, s.device_id, first.model_id)
             .join(firsts, firsts.c.device_id == s.device_id)
             .join(first, (first.import_id == import_id) & (first.line == firsts.c.line))
             .where(s.import_id == import_id, s.model_id != first.model_id))
    count, found = _at_fault(session, query)
    return count, [{"line": line, "field": "model_id",
                    "message": f"{device!r} is listed before with {model!r}"}
                   for line, device, model in found]


def unknown_models(session: Session, import_id: str) -> tuple[int, list[dict[str, Any]]]:
    """Rows naming a model that is not registered (or withdrawn) as the database has it now."""
    s = StagedDevice
    query = (sa.select(s.line, s.model_id)
             .where(s.import_id == import_id, s.model_id.not_in(_current_models())))
    count, found = _at_fault(session, query)
    return count, [{"line": line, "field": "model_id", "message": f"unknown model {model!r}"}
                   for line, model in found]


def registered_before(session: Session, import_id: str
                      ) -> tuple[int, int, list[dict[str, Any]]]:
    """Rows naming a device already registered: how many, how many with another model (and
    the first of those)."""
    s = StagedDevice
    joined = (sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(
        sa.case((Device.model_id != s.model_id, 1), else_=0)), 0))
        .select_from(s).join(Device, Device.id == s.device_id).where(s.import_id == import_id))
    known, other = session.execute(joined).one()
    if not other:
        return int(known), 0, []
    query = (sa.select(s.line, s.device_id, Device.model_id)
             .join(Device, Device.id == s.device_id)
             .where(s.import_id == import_id, Device.model_id != s.model_id))
    _, found = _at_fault(session, query)
    return int(known), int(other), [
        {"line": line, "field": "model_id", "message": f"{device!r} is registered with {model!r}"}
        for line, device, model in found]


# In id order, so each page of the devices' primary-key index is touched once per import rather
# than once per row (20% off the merge at a million devices on SQLite).
_MERGE = sa.text(
    "INSERT INTO devices (id, model_id, recorded_at, recorded_by, data_version) "
    "SELECT device_id, model_id, :at, :actor, :version FROM device_import_rows "
    "WHERE import_id = :import_id ORDER BY device_id ON CONFLICT (id) DO NOTHING"
).bindparams(sa.bindparam("at", type_=Device.__table__.c.recorded_at.type))


def merge(session: Session, import_id: str, data_version: int, actor: str,
          now: datetime) -> int:
    """Register every staged device not yet registered; return how many were."""
    # Plain SQL, the same on both engines: SQLAlchemy reports no row count for an
    # `INSERT … SELECT` it builds on psycopg.
    if session.get_bind().dialect.name == "sqlite":
        # The devices' index outgrows SQLite's default 2 MB page cache long before a million
        # rows, and each new id lands on a random page of it: a larger cache for this
        # connection keeps the rate from falling as the table grows.
        session.execute(sa.text(f"PRAGMA cache_size=-{_SQLITE_CACHE_KB}"))
    done = session.execute(_MERGE, {"at": now, "actor": actor, "version": data_version,
                                    "import_id": import_id})
    return int(done.rowcount)  # type: ignore[attr-defined]
