"""Reading a device file (NDJSON or CSV) a chunk of rows at a time, in constant memory.

A problem with the file as a whole (not UTF-8, no header, no devices, broken CSV quoting)
raises `FileRefused` naming the field, and nothing of it is kept. A problem with one row (a
missing or too long id, stray cells, a line that is not a JSON object) is that row's error, by
line and field, with the same messages as `POST /api/v1/devices`; the row is left out and the
import that follows is refused with it. Rows are checked by a plain pattern first, and only
those it does not pass go through the API's `DeviceIn` for its exact message: pydantic for a
million rows would be most of an import's time.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import orjson
from pydantic import ValidationError

from service.api.schemas import CONTROL, DeviceIn
from service.errors import field_errors
from service.store.device_staging import LISTED, STAGE_CHUNK, Row

COLUMNS = ("id", "model_id")
FORMATS = {"text/csv": "csv", "application/x-ndjson": "ndjson"}


class FileRefused(ValueError):
    """The file as a whole cannot be imported: `field` names what is wrong with it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Reading:
    """What reading a file found besides its good rows."""

    rows: int = 0  # data rows, good or bad (empty lines are skipped)
    error_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # the first `LISTED`

    def fault(self, line: int, problems: list[dict[str, str]]) -> None:
        self.error_count += len(problems)
        room = LISTED - len(self.errors)
        self.errors += [{"line": line, **p} for p in problems[:max(room, 0)]]


def format_of(content_type: str | None) -> str:
    """The format a request's `Content-Type` names, or `FileRefused`."""
    kind = FORMATS.get((content_type or "").split(";")[0].strip().lower())
    if kind is None:
        raise FileRefused("Content-Type", "Send the file as application/x-ndjson (one JSON "
                                          "object a line) or text/csv (header id,model_id).")
    return kind


def chunks(file: IO[bytes], kind: str, reading: Reading) -> Iterator[list[Row]]:
    """The good rows of `file` in chunks; its bad rows go to `reading`."""
    rows = _csv(file, reading) if kind == "csv" else _ndjson(file, reading)
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == STAGE_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
    if reading.rows == 0:
        raise FileRefused("body", "The file has no devices.")


def _checked(line: int, values: dict[str, Any], reading: Reading) -> Row | None:
    device_id, model_id = values.get("id"), values.get("model_id")
    if (len(values) == 2 and isinstance(device_id, str) and isinstance(model_id, str)
            and _plain(device_id) and _plain(model_id)):
        return line, device_id, model_id
    try:
        device = DeviceIn.model_validate(values)
    except ValidationError as exc:
        reading.fault(line, field_errors(exc))
        return None
    return line, device.id, device.model_id


def _plain(value: str) -> bool:
    """Whether `value` passes as `DeviceIn`'s `RecordId`, checked without pydantic."""
    return 1 <= len(value) <= 120 and CONTROL.search(value) is None


def _csv(file: IO[bytes], reading: Reading) -> Iterator[Row]:
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, strict=True)
    try:
        header = [cell.strip() for cell in next(reader, [])]
        if tuple(header) != COLUMNS:
            raise FileRefused("header", f"The first line must be the header "
                              f"{','.join(COLUMNS)}; it is {','.join(header) or 'empty'}.")
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            reading.rows += 1
            if len(cells) > len(COLUMNS):
                reading.fault(reader.line_num, [{"field": "row", "message": (
                    f"{len(cells)} cells; the header names {len(COLUMNS)}")}])
                continue
            values = {name: cell.strip() for name, cell in zip(COLUMNS, cells, strict=False)}
            if (row := _checked(reader.line_num, values, reading)) is not None:
                yield row
    except csv.Error as exc:
        raise FileRefused("body", f"Line {reader.line_num} is not valid CSV: {exc}.") from None
    except UnicodeDecodeError:
        raise FileRefused("body", f"The file is not UTF-8 text (after line "
                          f"{reader.line_num}): save it as UTF-8.") from None
    finally:
        text.detach()  # the caller closes the file


def _ndjson(file: IO[bytes], reading: Reading) -> Iterator[Row]:
    decode = codecs.getincrementaldecoder("utf-8")()  # only to tell a bad file from a bad row
    for line, raw in enumerate(file, 1):
        try:
            decode.decode(raw)
        except UnicodeDecodeError:
            raise FileRefused("body", f"Line {line} is not UTF-8 text.") from None
        raw = raw.removeprefix(codecs.BOM_UTF8) if line == 1 else raw
        if not raw.strip():
            continue
        reading.rows += 1
        try:
            values = orjson.loads(raw)
        except orjson.JSONDecodeError:
            values = None
        if not isinstance(values, dict):
            reading.fault(line, [{"field": "row", "message": "not a JSON object"}])
        elif (row := _checked(line, values, reading)) is not None:
            yield row
