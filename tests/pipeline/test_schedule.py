"""The scheduler records one refresh per source and schedule slot, however many run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from config.schedules import SCHEDULES
from service.sources.schedule import record_due, slot
from service.store.db import read_session
from service.store.pipeline import OutboxRow
from tests.feeds.feed_server import FeedServer
from tests.pipeline.conftest import Pipeline


def refresh_rows(pipeline: Pipeline) -> list[str]:
    with read_session(pipeline.settings.database_url) as session:
        return list(session.scalars(sa.select(OutboxRow.job_id)
                                    .where(OutboxRow.kind == "refresh")
                                    .order_by(OutboxRow.id)))


def test_a_slot_is_the_latest_instant_the_schedule_names() -> None:
    at = datetime(2026, 11, 28, 13, 7, 30, tzinfo=UTC)
    assert slot("0 */6 * * *", at) == datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert slot("0 */6 * * *", at.replace(hour=12, minute=0, second=0)) == \
        datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_two_schedulers_in_one_slot_record_one_refresh(pipeline: Pipeline,
                                                      feeds: FeedServer) -> None:
    source = pipeline.add_source(feeds.url("/sample.json"), schedule="0 */6 * * *")
    pipeline.add_source(feeds.url("/sample.json"), schedule="0 */6 * * *", enabled=False)
    now = datetime.now(UTC)
    first = record_due(pipeline.settings.database_url, now)
    second = record_due(pipeline.settings.database_url, now + timedelta(seconds=5))
    assert first == second and len(first) == 1 and source["id"] in first[0]
    assert refresh_rows(pipeline) == first
    pipeline.work()
    shown = pipeline.get(f"/api/v1/sources/{source['id']}")
    assert shown["last_refresh"]["trigger"] == "schedule"
    assert record_due(pipeline.settings.database_url, now + timedelta(minutes=1)) == []
    next_slot = slot("0 */6 * * *", now) + timedelta(hours=6, seconds=1)
    assert len(record_due(pipeline.settings.database_url, next_slot)) == 1
    assert len(refresh_rows(pipeline)) == 2


def test_the_cron_file_registers_every_schedule() -> None:
    from rq import cron

    import workers.cron  # noqa: F401  (registering is what importing it does)

    registered = {f"{entry['func'].__module__}.{entry['func'].__name__}": entry["cron"]
                  for entry in cron._job_data_registry}
    assert registered == SCHEDULES


def test_a_stored_schedule_that_never_comes_due_does_not_stop_the_others(
        pipeline: Pipeline, feeds: FeedServer) -> None:
    from service.store.db import write_session
    from service.store.pipeline import Source

    good = pipeline.add_source(feeds.url("/sample.json"))
    bad = pipeline.add_source(feeds.url("/sample.json"))
    with write_session(pipeline.settings.database_url) as session:
        source = session.get(Source, bad["id"])
        assert source is not None
        source.schedule = "0 0 31 4 *"  # parses, but 31 April never comes
    due = record_due(pipeline.settings.database_url, datetime.now(UTC))
    assert len(due) == 1 and good["id"] in due[0]
