"""A source's refresh, from the fetch to the activation, with every outcome recorded.

The steps, each with its own way of ending:

1. fetch with `If-None-Match` / `If-Modified-Since`: a 304 is `not_modified`, a body equal to
   the active one is `unchanged` (both move `last_checked_at`, neither `last_changed_at`);
2. parse and validate the whole feed: a broken one is `failed`, and nothing changes;
3. compare row counts per list with the active version: a sharp drop is `held` with its body
   kept until an admin approves it (`approve`), and nothing changes meanwhile;
4. activate in one transaction, guarded by the source's version counter (`activation.py`):
   `activated`, or `superseded` when an overlapping run got there first.

Network trouble raises `FeedUnavailable` after recording the failed attempt, so that RQ's
`Retry` tries again later. A URL that leads where feeds may not be read from (`FeedRefused`) is
`failed` without a retry: it would be refused the same way until someone changes it. No step
holds a write transaction open while it waits on the network or parses.

Every outcome also moves the source's failing streak in the transaction that records it
(`failures.py`): `failed` and `held` extend it, good data ends it.
"""

from __future__ import annotations

import shutil
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from config.settings import Settings
from service import outbox
from service.feeds.csl import Entry, FeedInvalid, count_by_list, parse
from service.feeds.diff import drops
from service.feeds.fetch import FeedUnavailable, fetch
from service.feeds.reach import FeedRefused, Reach
from service.snapshot import announce
from service.sources import failures
from service.sources.activation import activate
from service.store.db import read_session, write_session
from service.store.pipeline import FeedPayload, Refresh, Source
from service.store.versions import Writer, new_id

Progress = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class Run:
    """What a refresh needs to know of its source, read before anything slow starts."""

    refresh_id: str
    source_id: str
    url: str
    format: str
    version: int
    etag: str | None
    last_modified: str | None
    sha256: str | None
    counts: dict[str, int]
    max_drop_percent: float


def refresh(settings: Settings, source_id: str, job_id: str | None, trigger: str,
            clock: Callable[[], datetime], progress: Progress | None = None) -> dict[str, Any]:
    """Run one refresh of `source_id`; return its record as a dict."""
    report = progress or (lambda stage, detail: None)
    run = _begin(settings, source_id, job_id, trigger, clock())
    if run is None:
        return {"outcome": "skipped", "reason": "the source is deleted"}
    workdir = Path(tempfile.mkdtemp(prefix="feed-", dir=_scratch(settings)))
    try:
        report("fetching", {})
        try:
            fetched = fetch(run.url, workdir, etag=run.etag, last_modified=run.last_modified,
                            reach=Reach.of(settings),
                            connect_timeout=settings.feed_connect_timeout,
                            read_timeout=settings.feed_read_timeout,
                            total_timeout=settings.feed_total_timeout,
                            max_bytes=settings.feed_max_bytes,
                            progress=lambda size: report("fetching", {"bytes": size}))
        except FeedUnavailable as exc:
            _finish(settings, run, clock(), "failed", exc.reason)
            raise
        except (FeedInvalid, FeedRefused) as exc:
            return _finish(settings, run, clock(), "failed", exc.reason)
        facts = {"http_status": fetched.http_status, "sha256": fetched.sha256,
                 "size": fetched.size}
        if not fetched.changed:
            return _finish(settings, run, clock(), "not_modified", None, facts, checked=True)
        if fetched.sha256 == run.sha256:
            return _finish(settings, run, clock(), "unchanged", None, facts, checked=True,
                           etag=fetched.etag, last_modified=fetched.last_modified)
        assert fetched.path is not None
        report("parsing", {"bytes": fetched.size})
        try:
            entries = list(parse(fetched.path, run.format))
        except FeedInvalid as exc:
            return _finish(settings, run, clock(), "failed", exc.reason, facts)
        counts = count_by_list(entries)
        dropped = drops(run.counts, counts, run.max_drop_percent, settings.min_drop_rows)
        if dropped:
            body = zlib.compress(fetched.path.read_bytes())
            return _finish(settings, run, clock(), "held", "; ".join(dropped) +
                           ": held until an admin approves it", facts, counts=counts,
                           payload=body)
        report("activating", {"entries": len(entries)})
        return activate_entries(settings, run, entries, counts, clock(), facts,
                                etag=fetched.etag, last_modified=fetched.last_modified,
                                progress=report)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def approve(settings: Settings, refresh_id: str, approver: str,
            clock: Callable[[], datetime]) -> dict[str, Any]:
    """Activate a held refresh's kept body, as an admin decided (the job behind `approve`)."""
    with read_session(settings.database_url) as session:
        held = session.get(Refresh, refresh_id)
        payload = session.get(FeedPayload, refresh_id)
        source = session.get(Source, held.source_id) if held else None
    if held is None or payload is None or source is None or held.outcome != "approved":
        return {"outcome": "skipped", "reason": "no approved refresh with a kept body"}
    run = _run_of(held.id, source)
    workdir = Path(tempfile.mkdtemp(prefix="feed-", dir=_scratch(settings)))
    try:
        path = workdir / "feed"
        path.write_bytes(zlib.decompress(payload.body))
        entries = list(parse(path, payload.format))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    facts = {"http_status": held.http_status, "sha256": held.sha256, "size": held.size}
    return activate_entries(settings, run, entries, count_by_list(entries), clock(), facts,
                            etag=None, last_modified=None, actor=approver)


