"""Signing in and out, sessions, CSRF, redirects, headers and throttling, as a browser meets
them (reliability.md: cross-site POST, state change by GET, `next=` elsewhere, wrong passwords).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask

from config.settings import Settings
from service import clock, create_app
from service.store.db import read_session, write_session
from service.store.models import AuditEntry, User
from service.store.versions import Writer
from service.users import set_disabled
from tests.dashboard.conftest import PASSWORD, TOKEN, Browser

SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def test_signing_in_leads_to_the_page_asked_for(browser: Browser, users: dict[str, str]) -> None:
    first = browser.get("/account")
    assert first.headers["Location"] == "/login?next=/account"
    browser.get(first.headers["Location"])
    answer = browser.post("/login", {"name": "viewer", "password": PASSWORD,
                                     "next": "/account"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/account"
    assert "Signed in as" in browser.get("/account").text


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example/x",
                                       "/\\evil.example", "javascript:alert(1)",
                                       "http:/evil.example"])
def test_next_never_leads_to_another_origin(browser: Browser, users: dict[str, str],
                                             elsewhere: str) -> None:
    browser.get("/login")
    answer = browser.post("/login", {"name": "viewer", "password": PASSWORD, "next": elsewhere})
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/"


def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(
        browser: Browser, users: dict[str, str], database_url: str) -> None:
    unknown = browser.login("nobody", PASSWORD)
    wrong = browser.login("viewer", "not the password at all")

    def shown(answer: object) -> str:
        text = answer.get_data(as_text=True)  # type: ignore[attr-defined]
        return TOKEN.sub("", text).replace("nobody", "viewer")  # (a token is signed per second)

    assert unknown.status_code == wrong.status_code == 401
    assert "The user name or the password is wrong." in unknown.text
    assert shown(unknown) == shown(wrong)
    with read_session(database_url) as session:
        actions = session.scalars(sa.select(AuditEntry.action)
                                  .where(AuditEntry.resource == "users")
                                  .order_by(AuditEntry.seq)).all()
    assert actions[-2:] == ["login_failed", "login_failed"]


def test_an_unknown_user_costs_as_long_as_a_wrong_password(
        browser: Browser, users: dict[str, str]) -> None:
    def timed(name: str) -> float:
        started = time.perf_counter()
        browser.login(name, "not the password at all")
        return time.perf_counter() - started

    timed("viewer")  # warm
    unknown = min(timed("nobody-" + str(i)) for i in range(3))
    wrong = min(timed("editor") for _ in range(3))
    # Both verify one argon2 hash (tens of ms); a lookup alone would be ~100x faster.
    assert 0.5 < unknown / wrong < 2.0, (unknown, wrong)


def test_every_sign_in_and_sign_out_is_audited(
        signed_in: Callable[[str], Browser], database_url: str) -> None:
    browser = signed_in("editor")
    assert browser.post("/logout").status_code == 302
    with read_session(database_url) as session:
        rows = session.execute(sa.select(AuditEntry.action, AuditEntry.actor)
                               .where(AuditEntry.resource == "users")
                               .order_by(AuditEntry.seq)).all()
    assert [r.action for r in rows][-2:] == ["login", "logout"]


def test_a_post_without_the_csrf_token_changes_nothing(
        signed_in: Callable[[str], Browser]) -> None:
    browser = signed_in("viewer")
    refused = browser.post("/logout", csrf=False)
    assert refused.status_code == 400
    assert "another site" in refused.text
    assert browser.get("/account").status_code == 200  # still signed in


def test_a_post_with_another_sessions_token_is_refused(
        signed_in: Callable[[str], Browser]) -> None:
    mine, theirs = signed_in("viewer"), signed_in("editor")
    refused = mine.post("/logout", {"csrf_token": theirs.csrf_token()})
    assert refused.status_code == 400
    assert mine.get("/account").status_code == 200


def test_signing_out_is_a_post_and_ends_the_session_for_good(
        signed_in: Callable[[str], Browser], app: Flask) -> None:
    browser = signed_in("viewer")
    assert browser.client.get("/logout").status_code == 405
    cookie = browser.client.get_cookie("elig_session")
    assert cookie is not None
    assert browser.post("/logout").status_code == 302
    assert browser.get("/account").status_code == 302
    replayed = app.test_client()  # the old cookie, kept by someone, is dead too
    replayed.set_cookie("elig_session", cookie.value)
    assert replayed.get("/account").status_code == 302


def test_a_password_change_ends_every_session_of_that_user(
        signed_in: Callable[[str], Browser]) -> None:
    here, elsewhere = signed_in("editor"), signed_in("editor")
    answer = here.post("/account/password", {"current": PASSWORD, "new": "a brand new secret",
                                             "repeat": "a brand new secret"})
    assert answer.status_code == 302
    assert elsewhere.get("/account").status_code == 302
    assert here.get("/account").status_code == 302
    assert here.login("editor", PASSWORD).status_code == 401
    assert here.login("editor", "a brand new secret").status_code == 302


def test_a_bad_new_password_is_explained_beside_its_field(
        signed_in: Callable[[str], Browser]) -> None:
    browser = signed_in("viewer")
    answer = browser.post("/account/password", {"current": PASSWORD, "new": "short",
                                                "repeat": "short"})
    assert answer.status_code == 422
    assert 'id="new-error"' in answer.text and "at least 12" in answer.text.lower()
    assert browser.login("viewer", PASSWORD).status_code == 302  # unchanged


def test_disabling_a_user_ends_their_sessions(
        signed_in: Callable[[str], Browser], database_url: str, users: dict[str, str]) -> None:
    browser = signed_in("editor")
    with write_session(database_url) as session:
        user = session.get(User, users["editor"])
        assert user is not None
        set_disabled(Writer(session, "tests", clock.now()), user, True)
    assert browser.get("/account").status_code == 302
    assert browser.login("editor").status_code == 401


def test_pages_carry_the_security_headers_and_a_safe_cookie(
        signed_in: Callable[[str], Browser]) -> None:
    browser = signed_in("viewer")
    for url in ("/", "/login", "/account", "/static/dashboard.css", "/no-such-page"):
        answer = browser.get(url, headers={"Accept": "text/html"})
        answer.close()
        csp = answer.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp, url
        assert "script-src 'self'" in csp and "style-src 'self'" in csp, url
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers[name] == value, (url, name)
        assert "Strict-Transport-Security" not in answer.headers  # plain HTTP here


def test_the_stylesheet_and_script_are_served(browser: Browser) -> None:
    for name, kind in (("dashboard.css", "text/css"), ("dashboard.js", "text/javascript")):
        answer = browser.get(f"/static/{name}")
        answer.close()
        assert answer.status_code == 200 and answer.mimetype == kind, name


def test_over_tls_pages_get_hsts_and_a_secure_cookie(app: Flask, users: dict[str, str]) -> None:
    browser = Browser(app.test_client())
    base = {"base_url": "https://dash.example.org"}
    page = browser.get("/login", **base)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    refused = browser.post("/login", {"name": "viewer", "password": PASSWORD}, **base)
    assert refused.status_code == 400  # over TLS the form must come from this origin
    answer = browser.post("/login", {"name": "viewer", "password": PASSWORD}, **base,
                          headers={"Referer": "https://dash.example.org/login"})
    assert answer.status_code == 302
    cookie = answer.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_cookie_is_secure_anywhere_but_plain_http_on_loopback(
        app: Flask, users: dict[str, str]) -> None:
    local = Browser(app.test_client())
    local.get("/login", base_url="http://127.0.0.1:8000")
    cookie = local.post("/login", {"name": "viewer", "password": PASSWORD},
                        base_url="http://127.0.0.1:8000").headers["Set-Cookie"]
    assert "Secure" not in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    remote = Browser(app.test_client())
    remote.get("/login", base_url="http://dash.example.org")
    cookie = remote.post("/login", {"name": "viewer", "password": PASSWORD},
                         base_url="http://dash.example.org").headers["Set-Cookie"]
    assert "Secure" in cookie


def test_wrong_passwords_are_throttled_per_account_and_every_attempt_is_audited(
        browser: Browser, users: dict[str, str], database_url: str) -> None:
    answers = [browser.login("viewer", f"wrong password {i}").status_code for i in range(50)]
    assert answers[:5] == [401] * 5
    assert set(answers[5:]) == {429}
    throttled = browser.login("viewer", f"wrong password {99}")
    assert throttled.headers["Retry-After"]
    assert browser.login("viewer", PASSWORD).status_code == 429  # even the right one, for now
    with read_session(database_url) as session:
        counted = dict(session.execute(sa.select(AuditEntry.action, sa.func.count())
                                       .where(AuditEntry.resource == "users")
                                       .group_by(AuditEntry.action)).all())
    assert counted["login_failed"] == 5
    assert counted["login_throttled"] == 45 + 2
    other = Browser(browser.client.application.test_client())
    assert other.login("editor").status_code == 302  # another account is not held up


def test_sign_ins_are_throttled_per_address_across_accounts(
        browser: Browser, users: dict[str, str]) -> None:
    answers = [browser.login(f"someone-{i}", "not the password").status_code for i in range(25)]
    assert answers[:20] == [401] * 20
    assert set(answers[20:]) == {429}


def test_throttling_counts_in_redis_across_processes(
        settings: Settings, users: dict[str, str]) -> None:
    one = Browser(create_app(settings=settings).test_client())
    two = Browser(create_app(settings=settings).test_client())
    for i in range(3):
        assert one.login("admin", f"wrong {i}").status_code == 401
    assert two.login("admin", "wrong 3").status_code == 401
    assert two.login("admin", "wrong 4").status_code == 401
    assert one.login("admin", "wrong 5").status_code == 429


def test_without_redis_sign_ins_still_work_and_are_still_throttled(
        database_url: str, users: dict[str, str]) -> None:
    away = Settings(database_url=database_url, redis_url="redis://127.0.0.1:1/0",
                    follow_snapshots=False, decision_log_journal="")
    browser = Browser(create_app(settings=away).test_client())
    assert browser.login("viewer").status_code == 302
    answers = [Browser(browser.client.application.test_client())
               .login(f"x{i}", "wrong").status_code for i in range(25)]
    assert 429 in answers and answers[0] == 401


def test_the_api_is_untouched_by_sessions(app: Flask, keys: dict[str, dict[str, str]]) -> None:
    client = app.test_client()
    for path in ("/livez", "/api/v1/vendors"):
        answer = client.get(path, headers=keys["viewer"])
        assert answer.status_code == 200, path
        assert "Cookie" not in answer.headers.get("Vary", ""), path
        assert "Set-Cookie" not in answer.headers, path


def test_behind_a_trusted_proxy_the_forwarded_scheme_and_address_count(
        settings: Settings, users: dict[str, str]) -> None:
    proxied = Browser(create_app(settings=settings.with_overrides(
        {"trusted_proxies": 1})).test_client())
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "dash.example.org",
                 "X-Forwarded-For": "203.0.113.9"}
    page = proxied.get("/login", headers=forwarded)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    plain = Browser(create_app(settings=settings).test_client()).get("/login", headers=forwarded)
    assert "Strict-Transport-Security" not in plain.headers  # no proxy trusted: not believed
