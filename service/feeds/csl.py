"""Read a Consolidated Screening List feed (bulk JSON or CSV) into `Entry` values, or refuse it.

Decisions:

- Stream, never load: JSON through ijson (`results.item`), CSV line by line. Memory is one entry
  plus the set of keys seen (for the duplicate check).
- `parse` is a generator, so a problem surfaces while iterating, possibly after many entries:
  consume it entirely (into a staging table, say) before activating anything.
- Refuse rather than guess. Anything that points to a broken download or a page that is not the
  feed raises `FeedInvalid` with a one-line `reason`: empty, HTML, truncated or malformed JSON or
  CSV, a missing header, an entry without a name or with an unknown source, a malformed date, a
  duplicate key, too many entries. Extra CSV columns are tolerated (cells are read by name).
- One listing gives the same `Entry` from either format, so switching formats does not make every
  entry look changed: blanks and nulls become None, and the structured JSON `addresses` and `ids`
  become the strings the CSV spells ("address, city, state, postal_code, country" and
  "type, number, country", empty parts left out). `country` is the trailing two-letter token of
  the first address that ends in one.
- Names stay raw, BIS's mangled characters ('?' for an apostrophe) included: screening repairs
  them, and the digests must reflect what the feed said. `alt_names` keep the feed's order, but
  the digests sort them: a reshuffle of aliases is not a change.
- Bytes: UTF-8, a leading BOM dropped. A CSV line that is not valid UTF-8 is decoded as cp1252
  (undefined bytes replaced), line by line, so one bad line does not garble the others. JSON must
  be UTF-8 (RFC 8259).
- Keys: the feed's `id` (`_id` in CSV). Without one, "<CODE>:<entity_number>", or else
  "<CODE>:name:<16 hex of sha256 over the case-folded, space-collapsed name>". A derived key is
  stable while the name is; a renamed entry without id shows as one removal plus one addition.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

import ijson

from config.lists import LIST_NAMES

LIST_CODES: tuple[str, ...] = tuple(LIST_NAMES)
FORMATS = ("csl-json", "csl-csv")
DETAIL_FIELDS = ("type", "entity_number", "programs", "addresses", "license_requirement",
                 "license_policy", "remarks", "source_list_url", "standard_order", "ids")
_MULTI = frozenset({"alt_names", "programs", "addresses", "ids"})
_RECORD_FIELDS = ("source", "name", "alt_names", "start_date", "end_date",
                  "federal_register_notice", *DETAIL_FIELDS)
_PARTS = {"addresses": ("address", "city", "state", "postal_code", "country"),
          "ids": ("type", "number", "country", "issue_date", "expiration_date")}
# Codes the CSL spells differently in a source name than the short code the list API uses.
_CODE_ALIASES = {"NS-MBS LIST": "MBS", "NS-MBS": "MBS", "NS-PLC": "PLC", "NS-CMIC": "CMIC",
                 "CAPTA": "CAP"}
_PAREN = re.compile(r"\(([^()]+)\)")
_ISO2 = re.compile(r"[A-Z]{2}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_BOM = b"\xef\xbb\xbf"


class FeedError(Exception):
    """A feed could not be used; `reason` says why in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FeedInvalid(FeedError):
    """The feed's content cannot be trusted; `reason` says why in one line a person can act on."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One listing of one CSL source list. Treat `detail` as read-only."""

    key: str
    source: str
    name: str
    alt_names: tuple[str, ...]
    country: str | None
    start: date | None
    end: date | None
    reference: str | None
    detail: dict[str, Any] = field(hash=False)

    def digest(self) -> str:
        """Return a sha256 over everything but the key: any change to the listing changes it."""
        return _sha256({
            "source": self.source, "name": self.name, "alt_names": sorted(self.alt_names),
            "country": self.country, "reference": self.reference, "detail": self.detail,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        })

    def names_digest(self) -> str:
        """Return a sha256 over the name and the alt names only."""
        return _sha256([self.name, sorted(self.alt_names)])