def activate_entries(settings: Settings, run: Run, entries: list[Entry],
                     counts: dict[str, int], now: datetime, facts: dict[str, Any], *,
                     etag: str | None, last_modified: str | None,
                     actor: str | None = None, progress: Progress | None = None
                     ) -> dict[str, Any]:
    source_facts = {"sha256": facts["sha256"], "etag": etag, "last_modified": last_modified,
                    "counts": counts, "last_checked_at": now, "last_changed_at": now,
                    "last_attempt_at": now, "last_error": None, **failures.ENDED}
    with write_session(settings.database_url) as session:
        if progress is not None:  # said from inside the transaction, which holds the lock
            progress("writing", {"entries": len(entries)})
        writer = Writer(session, actor or f"feed:{run.source_id}", now)
        source = session.get(Source, run.source_id)
        streak = None if source is None else failures.Streak.of(source)
        done = activate(session, writer, run.source_id, run.version, entries, source_facts)
        if done is not None and streak is not None:
            failures.ended(session, streak, now)
        record = session.get(Refresh, run.refresh_id)
        assert record is not None
        record.finished_at = now
        record.counts = counts
        record.previous_counts = run.counts
        for name, value in facts.items():
            setattr(record, name, value)
        if done is None:
            record.outcome = "superseded"
            record.reason = "another refresh activated a version first; this one changed nothing"
        else:
            record.outcome = "activated"
            record.added, record.changed, record.removed = done.added, done.changed, done.removed
            record.activated_version = done.version
            record.data_version = done.data_version
        writer.audit(f"refresh_{record.outcome}", "sources", run.source_id,
                     {"refresh": run.refresh_id, "reason": record.reason})
        result = refresh_json(record)
    if done is not None and done.data_version is not None:
        announce(settings.redis_url, done.data_version)
    outbox.relay_quietly(settings, now)
    return result


def _begin(settings: Settings, source_id: str, job_id: str | None, trigger: str,
           now: datetime) -> Run | None:
    with write_session(settings.database_url) as session:
        source = session.get(Source, source_id)
        if source is None or source.deleted:
            return None
        record = None
        if job_id is not None:  # a retried job carries on with the refresh it started
            record = session.query(Refresh).filter_by(job_id=job_id).one_or_none()
        if record is None:
            record = Refresh(id=new_id("ref"), source_id=source_id, job_id=job_id,
                             trigger=trigger, started_at=now, outcome="started", counts={},
                             previous_counts=dict(source.counts), base_version=source.version)
            session.add(record)
        source.last_attempt_at = now
        return _run_of(record.id, source)


def _run_of(refresh_id: str, source: Source) -> Run:
    return Run(refresh_id, source.id, source.url, source.format, source.version, source.etag,
               source.last_modified, source.sha256, dict(source.counts),
               source.max_drop_percent)


def _finish(settings: Settings, run: Run, now: datetime, outcome: str, reason: str | None,
            facts: dict[str, Any] | None = None, *, checked: bool = False,
            payload: bytes | None = None, counts: dict[str, int] | None = None,
            etag: str | None = None, last_modified: str | None = None) -> dict[str, Any]:
    """Record an outcome that activates nothing."""
    with write_session(settings.database_url) as session:
        record = session.get(Refresh, run.refresh_id)
        source = session.get(Source, run.source_id)
        assert record is not None and source is not None
        retried = record.outcome == "failed"  # an earlier attempt of this refresh failed
        told = False
        record.outcome, record.reason, record.finished_at = outcome, reason, now
        # A 304 or the same bytes leave the active version as it was: so are its counts.
        record.counts = counts if counts is not None else dict(run.counts) if checked else {}
        record.previous_counts = run.counts
        for name, value in (facts or {}).items():
            setattr(record, name, value)
        if checked:
            told = _checked(session, source, now, etag, last_modified)
        elif outcome in {"failed", "held"}:
            told = failures.failed(session, source, reason, now, settings.feed_failure_alert,
                                   counted=retried)
        if payload is not None:
            session.merge(FeedPayload(refresh_id=run.refresh_id, format=run.format,
                                      body=payload))
        Writer(session, f"feed:{run.source_id}", now).audit(
            f"refresh_{outcome}", "sources", run.source_id,
            {"refresh": run.refresh_id, "reason": reason})
        result = refresh_json(record)
    if told:
        outbox.relay_quietly(settings, now)  # hand the messages to the queue at once
    return result


def _checked(session: Session, source: Source, now: datetime, etag: str | None,
             last_modified: str | None) -> bool:
    """The feed answered with the active data (a 304 or the same bytes): good data again.
    Return whether subscribers are told the source recovered."""
    streak = failures.Streak.of(source)
    source.last_checked_at, source.last_error = now, None
    for name, value in failures.ENDED.items():
        setattr(source, name, value)
    if etag is not None:
        source.etag, source.last_modified = etag, last_modified
    return failures.ended(session, streak, now)


def _scratch(settings: Settings) -> str:
    # Not the feed folder (`var/feeds` by default): a download under way is no feed to read.
    path = Path(settings.var_dir) / "downloads"
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


def refresh_json(record: Refresh) -> dict[str, Any]:
    return {"id": record.id, "source_id": record.source_id, "job_id": record.job_id,
            "trigger": record.trigger, "started_at": record.started_at,
            "finished_at": record.finished_at, "outcome": record.outcome,
            "reason": record.reason, "http_status": record.http_status,
            "sha256": record.sha256, "size": record.size, "counts": record.counts,
            "previous_counts": record.previous_counts, "added": record.added,
            "changed": record.changed, "removed": record.removed,
            "activated_version": record.activated_version,
            "data_version": None if record.data_version is None else str(record.data_version),
            "decided_by": record.decided_by}
