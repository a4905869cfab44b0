"""Importing device files of any length: staged in the database, imported all or none by a real
RQ job (run in this process), idempotent by device id; the JSON list's caps agree."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from service import cli
from service import devices as registry
from service.store.db import read_session, write_session
from service.store.device_staging import StagedDevice
from service.store.models import DataVersion, Device
from tests.pipeline import conftest as on_pipeline
from tests.pipeline.conftest import Pipeline

pipeline = on_pipeline.pipeline  # the app, a worker's environment, and `work()` running jobs
PATCH = {"supplier": "Google LLC", "supplier_country": "US", "kind": "security_patch",
         "product": "Android", "version": "2019-06-05", "enhances_functionality": False}
NDJSON = "application/x-ndjson"


def model(pipeline: Pipeline, name: str = "A1") -> str:
    vendor = pipeline.post("/api/v1/vendors", {"name": f"Acme {name}"})
    made = pipeline.post("/api/v1/models", {"vendor_id": vendor["id"], "name": name,
                                            "device_class": "handset"})
    return str(made["id"])


def ndjson(rows: list[tuple[str, str]]) -> bytes:
    return b"".join(orjson.dumps({"id": i, "model_id": m}) + b"\n" for i, m in rows)


def upload(pipeline: Pipeline, body: bytes, content_type: str = NDJSON) -> Any:
    return pipeline.client.post("/api/v1/devices/import", data=body,
                                headers={**pipeline.keys["editor"],
                                         "Content-Type": content_type})


def imported(pipeline: Pipeline, body: bytes, content_type: str = NDJSON) -> dict[str, Any]:
    """Upload a file, run its job, and return the job as `GET /jobs/{id}` shows it, having
    checked that the import's own resource (which editors may read) says the same."""
    answer = upload(pipeline, body, content_type)
    assert answer.status_code == 202, answer.get_json()
    sent = answer.get_json()
    assert answer.headers["Location"] == f"/api/v1/devices/imports/{sent['import_id']}"
    assert pipeline.get(answer.headers["Location"])["status"] == "queued"
    pipeline.work()
    job: dict[str, Any] = pipeline.get(f"/api/v1/jobs/{sent['job_id']}")
    assert job["status"] == "finished", job
    record = pipeline.get(answer.headers["Location"])
    assert (record["job_id"], record["status"]) == (sent["job_id"], "finished")
    assert (record["result"], record["progress"]) == (job["result"], job["progress"])
    return job


def count(url: str, table: Any) -> int:
    with read_session(url) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(table)) or 0


def decides(pipeline: Pipeline, device_id: str) -> int:
    return pipeline.call("POST", "/api/v1/decisions", "ota",
                         {"device": {"id": device_id}, "update": PATCH}).status_code


def test_an_ndjson_file_is_imported_by_its_job_and_its_devices_decide(pipeline: Pipeline) -> None:
    m1, m2 = model(pipeline, "A1"), model(pipeline, "A2")
    assert decides(pipeline, "SN-2") == 404
    job = imported(pipeline, ndjson([("SN-1", m1), ("SN-2", m2), ("SN-1", m1)]))
    assert job["result"]["outcome"] == "imported"
    assert (job["result"]["registered"], job["result"]["rows"]) == (2, 3)
    assert job["progress"] == {"stage": "done", "done": 3, "total": 3}
    assert decides(pipeline, "SN-2") == 200
    assert pipeline.get("/api/v1/devices/SN-2")["model_id"] == m2
    assert count(pipeline.settings.database_url, StagedDevice) == 0  # staging is emptied
    import_id = job["kwargs"]["import_id"]
    shown = pipeline.get(f"/api/v1/devices/imports/{import_id}", role="viewer")
    assert shown["rows"] == 3 and shown["result"] == job["result"]


def test_a_csv_file_with_bad_rows_is_refused_whole_with_each_named_by_line_and_field(
        pipeline: Pipeline) -> None:
    m1, m2 = model(pipeline, "A1"), model(pipeline, "A2")
    pipeline.post("/api/v1/devices", [{"id": "SN-0", "model_id": m1}])
    text = (f"id,model_id\nSN-1,{m1}\nSN-2,m_nothing\nSN-1,{m2}\nSN-4,{m1},x\nSN-0,{m2}\n"
            f",{m1}\n" + "".join(f"OK-{n},{m1}\n" for n in range(500)))
    job = imported(pipeline, text.encode(), "text/csv")
    result = job["result"]
    assert result["outcome"] == "refused" and result["error_count"] == 5
    assert [(e["line"], e["field"]) for e in result["errors"]] == [
        (3, "model_id"), (4, "model_id"), (5, "row"), (6, "model_id"), (7, "id")]
    assert "unknown model" in result["errors"][0]["message"]
    assert "is listed before with" in result["errors"][1]["message"]
    assert "is registered with" in result["errors"][3]["message"]
    assert count(pipeline.settings.database_url, Device) == 1  # all or nothing: only SN-0


def test_errors_past_the_first_200_are_counted_not_listed(pipeline: Pipeline) -> None:
    m = model(pipeline)
    rows = [(f"SN-{n}", m if n % 2 else "m_nothing") for n in range(1000)]
    result = imported(pipeline, ndjson(rows))["result"]
    assert result["error_count"] == 500 and len(result["errors"]) == 200
    assert result["errors"][0]["line"] == 1


