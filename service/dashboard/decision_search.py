"""Searching the decision log by device, vendor, model, verdict, basis and time, newest first.

The log keeps each request as sent, so who a decision concerned is worked out the way the
rules do it (a device's model, a model's vendor, an inline name's vendor), here from the current
snapshot. Each page reads the log backwards in chunks through the `evaluated_at` index and
stops at a page of hits or after `BUDGET` decisions examined, whichever comes first: a search
whose hits are rare costs a bounded amount per page, and the next page carries on from there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.screening.normalise import name_key
from service.store import decision_reads
from service.store.decision_reads import LogRow
from service.views import View

SIZE = 50
BUDGET = 2500
_CHUNK = 200


@dataclass(frozen=True)
class Query:
    device: str = ""
    vendor_id: str = ""
    model: str = ""  # a model id, or part of a model's name
    verdict: str = ""
    basis: str = ""
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Found:
    decision_id: str
    evaluated_at: datetime
    at: str | None
    device_id: str | None
    vendor_id: str | None
    vendor: str
    model: str
    verdict: str
    basis: str


@dataclass(frozen=True)
class Page:
    found: list[Found]
    next_cursor: str | None  # where the next page starts; None: the log is read to its start
    examined: int
    reached: datetime | None  # the oldest instant examined


@dataclass(frozen=True)
class Who:
    """Who a logged request concerned, as the current snapshot resolves it."""

    view: View
    devices: Mapping[str, str]  # device id -> model id

    def of(self, request: Any) -> tuple[str | None, str | None, str | None, str]:
        """(device id, model id, vendor id, model shown) of a request as sent."""
        device = request.get("device") if isinstance(request, dict) else None
        device = device if isinstance(device, dict) else {}
        device_id = device.get("id")
        model_id = device.get("model_id") or self.devices.get(device_id or "")
        if model_id is not None:
            model = self.view.models.get(model_id)
            return device_id, model_id, self.view.model_vendor.get(model_id), \
                model.name if model else model_id
        vendor = device.get("vendor") or ""
        return device_id, None, self.view.vendor_by_key.get(name_key(vendor)), \
            device.get("model") or ""


def search(database_url: str, who: Who, query: Query, cursor: str | None) -> Page:
    """One page of the decisions that match `query`, from `cursor` back."""
    position = decode(cursor)
    found: list[Found] = []
    examined, reached = 0, None
    while True:
        rows = decision_reads.rows_before(database_url, position[:2] if position else None,
                                          query.since, query.until, _CHUNK)
        outcomes = decision_reads.outcomes(database_url, (i[3] for r in rows for i in r.items))
        for row in rows:
            start = position[2] if position and row.id == position[1] else 0
            for k in range(start, len(row.items)):
                if len(found) == SIZE or examined == BUDGET:
                    return Page(found, encode(row.evaluated_at, row.id, k), examined, reached)
                examined, reached = examined + 1, row.evaluated_at
                hit = _matched(row, row.items[k], who, query, outcomes)
                if hit is not None:
                    found.append(hit)
        if len(rows) < _CHUNK:
            return Page(found, None, examined, reached)
        last = rows[-1]
        position = (last.evaluated_at, last.id, len(last.items))


def _matched(row: LogRow, item: list[Any], who: Who, query: Query,
             outcomes: dict[str, tuple[str, str]]) -> Found | None:
    index, request, at, digest = item
    verdict, basis = outcomes.get(digest, ("?", "?"))
    if (query.verdict and verdict != query.verdict) or (query.basis and basis != query.basis):
        return None
    device_id, model_id, vendor_id, model = who.of(request)
    if query.device and device_id != query.device:
        return None
    if query.vendor_id and vendor_id != query.vendor_id:
        return None
    wanted = query.model.casefold()
    if wanted and wanted != (model_id or "").casefold() and wanted not in model.casefold():
        return None
    vendor = who.view.vendors[vendor_id].name if vendor_id in who.view.vendors else \
        (request.get("device") or {}).get("vendor") or "—"
    return Found(row.id if index is None else f"{row.id}.{index}", row.evaluated_at, at,
                 device_id, vendor_id, vendor, model or "—", verdict, basis)


def encode(evaluated_at: datetime, row_id: str, index: int) -> str:
    return f"{evaluated_at.isoformat()}~{row_id}~{index}"


def decode(cursor: str | None) -> tuple[datetime, str, int] | None:
    """A cursor this page gave, or None for anything else (the search starts afresh)."""
    try:
        at, row_id, index = (cursor or "").split("~")
        instant = datetime.fromisoformat(at)
        return (instant, row_id, int(index)) if instant.tzinfo is not None else None
    except ValueError:
        return None
