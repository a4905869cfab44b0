"""`GET /api/v1/decisions/lookup`: a decision asked in the URL, for HTTP caches.

It answers as the POST does, is logged as the POST is, and says how long a cache may keep it;
a cache revalidating with the answer's ETag gets a 304, which is a decision given too.
"""

from __future__ import annotations

import re

import pytest


@pytest.fixture(scope="module")
def ids(refs):
    return {"model_id": refs["p30pro"], "update_id": refs["google_patch"]}


def test_a_lookup_answers_as_the_post_does_and_is_logged(demo_client, ota, ids):
    asked = demo_client.get("/api/v1/decisions/lookup", headers=ota,
                            query_string={**ids, "at": "2019-06-01T00:00:00Z"})
    posted = demo_client.post("/api/v1/decisions", headers=ota, json={
        "device": {"model_id": ids["model_id"]}, "update": {"id": ids["update_id"]},
        "at": "2019-06-01T00:00:00Z"})
    assert asked.status_code == posted.status_code == 200
    same = ("verdict", "basis", "reasons", "designations", "licences", "valid_until", "at")
    assert {k: asked.json[k] for k in same} == {k: posted.json[k] for k in same}
    assert asked.headers["ETag"] == posted.headers["ETag"]
    assert re.fullmatch(r"public, max-age=\d+", asked.headers["Cache-Control"])
    assert asked.headers["Vary"] == "Authorization"
    shown = demo_client.get(f"/api/v1/decisions/{asked.json['decision_id']}", headers=ota)
    assert shown.status_code == 200
    assert shown.json["request"] == {"device": {"model_id": ids["model_id"]},
                                     "update": {"id": ids["update_id"]},
                                     "at": "2019-06-01T00:00:00Z"}


def test_a_revalidation_with_the_etag_is_a_304_and_still_a_logged_decision(demo_client, ota,
                                                                         ids):
    first = demo_client.get("/api/v1/decisions/lookup", headers=ota, query_string=ids)
    again = demo_client.get("/api/v1/decisions/lookup", query_string=ids,
                            headers={**ota, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    logged = demo_client.get(f"/api/v1/decisions/{again.headers['Decision-Id']}", headers=ota)
    assert logged.status_code == 200
    assert logged.json["verdict"] == first.json["verdict"]
    other = demo_client.get("/api/v1/decisions/lookup", query_string=ids,
                            headers={**ota, "If-None-Match": 'W/"something-else"'})
    assert other.status_code == 200


@pytest.mark.parametrize(("query", "status", "field"), [
    ({"model_id": "{model_id}"}, 422, "update_id"),
    ({"update_id": "{update_id}"}, 422, "model_id"),
    ({"model_id": "{model_id}", "update_id": "{update_id}", "colour": "red"}, 422, "colour"),
    ({"model_id": "{model_id}", "update_id": "{update_id}", "at": "yesterday"}, 422, "at"),
    ({"model_id": "nobody", "update_id": "{update_id}"}, 404, "model_id"),
    ({"device_id": "SN-P30PRO-0001", "update_id": "{update_id}"}, 422, "device_id"),
    ({"model_id": "{model_id}", "update_id": "nothing"}, 404, "update_id"),
])
def test_a_bad_lookup_is_refused_naming_its_parameter(demo_client, ota, ids, query, status,
                                                     field):
    sent = {name: value.format(**ids) for name, value in query.items()}
    answer = demo_client.get("/api/v1/decisions/lookup", headers=ota, query_string=sent)
    assert answer.status_code == status, answer.text
    assert answer.mimetype == "application/problem+json"
    assert field in [e["field"] for e in answer.json["errors"]]
    assert "inline" not in answer.text  # the body's shapes are not the lookup's


def test_a_lookup_needs_a_key(demo_client, ids):
    assert demo_client.get("/api/v1/decisions/lookup", query_string=ids).status_code == 401
