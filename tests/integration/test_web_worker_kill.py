"""`kill -9` of a web worker while admin writes and review verdicts are in flight.

Client threads write through the real server (granian, two workers): vendors and their
changes, designations, licences and amendments, and verdicts on pending matches, each thread
on records of its own. One worker is killed with SIGKILL while every client has a request
out; granian starts another in its place and the server serves on. Afterwards every write a
client got a 2xx for is there as it was acknowledged, and a write that got no answer either
happened whole (its version row with its audit entry, the chain intact) or not at all.

Runs on SQLite, or on PostgreSQL when `DATABASE_URL` names a server (see tests/conftest.py).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
from collections import Counter
from typing import Any

import requests
import sqlalchemy as sa
from sqlalchemy.orm import Session

from service.store import models as m
from tests.feeds.feed_server import wait_for
from tests.integration.test_serve import ROOT
from tests.integration.web_server import WebServer

CLIENTS = 6
TIMEOUT = 30  # seconds a request may take: writes queue on one lock, on a busy 2-core machine
# Pairs of near names: each vendor gets a pending match against its designation at once.
STARS = ("Acme", "Borealis", "Cygnet", "Dorado", "Eridani", "Fornax", "Gemini", "Hydra",
         "Indus", "Lacerta", "Lyra", "Mensa", "Norma", "Octans", "Pavo", "Pictor", "Puppis",
         "Pyxis", "Reticulum", "Sagitta", "Scutum", "Sextans", "Tucana", "Volans")
VERSIONED: dict[str, type[m.Versioned]] = {"vendors": m.Vendor, "designations": m.Designation,
                                           "licences": m.Licence, "matches": m.Match}


class Unanswered(Exception):
    """A request got no answer: it may or may not have been carried out."""


class Client(threading.Thread):
    """One client's writes, in cycles on fresh records; what was acknowledged is recorded.

    After a request goes unanswered the client leaves the records it was working on alone,
    so each of them has at most one write of unknown outcome after its last acknowledged one.
    """

    def __init__(self, index: int, url: str, headers: dict[str, str],
                 matches: list[dict[str, Any]],
                 stop: threading.Event, tally: Tally) -> None:
        super().__init__(name=f"client-{index}", daemon=True)
        self.index, self.url, self.headers = index, url, headers
        self.matches = matches
        self.stop, self.tally = stop, tally
        self.session = requests.Session()
        self.reconnect = threading.Event()
        self.acked: dict[str, dict[str, Any]] = {}  # record path -> as last acknowledged
        self.maybe: dict[str, dict[str, Any]] = {}  # record path -> if the unanswered write won
        self.amendments: dict[str, set[str]] = {}  # licence path -> acknowledged amendment ids
        self.unanswered: list[tuple[str, str, Any]] = []
        self.refused: list[str] = []  # answers that were not the 2xx expected
        self.acks = 0

    def run(self) -> None:
        cycle = 0
        while not self.stop.is_set():
            try:
                self.cycle(cycle)
            except Unanswered:
                pass
            cycle += 1
        self.session.close()

    def cycle(self, n: int) -> None:
        tag = f"{self.index}-{n}"
        vendor = self.call("POST", "/vendors", {"name": f"Kill Test Vendor {tag} GmbH"}, 201)
        v_path = f"/vendors/{vendor['id']}"
        self.acked[v_path] = vendor
        self.acked[v_path] = self.call("PATCH", v_path, {"country": "DE"}, 200,
                                       maybe=(v_path, {"country": "DE"}))
        designation = self.call("POST", "/designations", {
            "source": "EL", "name": f"Kill Test Entity {tag} Holdings",
            "effective_from": "2020-01-01", "vendor_ids": [vendor["id"]]}, 201)
        self.acked[f"/designations/{designation['id']}"] = designation
        licence = self.call("POST", "/licences", {
            "number": f"KT-{tag}", "kind": "specific", "holder": "Google LLC",
            "vendor_ids": [vendor["id"]], "lifts": ["EL"], "valid_from": "2020-01-01",
            "scope": {"update_kinds": ["security_patch"]}}, 201)
        l_path = f"/licences/{licence['id']}"
        self.acked[l_path] = licence
        amended = self.call("POST", f"{l_path}/amendments", {
            "effective_from": "2021-01-01",
            "scope": {"update_kinds": ["security_patch", "bug_fix"]}}, 201)
        self.amendments.setdefault(l_path, set()).add(amended["id"])
        if self.matches:
            match = self.matches.pop()
            m_path = f"/matches/{match['id']}"
            self.acked[m_path] = match  # pending, as listed
            verdict = "confirm" if n % 2 else "dismiss"
            self.acked[m_path] = self.call("POST", f"{m_path}/{verdict}",
                                           {"reason": f"checked by client {self.index}"}, 200,
                                           maybe=(m_path, {"status": f"{verdict}ed"}))

    def call(self, method: str, path: str, body: Any, expect: int,
             maybe: tuple[str, dict[str, Any]] | None = None) -> dict[str, Any]:
        if self.reconnect.is_set():  # spread this client's connection over the workers anew
            self.reconnect.clear()
            self.session.close()
            self.session = requests.Session()
        if maybe is not None:
            record, fields = maybe
            self.maybe[record] = {**fields, "revision": self.acked[record]["revision"] + 1}
        self.tally.begin()
        try:
            answer = self.session.request(method, f"{self.url}/api/v1{path}", json=body,
                                          headers=self.headers, timeout=TIMEOUT)
        except requests.RequestException as exc:
            self.unanswered.append((method, path, body))
            self.session.close()
            self.session = requests.Session()
            raise Unanswered(str(exc)) from exc
        finally:
            self.tally.end()
        if answer.status_code != expect:
            self.refused.append(f"{method} {path}: {answer.status_code} {answer.text[:300]}")
            raise Unanswered(answer.text)
        if maybe is not None:
            del self.maybe[maybe[0]]
        self.acks += 1
        self.tally.acked()
        found: dict[str, Any] = answer.json()
        return found


class Tally:
    """How many requests are out now, and how many were acknowledged, over all clients."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.out = 0
        self.acks = 0

    def begin(self) -> None:
        with self._lock:
            self.out += 1

    def end(self) -> None:
        with self._lock:
            self.out -= 1

    def acked(self) -> None:
        with self._lock:
            self.acks += 1


