"""Signatures follow Standard Webhooks, so a subscriber can verify them with any library."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from service.webhooks import signing

# The test vector of the specification's reference libraries (standard-webhooks, tests).
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = '{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
NOW = datetime(2024, 1, 1, tzinfo=UTC)
BODY = b'{"type":"decision.changed","data":{"verdict":"deny"}}'


def test_the_signature_matches_the_specifications_test_vector() -> None:
    assert signing.sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE
    headers = {"webhook-id": SPEC_ID, "webhook-timestamp": str(SPEC_TIMESTAMP),
               "webhook-signature": SPEC_SIGNATURE}
    signing.verify(SPEC_SECRET, headers, SPEC_BODY.encode(),
                   datetime.fromtimestamp(SPEC_TIMESTAMP, UTC))


def test_a_new_secret_is_whsec_and_32_random_bytes() -> None:
    first, second = signing.new_secret(), signing.new_secret()
    assert first.startswith("whsec_") and first != second
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32


def test_signed_headers_verify_whatever_the_case_of_their_names() -> None:
    secret = signing.new_secret()
    headers = signing.headers(secret, "msg_1", NOW, BODY)
    assert headers["webhook-timestamp"] == str(int(NOW.timestamp()))
    signing.verify(secret, headers, BODY, NOW + timedelta(seconds=299))
    signing.verify(secret, {k.title(): v for k, v in headers.items()}, BODY, NOW)


@pytest.mark.parametrize("tamper", [
    "body", "id", "timestamp", "secret", "too_old", "too_new", "no_signature", "no_id",
    "not_v1", "timestamp_not_digits"])
def test_any_tampering_fails_verification(tamper: str) -> None:
    secret = signing.new_secret()
    headers = signing.headers(secret, "msg_1", NOW, BODY)
    body, now = BODY, NOW
    if tamper == "body":
        body = BODY.replace(b"deny", b"allow")
    elif tamper == "id":
        headers["webhook-id"] = "msg_2"
    elif tamper == "timestamp":
        headers["webhook-timestamp"] = str(int(NOW.timestamp()) + 1)
    elif tamper == "secret":
        secret = signing.new_secret()
    elif tamper == "too_old":
        now = NOW + timedelta(seconds=301)
    elif tamper == "too_new":
        now = NOW - timedelta(seconds=301)
    elif tamper == "no_signature":
        del headers["webhook-signature"]
    elif tamper == "no_id":
        del headers["webhook-id"]
    elif tamper == "not_v1":
        headers["webhook-signature"] = headers["webhook-signature"].replace("v1,", "v2,")
    elif tamper == "timestamp_not_digits":
        headers["webhook-timestamp"] = "1.7e9"
    with pytest.raises(signing.SignatureInvalid):
        signing.verify(secret, headers, body, now)


def test_one_matching_signature_among_several_verifies() -> None:
    secret = signing.new_secret()
    headers = signing.headers(secret, "msg_1", NOW, BODY)
    stale = signing.sign(signing.new_secret(), "msg_1", int(NOW.timestamp()), BODY)
    headers["webhook-signature"] = f"{stale} {headers['webhook-signature']}"
    signing.verify(secret, headers, BODY, NOW)
