"""Sentences a compliance officer can read, one per designation and licence considered."""

from __future__ import annotations

from datetime import datetime

from service.eligibility.facts import (
    Designation,
    Effect,
    Licence,
    Party,
    Policy,
    PossibleMatch,
    StalePolicy,
    Update,
)

_EFFECT_TEXT = {
    Effect.NONE: "this list does not restrict software updates",
    Effect.REVIEW: "shipments to parties on this list need a person's review",
    Effect.LICENCE_REQUIRED: "a licence is required to ship software updates",
    Effect.DENIED: "export privileges are denied: essentially every transaction is barred",
    Effect.BLOCKED: "the party's property is blocked: every transaction is barred",
}


def day(instant: datetime | None) -> str:
    """Write an instant as a date when it falls on midnight UTC, else in full."""
    if instant is None:
        return "further notice"
    if (instant.hour, instant.minute, instant.second, instant.microsecond) == (0, 0, 0, 0):
        return instant.date().isoformat()
    return instant.isoformat().replace("+00:00", "Z")


def _list(source: str, policy: Policy) -> str:
    name = policy.list_names.get(source)
    return f"the {name} ({source})" if name else f"the {source} list"


def not_subject(update: Update) -> str:
    what = f"{update.product} {update.version or ''}".strip()
    if update.publicly_available:
        why = "is publicly available software, which is not subject to export controls"
    else:
        why = (
            f"is supplied from {update.supplier_country}, outside US jurisdiction, "
            "so US export controls do not apply"
        )
    return f"The update {what} from {update.supplier} {why}."


def not_listed(party: Party) -> str:
    return f"{party.name} is on no restricted-party list in force at that instant."


def designation(party: Party, d: Designation, policy: Policy) -> str:
    reference = f", {d.reference}" if d.reference else ""
    until = f" until {day(d.effective_until)}" if d.effective_until else ""
    return (
        f"{party.name} is designated as \"{d.name}\" on {_list(d.source, policy)} "
        f"from {day(d.effective_from)}{until}{reference}: "
        f"{_EFFECT_TEXT[policy.effect_of(d.source)]}."
    )


def possible_match(party: Party, m: PossibleMatch, policy: Policy) -> str:
    return (
        f"{party.name} resembles \"{m.designation.name}\" on "
        f"{_list(m.designation.source, policy)} (score {m.score:.2f}); a person must confirm "
        "or dismiss this possible match before anything ships."
    )


def screening_pending(party: Party) -> str:
    return (
        f"{party.name} has not yet been screened against the active restricted-party lists by "
        "the matcher in use; nothing ships until it has been."
    )


def licence_lifts(licence: Licence, d: Designation, until: datetime | None) -> str:
    return (
        f"Licence {licence.number} ({licence.kind}) lifts the {d.source} restriction for this "
        f"update; its current terms run until {day(until)}."
    )


def licence_not_in_force(licence: Licence, d: Designation, at: datetime) -> str:
    # Name the licence's own edge, not `at`: every edge is a change point, so the sentence
    # holds for the whole window in which the decision is valid (and cached).
    if at < licence.valid_from:
        why = f"it takes effect on {day(licence.valid_from)}"
    elif licence.revoked_from is not None and at >= licence.revoked_from:
        why = f"it was revoked from {day(licence.revoked_from)}"
    else:
        ended = [t.valid_until for t in licence.terms if t.effective_from <= at and t.valid_until]
        why = f"it ended on {day(ended[-1])}" if ended else "it is not in force"
    return (
        f"Licence {licence.number} would address the {d.source} restriction but is not in "
        f"force then: {why}."
    )


def licence_other_holder(licence: Licence, update: Update) -> str:
    return (
        f"Licence {licence.number} is held by another exporter, not by the update's "
        f"supplier {update.supplier}."
    )


def licence_excludes(licence: Licence, why: str) -> str:
    return f"Licence {licence.number} does not cover this update: {why}."


def licence_maybe(licence: Licence, why: str) -> str:
    return (
        f"Licence {licence.number} would cover this update only if a missing fact were "
        f"known: {why}."
    )


def stale(stale_policy: StalePolicy) -> str:
    withheld = {
        StalePolicy.REVIEW: "; an allow is withheld for review until the lists are refreshed",
        StalePolicy.DENY: "; an allow is refused until the lists are refreshed",
        StalePolicy.ANNOTATE: "",
    }[stale_policy]
    return f"The restricted-party lists are older than their staleness limit{withheld}."
