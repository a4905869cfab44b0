"""Importing devices from CSV: every row checked first, all imported or none, as
`POST /api/v1/devices` would; the import runs as a real RQ job, in this process."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from service import clock
from service.device_files import FileRefused, Reading, chunks
from service.device_imports import run, stage_file
from tests.dashboard.conftest import Browser
from tests.pipeline import conftest as on_pipeline
from tests.pipeline.conftest import Pipeline

pipeline = on_pipeline.pipeline  # the app, a worker's environment, and `work()` running jobs


def model(pipeline: Pipeline, name: str = "A1") -> str:
    vendor = pipeline.post("/api/v1/vendors", {"name": "Acme Devices"})
    made = pipeline.post("/api/v1/models", {"vendor_id": vendor["id"], "name": name,
                                            "device_class": "handset"})
    return str(made["id"])


def upload(browser: Browser, text: str) -> Any:
    return browser.post("/reference/devices/upload",
                        {"file": (io.BytesIO(text.encode()), "devices.csv")})


def registered(pipeline: Pipeline) -> list[tuple[str, str]]:
    return [(d["id"], d["model_id"]) for d in pipeline.get("/api/v1/devices")["items"]]


def test_one_bad_row_is_listed_by_line_and_field_and_nothing_is_imported(
        pipeline: Pipeline, signed_in: Callable[[str], Browser]) -> None:
    m = model(pipeline)
    editor = signed_in("editor")
    answer = upload(editor, f"id,model_id\nSN-1,{m}\nSN-2,\nSN-3,{m}\n")
    assert answer.status_code == 303
    waiting = editor.get(answer.headers["Location"]).text
    assert "<progress" in waiting and "data-progress-url" in waiting and "Look again" in waiting
    pipeline.work()
    page = editor.get(answer.headers["Location"]).text
    assert "Nothing was imported" in page
    assert "<td>3</td><td><code>model_id</code></td>" in page  # line 3: SN-2's empty model
    assert "at least 1 character" in page
    assert registered(pipeline) == []


def test_a_good_file_is_imported_whole_and_importing_it_again_changes_nothing(
        pipeline: Pipeline, signed_in: Callable[[str], Browser]) -> None:
    m = model(pipeline)
    editor = signed_in("editor")
    text = "id,model_id\r\n" + "".join(f"SN-{n:03},{m}\r\n" for n in range(120))
    first = upload(editor, text)
    pipeline.work()
    page = editor.get(first.headers["Location"]).text
    assert "All 120 rows are imported: 120 new devices, 0 already" in page
    assert len(registered(pipeline)) == 100  # the API's first page of them
    again = upload(editor, text)
    pipeline.work()
    assert "0 new devices, 120 already registered" in editor.get(again.headers["Location"]).text


def test_a_device_registered_with_another_model_refuses_the_whole_file(
        pipeline: Pipeline, signed_in: Callable[[str], Browser]) -> None:
    m1, m2 = model(pipeline, "A1"), model(pipeline, "A2")
    pipeline.post("/api/v1/devices", [{"id": "SN-1", "model_id": m1}])
    editor = signed_in("editor")
    answer = upload(editor, f"id,model_id\nSN-0,{m2}\nSN-1,{m2}\n")
    pipeline.work()
    page = editor.get(answer.headers["Location"]).text
    assert "Nothing was imported" in page and "&#39;SN-1&#39; is registered with" in page
    assert registered(pipeline) == [("SN-1", m1)]


def test_unknown_models_repeats_and_stray_cells_are_each_named_by_line(
        pipeline: Pipeline, signed_in: Callable[[str], Browser]) -> None:
    m1, m2 = model(pipeline, "A1"), model(pipeline, "A2")
    editor = signed_in("editor")
    answer = upload(editor, f"id,model_id\nSN-1,{m1}\nSN-2,m_nothing\nSN-1,{m2}\n"
                            f"SN-4,{m1},extra\n")
    pipeline.work()
    page = editor.get(answer.headers["Location"]).text
    assert "3 problems in 4 rows" in page
    for line, fragment in ((3, "unknown model"), (4, "is listed before with"),
                           (5, "3 cells; the header names 2")):
        assert f"<td>{line}</td>" in page and fragment in page
    assert registered(pipeline) == []


def test_the_progress_answer_follows_the_job_to_its_result(
        pipeline: Pipeline, signed_in: Callable[[str], Browser]) -> None:
    m = model(pipeline)
    editor = signed_in("editor")
    page_url = upload(editor, f"id,model_id\nSN-1,{m}\n").headers["Location"]
    before = editor.get(f"{page_url}/progress").get_json()
    assert before["finished"] is False and before["result_url"] is None
    assert before["status"] in {"queued", "waiting"}
    pipeline.work()
    after = editor.get(f"{page_url}/progress").get_json()
    assert after["finished"] is True and after["result_url"] == page_url
    assert after["progress"]["done"] == after["progress"]["total"]


def test_a_file_that_is_not_a_device_csv_is_refused_at_once(
        pipeline: Pipeline, signed_in: Callable[[str], Browser]) -> None:
    editor = signed_in("editor")
    for text, reason in (("serial,model\nSN-1,m\n", "must be the header id,model_id"),
                         ("id,model_id\n", "no devices"),
                         ("id,model_id\n\"SN-1,m\n", "not valid CSV")):
        answer = upload(editor, text)
        assert answer.status_code == 422 and reason in answer.text
        assert 'id="file-error"' in answer.text
    missing = editor.post("/reference/devices/upload", {})
    assert missing.status_code == 422 and "Choose a CSV file" in missing.text
    pipeline.work()  # nothing was queued
    assert registered(pipeline) == []


def test_the_check_reports_its_progress_stage_by_stage(pipeline: Pipeline) -> None:
    m = model(pipeline)
    text = "id,model_id\n" + "".join(f"SN-{n},{m}\n" for n in range(2500))
    import_id, _ = stage_file(pipeline.settings, io.BytesIO(text.encode()), "csv", "user:test",
                              "devices.csv", clock.now(), queue=False)
    said: list[tuple[str, int, int]] = []
    result = run(pipeline.settings, import_id, clock.now,
                 lambda stage, d: said.append((stage, d["done"], d["total"])))
    assert said == [("checking", 0, 2500), ("importing", 2500, 2500), ("done", 2500, 2500)]
    assert result["registered"] == 2500


def test_reading_a_file_keeps_each_rows_line_number() -> None:
    reading = Reading()
    file = io.BytesIO(b'\xef\xbb\xbfid,model_id\n\nSN-1,m1\n"SN\n2",m2\n')
    assert [row for chunk in chunks(file, "csv", reading) for row in chunk] == [
        (3, "SN-1", "m1"), (5, "SN\n2", "m2")]
    try:
        list(chunks(io.BytesIO(b"id,model_id\n\xff\xfe"), "csv", Reading()))
    except FileRefused as exc:
        assert "not UTF-8" in str(exc) and exc.field == "body"
    else:
        raise AssertionError("a file that is not UTF-8 was read")
