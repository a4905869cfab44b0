"""Reading a decision request's body by the API's own schema, once per distinct body.

An OTA fleet asks the same few questions over and over (one model, one update, now), so the
lean route keeps the last bodies it validated: a body seen before costs a dict lookup. A body
that is no valid decision request is not kept, and gets `None`: the full route then reads it
again and says exactly what is wrong, field by field.
"""

from __future__ import annotations

import threading
from typing import Any

import orjson

from service.api.schemas import DecisionRequest

_KEPT = 20_000


class Bodies:
    def __init__(self, kept: int = _KEPT) -> None:
        self.kept = kept
        self._seen: dict[bytes, tuple[Any, DecisionRequest]] = {}
        self._lock = threading.Lock()

    def request(self, body: bytes) -> tuple[Any, DecisionRequest] | None:
        """The body as sent (for the log) and as validated, or None if it is not valid."""
        found = self._seen.get(body)
        if found is not None:
            return found
        try:
            raw = orjson.loads(body)
            if not isinstance(raw, dict):
                return None
            found = raw, DecisionRequest.model_validate(raw)
        except Exception:  # broad on purpose: whatever is wrong, the full route says it
            return None
        with self._lock:
            if len(self._seen) >= self.kept:
                self._seen.clear()
            self._seen[body] = found
        return found
