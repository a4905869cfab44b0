"""A journal that cannot be written (the disk full) refuses the answer: a 503, never an
answer left out of the log.

The fault is the kernel's own: the process's file-size limit (RLIMIT_FSIZE) is lowered to a
byte while the request is answered, so no file can grow, a new one included, and the fsynced
append fails with EFBIG as it fails with ENOSPC on a full disk. (CPython ignores SIGXFSZ, so
the write fails instead of the process being killed.)
"""

from __future__ import annotations

import resource
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from service import create_app
from tests.conftest import make_settings

QUESTION = {"device": {"vendor": "Acme Phones Ltd", "model": "A1"},
            "update": {"supplier": "Google LLC", "kind": "security_patch", "product": "Android",
                       "enhances_functionality": False}}


@contextmanager
def no_room() -> Iterator[None]:
    """No file of this process may grow while inside."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


def logged(database_url: str) -> int:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT coalesce(sum(size), 0) FROM decision_log"))
        found = int(count.scalar_one())
    engine.dispose()
    return found


def test_with_no_room_for_the_journal_the_answer_is_a_503_and_nothing_unlogged_is_given(
        database_url, redis_url, keys, tmp_path):
    folder = tmp_path / "journal"
    app = create_app(settings=make_settings(database_url, redis_url,
                                            decision_log_journal=str(folder)))
    client = app.test_client()
    first = client.post("/api/v1/decisions", json=QUESTION, headers=keys["ota"])
    assert first.status_code == 200
    with no_room():
        refused = client.post("/api/v1/decisions", json=QUESTION, headers=keys["ota"])
        batch = client.post("/api/v1/decisions/batch", json={"items": [QUESTION] * 3},
                            headers=keys["ota"])
    for answer in (refused, batch):
        assert answer.status_code == 503, answer.text
        assert answer.mimetype == "application/problem+json"
        assert "verdict" not in answer.text
    after = client.post("/api/v1/decisions", json=QUESTION, headers=keys["ota"])
    assert after.status_code == 200  # room again: a new file takes the next answers
    app.extensions["eligibility"].decision_log.ship()
    assert logged(database_url) == 2  # the two answers given; none of the refused
    for answer in (first, after):
        shown = client.get(f"/api/v1/decisions/{answer.json['decision_id']}",
                           headers=keys["ota"])
        assert shown.status_code == 200
