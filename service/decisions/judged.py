"""A decision with the part of its answer that every request in its window shares.

The shared part is written as JSON once, when the decision is first judged; each request
only adds its id and instants around it (`render`), and the log stores it once by digest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import orjson

from service import eligibility as el
from service.jsonio import iso


@dataclass(frozen=True, slots=True)
class Judged:
    decision: el.Decision
    # The answer less decision_id, at and evaluated_at, as JSON: stored once in the decision
    # log however often it is given.
    body: str
    digest: str  # of `body`: the log's key for it, and the answer's ETag
    inner: bytes  # `body` without its braces, for splicing the per-request fields around it


def share(decision: el.Decision, data_version: int) -> Judged:
    shared = {
        "verdict": decision.verdict.value,
        "basis": decision.basis.value,
        "reasons": list(decision.reasons),
        "designations": [
            {"id": d.id, "source": d.source, "name": d.name,
             "effective_from": iso(d.effective_from), "effective_until": iso(d.effective_until),
             "reference": d.reference}
            for d in decision.designations
        ],
        "licences": [
            {"id": lic.id, "number": lic.number, "kind": lic.kind, "valid_until": iso(until)}
            for lic, until in decision.licences
        ],
        "valid_until": iso(decision.valid_until),
        "data_stale": decision.stale,
        "data_version": str(data_version),
    }
    encoded = orjson.dumps(shared)
    digest = hashlib.blake2b(encoded, digest_size=16).hexdigest()
    return Judged(decision, encoded.decode(), digest, encoded[1:-1])
