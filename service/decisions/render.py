"""The answer as the client reads it: the shared part, with this request's id and instants.

`render` gives the bytes sent; `render_dict` the same answer as a dict (a logged decision
read back). The bytes are the shared JSON spliced between the request's
fields, in the order `render_dict` gives them, so both forms always agree.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import orjson

from service.decisions.judged import Judged


def render(judged: Judged, decision_id: str, at: str, evaluated_at: str) -> bytes:
    """The answer's bytes; `at` and `evaluated_at` as `jsonio.iso` writes them."""
    return b"".join((b'{"decision_id":', orjson.dumps(decision_id), b",", judged.inner,
                     b',"at":', orjson.dumps(at), b',"evaluated_at":',
                     orjson.dumps(evaluated_at), b"}"))


def render_dict(shared: dict[str, Any], decision_id: str, at: str | None,
                evaluated_at: str | None) -> dict[str, Any]:
    return {"decision_id": decision_id, **shared, "at": at, "evaluated_at": evaluated_at}


def etag(digest: str) -> str:
    """Weak: two answers with one tag say the same (verdict, basis, reasons, window, data
    version), though each carries its own decision id and instants."""
    return f'W/"{digest}"'


def max_age(valid_until: datetime | None, now: datetime, at: datetime, cap_seconds: int) -> int:
    """Seconds a client may cache the answer: never past `valid_until`, never past the cap."""
    if valid_until is None:
        return cap_seconds
    remaining = valid_until - max(now, at)
    return max(0, min(cap_seconds, int(remaining / timedelta(seconds=1))))
