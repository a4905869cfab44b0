"""An exception inside the rules: a 503 problem, for a single decision and for a batch item,
logged with the correlation id it carries; never an answer, never an allow."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask.testing import FlaskClient

from service import eligibility as el

UPDATE = {"supplier": "Google LLC", "kind": "security_patch", "product": "Android",
          "enhances_functionality": False}


def question(vendor: str) -> dict[str, Any]:
    return {"device": {"vendor": vendor, "model": "A1"}, "update": UPDATE}


@pytest.fixture
def broken_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rules raise for one maker, as a bug reached by some data would."""
    evaluate = el.evaluate

    def faulty(case: el.Case, *args: Any) -> el.Decision:
        if case.party.name == "Broken Devices Ltd":
            raise ZeroDivisionError("a bug in the rules")
        return evaluate(case, *args)

    monkeypatch.setattr(el, "evaluate", faulty)


@pytest.mark.usefixtures("broken_rules")
def test_a_fault_in_the_rules_is_a_503_problem_never_an_answer(
        client: FlaskClient, keys: dict, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        answer = client.post("/api/v1/decisions", json=question("Broken Devices Ltd"),
                             headers=keys["ota"])
    assert answer.status_code == 503
    assert answer.mimetype == "application/problem+json"
    problem = answer.get_json()
    assert "verdict" not in problem and problem["status"] == 503
    assert problem["correlation_id"] == answer.headers["X-Request-Id"]
    assert any(problem["correlation_id"] in r.getMessage() for r in caplog.records)


@pytest.mark.usefixtures("broken_rules")
def test_a_fault_in_the_rules_fails_that_batch_item_alone(
        client: FlaskClient, keys: dict, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        answer = client.post("/api/v1/decisions/batch", headers=keys["ota"], json={
            "items": [question("Broken Devices Ltd"), question("Fairphone B.V.")]})
    assert answer.status_code == 200
    failed, answered = answer.get_json()["results"]
    assert failed["status"] == 503 and "verdict" not in failed
    assert answered["verdict"] == "allow"
    assert any(failed["correlation_id"] in r.getMessage() for r in caplog.records)
    request_id = answered["decision_id"].rsplit(".", 1)[0]
    assert client.get(f"/api/v1/decisions/{request_id}.0", headers=keys["ota"]
                      ).status_code == 404  # nothing was given for it, so nothing logged
    assert client.get(f"/api/v1/decisions/{request_id}.1", headers=keys["ota"]
                      ).get_json()["verdict"] == "allow"
