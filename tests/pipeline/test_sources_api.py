"""The sources API: what it takes, what it refuses (naming the field), and what it writes."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from service.store.db import read_session
from service.store.pipeline import Source
from tests.pipeline.conftest import Pipeline

GOOD = {"name": "CSL", "format": "csl-json", "url": "https://example.org/csl.json"}


def sources_in_database(pipeline: Pipeline) -> int:
    with read_session(pipeline.settings.database_url) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Source)) or 0


@pytest.mark.parametrize(("body", "field"), [
    ({**GOOD, "url": "ftp://example.org/x"}, "url"),
    ({**GOOD, "url": "javascript:alert(1)"}, "url"),
    ({**GOOD, "format": "xml"}, "format"),
    ({**GOOD, "schedule": "every day"}, "schedule"),
    ({**GOOD, "staleness_limit_hours": 0}, "staleness_limit_hours"),
    ({**GOOD, "max_drop_percent": 150}, "max_drop_percent"),
    ({**GOOD, "name": ""}, "name"),
    ({**GOOD, "surprise": 1}, "surprise"),
    ({"format": "csl-json", "url": GOOD["url"]}, "name"),
    # Found by fuzzing: each was stored, then failed every refresh or the scheduler itself.
    ({**GOOD, "url": "HTTP://"}, "url"),
    ({**GOOD, "url": "http://[::1/csl.json"}, "url"),
    ({**GOOD, "url": "https://example.org:99999/csl.json"}, "url"),
    ({**GOOD, "url": "file://"}, "url"),
    ({**GOOD, "url": "https://example.org/\x00"}, "url"),
    ({**GOOD, "schedule": "0 0 31 4 *"}, "schedule"),
    ({**GOOD, "schedule": "* * * * * * 2099"}, "schedule"),
])
def test_bad_sources_are_refused_by_field_and_nothing_is_written(
        pipeline: Pipeline, body: dict[str, Any], field: str) -> None:
    answer = pipeline.call("POST", "/api/v1/sources", "admin", body, 422).get_json()
    assert any(field in e["field"] or field in e["message"] for e in answer["errors"]), answer
    assert sources_in_database(pipeline) == 0


def test_a_source_is_listed_changed_and_deleted(pipeline: Pipeline) -> None:
    created = pipeline.post("/api/v1/sources", GOOD)
    assert created["schedule"] == "0 */6 * * *" and created["staleness_limit_hours"] == 48
    assert created["max_drop_percent"] == 20 and created["version"] == 0
    assert [s["id"] for s in pipeline.get("/api/v1/sources")["items"]] == [created["id"]]
    changed = pipeline.call("PATCH", f"/api/v1/sources/{created['id']}", "admin",
                            {"schedule": "30 2 * * *", "enabled": False}, 200).get_json()
    assert (changed["schedule"], changed["enabled"]) == ("30 2 * * *", False)
    pipeline.call("PATCH", f"/api/v1/sources/{created['id']}", "admin",
                  {"url": "gopher://x"}, 422)
    pipeline.call("DELETE", f"/api/v1/sources/{created['id']}", "admin", expect=200)
    pipeline.call("GET", f"/api/v1/sources/{created['id']}", "admin", expect=404)
    pipeline.call("POST", f"/api/v1/sources/{created['id']}/refresh", "admin", {}, 404)
    assert pipeline.get("/api/v1/sources")["items"] == []


def test_sources_are_for_admins(pipeline: Pipeline) -> None:
    pipeline.call("GET", "/api/v1/sources", "editor", expect=403)
    pipeline.call("POST", "/api/v1/sources", "editor", GOOD, 403)
    assert sources_in_database(pipeline) == 0


def test_a_bad_change_is_refused_by_field_and_the_source_is_left_as_it_was(
        pipeline: Pipeline) -> None:
    created = pipeline.post("/api/v1/sources", GOOD)
    path = f"/api/v1/sources/{created['id']}"
    for change, field in [({"name": None}, "name"), ({"url": "HTTP://"}, "url"),
                          ({"schedule": "0 0 30 2 *"}, "schedule"),
                          ({"enabled": "yes"}, "enabled"), ({"surprise": 1}, "surprise"),
                          ([], "body")]:
        answer = pipeline.call("PATCH", path, "admin", change, 422).get_json()
        assert field in [e["field"] for e in answer["errors"]], answer
    shown = pipeline.get(path)
    assert {k: shown[k] for k in created} == {**created, "age_seconds": shown["age_seconds"],
                                              "stale": shown["stale"]}
    kept = pipeline.call("PATCH", path, "admin", {"staleness_limit_hours": None}, 200)
    assert kept.get_json()["staleness_limit_hours"] == created["staleness_limit_hours"]


def test_sources_page_with_the_cursor_they_give(pipeline: Pipeline) -> None:
    # The cursor was ignored: a client following `next_cursor` got the first page forever.
    made = sorted(pipeline.post("/api/v1/sources", {**GOOD, "name": f"CSL {n}"})["id"]
                  for n in range(3))
    first = pipeline.get("/api/v1/sources?limit=2")
    assert [s["id"] for s in first["items"]] == made[:2] and first["next_cursor"] == made[1]
    second = pipeline.get(f"/api/v1/sources?limit=2&cursor={first['next_cursor']}")
    assert ([s["id"] for s in second["items"]], second["next_cursor"]) == (made[2:], None)
    answer = pipeline.call("GET", "/api/v1/sources?format=csl-json", "admin", expect=422)
    assert [e["field"] for e in answer.get_json()["errors"]] == ["format"]
