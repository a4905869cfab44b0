"""The lean decision route answers exactly as the full Flask route does.

A request with an `Idempotency-Key` always takes the full route, the same request without one
the lean route: both answers must agree byte for byte but for the decision id, and carry the
same headers. Whatever the lean route does not answer itself reaches the full route intact.
"""

from __future__ import annotations

import secrets
from typing import Any

import orjson
import pytest
from werkzeug.test import EnvironBuilder

from service.decisions.wsgi import LeanDecisions

PATCH = {"supplier": "Google LLC", "supplier_country": "US", "kind": "security_patch",
         "product": "Android", "version": "2019-06-05", "enhances_functionality": False}
QUESTIONS = [
    {"device": {"id": "SN-P30PRO-0001"}, "update": PATCH, "at": "2019-06-01T00:00:00Z"},
    {"device": {"vendor": "Huawei Technologies Co., Ltd.", "model": "Mate 30 Pro"},
     "update": PATCH, "at": "2019-10-01"},
    {"device": {"vendor": "Acme Phones Ltd", "model": "A1"}, "update": PATCH,
     "at": "2024-01-01T00:00:00Z"},
    {"device": {"id": "SN-Y9PRIME-0001"}, "update": PATCH, "at": "2019-06-01T00:00:00Z"},
    {"device": {"id": "SN-MI9-0001"}, "update": PATCH},  # now
]
HEADERS = ("Content-Type", "Cache-Control", "ETag")


def both(client: Any, path: str, body: Any, key: dict[str, str]) -> tuple[Any, Any]:
    lean = client.post(path, data=orjson.dumps(body), headers=key,
                       content_type="application/json")
    full = client.post(path, data=orjson.dumps(body), content_type="application/json",
                       headers={**key, "Idempotency-Key": secrets.token_hex(8)})
    return lean, full


def same_but_ids(lean: dict[str, Any], full: dict[str, Any]) -> None:
    assert lean["decision_id"] != full["decision_id"]
    assert {**lean, "decision_id": None} == {**full, "decision_id": None}


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_single_answer_is_the_same_by_either_route(demo_client, ota, question):
    lean, full = both(demo_client, "/api/v1/decisions", question, ota)
    assert lean.status_code == full.status_code == 200
    assert "Idempotent-Replayed" not in full.headers
    lean_body, full_body = lean.json, full.json
    # Answered within the same second or so: the instants of answering may differ.
    for body in (lean_body, full_body):
        body.pop("evaluated_at")
        if "at" not in question:
            body.pop("at")
    same_but_ids(lean_body, full_body)
    assert list(lean.json) == list(full.json)  # the same fields in the same order
    for name in HEADERS:
        assert lean.headers[name] == full.headers[name], name
    assert lean.headers["X-Request-Id"] and lean.headers["Date"]


def test_a_batch_is_the_same_by_either_route(demo_client, ota):
    items: list[Any] = [*QUESTIONS, {"device": {"id": "nobody"}, "update": PATCH}, 42]
    lean, full = both(demo_client, "/api/v1/decisions/batch", {"items": items}, ota)
    assert lean.status_code == full.status_code == 200
    assert lean.headers["Content-Type"] == full.headers["Content-Type"] == "application/json"
    pairs = list(zip(lean.json["results"], full.json["results"], strict=True))
    for (a, b), question in zip(pairs, QUESTIONS, strict=False):
        instants = {"evaluated_at": None} | ({} if "at" in question else {"at": None})
        same_but_ids(a | instants, b | instants)
    assert [a for a, _ in pairs[len(QUESTIONS):]] == [b for _, b in pairs[len(QUESTIONS):]]
    assert pairs[-2][0]["errors"][0]["field"] == f"items.{len(QUESTIONS)}.device.id"


def test_the_answer_given_by_the_lean_route_is_logged_as_given(demo_client, ota):
    answer = demo_client.post("/api/v1/decisions", json=QUESTIONS[0], headers=ota)
    shown = demo_client.get(f"/api/v1/decisions/{answer.json['decision_id']}", headers=ota)
    assert shown.status_code == 200
    assert shown.json == {**answer.json, "request": QUESTIONS[0]}


@pytest.mark.parametrize(("headers", "body", "status", "field"), [
    ({}, QUESTIONS[0], 401, None),
    ({"Authorization": "Bearer elk_unknown"}, QUESTIONS[0], 401, None),
    ({"Content-Type": "text/plain"}, QUESTIONS[0], 415, "body"),
    ({}, b"{not json", 400, "body"),
    ({}, {"device": {"id": "SN-P30PRO-0001"}}, 422, "update"),
    ({}, {**QUESTIONS[0], "extra": 1}, 422, "extra"),
    ({}, {"device": {"id": "nobody"}, "update": PATCH}, 404, "device.id"),
])
def test_what_the_lean_route_does_not_answer_the_full_route_refuses_by_field(
        demo_client, ota, headers, body, status, field):
    sent = body if isinstance(body, bytes) else orjson.dumps(body)
    key = {} if status == 401 else ota
    answer = demo_client.post("/api/v1/decisions", data=sent,
                              headers={"Content-Type": "application/json", **key, **headers})
    assert answer.status_code == status, answer.text
    assert answer.mimetype == "application/problem+json"
    if field is not None:
        assert field in [e["field"] for e in answer.json["errors"]]


def test_the_lean_route_answers_a_plain_request_without_flask(demo_client, ota):
    """The lean route must really answer: with a fallback that refuses everything, a plain
    request still gets its decision, and a bad one reaches the fallback, body intact."""
    lean = demo_client.application.wsgi_app
    assert isinstance(lean, LeanDecisions)
    reached: list[bytes] = []

    def refuse(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        reached.append(environ["wsgi.input"].read())
        start_response("599 Fell Through", [])
        return [b""]

    alone = LeanDecisions(lean.services, refuse)
    answers = {}
    for name, body in (("plain", QUESTIONS[0]), ("bad", {"device": {}})):
        environ = EnvironBuilder("/api/v1/decisions", method="POST", data=orjson.dumps(body),
                                 headers={**ota, "Content-Type": "application/json"}
                                 ).get_environ()
        statuses: list[str] = []
        sent = b"".join(alone(environ, lambda status, _, said=statuses: said.append(status)))
        answers[name] = (statuses, sent)
    plain_status, plain_body = answers["plain"]
    assert plain_status == ["200 OK"]
    assert orjson.loads(plain_body)["verdict"] == "allow"
    assert answers["bad"][0] == ["599 Fell Through"]
    assert reached == [orjson.dumps({"device": {}})]
