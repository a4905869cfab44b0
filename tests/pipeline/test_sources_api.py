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
