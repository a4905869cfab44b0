"""Importing devices from a CSV file: every row checked first, then all or nothing.

The file is read when it is uploaded (its header, its size, its encoding); its rows are then
checked and imported by a job (`workers.jobs.import_devices`), which reports its progress.
Each row is validated with the API's `DeviceIn`; a device listed twice with two models, an
unknown model, or a device registered before with another model are errors too, exactly as
`POST /api/v1/devices` refuses them. Any error: the job's result lists each bad row by its
line, field and message, and nothing is imported. None: every new device is inserted in one
transaction, and those already registered with the same model are left as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from config.settings import Settings
from service import devices as registry
from service import outbox
from service.api.schemas import DeviceIn
from service.errors import field_errors
from service.snapshot import announce
from service.store.db import write_session
from service.store.versions import Writer

COLUMNS = ("id", "model_id")
MAX_BYTES = 4_000_000  # 50,000 rows of long ids fit
MAX_ERRORS = 200  # listed in the result; the count says how many more there were
Progress = Callable[[str, dict[str, Any]], None]
Row = tuple[int, list[str]]  # (line in the file, cells)


class CsvRefused(ValueError):
    """The file as a whole cannot be imported (not its rows): say why."""


def read_csv(data: bytes) -> list[Row]:
    """The data rows of an uploaded file with their line numbers, or `CsvRefused`."""
    if len(data) > MAX_BYTES:
        raise CsvRefused(f"The file is larger than {MAX_BYTES // 1_000_000} MB.")
    try:
        text = data.decode("utf-8-sig")  # spreadsheets often write a byte-order mark
    except UnicodeDecodeError:
        raise CsvRefused("The file is not UTF-8 text: save it as CSV (UTF-8).") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [cell.strip() for cell in next(reader, [])]
        if tuple(header) != COLUMNS:
            raise CsvRefused(f"The first line must be the header {','.join(COLUMNS)}; "
                             f"it is {','.join(header) or 'empty'}.")
        rows = [(reader.line_num, cells) for cells in reader if any(c.strip() for c in cells)]
    except csv.Error as exc:
        raise CsvRefused(f"Line {reader.line_num} is not valid CSV: {exc}.") from None
    if not rows:
        raise CsvRefused("The file has a header but no devices.")
    if len(rows) > registry.MAX_DEVICES:
        raise CsvRefused(f"The file lists {len(rows)} devices; at most "
                         f"{registry.MAX_DEVICES} are imported at once.")
    return rows


def import_rows(settings: Settings, rows: list[Row], actor: str,
                clock: Callable[[], datetime], progress: Progress) -> dict[str, Any]:
    """Check every row, then import them all in one transaction or none; say what happened."""
    listed, errors = _validated(rows, progress)
    bad = {e["line"] for e in errors}
    lines = [line for line, _ in rows if line not in bad]  # the line of each of `listed`
    sent, twice = registry.distinct(listed)
    errors += _at_lines(twice, lines)
    progress("importing", {"done": len(rows), "total": len(rows)})
    now = clock()
    with write_session(settings.database_url) as session:
        writer = Writer(session, actor, now)
        errors += _at_lines(registry.unknown_models(listed, registry.current_models(session)),
                            lines)
        clashes, known = registry.clashes(session, sent)
        errors += _at_lines(clashes, lines)
        if errors:  # nothing is written yet: the transaction ends empty
            return _refused(rows, errors)
        created = registry.insert_new(writer, sent, known)
    if writer.data_version is not None:
        announce(settings.redis_url, writer.data_version)
    outbox.relay_quietly(settings, now)  # the recompute the new data version asks for
    return {"outcome": "imported", "rows": len(rows), "registered": created,
            "already_known": len(sent.devices) - created}


def _validated(rows: list[Row], progress: Progress) -> tuple[list[DeviceIn], list[dict[str, Any]]]:
    """Each row as a `DeviceIn`, or its errors by line and field."""
    listed: list[DeviceIn] = []
    errors: list[dict[str, Any]] = []
    progress("checking", {"done": 0, "total": len(rows)})
    for done, (line, cells) in enumerate(rows, 1):
        if len(cells) > len(COLUMNS):
            errors.append({"line": line, "field": "row",
                           "message": f"{len(cells)} cells; the header names {len(COLUMNS)}"})
        else:
            try:
                listed.append(DeviceIn.model_validate(
                    {name: cell.strip() for name, cell in zip(COLUMNS, cells, strict=False)}))
            except ValidationError as exc:
                errors += [{"line": line, **e} for e in field_errors(exc)]
        if done % 1000 == 0:
            progress("checking", {"done": done, "total": len(rows)})
    return listed, errors


def _at_lines(found: list[registry.RowError], lines: list[int]) -> list[dict[str, Any]]:
    """Errors by position among the valid rows, named by their line in the file."""
    return [{"line": lines[e.index], "field": e.field, "message": e.message} for e in found]


def _refused(rows: list[Row], errors: list[dict[str, Any]]) -> dict[str, Any]:
    errors.sort(key=lambda e: e["line"])
    return {"outcome": "refused", "rows": len(rows), "error_count": len(errors),
            "errors": errors[:MAX_ERRORS]}
