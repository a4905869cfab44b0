"""JSON encoding for every answer: orjson, instants in UTC written with a `Z`."""

from typing import Any

import orjson

OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=OPTIONS)
