"""A licence's terms on a time axis, laid out for the SVG the licence page draws on the server."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from service import eligibility as el

WIDTH = 720  # the SVG's user units; it scales to the page


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    label: str  # for the bar's <title>
    open: bool  # runs past the axis (no end date)


@dataclass(frozen=True)
class Timeline:
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # (x, year)
    now: float | None  # where now falls, if on the axis
    revoked: float | None
    width: int = WIDTH


def timeline(licence: el.Licence, now: datetime) -> Timeline:
    """Place each terms' window, the revocation and now on one axis from the licence's start."""
    start = licence.valid_from
    known = [t.valid_until for t in licence.terms] + [licence.revoked_from]
    if licence.terms[-1].valid_until is None and licence.revoked_from is None:
        known.append(now)  # open-ended: draw it up to now; a licence that ended, to its end
    stop = max([start, *(t.effective_from for t in licence.terms),
                *(at for at in known if at is not None)])
    span = max((stop - start) * 1.1, timedelta(days=1))

    def x(at: datetime) -> float:
        return round(min(max((at - start) / span, 0.0), 1.0) * WIDTH, 1)

    bars = []
    for index, terms in enumerate(licence.terms):
        later = licence.terms[index + 1].effective_from if index + 1 < len(licence.terms) else None
        ends = [at for at in (terms.valid_until, later, licence.revoked_from) if at is not None]
        end = min(ends) if ends else start + span
        if end > terms.effective_from:
            label = f"{terms.effective_from.date()} to {end.date() if ends else 'open-ended'}"
            bars.append(Bar(x(terms.effective_from), max(x(end) - x(terms.effective_from), 1.0),
                            label, not ends))
    return Timeline(bars, _ticks(start, start + span, x), x(now) if now <= stop else None,
                    x(licence.revoked_from) if licence.revoked_from else None)


def _ticks(start: datetime, stop: datetime, x: Callable[[datetime], float]
           ) -> list[tuple[float, str]]:
    """The first of January of some years inside the axis, at most about eight of them."""
    years = list(range(start.year + 1, stop.year + 1))
    step = max(1, math.ceil(len(years) / 8))
    return [(x(datetime(year, 1, 1, tzinfo=UTC)), str(year)) for year in years[::step]]
