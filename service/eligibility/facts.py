"""The frozen facts the rules read, and the decision they produce.

All instants are timezone-aware UTC datetimes; windows are half-open `[from, until)` and an
`until` of None means open-ended.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Verdict(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    REVIEW = "review"


class Basis(StrEnum):
    NOT_SUBJECT_TO_CONTROLS = "not_subject_to_controls"
    NOT_LISTED = "not_listed"
    NO_UPDATE_EFFECT = "no_update_effect"
    LICENSED = "licensed"
    LICENCE_REQUIRED = "licence_required"
    DENIED_PARTY = "denied_party"
    BLOCKED_PARTY = "blocked_party"
    POSSIBLE_MATCH = "possible_match"
    SCREENING_PENDING = "screening_pending"
    LISTED_FOR_REVIEW = "listed_for_review"
    SCOPE_UNKNOWN = "scope_unknown"
    DATA_STALE = "data_stale"


class Effect(StrEnum):
    """What being on a source list does to shipping a software update."""

    NONE = "none"
    REVIEW = "review"
    LICENCE_REQUIRED = "licence_required"
    DENIED = "denied"
    BLOCKED = "blocked"


class StalePolicy(StrEnum):
    """What to do with an `allow` when the source data is older than its limit."""

    REVIEW = "review"  # withhold the allow: answer review / data_stale
    DENY = "deny"  # refuse outright
    ANNOTATE = "annotate"  # keep the answer, but say the data is stale


RESTRICTING = frozenset({Effect.LICENCE_REQUIRED, Effect.DENIED, Effect.BLOCKED})


def in_window(at: datetime, start: datetime, until: datetime | None) -> bool:
    return start <= at and (until is None or at < until)


@dataclass(frozen=True, slots=True)
class Designation:
    id: str
    source: str
    name: str
    effective_from: datetime
    effective_until: datetime | None = None
    reference: str | None = None

    def in_force(self, at: datetime) -> bool:
        return in_window(at, self.effective_from, self.effective_until)


@dataclass(frozen=True, slots=True)
class PossibleMatch:
    """A resemblance between the vendor and a designation that awaits a person's review."""

    id: str
    designation: Designation
    score: float


@dataclass(frozen=True, slots=True)
class Scope:
    """What a licence admits. Products are compared case-folded; None means any."""

    update_kinds: frozenset[str]
    products: frozenset[str] | None = None
    device_classes: frozenset[str] | None = None
    devices_available_on_or_before: datetime | None = None
    functional_enhancement: bool = False


@dataclass(frozen=True, slots=True)
class LicenceTerms:
    """The terms of a licence from `effective_from` until the next terms take over."""

    effective_from: datetime
    valid_until: datetime | None
    scope: Scope


@dataclass(frozen=True, slots=True)
class Licence:
    id: str
    number: str
    kind: str  # "general" | "specific"
    holder_key: str | None  # normalised holder name; None for a general licence
    vendor_ids: frozenset[str]
    lifts: frozenset[str]
    valid_from: datetime
    terms: tuple[LicenceTerms, ...]  # sorted by effective_from; the first starts at valid_from
    revoked_from: datetime | None = None
    authority: str | None = None

    def terms_at(self, at: datetime) -> LicenceTerms | None:
        """Return the terms in effect at `at`, or None if the licence is not in force."""
        if at < self.valid_from or (self.revoked_from is not None and at >= self.revoked_from):
            return None
        current = None
        for terms in self.terms:
            if terms.effective_from > at:
                break
            current = terms
        if current is None or (current.valid_until is not None and at >= current.valid_until):
            return None
        return current

    def change_points(self) -> list[datetime]:
        points = [self.valid_from]
        for terms, following in zip(self.terms, [*self.terms[1:], None], strict=True):
            points.append(terms.effective_from)
            # Terms that the next ones take over from before they end never reach their end.
            if terms.valid_until is not None and (
                following is None or terms.valid_until < following.effective_from
            ):
                points.append(terms.valid_until)
        if self.revoked_from is not None:
            points.append(self.revoked_from)
        return points


@dataclass(frozen=True, slots=True)
class Model:
    id: str | None
    name: str
    device_class: str | None  # None when the device was described inline and is unknown
    available_from: datetime | None


@dataclass(frozen=True, slots=True)
class Update:
    supplier: str
    supplier_key: str  # normalised supplier name, compared with licence holders
    supplier_country: str | None
    kind: str
    product: str
    version: str | None = None
    enhances_functionality: bool | None = None
    publicly_available: bool = False


@dataclass(frozen=True, slots=True)
class Party:
    """The device maker as the rules see it: its designations and open possible matches.

    `screened` is False while the vendor's names have not been screened against the active
    lists by the matcher in use (after a matcher change, until its re-screen has run).
    """

    vendor_id: str | None
    name: str
    designations: tuple[Designation, ...] = ()
    possible_matches: tuple[PossibleMatch, ...] = ()
    screened: bool = True


@dataclass(frozen=True, slots=True)
class Policy:
    effects: Mapping[str, Effect]
    stale_policy: StalePolicy = StalePolicy.REVIEW
    list_names: Mapping[str, str] = field(default_factory=dict)

    def effect_of(self, source: str) -> Effect:
        # A source the configuration does not know is treated as restricting, never ignored.
        return self.effects.get(source, Effect.LICENCE_REQUIRED)


@dataclass(frozen=True, slots=True)
class Case:
    party: Party
    model: Model
    update: Update
    licences: tuple[Licence, ...]  # every licence that covers the vendor
    stale: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    basis: Basis
    reasons: tuple[str, ...]
    designations: tuple[Designation, ...]
    licences: tuple[tuple[Licence, datetime | None], ...]  # licence and its current valid_until
    valid_from: datetime | None  # the answer holds on [valid_from, valid_until)
    valid_until: datetime | None
    stale: bool = False
