"""Talking to the demo over HTTP: its record ids, and decisions checked against the contract.

The demo's ids are random, so `demo_refs` finds each record a step of `service.demo` created
through the list endpoints and their filters, giving the `{ref: id}` map that `resolve` reads.
`decide` posts one request and checks what every answer must carry (api.md): the `Date` header,
a `Cache-Control: max-age` that never outlives `valid_until`, a `data_version`, and reasons that
name every designation and licence the answer lists.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from werkzeug.http import parse_date
from werkzeug.test import TestResponse

from service.demo import STEPS, resolve

API = "/api/v1"
# The fields that tell one demo record of a kind from the others.
IDENTITY = {
    "vendors": ("name",),
    "models": ("vendor_id", "name"),
    "updates": ("supplier", "kind", "product", "enhances_functionality", "publicly_available"),
    "designations": ("source", "name"),
    "licences": ("number",),
}
FILTERS = {"vendors": ("name",), "models": ("vendor_id", "name"),
           "designations": ("source", "name"), "licences": ("number",)}


def instant(text: str) -> datetime:
    """Read `YYYY-MM-DD` or an ISO 8601 time with `Z` as a UTC instant."""
    if len(text) == 10:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def second_before(moment: datetime) -> datetime:
    return moment - timedelta(seconds=1)


def demo_refs(client: FlaskClient, headers: dict[str, str]) -> dict[str, str]:
    """Map each ref of the demo's steps to the id of the record it created."""
    refs: dict[str, str] = {}
    for step in STEPS:
        if step.ref is None:
            continue
        kind = step.path.rsplit("/", 1)[-1]
        wanted = resolve(step.body, refs)
        refs[step.ref] = _find(client, headers, kind, wanted)
    return refs


def _find(client: FlaskClient, headers: dict[str, str], kind: str, wanted: dict[str, Any]
          ) -> str:
    query = {name: wanted[name] for name in FILTERS.get(kind, ())} | {"limit": "500"}
    response = client.get(f"{API}/{kind}", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    found = [item["id"] for item in response.get_json()["items"]
             if all(item[name] == wanted[name] for name in IDENTITY[kind])]
    assert len(found) == 1, f"{kind} {wanted} matched {found}"
    return found[0]


def decide(client: FlaskClient, headers: dict[str, str], request: dict[str, Any]
           ) -> dict[str, Any]:
    """POST one decision request; check the answer's contract and return its body."""
    response = client.post(f"{API}/decisions", json=request, headers=headers)
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    check_answer(body, request)
    check_headers(response, body)
    return body


def check_answer(body: dict[str, Any], request: dict[str, Any]) -> None:
    """What every answer says, whether given alone or in a batch."""
    assert body["decision_id"].startswith("d_")
    assert body["data_version"]
    if "at" in request:
        assert instant(body["at"]) == instant(request["at"])
    text = " ".join(body["reasons"])
    for designation in body["designations"]:
        assert f'"{designation["name"]}"' in text
        if designation["reference"]:
            assert designation["reference"] in text
    for licence in body["licences"]:
        assert f"Licence {licence['number']} " in text


def check_headers(response: TestResponse, body: dict[str, Any]) -> None:
    """The server's `Date`, and a `max-age` that runs out no later than `valid_until`."""
    served = parse_date(response.headers["Date"])
    assert served is not None
    match = re.search(r"\bmax-age=(\d+)\b", response.headers["Cache-Control"])
    assert match is not None, response.headers["Cache-Control"]
    if body["valid_until"] is not None:
        start = max(instant(body["evaluated_at"]), instant(body["at"]))
        room = (instant(body["valid_until"]) - start).total_seconds()
        assert int(match.group(1)) <= max(0, room)


def without_identity(body: dict[str, Any]) -> dict[str, Any]:
    """An answer minus what differs between two askings of one question."""
    return {k: v for k, v in body.items() if k not in {"decision_id", "evaluated_at"}}
