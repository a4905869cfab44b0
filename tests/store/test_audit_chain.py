"""The audit log: every write is there, and an edit behind the service's back shows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from redis import Redis
from rq import Queue

from service.store import audit
from service.store.db import read_session, write_session
from service.store.models import AuditEntry
from workers.jobs import verify_audit_chain

ROOT = Path(__file__).resolve().parents[2]


def write_some(client, keys) -> None:
    vendor = client.post("/api/v1/vendors", json={"name": "Acme"}, headers=keys["editor"])
    vendor_id = vendor.get_json()["id"]
    client.patch(f"/api/v1/vendors/{vendor_id}", json={"country": "DE"}, headers=keys["editor"])
    client.delete(f"/api/v1/vendors/{vendor_id}", headers=keys["editor"])


def test_every_write_is_audited_in_an_intact_chain(client, keys, database_url):
    write_some(client, keys)
    with read_session(database_url) as session:
        actions = session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.seq)).all()
        assert audit.first_broken(session) is None
    assert actions[-3:] == ["create", "update", "delete"]


def test_an_edited_row_breaks_the_chain_at_exactly_that_row(client, keys, database_url):
    write_some(client, keys)
    with write_session(database_url) as session:
        seqs = session.scalars(sa.select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
        target = seqs[len(seqs) // 2]
        session.execute(sa.update(AuditEntry).where(AuditEntry.seq == target)
                        .values(actor="someone else"))
    with read_session(database_url) as session:
        assert audit.first_broken(session) == target


def test_a_deleted_row_breaks_the_chain_at_the_gap(client, keys, database_url):
    write_some(client, keys)
    with write_session(database_url) as session:
        session.execute(sa.delete(AuditEntry).where(AuditEntry.seq == 2))
    with read_session(database_url) as session:
        assert audit.first_broken(session) == 3


def test_a_worker_runs_the_chain_check_job(client, keys, database_url, redis_url):
    write_some(client, keys)
    queue = Queue("default", connection=Redis.from_url(redis_url))
    job = queue.enqueue(verify_audit_chain)
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url)
    subprocess.run([sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", redis_url,
                    "default"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=60)
    job.refresh()
    assert job.get_status() == "finished"
    assert job.return_value() == {"first_broken": None}
