"""Finding the party, model and update a decision request names, in the snapshot alone."""

from __future__ import annotations

from typing import Any

from service import eligibility as el
from service.api.schemas import DecisionRequest, DeviceRef, UpdateRef
from service.errors import NotFound
from service.screening.normalise import name_key
from service.snapshot import Snapshot
from service.views import View, update_fact

Key = tuple[Any, ...]


def resolve(snapshot: Snapshot, view: View, req: DecisionRequest
            ) -> tuple[Key, el.Party, el.Model, el.Update]:
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
