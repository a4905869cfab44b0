"""What the dashboard says of a vendor, read from the snapshot the rules themselves read.

Its status now (on which lists, licensed, waiting for review, clear), its matches and licences,
and the lanes of its timeline: designation windows by list, possible matches, licence terms
with their amendments and revocation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service import eligibility as el
from service.dashboard.timeline import Lane, Span
from service.eligibility.reasons import day
from service.screening.normalise import name_key
from service.screening.scoring import RULES
from service.snapshot import Snapshot
from service.store import models as m
from service.views import View, as_of


@dataclass(frozen=True)
class Status:
    """Where a vendor stands at one instant."""

    lists: tuple[str, ...]  # list codes of the designations in force
    licences: tuple[str, ...]  # numbers of the licences in force that name it
    pending: int  # possible matches awaiting a person
    screened: bool

    @property
    def clear(self) -> bool:
        return not self.lists and not self.pending and self.screened


def status(view: View, vendor_id: str, now: datetime) -> Status:
    """The vendor's status at `now` in `view`."""
    party = view.parties.get(vendor_id) or el.Party(vendor_id, "")
    lists = sorted({d.source for d in party.designations if d.in_force(now)})
    licences = sorted({lic.number for lic in view.licences_by_vendor.get(vendor_id, ())
                       if in_force(lic, now)})
    return Status(tuple(lists), tuple(licences), len(party.possible_matches), party.screened)


def in_force(licence: el.Licence, now: datetime) -> bool:
    return licence.terms_at(now) is not None


def search(view: View, text: str) -> list[m.Vendor]:
    """Vendors whose name, an alias or a brand holds `text` (case and punctuation aside)."""
    wanted = text.strip().casefold()
    if wanted:
        key = name_key(text)
        # The view's keys of every name, alias and brand are already normalised.
        ids = {vid for k, vid in view.vendor_by_key.items() if key and key in k}
        ids |= {v.id for v in view.vendors.values()
                if any(wanted in n.casefold() for n in (v.name, *v.aliases, *v.brands))}
        found = [view.vendors[vid] for vid in ids if vid in view.vendors]
    else:
        found = list(view.vendors.values())
    return sorted(found, key=lambda v: (v.name.casefold(), v.id))


@dataclass(frozen=True)
class MatchShown:
    match: m.Match
    designation: el.Designation | None


def matches(snapshot: Snapshot, vendor_id: str) -> list[MatchShown]:
    """Every screening match of the vendor as it stands now, pending ones first."""
    order = {"pending": 0, "confirmed": 1, "dismissed": 2}
    facts = snapshot.current.designation_facts
    found = [MatchShown(match, facts.get(match.designation_id))
             for match in as_of(snapshot.records.matches, None) if match.vendor_id == vendor_id]
    return sorted(found, key=lambda s: (order.get(s.match.status, 3), -s.match.score,
                                        s.match.id))


def licence_rows(snapshot: Snapshot, vendor_id: str) -> dict[str, m.Licence]:
    """The stored licences naming the vendor, by id (holder, conditions, document)."""
    return {row.id: row for row in as_of(snapshot.records.licences, None)
            if vendor_id in row.vendor_ids}


def lanes(view: View, vendor_id: str) -> list[Lane]:
    """The vendor's timeline: designations by list, possible matches, then licences."""
    party = view.parties.get(vendor_id) or el.Party(vendor_id, "")
    found = [Lane("designation", f"{d.source}: {d.name}", (Span(
        d.effective_from, d.effective_until,
        f"{d.source} designation {d.reference or ''}".strip()),))
        for d in sorted(party.designations, key=lambda d: (d.source, d.effective_from, d.id))]
    found += [Lane("match", f"Possible {p.designation.source}: {p.designation.name}", (Span(
        p.designation.effective_from, p.designation.effective_until,
        f"possible match awaiting review (score {p.score:.2f})"),))
        for p in party.possible_matches]
    licences = sorted(view.licences_by_vendor.get(vendor_id, ()),
                      key=lambda lic: (lic.valid_from, lic.number))
    found += [licence_lane(lic) for lic in licences]
    return found


def licence_lane(licence: el.Licence) -> Lane:
    """A licence's terms one after another, each ending where the next takes over, all
    ending at its revocation."""
    spans = []
    for n, terms in enumerate(licence.terms):
        following = licence.terms[n + 1] if n + 1 < len(licence.terms) else None
        until = terms.valid_until
        if following is not None and (until is None or following.effective_from < until):
            until = following.effective_from
        if licence.revoked_from is not None:
            if terms.effective_from >= licence.revoked_from:
                break
            if until is None or licence.revoked_from < until:
                until = licence.revoked_from
        how = "as issued" if n == 0 else f"amendment {n}"
        spans.append(Span(terms.effective_from, until, f"{how}: {scope_text(terms.scope)}"))
    events = ((licence.revoked_from, "revoked"),) if licence.revoked_from else ()
    return Lane("licence", f"Licence {licence.number} (lifts {', '.join(sorted(licence.lifts))})",
                tuple(spans), events)


def scope_text(scope: el.Scope) -> str:
    """A licence scope in a few words."""
    parts = [", ".join(sorted(k.replace("_", " ") for k in scope.update_kinds))]
    if scope.products is not None:
        parts.append("products " + ", ".join(sorted(scope.products)))
    if scope.device_classes is not None:
        parts.append("devices " + ", ".join(sorted(scope.device_classes)))
    if scope.devices_available_on_or_before is not None:
        parts.append(f"available on or before {day(scope.devices_available_on_or_before)}")
    parts.append("enhancements allowed" if scope.functional_enhancement
                 else "no enhancements")
    return "; ".join(parts)


def models(view: View, vendor_id: str) -> list[tuple[str, el.Model]]:
    """The vendor's device models, by name."""
    found = [(model_id, view.models[model_id]) for model_id, owner in view.model_vendor.items()
             if owner == vendor_id and model_id in view.models]
    return sorted(found, key=lambda pair: pair[1].name.casefold())


def evidence_lines(evidence: dict[str, Any]) -> list[tuple[str, str]]:
    """The parts of a match's evidence a person reads first."""
    shown = [("Vendor name", evidence.get("vendor_name")),
             ("Listed name", evidence.get("listed_name")),
             ("Method", evidence.get("method")),
             ("Why", "; ".join(reasons(evidence))),
             ("Words", ", ".join(f"{a} ~ {b} ({s:.2f})" for a, b, s in evidence.get("words", [])
                                 if isinstance(s, int | float))),
             ("Conflicts", ", ".join(str(c) for c in evidence.get("conflicts", [])))]
    return [(label, str(value)) for label, value in shown if value]


def reasons(found: dict[str, Any]) -> list[str]:
    """The rules a match's evidence names, in words (see `service.screening.scoring.RULES`)."""
    said = [RULES.get(str(rule), str(rule).replace("_", " ")) for rule in found.get("rules") or []]
    written = found.get("transliterated") or {}
    for side in ("vendor", "listed"):
        scripts = [str(script).upper() if script == "cjk" else str(script).capitalize()
                   for script in written.get(side) or []]
        if scripts:
            said.append(f"{side} name transliterated from {' and '.join(scripts)}")
    return said
