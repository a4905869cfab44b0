"""The audit page: who changed what and when, filters, pages, and the hash chain checked."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from config.settings import Settings
from service import clock
from service.dashboard.audit_chain import ChainWatch
from service.store import audit
from service.store.db import read_session, write_session
from service.store.models import AuditEntry
from tests.conftest import make_settings
from tests.dashboard.conftest import Browser

HTML = {"Accept": "text/html"}  # as a browser asks


@pytest.fixture
def settings(database_url: str, redis_url: str) -> Settings:
    """Webhooks to 127.0.0.1 allowed (nothing is sent to them here)."""
    return make_settings(database_url, redis_url, webhook_allow_hosts="127.0.0.1")


def seqs(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<a href="/audit/(\d+)">Entry', page)]


def entry_of(database_url: str, resource: str, action: str) -> AuditEntry:
    with read_session(database_url) as session:
        return session.scalars(sa.select(AuditEntry).where(
            AuditEntry.resource == resource, AuditEntry.action == action)
            .order_by(AuditEntry.seq.desc())).first()


def append(database_url: str, count: int) -> None:
    with write_session(database_url) as session:
        for n in range(count):
            audit.append(session, at=clock.now(), actor="tests", action="note",
                         resource="jobs", resource_id=f"job-{n}", detail={"n": n})


def break_entry(database_url: str, seq: int) -> None:
    """Edit a row as someone with the database's password could."""
    with write_session(database_url) as session:
        session.execute(sa.text("UPDATE audit_log SET actor = 'someone else' WHERE seq = :seq"),
                        {"seq": seq})


def test_a_change_shows_who_made_it_with_before_and_after(
        signed_in: Callable[[str], Browser], client: FlaskClient,
        keys: dict[str, dict[str, str]], database_url: str) -> None:
    vendor = client.post("/api/v1/vendors", json={"name": "Acme"}, headers=keys["editor"])
    client.patch(f"/api/v1/vendors/{vendor.get_json()['id']}", json={"country": "DE"},
                 headers=keys["editor"])
    viewer = signed_in("viewer")
    update = entry_of(database_url, "vendors", "update")
    listed = viewer.get("/audit?resource=vendors").text
    assert seqs(listed)[0] == update.seq and "test editor (API key)" in listed
    shown = viewer.get(f"/audit/{update.seq}").text
    assert "Version 1 (before) against version 2 (after)." in shown
    country = re.search(r'>country</th>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>',
                        shown, re.S)
    assert country is not None
    assert "none" in country.group(1) and country.group(2) == "DE"
    assert "changed" in country.group(3)


def test_before_of_an_unversioned_record_comes_from_earlier_entries(
        signed_in: Callable[[str], Browser], client: FlaskClient,
        keys: dict[str, dict[str, str]], database_url: str) -> None:
    created = client.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"},
                          headers=keys["admin"]).get_json()
    assert created["enabled"]
    client.patch(f"/api/v1/webhooks/{created['id']}", json={"description": "ours"},
                 headers=keys["admin"])
    update = entry_of(database_url, "webhooks", "update")
    shown = signed_in("viewer").get(f"/audit/{update.seq}").text
    row = re.search(r'>description</th>\s*<td>(.*?)</td>\s*<td>(.*?)</td>', shown, re.S)
    assert row is not None and "none" in row.group(1) and f"entry {update.seq - 1}" in row.group(1)
    assert row.group(2) == "ours"


def test_sign_in_attempts_are_findable(browser: Browser, signed_in: Callable[[str], Browser],
                                       users: dict[str, str]) -> None:
    browser.login("nobody", "not a password at all")
    viewer = signed_in("viewer")
    failed = viewer.get("/audit?action=login_failed").text
    assert "login:nobody" in failed and len(seqs(failed)) == 1
    theirs = viewer.get("/audit?actor=viewer&resource=users").text
    assert "<code>login</code>" in theirs and "<code>login_failed</code>" not in theirs
    assert "login:nobody" in viewer.get("/audit?actor=nobody").text