def parse(path: Path, fmt: str, *, max_entries: int = 200_000) -> Iterator[Entry]:
    """Yield the entries of the feed file at `path` ("csl-json" or "csl-csv"); raise FeedInvalid."""
    if fmt not in _READERS:
        raise ValueError(f"unknown feed format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return _entries(_READERS[fmt](path), max_entries)


def count_by_list(entries: Iterable[Entry]) -> dict[str, int]:
    """Count entries per list code."""
    return dict(Counter(entry.source for entry in entries))


def list_code(source: str) -> str | None:
    """Return the list code in a CSL source name ("Entity List (EL) - ..." gives "EL")."""
    for candidate in (source, *_PAREN.findall(source)):
        code = candidate.strip().upper()
        code = _CODE_ALIASES.get(code, code)
        if code in LIST_CODES:
            return code
    return None


def _entries(records: Iterator[tuple[str, dict[str, Any]]], max_entries: int) -> Iterator[Entry]:
    seen: set[str] = set()
    for where, record in records:
        entry = _entry(record, where)
        if entry.key in seen:
            raise FeedInvalid(f"{where}: duplicate key {entry.key!r}")
        seen.add(entry.key)
        if len(seen) > max_entries:
            raise FeedInvalid(f"more than {max_entries:,} entries; raise max_entries if the "
                              "list really grew")
        yield entry
    if not seen:
        raise FeedInvalid("the feed holds no entries")


def _entry(record: Mapping[str, Any], where: str) -> Entry:
    source = record["source"] or ""
    code = list_code(source)
    if code is None:
        raise FeedInvalid(f"{where}: unknown source list {source!r}")
    name = record["name"]
    if name is None:
        raise FeedInvalid(f"{where}: entry without a name")
    addresses: list[str] = record["addresses"]
    countries = (a.rsplit(",", 1)[-1].strip() for a in addresses)
    return Entry(
        key=record["id"] or _derived_key(code, record["entity_number"], name),
        source=code, name=name, alt_names=tuple(record["alt_names"]),
        country=next((c for c in countries if _ISO2.fullmatch(c)), None),
        start=_date(record["start_date"], "start_date", where),
        end=_date(record["end_date"], "end_date", where),
        reference=record["federal_register_notice"],
        detail={f: record[f] for f in DETAIL_FIELDS},
    )


def _derived_key(code: str, entity_number: str | None, name: str) -> str:
    if entity_number:
        return f"{code}:{entity_number}"
    folded = " ".join(name.casefold().split())
    return f"{code}:name:{hashlib.sha256(folded.encode()).hexdigest()[:16]}"


def _date(text: str | None, field_name: str, where: str) -> date | None:
    if text is None:
        return None
    if _DATE.match(text):
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            pass
    raise FeedInvalid(f"{where}: {field_name} {text!r} is not a YYYY-MM-DD date")


def _sha256(value: Any) -> str:
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _items(value: Any, field_name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        parts: list[Any] = value.split(";")
    else:
        parts = value if isinstance(value, list) else [value]
    texts = (_joined(part, field_name) for part in parts)
    return [text for text in texts if text]


def _joined(part: Any, field_name: str) -> str | None:
    if not isinstance(part, dict):
        return _text(part)
    keys = _PARTS.get(field_name)
    if keys is None:
        return json.dumps(part, sort_keys=True, ensure_ascii=False)
    return ", ".join(t for t in (_text(part.get(k)) for k in keys) if t) or None


def _record(values: Mapping[str, Any], key: Any) -> dict[str, Any]:
    record = {f: _items(values.get(f), f) if f in _MULTI else _text(values.get(f))
              for f in _RECORD_FIELDS}
    record["id"] = _text(key)
    return record


def _start(stream: IO[bytes]) -> bytes:
    """Skip a BOM and return the first meaningful byte; refuse empty files and HTML pages."""
    if stream.read(3) != _BOM:
        stream.seek(0)
    start = stream.tell()
    while chunk := stream.read(64 * 1024):
        head = chunk.lstrip()
        if head:
            stream.seek(start)
            if head[:1] == b"<":
                raise FeedInvalid("starts with '<': an HTML or XML page (an error page?), "
                                  "not a CSL feed")
            return head[:1]
    raise FeedInvalid("the feed file is empty")


def _json_records(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    with path.open("rb") as stream:
        if _start(stream) != b"{":
            raise FeedInvalid("not CSL JSON: the file does not start with '{'")
        try:
            for number, item in enumerate(ijson.items(stream, "results.item"), 1):
                if not isinstance(item, dict):
                    raise FeedInvalid(f"results item #{number} is not an object")
                yield f"results item #{number}", _record(item, item.get("id", item.get("_id")))
        except ijson.JSONError as exc:
            first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise FeedInvalid(f"truncated or malformed JSON ({first_line})") from exc


def _csv_records(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    with path.open("rb") as stream:
        _start(stream)
        reader = csv.reader(_decoded_lines(stream), strict=True)
        try:
            header = _header(next(reader, []))
            for row in reader:
                if not row:
                    continue
                where = f"line {reader.line_num}"
                if len(row) != len(header):
                    raise FeedInvalid(f"{where}: {len(row)} cells where the header has "
                                      f"{len(header)} (truncated or malformed file)")
                values = dict(zip(header, row, strict=True))
                yield where, _record(values, values.get("_id", values.get("id")))
        except csv.Error as exc:
            raise FeedInvalid(f"line {reader.line_num}: malformed CSV ({exc})") from exc


def _decoded_lines(stream: IO[bytes]) -> Iterator[str]:
    for line in stream:
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError:
            yield line.decode("cp1252", errors="replace")


def _header(row: list[str]) -> list[str]:
    columns = [cell.strip() for cell in row]
    if "source" not in columns or "name" not in columns:
        raise FeedInvalid("no CSL header on the first line (expected column names such as "
                          "'source' and 'name')")
    missing = [f for f in _RECORD_FIELDS if f not in columns]
    if missing:
        raise FeedInvalid(f"the CSV header lacks the columns {', '.join(missing)}")
    if len(set(columns)) != len(columns):
        raise FeedInvalid("the CSV header names a column twice")
    return columns


_READERS: dict[str, Callable[[Path], Iterator[tuple[str, dict[str, Any]]]]] = {
    "csl-json": _json_records,
    "csl-csv": _csv_records,
}