def test_importing_the_same_file_again_changes_nothing_and_says_so(pipeline: Pipeline) -> None:
    m = model(pipeline)
    body = ndjson([(f"SN-{n}", m) for n in range(300)])
    first = imported(pipeline, body)["result"]
    url = pipeline.settings.database_url
    versions = count(url, DataVersion)
    again = imported(pipeline, body)["result"]
    assert (first["registered"], first["changed"]) == (300, True)
    assert again == {**again, "outcome": "imported", "registered": 0, "already_known": 300,
                     "changed": False}
    assert count(url, DataVersion) == versions and count(url, Device) == 300


def test_a_file_larger_than_the_json_body_cap_is_imported(pipeline: Pipeline) -> None:
    m = model(pipeline)
    body = ndjson([(f"SERIAL-{n:012}-XXXXXXXXXXXX", m) for n in range(50_000)])
    assert len(body) > pipeline.settings.max_body_bytes
    result = imported(pipeline, body)["result"]
    assert result["registered"] == 50_000
    assert pipeline.app.extensions["eligibility"].snapshots.current.records.devices.get(
        "SERIAL-000000049999-XXXXXXXXXXXX") == m


@pytest.mark.parametrize(("body", "content_type", "status", "field"), [
    (b'{"id": "SN-1", "model_id": "m"}\n', "application/json", 415, "Content-Type"),
    (b"", NDJSON, 422, "body"),
    (b"\n\n", NDJSON, 422, "body"),
    (b"serial,model\nSN-1,m\n", "text/csv", 422, "header"),
    (b"id,model_id\n", "text/csv", 422, "body"),
    (b'{"id": "SN-1", "model_id": "m"}\n{"id": "\xff"}\n', NDJSON, 422, "body"),
    (b"id,model_id\nSN-1,m\n\xff\xfe,m\n", "text/csv", 422, "body"),
])
def test_a_bad_file_as_a_whole_is_refused_at_upload_and_nothing_is_kept(
        pipeline: Pipeline, body: bytes, content_type: str, status: int, field: str) -> None:
    answer = upload(pipeline, body, content_type)
    assert answer.status_code == status, answer.get_json()
    assert answer.mimetype == "application/problem+json"
    assert [e["field"] for e in answer.get_json()["errors"]] == [field]
    assert count(pipeline.settings.database_url, StagedDevice) == 0


def test_the_cli_imports_a_file_and_exits_1_when_it_is_refused(
        pipeline: Pipeline, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    m = model(pipeline)
    good, bad = tmp_path / "good.csv", tmp_path / "bad.txt"
    good.write_text("id,model_id\n" + "".join(f"SN-{n},{m}\n" for n in range(20)))
    bad.write_bytes(ndjson([("SN-0", m), ("SN-X", "m_nothing")]))
    assert cli.main(["import-devices", str(good)]) == 0
    said = capsys.readouterr()
    assert json.loads(said.out)["registered"] == 20 and "checking: 0 of 20 rows" in said.err
    assert cli.main(["import-devices", str(bad)]) == 1  # read as NDJSON by its first byte
    refused = json.loads(capsys.readouterr().out)
    assert refused["outcome"] == "refused" and refused["errors"][0]["line"] == 2
    assert count(pipeline.settings.database_url, Device) == 20


def test_a_rebuild_reads_only_the_devices_registered_since_the_last(pipeline: Pipeline) -> None:
    m1, m2 = model(pipeline, "A1"), model(pipeline, "A2")
    holder = pipeline.app.extensions["eligibility"].snapshots
    pipeline.post("/api/v1/devices", [{"id": "SN-1", "model_id": m1}])
    before = holder.refresh()
    # Devices are never deleted; taking one away behind the service's back shows that the
    # next rebuild does not read the earlier devices again.
    with write_session(pipeline.settings.database_url) as session:
        session.execute(sa.delete(Device).where(Device.id == "SN-1"))
    pipeline.post("/api/v1/devices", [{"id": "SN-2", "model_id": m2},
                                      {"id": "SN-3", "model_id": m2}])
    after = holder.refresh()
    assert after.data_version > before.data_version
    assert after.records.devices.read_up_to == after.data_version
    assert (after.records.devices.get("SN-1"), after.records.devices.get("SN-3")) == (m1, m2)
    assert after.records.devices.counts() == {m1: 1, m2: 2} and len(after.records.devices) == 3


def test_any_json_list_the_item_cap_allows_fits_the_body_cap(pipeline: Pipeline) -> None:
    longest = "\U0001f4f1" * 120  # written as a surrogate pair escape: 12 bytes a character
    at_cap = [{"id": f"{n:06}{longest}"[:120], "model_id": longest}
              for n in range(registry.MAX_DEVICES)]
    body = json.dumps(at_cap, indent=1).encode()  # ASCII escapes, and whitespace besides
    assert len(body) <= registry.MAX_BODY_BYTES
    answer = pipeline.client.post("/api/v1/devices", data=body, headers={
        **pipeline.keys["editor"], "Content-Type": "application/json"})
    assert answer.status_code == 422 and "unknown model" in answer.get_data(as_text=True)
    over = pipeline.client.post("/api/v1/devices", data=json.dumps(
        [{"id": f"SN-{n}", "model_id": "m"} for n in range(registry.MAX_DEVICES + 1)]),
        headers={**pipeline.keys["editor"], "Content-Type": "application/json"})
    assert over.status_code == 422 and "/api/v1/devices/import" in over.get_json()["detail"]
    huge = pipeline.client.post("/api/v1/devices", data=io.BytesIO(
        b" " * (registry.MAX_BODY_BYTES + 1)), headers={
        **pipeline.keys["editor"], "Content-Type": "application/json",
        "Content-Length": str(registry.MAX_BODY_BYTES + 1)})
    assert huge.status_code == 413 and "/api/v1/devices/import" in huge.get_json()["detail"]
