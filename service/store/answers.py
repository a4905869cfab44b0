"""The SQL of the flip scan: the answers told, the digests of their inputs, devices per model.

A recompute reads only the answers of the pairs in its scope, by model, by update or by
expiry (each indexed), and writes what it judged in bulk: new answers by `COPY` on
PostgreSQL (the first run ever writes one row per registered pair) and by one multi-row
statement elsewhere; changed answers by one statement per batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from service.store.models import Device
from service.store.pipeline import Answer, FlipInput

CHUNK = 500  # ids per `IN (…)`: well under every engine's limit on bound parameters
_COLUMNS = ("model_id", "update_id", "verdict", "basis", "valid_until", "data_version",
            "decided_at")


@dataclass(frozen=True, slots=True)
class Told:
    """The last answer told for one pair, as the flip scan compares it."""

    verdict: str
    basis: str
    valid_until: datetime | None


Pair = tuple[str, str]  # (model_id, update_id)


def chunks(ids: Iterable[str], size: int = CHUNK) -> Iterator[list[str]]:
    batch: list[str] = []
    for value in ids:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def told_for_models(session: Session, model_ids: Sequence[str]) -> dict[Pair, Told]:
    """The answers of every pair of these models."""
    return _told(session, Answer.model_id, model_ids)


def told_for_updates(session: Session, update_ids: Sequence[str]) -> dict[Pair, Told]:
    """The answers of every pair of these updates."""
    return _told(session, Answer.update_id, update_ids)


def told_due(session: Session, now: datetime) -> dict[Pair, Told]:
    """The answers that ran out by `now`: time alone may have changed them."""
    query = _select().where(Answer.valid_until <= now)
    return {(r[0], r[1]): Told(r[2], r[3], r[4]) for r in session.execute(query)}


def _select() -> Any:  # the columns a `Told` is made of
    return sa.select(Answer.model_id, Answer.update_id, Answer.verdict, Answer.basis,
                     Answer.valid_until)


def _told(session: Session, column: Any, ids: Sequence[str]) -> dict[Pair, Told]:
    found: dict[Pair, Told] = {}
    for batch in chunks(ids):
        for r in session.execute(_select().where(column.in_(batch))):
            found[(r[0], r[1])] = Told(r[2], r[3], r[4])
    return found


def next_expiry(session: Session, now: datetime) -> datetime | None:
    """The soonest instant after `now` at which a told answer runs out."""
    found: datetime | None = session.scalar(
        sa.select(sa.func.min(Answer.valid_until)).where(Answer.valid_until > now))
    return found


def insert(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """Add answers never told before; each row is in the order of `_COLUMNS`."""
    if not rows:
        return
    connection = session.connection()
    stored = _stored(connection, rows)
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY answers ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for row in stored:
                copy.write_row(row)
        return
    marks = ", ".join([_mark(connection)] * len(_COLUMNS))
    connection.exec_driver_sql(f"INSERT INTO answers ({', '.join(_COLUMNS)}) VALUES ({marks})",
                               stored)


def update(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """Replace answers told before; each row is in the order of `_COLUMNS`."""
    if not rows:
        return
    connection = session.connection()
    mark = _mark(connection)
    values = ", ".join(f"{c} = {mark}" for c in _COLUMNS[2:])
    # The keys move to the end, where the statement's WHERE reads them.
    connection.exec_driver_sql(
        f"UPDATE answers SET {values} WHERE model_id = {mark} AND update_id = {mark}",
        [(*row[2:], row[0], row[1]) for row in _stored(connection, rows)])


def _mark(connection: sa.Connection) -> str:
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def _stored(connection: sa.Connection, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows with their instants as the columns' type stores them on this database (these
    statements go around SQLAlchemy's types, for speed: a first run writes millions)."""
    process = Answer.__table__.c.valid_until.type.bind_processor(connection.dialect)
    if process is None:
        return rows
    done: dict[Any, Any] = {None: None}  # a run's rows share a few instants: convert each once

    def stored(instant: datetime | None) -> Any:
        if instant not in done:
            done[instant] = process(instant)
        return done[instant]

    return sorted((m, u, v, b, stored(until), version, stored(at))  # in the key's order
                  for m, u, v, b, until, version, at in rows)


def device_counts(session: Session, model_ids: Iterable[str]) -> dict[str, int]:
    """Registered devices per model, for the models that have any."""
    counts: dict[str, int] = {}
    for batch in chunks(sorted(set(model_ids))):
        query = (sa.select(Device.model_id, sa.func.count()).where(Device.model_id.in_(batch))
                 .group_by(Device.model_id))
        counts.update({model_id: count for model_id, count in session.execute(query)})
    return counts


def digests(session: Session) -> dict[tuple[str, str], str]:
    """The digests of the inputs as the last recompute judged them, by (kind, key)."""
    rows = session.execute(sa.select(FlipInput.kind, FlipInput.key, FlipInput.digest))
    return {(kind, key): digest for kind, key, digest in rows}


def save_digests(session: Session, before: dict[tuple[str, str], str],
                 after: dict[tuple[str, str], str]) -> None:
    """Make the stored digests `after`, touching only the rows that differ."""
    gone = [k for k in before if k not in after or before[k] != after[k]]
    for kind in {k[0] for k in gone}:
        for batch in chunks(k[1] for k in gone if k[0] == kind):
            session.execute(sa.delete(FlipInput).where(FlipInput.kind == kind,
                                                       FlipInput.key.in_(batch)))
    new = [{"kind": k[0], "key": k[1], "digest": d} for k, d in after.items()
           if before.get(k) != d]
    if new:
        session.execute(sa.insert(FlipInput), new)
