"""Sign-in throttling, counted in the service's Redis with the `limits` library.

Attempts are limited per account name and per client address (`login_limit_account`,
`login_limit_address`), in a moving window shared by every web process through Redis. Each
process also counts the same limits in its own memory: with Redis up that never binds first
(a process sees only some of the attempts Redis sees), and while Redis is away it keeps
sign-ins throttled per process, so nothing fails and nothing goes unthrottled for it.

`limits` is the engine under Flask-Limiter, used directly: Flask-Limiter's request hooks run on
every route of the app and cost ~100 µs each, which the decision API cannot spare; only the
sign-in form needs counting. A throttled attempt is refused before its password is checked and
audited as `login_throttled`, like every other attempt.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from prometheus_client import Counter

log = logging.getLogger(__name__)
THROTTLED = Counter("eligibility_login_throttled", "Sign-in attempts refused by throttling")


def storage_uri(redis_url: str) -> str:
    """The `limits` library's name for a Redis URL (`unix://` is `redis+unix://` there)."""
    if redis_url.startswith("unix://"):
        return "redis+" + redis_url
    return redis_url


@dataclass(frozen=True)
class Refusal:
    retry_after: int  # seconds until the window lets the next attempt through


class SignInThrottle:
    def __init__(self, redis_url: str, database_url: str, per_account: str,
                 per_address: str) -> None:
        self.local = MovingWindowRateLimiter(MemoryStorage())
        self.shared = None if not redis_url else MovingWindowRateLimiter(storage_from_string(
            storage_uri(redis_url), socket_timeout=1, socket_connect_timeout=1))
        # One count per deployment: deployments sharing a Redis do not share attempts.
        self.prefix = "login:" + hashlib.sha256(database_url.encode()).hexdigest()[:12]
        self.rules: list[tuple[str, list[RateLimitItem]]] = [
            ("account", parse_many(per_account)), ("address", parse_many(per_address))]

    def attempt(self, name: str, address: str) -> Refusal | None:
        """Count one sign-in attempt; a refusal when it is over a limit."""
        keys = {"account": name.strip().casefold()[:120], "address": address}
        refused = self._count(self.local, keys)
        if self.shared is not None:
            try:
                refused = self._count(self.shared, keys) or refused
            except Exception as exc:  # broad on purpose: Redis away; the local count holds
                log.warning("sign-in throttling counts in this process only: %s", exc)
        if refused is not None:
            THROTTLED.inc()
            log.warning("sign-in throttled for account %r from %s", keys["account"], address)
        return refused

    def _count(self, limiter: MovingWindowRateLimiter, keys: dict[str, str]) -> Refusal | None:
        for kind, limits in self.rules:
            for limit in limits:
                ids = (self.prefix, kind, keys[kind])
                if not limiter.hit(limit, *ids):
                    reset = limiter.get_window_stats(limit, *ids).reset_time
                    return Refusal(max(1, int(reset - time.time()) + 1))
        return None
