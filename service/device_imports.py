"""Importing a device file of any length: staged in the database, then all of it or none.

`receive` spools an upload to a temporary file (its body is never held in memory), reads it a
chunk at a time into the staging table and records the import with its outbox row, in one
transaction: the job is on record exactly when its rows are, and reaches the queue even if
Redis is away at that moment (the scheduled relay catches up). The job (`run`, from
`workers.jobs.import_devices`, or in-process from the CLI) checks the staged rows as sets,
exactly as `POST /api/v1/devices` checks a list — an unknown model, a device listed twice with
two models, a device registered before with another model are errors — and then, with no
error, registers every new device in one write transaction that bumps the data version once
and writes one audit entry. Devices already registered with the same model are left as they
are, so importing a file again changes nothing, and says so.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime
from typing import IO, Any

from config.settings import Settings
from service import outbox
from service.device_files import FileRefused, Reading, chunks, format_of
from service.snapshot import announce
from service.store import device_staging as staging
from service.store.db import read_session, write_session
from service.store.device_staging import LISTED, DeviceImport
from service.store.versions import Writer, new_id

KIND = "import_devices"  # the outbox's kind of work
_SPOOL_CHUNK = 1 << 20
Progress = Callable[[str, dict[str, Any]], None]


def receive(settings: Settings, body: IO[bytes], content_type: str | None, actor: str,
            filename: str, now: datetime) -> tuple[str, str]:
    """Spool, read and stage an uploaded file, queue its import; return (import id, job id)."""
    kind = format_of(content_type)
    with tempfile.TemporaryFile() as spool:
        shutil.copyfileobj(body, spool, _SPOOL_CHUNK)
        if spool.tell() == 0:
            raise FileRefused("body", "The file is empty.")
        spool.seek(0)
        import_id, job_id = stage_file(settings, spool, kind, actor, filename, now, queue=True)
    outbox.relay_quietly(settings, now)
    return import_id, job_id


def stage_file(settings: Settings, file: IO[bytes], kind: str, actor: str, filename: str,
               now: datetime, queue: bool) -> tuple[str, str]:
    """Stage a file's rows and record its import (and, if `queue`, its job); all or nothing."""
    import_id, reading = new_id("imp"), Reading()
    with staging.staging_session(settings.database_url) as session:
        staging.stage(session, import_id, chunks(file, kind, reading))
        staging.analyse(session)
        session.add(DeviceImport(id=import_id, actor=actor, created_at=now,
                                 filename=filename[:200], rows=reading.rows,
                                 error_count=reading.error_count, errors=reading.errors))
        job_id = outbox.add(session, KIND, import_id, {"import_id": import_id}, now) \
            if queue else ""
    return import_id, job_id


def run(settings: Settings, import_id: str, clock: Callable[[], datetime],
        progress: Progress) -> dict[str, Any]:
    """Check an import's staged rows, then register them all or none; say what happened."""
    with read_session(settings.database_url) as session:
        record = session.get(DeviceImport, import_id)
        if record is None:
            raise LookupError(f"no device import {import_id!r}")
        twice = staging.listed_twice(session, import_id)
    if record.result is not None:
        return record.result  # run before (the job is repeated): it changed nothing since
    progress("checking", {"done": 0, "total": record.rows})
    now = clock()
    with write_session(settings.database_url) as session:
        writer = Writer(session, record.actor, now)
        result = _check_and_merge(writer, record, twice, progress)
        session.get_one(DeviceImport, import_id).result = result
    if writer.data_version is not None:
        announce(settings.redis_url, writer.data_version)
    with staging.staging_session(settings.database_url) as session:
        staging.discard(session, import_id)
    progress("done", {"done": record.rows, "total": record.rows})
    outbox.relay_quietly(settings, now)  # the recompute the new data version asks for
    return result


def _check_and_merge(writer: Writer, record: DeviceImport, twice: tuple[int, list[Any]],
                     progress: Progress) -> dict[str, Any]:
    session, import_id = writer.session, record.id
    unknown = staging.unknown_models(session, import_id)
    known, clashing, clashes = staging.registered_before(session, import_id)
    count = record.error_count + twice[0] + unknown[0] + clashing
    if count:
        errors = sorted(record.errors + twice[1] + unknown[1] + clashes,
                        key=lambda e: e["line"])[:LISTED]
        return {"outcome": "refused", "rows": record.rows, "error_count": count,
                "errors": errors}
    progress("importing", {"done": record.rows, "total": record.rows})
    created = 0
    if known < record.rows:  # some row names a device not registered yet
        version = writer.bump()
        created = staging.merge(session, import_id, version, writer.actor, writer.now)
        writer.audit("import", "devices", import_id, {"count": created})
    return {"outcome": "imported", "rows": record.rows, "registered": created,
            "already_known": known, "changed": created > 0,
            "message": f"{created} new devices, {known} rows already registered"}
