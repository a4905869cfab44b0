"""The window around an instant in which an answer cannot change.

An answer can change only where one of the facts it read changes: a designation starts or
ends, a possible match's designation starts or ends, a licence starts, is amended, expires or
is revoked. Between two consecutive such instants every rule reads the same facts, so the
answer is constant on `[valid_from, valid_until)`.
"""

from __future__ import annotations

from datetime import datetime

from service.eligibility.facts import Case


def change_points(case: Case) -> list[datetime]:
    points: list[datetime] = []
    designations = list(case.party.designations)
    designations += [m.designation for m in case.party.possible_matches]
    for d in designations:
        points.append(d.effective_from)
        if d.effective_until is not None:
            points.append(d.effective_until)
    for licence in case.licences:
        points.extend(licence.change_points())
    return points


def window(case: Case, at: datetime) -> tuple[datetime | None, datetime | None]:
    """Return `(valid_from, valid_until)`: the change points around `at` (None = unbounded)."""
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    for point in change_points(case):
        if point <= at:
            if valid_from is None or point > valid_from:
                valid_from = point
        elif valid_until is None or point < valid_until:
            valid_until = point
    return valid_from, valid_until
