"""A `View`: the facts the rules read, as the service knew them at one instant.

Built once per data version (and per `known_at` asked for) from the stored records, indexed for
the request path: vendors and models by id and by normalised name, each vendor's party and
licences ready to hand to the rules.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from service import eligibility as el
from service.screening import MATCHER_VERSION, layers
from service.screening.layers import Layered
from service.screening.listed import listed_names
from service.screening.matcher import Screener
from service.screening.normalise import name_key
from service.store import models as m
from service.store.reads import Records

if TYPE_CHECKING:
    from service.decisions.judged import Judged

V = TypeVar("V", bound=m.Versioned)


@dataclass
class View:
    known_at: datetime | None
    vendors: dict[str, m.Vendor] = field(default_factory=dict)
    vendor_by_key: dict[str, str] = field(default_factory=dict)
    models: dict[str, el.Model] = field(default_factory=dict)
    model_vendor: dict[str, str] = field(default_factory=dict)
    model_by_key: dict[tuple[str, str], str] = field(default_factory=dict)
    orphans: set[str] = field(default_factory=set)  # models of a withdrawn vendor
    updates: dict[str, el.Update] = field(default_factory=dict)
    parties: dict[str, el.Party] = field(default_factory=dict)
    licences_by_vendor: dict[str, tuple[el.Licence, ...]] = field(default_factory=dict)
    designation_facts: dict[str, el.Designation] = field(default_factory=dict)
    listed: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # (id, names)
    strangers: dict[str, el.Party] = field(default_factory=dict)  # inline names, screened
    screener: Screener | Layered | None = None
    # (party, model, update, stale) -> the latest few decisions, each holding on its window
    decisions: dict[tuple[Any, ...], list[Judged]] = field(default_factory=dict)

    def party_for_name(self, name: str) -> el.Party:
        """A party for a vendor named inline: the registered vendor, or a screened stranger."""
        key = name_key(name)
        vendor_id = self.vendor_by_key.get(key)
        if vendor_id is not None:
            return self.parties[vendor_id]
        party = self.strangers.get(key)
        if party is None:
            party = self._screen(name)
            if len(self.strangers) >= _STRANGERS:
                self.strangers.clear()
            self.strangers[key] = party
        return party

    def _screen(self, name: str) -> el.Party:
        """Screen an unregistered maker's name against the lists, as a vendor is screened:
        an exact hit links the designation, a near one makes it a possible match."""
        linked: dict[str, el.Designation] = {}
        possible = []
        if self.screener is None:
            self.screener = screener_for(self.listed, latest=self.known_at is None)
        for hit in self.screener.screen([name]):
            fact = self.designation_facts[hit.designation_id]
            if hit.exact:
                linked[fact.id] = fact
            else:
                possible.append(el.PossibleMatch(f"inline:{fact.id}", fact, hit.score))
        return el.Party(None, name, tuple(linked.values()), tuple(possible))


_STRANGERS = 50_000
_latest_screener: list[Layered] = []
_screener_lock = threading.Lock()


def screener_for(listed: list[tuple[str, tuple[str, ...]]], latest: bool = True
                 ) -> Screener | Layered:
    """The screener of the latest lists is kept and brought up to date from one data version
    to the next (`layers`); a view of the past (`known_at`) builds its own."""
    if not latest:
        return Screener(listed)
    with _screener_lock:
        previous = _latest_screener[0] if _latest_screener else None
        if previous is not None and previous.current == dict(listed):
            return previous
        found = layers.updated(previous, listed)
        _latest_screener[:] = [found]
        return found


def as_of(rows: Iterable[V], known_at: datetime | None) -> list[V]:
    """Pick each record's newest version recorded by `known_at`, leaving out withdrawn ones."""
    newest: dict[str, V] = {}
    for row in rows:
        if known_at is None or row.recorded_at <= known_at:
            current = newest.get(row.id)
            if current is None or row.version > current.version:
                newest[row.id] = row
    return [row for row in newest.values() if not row.deleted]


