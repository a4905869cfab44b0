"""A logged decision and the facts as the service knew them when it gave it.

The snapshot's view as known when the decision's data version was committed replays every
record recorded by then (what `known_at` does for a request), so it holds the designations,
possible matches and licences the answer was judged from, not those recorded since. Every
decision of one data version shares that view (the snapshot keeps a few such views).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service import eligibility as el
from service.dashboard import instants
from service.dashboard.decision_search import Who
from service.snapshot import Snapshot
from service.store import decision_reads
from service.views import View


@dataclass(frozen=True)
class KnownThen:
    view: View
    evaluated_at: datetime | None
    committed: datetime | None  # when the decision's data version was committed
    at: datetime | None
    vendor_id: str | None
    vendor_name: str
    party: el.Party | None
    licences: tuple[el.Licence, ...]


def known_then(database_url: str, snapshot: Snapshot, given: dict[str, Any]) -> KnownThen:
    """The facts about the decision's vendor as known when it was evaluated."""
    evaluated_at = instants.read(given.get("evaluated_at"))[0]
    at = instants.read(given.get("at"))[0]
    committed = decision_reads.version_recorded_at(database_url, given.get("data_version"))
    view = snapshot.view(committed or evaluated_at)
    _, _, vendor_id, _ = Who(view, snapshot.records.devices).of(given.get("request"))
    device = (given.get("request") or {}).get("device") or {}
    party = view.parties.get(vendor_id or "")
    name = party.name if party else str(device.get("vendor") or "an unregistered maker")
    return KnownThen(view, evaluated_at, committed, at, vendor_id if party else None, name, party,
                     view.licences_by_vendor.get(vendor_id or "", ()))


def simulator_args(given: dict[str, Any]) -> dict[str, str]:
    """The simulator's fields for the same request, asked with only what was known then."""
    request = given.get("request") or {}
    device, update = request.get("device") or {}, request.get("update") or {}
    names = {"id": "device_id", "model_id": "model_id", "vendor": "vendor", "model": "model"}
    args = {names[k]: str(v) for k, v in device.items() if k in names and v is not None}
    updates = {"id": "update_id", "supplier": "supplier", "supplier_country": "supplier_country",
               "kind": "kind", "product": "product", "version": "version"}
    args |= {updates[k]: str(v) for k, v in update.items() if k in updates and v is not None}
    if update.get("enhances_functionality") is not None:
        args["enhances"] = "yes" if update["enhances_functionality"] else "no"
    if update.get("publicly_available"):
        args["public"] = "y"
    args["at"] = str(given.get("at") or "")
    args["known_at"] = str(given.get("evaluated_at") or "")
    return args
