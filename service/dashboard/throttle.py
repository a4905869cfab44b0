"""Sign-in throttling with Flask-Limiter, counted in the service's Redis.

Attempts are limited per account name and per client address (`login_limit_account`,
`login_limit_address`), in a moving window shared by every web process through Redis. Each
process also counts the same limits in its own memory: with Redis up that never binds first
(a process sees only some of the attempts Redis sees), and while Redis is away it keeps
sign-ins throttled per process, so nothing fails and nothing goes unthrottled for it.
(Flask-Limiter's own in-memory fallback is not used: it would limit every route, the API's
decisions included, while Redis is away.)
A throttled attempt is refused before its password is checked, and audited as
`login_throttled` like every other attempt (a flood of them costs one small write each; shed
such floods in front of the service, at the proxy).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from prometheus_client import Counter

from service import clock, users
from service.context import services

log = logging.getLogger(__name__)
THROTTLED = Counter("eligibility_login_throttled", "Sign-in attempts refused by throttling")


def storage_uri(redis_url: str) -> str:
    """The `limits` library's name for a Redis URL (`unix://` is `redis+unix://` there)."""
    if not redis_url:
        return "memory://"
    if redis_url.startswith("unix://"):
        return "redis+" + redis_url
    return redis_url


def account_key() -> str:
    return "account:" + request.form.get("name", "").strip().casefold()[:120]


def address_key() -> str:
    return "address:" + get_remote_address()


def init_app(app: Flask, redis_url: str, database_url: str, per_account: str,
             per_address: str, endpoint: str) -> None:
    """Throttle POSTs to `endpoint` (the sign-in form)."""
    prefix = "login:" + hashlib.sha256(database_url.encode()).hexdigest()[:12]
    shared = Limiter(address_key, app=app, storage_uri=storage_uri(redis_url),
                     storage_options={"socket_timeout": 1, "socket_connect_timeout": 1},
                     strategy="moving-window", swallow_errors=True, headers_enabled=False,
                     key_prefix=prefix,  # deployments sharing a Redis do not share attempts
                     on_breach=_breached)
    local = Limiter(address_key, app=app, storage_uri="memory://", strategy="moving-window",
                    headers_enabled=False, key_prefix=prefix, on_breach=_breached)
    view: Callable[..., Any] = app.view_functions[endpoint]
    for limiter in (local, shared):
        view = limiter.limit(per_account, key_func=account_key, methods=["POST"])(view)
        view = limiter.limit(per_address, key_func=address_key, methods=["POST"])(view)
    app.view_functions[endpoint] = view

def _breached(limit: Any) -> None:
    THROTTLED.inc()
    log.warning("sign-in throttled for %s", limit.key)
    try:
        users.audit_attempt(services().settings.database_url, "login_throttled",
                            request.form.get("name", ""), request.remote_addr or "", clock.now())
    except Exception:  # broad on purpose: the attempt is refused whether or not this is kept
        log.exception("could not audit a throttled sign-in")
