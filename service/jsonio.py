"""JSON encoding for every answer: orjson, instants in UTC written with a `Z`."""

from datetime import datetime
from typing import Any, overload

import orjson
from flask import Response

OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=OPTIONS)


def json_response(body: object, status: int = 200) -> Response:
    return Response(dumps(body), status=status, mimetype="application/json")


@overload
def iso(instant: datetime) -> str: ...
@overload
def iso(instant: None) -> None: ...
@overload
def iso(instant: datetime | None) -> str | None: ...
def iso(instant: datetime | None) -> str | None:
    """An instant as the API writes it: ISO 8601 in UTC with a `Z`."""
    if instant is None:
        return None
    return instant.isoformat().replace("+00:00", "Z")
