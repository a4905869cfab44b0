"""Turning a decision request into facts, a `Decision` and the answer an OTA server reads.

Resolution reads only the snapshot. Decisions are cached per (party, model, update) inside the
view they were computed from, together with the window `[valid_from, valid_until)` in which
they hold, so a repeated question at another instant of the same window costs a dict lookup.
(The rules write no sentence that depends on the instant itself, only on the facts' edges.)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from service import eligibility as el
from service.api.schemas import DecisionRequest, DeviceRef, UpdateRef
from service.errors import NotFound
from service.screening.normalise import name_key
from service.snapshot import Snapshot
from service.views import View, update_fact

_CACHE_LIMIT = 200_000
_WINDOWS_PER_KEY = 4  # a key asked about now and at a few past instants stays cached


def resolve(snapshot: Snapshot, view: View, req: DecisionRequest
            ) -> tuple[tuple[Any, ...], el.Party, el.Model, el.Update]:
    """Find the party, model and update a request names; raise NotFound for unknown ids."""
    party, model, model_key = _device(snapshot, view, req.device)
    update, update_key = _update(view, req.update)
    return (party.vendor_id or party.name, model_key, update_key), party, model, update


def _device(snapshot: Snapshot, view: View, ref: DeviceRef
            ) -> tuple[el.Party, el.Model, Any]:
    model_id = ref.model_id
    if ref.id is not None:
        model_id = snapshot.records.devices.get(ref.id)
        if model_id is None:
            raise NotFound(f"No device is registered with id {ref.id!r}.",
                           [{"field": "device.id", "message": "unknown device"}])
    if model_id is not None:
        model = view.models.get(model_id)
        if model is None and model_id in view.orphans:
            field = "device.id" if ref.id is not None else "device.model_id"
            raise NotFound(f"The vendor of device model {model_id!r} is withdrawn; move the "
                           "model to a current vendor (PATCH its vendor_id) to ask again.",
                           [{"field": field, "message": "the model's vendor is withdrawn"}])
        if model is None:
            raise NotFound(f"No device model has id {model_id!r}.",
                           [{"field": "device.model_id", "message": "unknown model"}])
        return view.parties[view.model_vendor[model_id]], model, model_id
    assert ref.vendor is not None  # the schema guarantees one of the three shapes
    party = view.party_for_name(ref.vendor)
    model_name = ref.model or ""
    if party.vendor_id is not None:
        registered = view.model_by_key.get((party.vendor_id, name_key(model_name)))
        if registered is not None:
            return party, view.models[registered], registered
    return party, el.Model(None, model_name, None, None), ("inline", name_key(model_name))


def _update(view: View, ref: UpdateRef) -> tuple[el.Update, Any]:
    if ref.id is not None:
        update = view.updates.get(ref.id)
        if update is None:
            raise NotFound(f"No update has id {ref.id!r}.",
                           [{"field": "update.id", "message": "unknown update"}])
        return update, ref.id
    assert ref.supplier and ref.kind and ref.product
    fact = update_fact(ref.supplier, ref.supplier_country, ref.kind.value, ref.product,
                       ref.version, ref.enhances_functionality, ref.publicly_available)
    return fact, fact


@dataclass(frozen=True, slots=True)
class Judged:
    """A decision with the part of its answer that every request in its window shares."""

    decision: el.Decision
    shared: dict[str, Any]  # the answer less decision_id, at and evaluated_at
    body: str  # `shared` as JSON, stored once in the decision log however often it is given
    digest: str


def decide(view: View, key: tuple[Any, ...], party: el.Party, model: el.Model,
           update: el.Update, at: datetime, policy: el.Policy, stale: bool,
           data_version: int) -> Judged:
    """Return a cached decision for `key` that holds at `at`, else evaluate afresh."""
    cache_key = (*key, stale)
    windows = view.decisions.get(cache_key, [])
    for judged in windows:
        if _holds(judged.decision, at):
            return judged
    licences = view.licences_by_vendor.get(party.vendor_id or "", ())
    decision = el.evaluate(el.Case(party, model, update, licences, stale), at, policy)
    judged = _share(decision, data_version)
    if len(view.decisions) >= _CACHE_LIMIT:
        view.decisions.clear()
    view.decisions[cache_key] = [judged, *windows[: _WINDOWS_PER_KEY - 1]]
    return judged


def _holds(decision: el.Decision, at: datetime) -> bool:
    return (decision.valid_from is None or decision.valid_from <= at) and (
        decision.valid_until is None or at < decision.valid_until
    )


def iso(instant: datetime | None) -> str | None:
    if instant is None:
        return None
    return instant.isoformat().replace("+00:00", "Z")


def _share(decision: el.Decision, data_version: int) -> Judged:
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
    body = orjson.dumps(shared).decode()
    digest = hashlib.blake2b(body.encode(), digest_size=16).hexdigest()
    return Judged(decision, shared, body, digest)


def render(shared: dict[str, Any], decision_id: str, at: str | None, evaluated_at: str | None
           ) -> dict[str, Any]:
    """Shape the answer: the shared part with this request's id and instants."""
    return {"decision_id": decision_id, **shared, "at": at, "evaluated_at": evaluated_at}
