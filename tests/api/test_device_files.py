"""Reading device files: the quick check of each row agrees with the API's `DeviceIn`."""

from __future__ import annotations

import io

import orjson
import pytest
from pydantic import ValidationError

from service.api.schemas import DeviceIn
from service.device_files import Reading, chunks

EDGES = ["", "x", "x" * 120, "x" * 121, "SN\x00", "SN\x1f", "SN\t1", "SN\x7f", "Ω-1",
         "设备-1", "SN\u2028", " SN ", "\ufeffSN"]


def accepted_by_the_api(device_id: str) -> bool:
    try:
        DeviceIn.model_validate({"id": device_id, "model_id": "m_1"})
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("device_id", EDGES)
def test_a_row_is_kept_exactly_when_the_api_would_take_it(device_id: str) -> None:
    file = io.BytesIO(orjson.dumps({"id": device_id, "model_id": "m_1"}) + b"\n"
                      + orjson.dumps({"id": "SN-ok", "model_id": "m_1"}) + b"\n")
    reading = Reading()
    kept = [row for chunk in chunks(file, "ndjson", reading) for row in chunk]
    assert ((1, device_id, "m_1") in kept) == accepted_by_the_api(device_id)
    assert (reading.error_count == 0) == accepted_by_the_api(device_id)
    assert (2, "SN-ok", "m_1") in kept
