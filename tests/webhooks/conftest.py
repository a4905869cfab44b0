"""A webhook subscriber on 127.0.0.1 that records every request and answers as a test scripts.

Settings here allow 127.0.0.1 as a target (it is refused otherwise) and give up on an answer
after half a second, so that a subscriber that hangs costs the tests little time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask.testing import FlaskClient

from config.settings import Settings
from service.store.db import write_session
from service.webhooks import signing
from service.webhooks.events import Flip, notify
from tests.conftest import make_settings

HANG = "hang"  # hold the answer longer than the client waits
SLOW = "slow"  # answer 200 after a fifth of a second: long enough for two clients to overlap
REDIRECT = 302  # to /elsewhere, which must never be requested


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool


class Receiver:
    """What reached the subscriber, and the answers it gives next (200 once they run out)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: list[int | str] = []
        self.secret: str | None = None
        self.released = threading.Event()
        self.port = 0

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, *answers: int | str) -> None:
        self.answers.extend(answers)

    def paths(self) -> list[str]:
        return [r.path for r in self.received]

    def record(self, method: str, path: str, headers: dict[str, str], body: bytes) -> int | str:
        verified = False
        if self.secret is not None:
            try:
                signing.verify(self.secret, headers, body, datetime.now(UTC))
                verified = True
            except signing.SignatureInvalid:
                pass
        self.received.append(Received(method, path, headers, body, verified))
        return self.answers.pop(0) if self.answers else 200


def handler_for(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            answer = receiver.record(self.command, self.path, headers, body)
            if answer in (HANG, SLOW):
                receiver.released.wait(5 if answer == HANG else 0.2)
                answer = 200
            try:
                self.send_response(int(answer))
                if answer == REDIRECT:
                    self.send_header("Location", receiver.url("/elsewhere"))
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the client gave up waiting, as it should

        do_POST = do_GET = do_PUT = answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(found))
    server.daemon_threads = True
    found.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield found
    found.released.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def settings(database_url: str, redis_url: str) -> Settings:
    return make_settings(database_url, redis_url, webhook_allow_hosts="127.0.0.1",
                         webhook_timeout=0.5, webhook_max_attempts=3)


@pytest.fixture
def subscribe(client: FlaskClient, keys: dict[str, dict[str, str]], receiver: Receiver
              ) -> Callable[..., dict[str, Any]]:
    """Register a subscription (to the receiver unless told otherwise); it learns the secret."""

    def register(**fields: Any) -> dict[str, Any]:
        answer = client.post("/api/v1/webhooks", json={"url": receiver.url(), **fields},
                             headers=keys["admin"])
        assert answer.status_code == 201, answer.get_json()
        created: dict[str, Any] = answer.get_json()
        receiver.secret = created["secret"]
        return created

    return register


def flip(vendor_id: str = "v_1", update_kind: str = "security_patch", **changes: Any) -> Flip:
    values: dict[str, Any] = {
        "model_id": "m_1", "update_id": "u_1", "vendor_id": vendor_id,
        "update_kind": update_kind, "before": {"verdict": "allow", "basis": "not_listed"},
        "after": {"verdict": "deny", "basis": "denied_party", "valid_until": None,
                  "reasons": ["Listed on the Entity List."]},
        "at": datetime(2019, 5, 16, tzinfo=UTC)}
    return Flip(**{**values, **changes})


@pytest.fixture
def announce(settings: Settings) -> Callable[..., list[str]]:
    """Run `notify` in a write transaction of its own, as the recompute job would."""

    def run(*flips: Flip, now: datetime | None = None) -> list[str]:
        with write_session(settings.database_url) as session:
            return notify(session, flips or (flip(),), now or datetime.now(UTC))

    return run
