"""The audit log: every write is there, and an edit behind the service's back shows."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from redis import Redis
from rq import Queue

from service.store import audit
from service.store.db import read_session, write_session
from service.store.models import AuditEntry, AuditHead
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


def append_behind_the_back(database_url: str, recompute_hash: bool) -> int:
    """Insert one row after the last, as someone with the database's password could."""
    with write_session(database_url) as session:
        last = session.scalars(sa.select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert last is not None
        seq, at, detail = last.seq + 1, last.at + timedelta(seconds=1), {"name": "Acme"}
        made = audit._digest(last.hash, seq, at, "key:k_admin", "delete", "vendors", "v_1",
                             detail)
        session.add(AuditEntry(seq=seq, at=at, actor="key:k_admin", action="delete",
                               resource="vendors", resource_id="v_1", detail=detail,
                               prev_hash=last.hash, hash=made if recompute_hash else "f" * 64))
        return seq


def delete_the_last_row(database_url: str) -> int:
    with write_session(database_url) as session:
        head = session.get(AuditHead, 1)
        assert head is not None
        session.execute(sa.delete(AuditEntry).where(AuditEntry.seq == head.seq))
        return head.seq


TAMPERINGS: dict[str, Callable[[str], int]] = {
    "appended_with_a_made_up_hash": lambda url: append_behind_the_back(url, False),
    "appended_with_a_recomputed_hash": lambda url: append_behind_the_back(url, True),
    "last_row_deleted": delete_the_last_row,
}


@pytest.mark.parametrize("tampering", list(TAMPERINGS))
def test_a_row_added_or_removed_at_the_end_is_found(client, keys, database_url, redis_url,
                                                    tampering):
    write_some(client, keys)
    seq = TAMPERINGS[tampering](database_url)
    with read_session(database_url) as session:
        assert audit.first_broken(session) == seq
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url)
    checked = subprocess.run([sys.executable, "-m", "service", "verify-audit"], cwd=ROOT,
                             env=env, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 1
    assert f"audit chain broken at entry {seq}:" in checked.stdout
    queue = Queue("default", connection=Redis.from_url(redis_url))
    job = queue.enqueue(verify_audit_chain)
    subprocess.run([sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", redis_url,
                    "default"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=60)
    job.refresh()
    assert job.get_status() == "failed"
    assert f"the audit log was altered at entry {seq}:" in (job.latest_result().exc_string or "")


def test_a_replaced_last_row_with_a_recomputed_hash_is_found(client, keys, database_url):
    write_some(client, keys)
    seq = delete_the_last_row(database_url)
    assert append_behind_the_back(database_url, recompute_hash=True) == seq
    with read_session(database_url) as session:
        broken = audit.verify(session)
    assert broken is not None and broken.seq == seq and "replaced" in broken.reason

