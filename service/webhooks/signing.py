"""Standard Webhooks signatures (standardwebhooks.com), so any receiver library can verify us.

A secret is `whsec_` and the base64 of random bytes; a signature is `v1,` and the base64 of
HMAC-SHA256 under those bytes over `{webhook-id}.{webhook-timestamp}.{body}`. The timestamp is
signed so that a captured request cannot be replayed later than the receiver's tolerance; the
id is signed so that a receiver can safely drop a retry it has already handled.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime

PREFIX = "whsec_"
SECRET_BYTES = 32  # the spec asks for 24 to 64 random bytes
TOLERANCE = 300  # seconds either side of the receiver's clock, as the reference libraries


class SignatureInvalid(ValueError):
    """A request whose signature, timestamp or headers do not verify."""


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix(PREFIX), validate=True)
    except binascii.Error:
        raise ValueError("a webhook secret is whsec_ followed by base64") from None


def sign(secret: str, msg_id: str, timestamp: int, body: bytes | str) -> str:
    """Return the `webhook-signature` value for one attempt."""
    raw = body.encode() if isinstance(body, str) else body
    content = f"{msg_id}.{timestamp}.".encode() + raw
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, msg_id: str, now: datetime, body: bytes | str) -> dict[str, str]:
    """The three signed headers of an attempt made at `now`."""
    timestamp = int(now.timestamp())
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, msg_id, timestamp, body)}


def verify(secret: str, received: Mapping[str, str], body: bytes | str, now: datetime,
           tolerance: int = TOLERANCE) -> None:
    """Raise `SignatureInvalid` unless one signature matches and the timestamp is recent."""
    lowered = {name.lower(): value for name, value in received.items()}
    msg_id = lowered.get("webhook-id")
    stamp = lowered.get("webhook-timestamp", "")
    offered = lowered.get("webhook-signature")
    if not msg_id or not offered:
        raise SignatureInvalid("missing webhook-id or webhook-signature")
    if not stamp.isascii() or not stamp.isdigit():
        raise SignatureInvalid("webhook-timestamp is not whole seconds")
    if abs(now.timestamp() - int(stamp)) > tolerance:
        raise SignatureInvalid("webhook-timestamp is outside the tolerance")
    expected = sign(secret, msg_id, int(stamp), body).encode()
    # Several space-separated signatures may be sent (secret rotation); any v1 one may match.
    matches = [hmac.compare_digest(expected, candidate.encode())
               for candidate in offered.split(" ") if candidate.startswith("v1,")]
    if not any(matches):
        raise SignatureInvalid("no signature matches")
