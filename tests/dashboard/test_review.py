"""The review queue: each match's evidence as stored, and verdicts recorded by the API's rules."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from config.settings import Settings
from service import clock
from service.store.db import write_session
from service.store.models import Designation
from service.store.versions import Writer, latest
from tests.dashboard.conftest import Browser

LISTED = "Huawei Technologies Co., Ltd."
DETAIL = {"programs": ["EAR"], "addresses": ["Bantian, Longgang District, Shenzhen, CN"],
          "remarks": "Affiliates listed separately.", "source_list_url": "https://example.org/el",
          "type": None, "entity_number": None, "license_requirement": None,
          "license_policy": None, "standard_order": None, "ids": []}


class Api:
    def __init__(self, client: FlaskClient, keys: dict[str, dict[str, str]]) -> None:
        self.client, self.keys = client, keys

    def post(self, path: str, body: dict[str, Any], role: str = "editor") -> Any:
        answer = self.client.post(f"/api/v1{path}", json=body, headers=self.keys[role])
        assert answer.status_code < 300, answer.json
        return answer.json

    def match(self, match_id: str) -> Any:
        return self.client.get(f"/api/v1/matches/{match_id}", headers=self.keys["viewer"]).json

    def pending_for(self, vendor_name: str) -> str:
        """Register a vendor whose name resembles the listed one; return its pending match."""
        vendor = self.post("/vendors", {"name": vendor_name})
        items = self.client.get(f"/api/v1/matches?vendor_id={vendor['id']}",
                                headers=self.keys["viewer"]).json["items"]
        [match] = items
        assert match["status"] == "pending"
        return str(match["id"])


@pytest.fixture
def api(client: FlaskClient, keys: dict[str, dict[str, str]], settings: Settings) -> Api:
    """An Entity List entry for Huawei, with what its feed said of it."""
    found = Api(client, keys)
    entry = found.post("/designations", {
        "source": "EL", "name": LISTED, "alt_names": ["Huawei Device Co., Ltd."],
        "country": "CN", "effective_from": "2019-05-16", "reference": "84 FR 22961"})
    with write_session(settings.database_url) as session:  # as a feed would have kept it
        row = latest(session, Designation, entry["id"])
        assert row is not None
        Writer(session, "tests", clock.now()).change(Designation, row, {"detail": DETAIL})
    return found


def test_a_viewer_reads_the_evidence_side_by_side_without_the_buttons(
        api: Api, signed_in: Callable[[str], Browser]) -> None:
    api.pending_for("Hauwei Technologies Co., Ltd.")
    page = signed_in("viewer").get("/review").text
    for shown in ("Hauwei Technologies Co., Ltd.", "hauwei technologies co ltd", LISTED,
                  "huawei technologies co ltd", "0.89", "Entity List", "EAR",
                  "Bantian, Longgang District, Shenzhen, CN", "Affiliates listed separately.",
                  'href="https://example.org/el"', "84 FR 22961"):
        assert shown in page, shown
    assert re.search(r"<td>hauwei</td><td>huawei</td>", page)  # the words paired
    assert 'name="verdict"' not in page and 'name="match_id"' not in page


def test_the_evidence_says_in_words_why_the_names_matched(
        api: Api, signed_in: Callable[[str], Browser]) -> None:
    api.pending_for("Huawei")  # the brand alone
    api.pending_for("华为技术")  # Chinese characters, read in Latin letters
    page = signed_in("viewer").get("/review").text
    assert "Why it matched" in page
    assert "brand or short name contained in the longer name" in page
    assert "vendor name transliterated from CJK" in page


def test_an_editor_dismisses_a_match_with_its_reason(
        api: Api, signed_in: Callable[[str], Browser]) -> None:
    match_id = api.pending_for("Hauwei Technologies Co., Ltd.")
    editor = signed_in("editor")
    assert 'data-key="x"' in editor.get("/review").text
    done = editor.post("/review", {"match_id": [match_id], "verdict": "dismissed",
                                   "reason": "A different company in Shenzhen."})
    assert done.status_code == 303
    found = api.match(match_id)
    assert (found["status"], found["reason"]) == ("dismissed", "A different company in Shenzhen.")
    assert found["recorded_by"].startswith("user:")
    assert "Dismissed 1 match" in editor.get(done.headers["Location"]).text


def test_several_matches_are_confirmed_at_once_with_one_reason(
        api: Api, signed_in: Callable[[str], Browser]) -> None:
    ids = [api.pending_for("Hauwei Technologies Co., Ltd."),
           api.pending_for("Huawei Technologies Company")]
    done = signed_in("editor").post("/review", {"match_id": ids, "verdict": "confirmed",
                                                "reason": "Same group."})
    assert done.status_code == 303
    assert [api.match(i)["status"] for i in ids] == ["confirmed", "confirmed"]


def test_a_verdict_without_a_reason_saves_nothing(
        api: Api, signed_in: Callable[[str], Browser]) -> None:
    match_id = api.pending_for("Hauwei Technologies Co., Ltd.")
    page = signed_in("editor").post("/review", {"match_id": [match_id],
                                                "verdict": "confirmed", "reason": "  "})
    assert page.status_code == 422
    assert re.search(r'id="reason-error">Give the reason', page.text)
    assert f'value="{match_id}" id="pick-{match_id}" checked' in page.text  # still chosen
    assert api.match(match_id)["status"] == "pending"


def test_a_batch_with_a_match_decided_meanwhile_saves_none_of_it(
        api: Api, signed_in: Callable[[str], Browser]) -> None:
    ids = [api.pending_for("Hauwei Technologies Co., Ltd."),
           api.pending_for("Huawei Technologies Company")]
    api.post(f"/matches/{ids[1]}/dismiss", {"reason": "Someone else was first."})
    page = signed_in("editor").post("/review", {"match_id": ids, "verdict": "dismissed",
                                                "reason": "Not them."})
    assert page.status_code == 409 and "already dismissed" in page.text
    assert api.match(ids[0])["status"] == "pending"


def test_a_single_match_is_decided_from_its_own_page(
        api: Api, signed_in: Callable[[str], Browser]) -> None:
    match_id = api.pending_for("Hauwei Technologies Co., Ltd.")
    editor = signed_in("editor")
    page = editor.get(f"/review/{match_id}").text
    assert '<kbd>c</kbd>' in page and 'data-key="d"' in page and "Score" in page
    assert editor.post(f"/review/{match_id}", {"verdict": "confirmed", "reason": ""}
                       ).status_code == 422
    assert editor.post(f"/review/{match_id}", {"verdict": "confirmed", "reason": "Typo."}
                       ).status_code == 303
    assert api.match(match_id)["status"] == "confirmed"
    assert "No pending matches" in editor.get("/review").text
    assert "Hauwei" in editor.get("/review?status=confirmed").text


def test_unknown_matches_and_statuses_are_not_found(
        api: Api, signed_in: Callable[[str], Browser]) -> None:
    editor = signed_in("editor")
    assert editor.get("/review/mat_unknown").status_code == 404
    assert editor.post("/review/mat_unknown", {"verdict": "confirmed", "reason": "x"}
                       ).status_code == 404
    assert editor.get("/review?status=maybe").status_code == 404


def test_the_queue_is_paged_fifty_at_a_time(
        api: Api, signed_in: Callable[[str], Browser], settings: Settings) -> None:
    for number in range(51):
        api.post("/vendors", {"name": f"Hauwei Technologies {number} Co., Ltd."})
    viewer = signed_in("viewer")
    first = viewer.get("/review").text
    assert first.count('class="match"') == 50
    cursor = re.search(r'href="/review\?status=pending&amp;cursor=([^"]+)">Next page', first)
    assert cursor is not None
    assert viewer.get(f"/review?cursor={cursor[1]}").text.count('class="match"') == 1
