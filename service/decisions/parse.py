"""Reading a decision request's body by the API's own schema, once per distinct body.

An OTA fleet asks the same few questions over and over (one model, one update, now), so the
last bodies and batch items validated are kept: one seen before costs a dict lookup. A body
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
        except orjson.JSONDecodeError:
            return None
        return self._validated(body, raw)

    def item(self, item: Any) -> DecisionRequest | None:
        """A batch item validated, or None if it is not valid (validate it to hear why)."""
        if not isinstance(item, dict):
            return None
        try:
            body = orjson.dumps(item)
        except orjson.JSONEncodeError:
            return None
        found = self._seen.get(body) or self._validated(body, item)
        return None if found is None else found[1]

    def _validated(self, body: bytes, raw: Any) -> tuple[Any, DecisionRequest] | None:
        if not isinstance(raw, dict):
            return None
        try:
            found = raw, DecisionRequest.model_validate(raw)
        except Exception:  # broad on purpose: whatever is wrong, the full route says it
            return None
        with self._lock:
            if len(self._seen) >= self.kept:
                self._seen.clear()
            self._seen[body] = found
        return found


SEEN = Bodies()  # this process's: the lean route's bodies, and batch items
