"""JSON encoding for every answer: orjson, instants in UTC written with a `Z`."""

from typing import Any

import orjson
from flask import Response

OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=OPTIONS)


def json_response(body: object, status: int = 200) -> Response:
    return Response(dumps(body), status=status, mimetype="application/json")
