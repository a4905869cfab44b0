"""Vendors, device models and updates: the reference data OTA requests name."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from service import matching
from service.api import schemas
from service.api.resources import Resource, register
from service.context import services
from service.store import models as m
from service.store.versions import Writer

bp = Blueprint("reference", __name__)


def _vendor_status(row: m.Versioned) -> dict[str, Any]:
    """The vendor's designations, open matches and listing status, from the snapshot."""
    snapshot = services().snapshots.current
    party = snapshot.current.parties.get(row.id)
    if party is None:
        return {}
    designations = [{"id": d.id, "source": d.source, "name": d.name,
                     "effective_from": d.effective_from, "effective_until": d.effective_until}
                    for d in party.designations]
    matches = [{"id": p.id, "designation_id": p.designation.id, "status": "pending",
                "score": p.score} for p in party.possible_matches]
    status = "possible_match" if matches else "designated" if designations else "not_listed"
    return {"designations": designations, "matches": matches, "status": status}


def _screen_vendor(writer: Writer, row: m.Vendor, before: m.Vendor | None) -> None:
    """A vendor created or renamed is screened against the active lists before its answer
    (api.md). Writes are serialised, so the lists committed so far are the active ones; the
    process's snapshot is brought up to them (it usually is already) and its index used."""
    if before is None or (before.name, before.aliases) != (row.name, row.aliases):
        view = services().snapshots.refresh().current
        matching.screen_vendor(writer.session, writer, row, view)


def _screen_designation(writer: Writer, row: m.Designation,
                        before: m.Designation | None) -> None:
    """A designation entered by hand is screened against every vendor, as a feed's is, and
    again when the vendors it is linked to change (a linked vendor needs no match)."""
    if before is None or (before.name, before.alt_names, before.vendor_ids) != (
            row.name, row.alt_names, row.vendor_ids):
        matching.screen_designations(writer.session, writer, [
            matching.Named(row.id, row.name, row.alt_names, row.vendor_ids)])


VENDORS = Resource(
    name="vendors", table=m.Vendor, prefix="v", schema=schemas.VendorIn,
    columns=lambda b: {"name": b.name, "aliases": b.aliases, "country": b.country,
                       "brands": b.brands},
    body=lambda r: {"name": r.name, "aliases": r.aliases, "country": r.country,
                    "brands": r.brands},
    extra=_vendor_status,
    follow_up=_screen_vendor,
)
MODELS = Resource(
    name="models", table=m.DeviceModel, prefix="m", schema=schemas.ModelIn,
    columns=lambda b: {"vendor_id": b.vendor_id, "name": b.name,
                       "device_class": b.device_class.value,
                       "available_from": b.available_from},
    body=lambda r: {"vendor_id": r.vendor_id, "name": r.name, "device_class": r.device_class,
                    "available_from": r.available_from},
    references={"vendor_id": m.Vendor},
)
UPDATES = Resource(
    name="updates", table=m.Update, prefix="u", schema=schemas.UpdateIn,
    columns=lambda b: {"supplier": b.supplier, "supplier_country": b.supplier_country,
                       "kind": b.kind.value, "product": b.product, "version_label": b.version,
                       "enhances_functionality": b.enhances_functionality,
                       "publicly_available": b.publicly_available},
    body=lambda r: {"supplier": r.supplier, "supplier_country": r.supplier_country,
                    "kind": r.kind, "product": r.product, "version": r.version_label,
                    "enhances_functionality": r.enhances_functionality,
                    "publicly_available": r.publicly_available},
    columns_of={"version": "version_label"},
)
DESIGNATIONS = Resource(
    name="designations", table=m.Designation, prefix="des", schema=schemas.DesignationIn,
    columns=lambda b: b.model_dump(),
    body=lambda r: {"source": r.source, "name": r.name, "alt_names": r.alt_names,
                    "country": r.country, "effective_from": r.effective_from,
                    "effective_until": r.effective_until, "reference": r.reference,
                    "vendor_ids": r.vendor_ids},
    references={"vendor_ids": m.Vendor},
    follow_up=_screen_designation,
)

for _resource in (VENDORS, MODELS, UPDATES, DESIGNATIONS):
    register(bp, _resource)
