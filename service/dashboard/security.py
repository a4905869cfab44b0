"""What keeps the dashboard's pages safe in a browser: headers, cookies, CSRF, secret key.

- Every page gets a CSP with no inline script or style, `frame-ancestors 'none'`, nosniff,
  `Referrer-Policy: same-origin`, and HSTS when it was served over TLS.
- The session cookie is `HttpOnly` and `SameSite=Lax`, and `Secure` unless the page was asked
  for over plain HTTP on a loopback address (local development, `make run`).
- Every POST carries Flask-WTF's CSRF token; the JSON API is not touched (it takes no cookies).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
csrf = CSRFProtect()


def protect(response: Response) -> Response:
    """The headers every dashboard page and file carries."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def local_development() -> bool:
    return not request.is_secure and request.host.rsplit(":", 1)[0] in LOOPBACK


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie session, `Secure` everywhere but plain HTTP on loopback."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return not local_development()


def secret_key(configured: str, var_dir: str) -> str:
    """The configured key, or the one kept in `<var_dir>/secret_key` (made once, 0600)."""
    if configured:
        return configured
    path = Path(var_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        draft.write_text(secrets.token_urlsafe(48))
        draft.chmod(0o600)
        try:
            os.link(draft, path)  # atomic: the first process's key wins, whole, for everyone
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def init_app(app: Flask, configured_key: str, var_dir: str, trusted_proxies: int) -> None:
    app.secret_key = secret_key(configured_key, var_dir)
    if trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted_proxies,  # type: ignore[method-assign]
                                x_proto=trusted_proxies, x_host=trusted_proxies)
    app.session_interface = SessionCookies()
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_NAME="elig_session", WTF_CSRF_CHECK_DEFAULT=False,
                      WTF_CSRF_TIME_LIMIT=None, WTF_CSRF_SSL_STRICT=True)
    csrf.init_app(app)
