"""With the database out of reach, a process answers from its last snapshot, but not forever."""

from __future__ import annotations

import time
from datetime import timedelta

import time_machine

from service import clock
from service.snapshot import SnapshotHolder


def test_a_snapshot_outlives_the_database_only_within_the_staleness_limit(database_url,
                                                                          tmp_path):
    holder = SnapshotHolder(database_url, "redis://127.0.0.1:9/0", 0.01, clock.now)
    kept = holder.refresh()
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the database's folder should be")
    holder.database_url = f"sqlite:///{blocker}/service.db"  # the database is now unreachable
    holder.start()
    try:
        deadline = time.monotonic() + 5
        while not holder.failing and time.monotonic() < deadline:
            pass  # the follower thread notices within a poll; bounded by the deadline
        assert holder.failing
        assert holder.current is kept  # the last good snapshot keeps answering
        limit = timedelta(hours=48)
        assert not holder.out_of_touch(clock.now(), limit)
        assert holder.out_of_touch(clock.now() + limit + timedelta(seconds=1), limit)
    finally:
        holder.stop()


def test_past_the_limit_a_decision_is_refused_never_guessed(app, keys, tmp_path):
    holder = app.extensions["eligibility"].snapshots
    client = app.test_client()
    question = {"device": {"vendor": "Acme", "model": "A1"},
                "update": {"supplier": "Google LLC", "kind": "security_patch",
                           "product": "Android", "enhances_functionality": False}}
    assert client.post("/api/v1/decisions", json=question, headers=keys["ota"]).status_code == 200
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    holder.database_url = f"sqlite:///{blocker}/service.db"
    holder.poll_seconds = 0.01
    holder.start()
    try:
        deadline = time.monotonic() + 5
        while not holder.failing and time.monotonic() < deadline:
            pass
        with time_machine.travel(clock.now() + timedelta(hours=49), tick=False):
            refused = client.post("/api/v1/decisions", json=question, headers=keys["ota"])
    finally:
        holder.stop()
    assert refused.status_code == 503
    assert refused.mimetype == "application/problem+json"
    assert "verdict" not in refused.get_json()