def test_acknowledged_writes_survive_a_kill_9_of_a_web_worker(database_url, redis_url, keys,
                                                              tmp_path):
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url,
               ELIG_WEB_WORKERS="2", ELIG_VAR_DIR=str(tmp_path),
               ELIG_QUEUE_NAME=f"tests-kill-{secrets.token_hex(4)}")
    server = WebServer(env, tmp_path / "web.log")
    stop = threading.Event()
    clients: list[Client] = []
    try:
        server.start()
        pending = make_pending_matches(server.url, keys["editor"])
        tally = Tally()
        clients = [Client(i, server.url, keys["editor"], pending[i::CLIENTS], stop, tally)
                   for i in range(CLIENTS)]
        for client in clients:
            client.start()
        wait_for(lambda: tally.acks >= 30, seconds=60)
        before_kill = server.workers()
        killed = kill_a_busy_worker(server, tally)

        def replaced() -> bool:  # granian spawned a worker in the dead one's place
            assert server.process is not None and server.process.poll() is None, server.said()
            now = server.workers()
            return len(now) == 2 and killed not in now

        wait_for(replaced, seconds=30)
        (replacement,) = set(server.workers()) - set(before_kill)
        wait_for(lambda: server.answered_by() == replacement, seconds=30)
        before = {client.name: client.acks for client in clients}
        for client in clients:
            client.reconnect.set()
        wait_for(lambda: all(c.acks >= before[c.name] + 3 for c in clients), seconds=60)
        stop.set()
        for client in clients:
            client.join(timeout=TIMEOUT + 5)
        assert not any(c.is_alive() for c in clients)
        assert not [c.refused for c in clients if c.refused], [c.refused for c in clients]
        assert any(c.unanswered for c in clients), "the kill interrupted no request"
        check_acknowledged(server.url, keys["viewer"], clients)
    finally:
        stop.set()
        server.stop()
    check_no_half_writes(database_url)
    verified = subprocess.run([sys.executable, "-m", "service", "verify-audit"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=60)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def kill_a_busy_worker(server: WebServer, tally: Tally) -> int:
    """SIGKILL the worker holding the most client connections, at a moment when every client
    has a request out; return its pid."""
    workers = server.workers()
    assert len(workers) == 2, workers
    victim = max(workers, key=server.connections)
    wait_for(lambda: tally.out == CLIENTS, seconds=10)
    os.kill(victim, signal.SIGKILL)
    return victim


def make_pending_matches(url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Register designations and vendors with near names; return the pending matches."""
    with requests.Session() as session:
        for star in STARS:
            made = session.post(f"{url}/api/v1/designations", headers=headers, timeout=TIMEOUT,
                                json={"source": "EL", "effective_from": "2020-01-01",
                                      "name": f"Shenzhen {star} Devices Co., Ltd."})
            assert made.status_code == 201, made.text
        for star in STARS:
            made = session.post(f"{url}/api/v1/vendors", headers=headers, timeout=TIMEOUT,
                                json={"name": f"Shenzhen {star} Device Co., Ltd."})
            assert made.status_code == 201, made.text
        listed = session.get(f"{url}/api/v1/matches?status=pending&limit=500",
                             headers=headers, timeout=TIMEOUT)
    found: list[dict[str, Any]] = listed.json()["items"]
    assert len(found) == len(STARS), listed.text
    return found


def check_acknowledged(url: str, headers: dict[str, str], clients: list[Client]) -> None:
    """Every record is as its last acknowledged write left it, or as the one unanswered write
    after that would have made it; every acknowledged amendment is there."""
    with requests.Session() as session:
        def shown(path: str) -> dict[str, Any]:
            answer = session.get(f"{url}/api/v1{path}", headers=headers, timeout=TIMEOUT)
            assert answer.status_code == 200, (path, answer.text)
            found: dict[str, Any] = answer.json()
            return found

        for client in clients:
            for path, acked in client.acked.items():
                now = shown(path)
                maybe = client.maybe.get(path)
                if maybe is not None and now["revision"] == maybe["revision"]:
                    assert {k: now[k] for k in maybe} == maybe, (path, now)
                else:
                    assert {k: now[k] for k in acked} == acked, (path, now)
            for path, amendments in client.amendments.items():
                assert amendments <= {a["id"] for a in shown(path)["amendments"]}, path


def check_no_half_writes(database_url: str) -> None:
    """Each version row of a record has its audit entry and each audit entry its row; each
    name written appears once: an interrupted write happened whole or not at all."""
    engine = sa.create_engine(database_url)
    try:
        with Session(engine) as session:
            for table, cls in VERSIONED.items():
                versions = Counter(session.scalars(sa.select(cls.id)))
                audited = Counter(session.scalars(
                    sa.select(m.AuditEntry.resource_id)
                    .where(m.AuditEntry.resource == table,
                           m.AuditEntry.action.not_like("licence_%"))))
                assert versions == audited, table
            amendments = Counter(session.scalars(sa.select(m.LicenceAmendment.id)))
            audited = Counter(detail["id"] for detail in session.scalars(
                sa.select(m.AuditEntry.detail)
                .where(m.AuditEntry.action == "licence_amendments")))
            assert amendments == audited
            for cls in (m.Vendor, m.Designation):
                twice = session.scalars(sa.select(cls.name).where(cls.version == 1)
                                        .group_by(cls.name).having(sa.func.count() > 1)).all()
                assert not twice, twice
    finally:
        engine.dispose()


def test_a_sigterm_while_a_replaced_worker_starts_still_stops_the_server(database_url,
                                                                       redis_url, tmp_path):
    """A worker forked to replace a dead one misses a SIGTERM that comes while it starts;
    the server must not wait for it forever."""
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url,
               ELIG_WEB_WORKERS="2", ELIG_VAR_DIR=str(tmp_path))
    server = WebServer(env, tmp_path / "web.log")
    server.start()
    try:
        first = server.workers()
        os.kill(first[0], signal.SIGKILL)
        wait_for(lambda: len(set(server.workers()) - set(first)) == 1, seconds=30)
    finally:
        status = server.stop(seconds=20)  # granian kills a worker still running after 5 s
    assert status == 0, server.said()
