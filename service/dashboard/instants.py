"""Instants typed into the dashboard's GET forms, read by the API's own rules, and shown.

A bare date means midnight UTC and a time needs its zone, exactly as in a decision request, so
what works in a form works in the API and the other way round.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from service.api.schemas import Instant
from service.dashboard.blueprint import bp

_INSTANT: TypeAdapter[datetime] = TypeAdapter(Instant)
HINT = "A date (2019-06-01, midnight UTC) or a time with its zone (2019-06-01T12:00:00Z)."


def read(text: str | None) -> tuple[datetime | None, str | None]:
    """The instant typed, or None when nothing was; else the API's message for it."""
    if text is None or not text.strip():
        return None, None
    try:
        return _INSTANT.validate_python(text.strip()), None
    except ValidationError as exc:
        return None, exc.errors(include_url=False)[0]["msg"]


@bp.app_template_filter("utc_day")
def utc_day(instant: datetime | None, empty: str = "—") -> str:
    """An instant as a date when it falls on midnight UTC, else to the second, in UTC."""
    if instant is None:
        return empty
    if (instant.hour, instant.minute, instant.second, instant.microsecond) == (0, 0, 0, 0):
        return instant.strftime("%Y-%m-%d")
    return utc_moment(instant)


@bp.app_template_filter("utc_moment")
def utc_moment(instant: datetime | None) -> str:
    """An instant to the second, in UTC."""
    return "—" if instant is None else instant.strftime("%Y-%m-%d %H:%M:%S UTC")


def arg_text(args: Any, name: str) -> str:
    return (args.get(name) or "").strip()