def test_a_time_range_and_a_resource_narrow_the_log(signed_in: Callable[[str], Browser],
                                                      users: dict[str, str]) -> None:
    viewer = signed_in("viewer")
    everything = seqs(viewer.get("/audit").text)
    assert everything == sorted(everything, reverse=True) and len(everything) >= 4
    later = (clock.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    earlier = (clock.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    assert seqs(viewer.get(f"/audit?since={later}").text) == []
    assert seqs(viewer.get(f"/audit?since={earlier}&until={later}").text) == everything
    assert seqs(viewer.get("/audit?resource=jobs").text) == []


def test_the_log_is_paged_newest_first(signed_in: Callable[[str], Browser],
                                       database_url: str) -> None:
    viewer = signed_in("viewer")
    append(database_url, 60)
    first = viewer.get("/audit?resource=jobs")
    assert seqs(first.text) == list(range(seqs(first.text)[0], seqs(first.text)[0] - 50, -1))
    older = re.search(r'href="(/audit\?[^"]*before=\d+[^"]*)">Older entries', first.text)
    assert older is not None
    second = viewer.get(older.group(1).replace("&amp;", "&")).text
    assert len(seqs(second)) == 10 and seqs(second)[0] == seqs(first.text)[-1] - 1
    assert "Older entries" not in second


def test_a_row_edited_with_sql_is_named_as_the_first_break(
        signed_in: Callable[[str], Browser], database_url: str) -> None:
    viewer = signed_in("viewer")
    append(database_url, 5)
    assert "The hash chain is intact" in viewer.get("/audit").text
    target = entry_of(database_url, "jobs", "note").seq - 2
    break_entry(database_url, target)
    page = viewer.get("/audit").text
    assert f"broken at <a href=\"/audit/{target}\">entry {target}</a>" in page
    assert "does not match its hash" in page
    assert page.count("does not match: altered") == 1
    assert "the entry was altered" in viewer.get(f"/audit/{target}").text


def test_a_long_chain_is_checked_from_where_it_was_last_found_intact(
        app: Flask, signed_in: Callable[[str], Browser], database_url: str) -> None:
    app.extensions["audit_chain"] = ChainWatch(full_limit=3)
    viewer = signed_in("viewer")
    append(database_url, 5)
    assert "has not been verified yet" in viewer.get("/audit").text
    done = viewer.post("/audit/verify")
    assert done.status_code == 303
    assert "entries is intact" in viewer.get(done.headers["Location"]).text
    old = entry_of(database_url, "jobs", "note").seq
    append(database_url, 3)
    page = viewer.get("/audit").text
    assert f"intact up to entry {old + 3}" in page
    break_entry(database_url, old - 1)  # before the point found intact: a full walk sees it
    assert "The hash chain is intact up to" in viewer.get("/audit").text
    viewer.post("/audit/verify")
    assert f"broken at <a href=\"/audit/{old - 1}\">" in viewer.get("/audit").text


def test_new_entries_after_the_intact_point_are_checked_at_each_view(
        app: Flask, signed_in: Callable[[str], Browser], database_url: str) -> None:
    app.extensions["audit_chain"] = ChainWatch(full_limit=3)
    viewer = signed_in("viewer")
    viewer.post("/audit/verify")
    append(database_url, 3)
    newest = entry_of(database_url, "jobs", "note").seq
    break_entry(database_url, newest - 1)
    assert f"broken at <a href=\"/audit/{newest - 1}\">" in viewer.get("/audit").text


def test_bad_filters_are_refused_beside_their_field(signed_in: Callable[[str], Browser]) -> None:
    answer = signed_in("viewer").get("/audit?since=yesterday&resource=planets")
    assert answer.status_code == 422
    assert 'id="since-error"' in answer.text and 'id="resource-error"' in answer.text


def test_an_unknown_entry_is_a_404_page(signed_in: Callable[[str], Browser]) -> None:
    answer = signed_in("viewer").get("/audit/999999", headers=HTML)
    assert answer.status_code == 404 and "no entry 999999" in answer.text
