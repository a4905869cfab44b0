"""Inputs that fuzzing the API (schemathesis over the OpenAPI document) answered with a 5xx.

Each was a 503 "could not answer" where the contract asks for a 4xx naming the bad input: odd
digits in `limit` or a decision id, control characters in a path or query (PostgreSQL cannot
compare text with a NUL), and names longer than the column that stores them (PostgreSQL
refuses them; SQLite kept them whole).
"""

from __future__ import annotations

import pytest

PROBLEM = "application/problem+json"
LISTS = ["/api/v1/vendors", "/api/v1/models", "/api/v1/updates", "/api/v1/designations",
         "/api/v1/licences", "/api/v1/devices"]


def problem(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == PROBLEM
    body = response.get_json()
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


@pytest.mark.parametrize("limit", ["²", "٣", "1" * 5000, "0" * 5000, "501", "-1", "1.0"])
def test_a_limit_that_is_not_plain_ascii_digits_is_refused_by_name(client, keys, limit):
    # "²".isdigit() and "1" * 5000 passed the check, then int() raised: a 503.
    for path in LISTS:
        problem(client.get(path, query_string={"limit": limit}, headers=keys["viewer"]), 422,
                "limit")


def test_a_limit_in_range_still_pages(client, keys):
    for path in LISTS:
        for limit in ("1", "500", "0" * 5000 + "42"):
            answer = client.get(path, query_string={"limit": limit}, headers=keys["viewer"])
            assert (answer.status_code, answer.json["next_cursor"]) == (200, None)


@pytest.mark.parametrize("decision_id", ["d_0a1b.²", "d_0a1b.٣", "d_0a1b." + "1" * 5000,
                                         "d_0a1b\x00", "d_" + "0" * 100])
def test_a_decision_id_the_service_never_gives_is_not_found(client, keys, decision_id):
    problem(client.get(f"/api/v1/decisions/{decision_id}", headers=keys["ota"]), 404)


def test_decisions_single_and_batch_are_still_fetched_by_their_ids(client, keys):
    request = {"device": {"vendor": "Acme", "model": "A1"},
               "update": {"supplier": "Google LLC", "kind": "security_patch",
                          "product": "Android"}, "at": "2019-06-01"}
    single = client.post("/api/v1/decisions", json=request, headers=keys["ota"]).json
    batch = client.post("/api/v1/decisions/batch", json={"items": [request, request]},
                        headers=keys["ota"]).json["results"]
    for given in [single, *batch]:
        fetched = client.get(f"/api/v1/decisions/{given['decision_id']}", headers=keys["ota"])
        assert (fetched.status_code, fetched.json["verdict"]) == (200, given["verdict"])


@pytest.mark.parametrize(("method", "path", "role", "body"), [
    ("GET", "/api/v1/vendors/v_1{c}", "viewer", None),
    ("PATCH", "/api/v1/vendors/v_1{c}", "editor", {"country": "DE"}),
    ("DELETE", "/api/v1/models/m_1{c}", "editor", None),
    ("GET", "/api/v1/devices/SN{c}1", "viewer", None),
    ("POST", "/api/v1/licences/lic_1{c}/revocation", "editor", {"effective_from": "2020-01-01"}),
    ("DELETE", "/api/v1/keys/key_1{c}", "admin", None),
])
def test_an_id_with_a_control_character_in_the_path_is_not_found(
        client, keys, method, path, role, body):
    for control in ("\x00", "\x1f"):
        answer = client.open(path.format(c=control), method=method, json=body,
                             headers=keys[role])
        problem(answer, 404)


def test_a_query_parameter_with_a_nul_is_refused_by_name(client, keys):
    for path, field in [
        ("/api/v1/vendors", "name"), ("/api/v1/vendors", "cursor"), ("/api/v1/models", "name"),
        ("/api/v1/updates", "version"), ("/api/v1/designations", "source"),
        ("/api/v1/licences", "number"), ("/api/v1/devices", "model_id"),
        ("/api/v1/devices", "cursor"),
    ]:
        answer = client.get(path, query_string={field: "A\x00B"}, headers=keys["viewer"])
        problem(answer, 422, field)


def test_a_key_name_longer_than_its_column_is_refused_and_no_key_is_made(client, keys):
    before = client.get("/api/v1/keys", headers=keys["admin"]).json["items"]
    problem(client.post("/api/v1/keys", json={"name": "k" * 121, "role": "ota"},
                        headers=keys["admin"]), 422, "name")
    assert client.get("/api/v1/keys", headers=keys["admin"]).json["items"] == before
    made = client.post("/api/v1/keys", json={"name": "k" * 120, "role": "ota"},
                       headers=keys["admin"])
    assert (made.status_code, made.json["name"]) == (201, "k" * 120)


def test_a_licence_number_longer_than_its_column_is_refused_and_none_is_made(client, keys):
    vendor = client.post("/api/v1/vendors", json={"name": "Acme"}, headers=keys["editor"]).json
    licence = {"kind": "general", "vendor_ids": [vendor["id"]], "lifts": ["EL"],
               "valid_from": "2019-05-20", "scope": {"update_kinds": ["security_patch"]}}
    problem(client.post("/api/v1/licences", json=licence | {"number": "N" * 121},
                        headers=keys["editor"]), 422, "number")
    assert client.get("/api/v1/licences", headers=keys["viewer"]).json["items"] == []
    made = client.post("/api/v1/licences", json=licence | {"number": "N" * 120},
                       headers=keys["editor"]).json
    problem(client.patch(f"/api/v1/licences/{made['id']}", json={"number": "N" * 121},
                         headers=keys["editor"]), 422, "number")
    assert client.get(f"/api/v1/licences/{made['id']}",
                      headers=keys["viewer"]).json["revision"] == 1


# The new routes (sources, matches, jobs, webhooks), fuzzed on SQLite and PostgreSQL.


@pytest.mark.parametrize("job_id", ["Ⱥ", "鐪", "a b", "default-recompute-1:x", "job.1", "%"])
def test_a_job_id_rq_could_never_have_given_is_not_found(client, keys, job_id):
    # RQ raised ValueError on such ids (a 503), and read "a:b" as the job "a".
    problem(client.get(f"/api/v1/jobs/{job_id}", headers=keys["admin"]), 404)
    problem(client.post(f"/api/v1/jobs/{job_id}/retry", headers=keys["admin"]), 404)


def test_a_job_whose_result_is_not_json_shows_its_repr(client, keys, settings):
    from rq import SimpleWorker

    from service import outbox

    queue = outbox.work_queue(settings)
    job = queue.enqueue("builtins.dict", kinds={"EL"})  # a set inside: not JSON, and not at the top
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    shown = client.get(f"/api/v1/jobs/{job.id}", headers=keys["admin"])
    assert shown.status_code == 200, shown.get_data(as_text=True)
    assert (shown.json["status"], shown.json["result"]) == ("finished", "{'kinds': {'EL'}}")
    assert shown.json["kwargs"] == "{'kinds': {'EL'}}"


def test_jobs_page_with_a_cursor_and_refuse_unknown_parameters(client, keys, settings):
    from service import outbox

    queue = outbox.work_queue(settings)
    made = [queue.enqueue("builtins.dict", job_id=f"page-test-{n}", a=n).id for n in range(3)]
    first = client.get("/api/v1/jobs?status=queued&limit=2", headers=keys["admin"]).json
    assert [j["id"] for j in first["items"]] == made[:2] and first["next_cursor"] == made[1]
    second = client.get(f"/api/v1/jobs?status=queued&limit=2&cursor={first['next_cursor']}",
                        headers=keys["admin"]).json
    assert ([j["id"] for j in second["items"]], second["next_cursor"]) == (made[2:], None)
    problem(client.get("/api/v1/jobs?cursor=nothing-here", headers=keys["admin"]), 422,
            "cursor")
    problem(client.get("/api/v1/jobs?owner=me", headers=keys["admin"]), 422, "owner")