def utc_day(value: date | datetime | str | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def build_view(records: Records, known_at: datetime | None) -> View:
    view = View(known_at=known_at)
    for vendor in as_of(records.vendors, known_at):
        view.vendors[vendor.id] = vendor
        for name in [vendor.name, *vendor.aliases]:
            view.vendor_by_key.setdefault(name_key(name), vendor.id)
    # A device named inline by its brand ("Honor") is its owner's, unless a name says otherwise.
    for vendor in view.vendors.values():
        for brand in vendor.brands:
            view.vendor_by_key.setdefault(name_key(brand), vendor.id)
    for row in as_of(records.models, known_at):
        if row.vendor_id not in view.vendors:  # withdrawn with its vendor: no party to judge
            view.orphans.add(row.id)
            continue
        view.models[row.id] = el.Model(row.id, row.name, row.device_class, row.available_from)
        view.model_vendor[row.id] = row.vendor_id
        view.model_by_key[(row.vendor_id, name_key(row.name))] = row.id
    for update in as_of(records.updates, known_at):
        view.updates[update.id] = update_fact(
            update.supplier, update.supplier_country, update.kind, update.product,
            update.version_label, update.enhances_functionality, update.publicly_available,
        )
    _add_parties(view, records, known_at)
    _add_licences(view, records, known_at)
    return view


@lru_cache(maxsize=200_000)  # every rebuild lists the same designations' names again
def _listed(name: str, alt_names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(listed_names(name, alt_names))


def update_fact(supplier: str, country: str | None, kind: str, product: str,
                version: str | None, enhances: bool | None, public: bool) -> el.Update:
    return el.Update(supplier, name_key(supplier), country, kind, product, version, enhances,
                     public)


@dataclass(frozen=True)
class _Listed:
    """What the designations give a view: their facts, names to screen, vendors named."""

    rows: list[m.Designation]  # every version read, as `reads` keeps them
    current: dict[str, m.Designation]  # the newest version of each
    facts: dict[str, el.Designation]
    names: dict[str, tuple[str, ...]]  # of the designations a feed still lists
    linked: dict[str, dict[str, el.Designation]]  # vendor id -> designations naming it


_latest_listed: list[_Listed] = []  # the latest view's, the start of the next one's


def _listed_in(records: Records, known_at: datetime | None) -> _Listed:
    """Build the designations' part of a view. For the latest view, start from the last one
    when `reads` only appended rows to the list it had: a new designation costs its own rows,
    not 20,000. Nothing an earlier view holds is changed (views are immutable)."""
    rows = records.designations
    last = _latest_listed[0] if _latest_listed and known_at is None else None
    if last is not None and last.rows is rows:
        return last
    if last is not None and len(last.rows) <= len(rows) and all(
            a is b for a, b in zip(last.rows, rows, strict=False)):
        found = _apply(last, rows, rows[len(last.rows):])
    else:
        found = _apply(_Listed([], {}, {}, {}, {}), rows, as_of(rows, known_at))
    if known_at is None:
        _latest_listed[:] = [found]
    return found


def _apply(last: _Listed, rows: list[m.Designation], added: Iterable[m.Designation]
           ) -> _Listed:
    current, facts, names = dict(last.current), dict(last.facts), dict(last.names)
    linked = dict(last.linked)
    for row in added:
        old = current.get(row.id)
        if old is not None and old.version > row.version:
            continue
        for vendor_id in old.vendor_ids if old is not None else ():
            linked[vendor_id] = {k: v for k, v in linked[vendor_id].items() if k != row.id}
        names.pop(row.id, None)
        if row.deleted:
            current.pop(row.id, None)
            facts.pop(row.id, None)
            continue
        current[row.id] = row
        fact = facts[row.id] = el.Designation(row.id, row.source, row.name,
                                              row.effective_from, row.effective_until,
                                              row.reference)
        if row.removed_at is None:
            names[row.id] = _listed(row.name, tuple(row.alt_names))
        for vendor_id in row.vendor_ids:
            linked[vendor_id] = {**linked.get(vendor_id, {}), row.id: fact}
    return _Listed(rows, current, facts, names, linked)


def _add_parties(view: View, records: Records, known_at: datetime | None) -> None:
    listed = _listed_in(records, known_at)
    designations = view.designation_facts = listed.facts
    view.listed = list(listed.names.items())
    linked: dict[str, dict[str, el.Designation]] = defaultdict(dict)
    for vendor_id, found in listed.linked.items():
        linked[vendor_id] = dict(found)  # a copy: confirmed matches are added below
    possible: dict[str, list[el.PossibleMatch]] = defaultdict(list)
    for match in as_of(records.matches, known_at):
        matched = designations.get(match.designation_id)
        if matched is None:
            continue
        if match.status == "confirmed":
            linked[match.vendor_id][matched.id] = matched
        elif match.status == "pending":
            possible[match.vendor_id].append(el.PossibleMatch(match.id, matched, match.score))
    for vendor in view.vendors.values():
        view.parties[vendor.id] = el.Party(
            vendor.id, vendor.name, tuple(linked[vendor.id].values()),
            tuple(possible[vendor.id]), _screened(records, vendor.id, known_at),
        )


def _screened(records: Records, vendor_id: str, known_at: datetime | None) -> bool:
    """Whether the matcher in use has screened the vendor against the active lists. A view of
    the past replays the matches recorded by then: screening state is not part of history."""
    return known_at is not None or records.screened.get(vendor_id, 0) >= MATCHER_VERSION


def _add_licences(view: View, records: Records, known_at: datetime | None) -> None:
    def known(row: m.LicenceAmendment | m.LicenceRevocation) -> bool:
        return known_at is None or row.recorded_at <= known_at

    amendments: dict[str, list[m.LicenceAmendment]] = defaultdict(list)
    for amendment in records.amendments:
        if known(amendment):
            amendments[amendment.licence_id].append(amendment)
    revoked: dict[str, datetime] = {}
    for revocation in records.revocations:
        if known(revocation):
            earlier = revoked.get(revocation.licence_id)
            if earlier is None or revocation.effective_from < earlier:
                revoked[revocation.licence_id] = revocation.effective_from
    by_vendor: dict[str, list[el.Licence]] = defaultdict(list)
    for row in as_of(records.licences, known_at):
        terms = [el.LicenceTerms(row.valid_from, row.valid_until, scope_fact(row.scope))]
        for a in sorted(amendments[row.id], key=lambda a: (a.effective_from, a.recorded_at)):
            terms.append(el.LicenceTerms(a.effective_from, a.valid_until, scope_fact(a.scope)))
        licence = el.Licence(
            id=row.id, number=row.number, kind=row.kind,
            holder_key=name_key(row.holder) if row.holder else None,
            vendor_ids=frozenset(row.vendor_ids), lifts=frozenset(row.lifts),
            valid_from=row.valid_from, terms=tuple(terms), revoked_from=revoked.get(row.id),
            authority=row.authority,
        )
        for vendor_id in row.vendor_ids:
            by_vendor[vendor_id].append(licence)
    view.licences_by_vendor = {k: tuple(v) for k, v in by_vendor.items()}


def scope_fact(scope: dict[str, Any]) -> el.Scope:
    def folded(values: list[str] | None, fold: bool = False) -> frozenset[str] | None:
        if values is None:
            return None
        return frozenset(v.casefold() if fold else v for v in values)

    return el.Scope(
        update_kinds=frozenset(scope.get("update_kinds") or ()),
        products=folded(scope.get("products"), fold=True),
        device_classes=folded(scope.get("device_classes")),
        devices_available_on_or_before=utc_day(scope.get("devices_available_on_or_before")),
        functional_enhancement=bool(scope.get("functional_enhancement", False)),
    )
