"""A timeline's geometry: windows of time (designations, licence terms) on one axis, as SVG.

Layout only: lanes of half-open windows and marked instants go in, coordinates and labels come
out, and `vendor_timeline.html` draws them. An open-ended window runs to the axis's end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from service import clock
from service.eligibility.reasons import day

WIDTH = 960
LABELS = 300  # the left column holding each lane's name
LANE = 28
TOP = 34  # room for the axis labels
MARK_LINE = 16  # each marked instant's label gets a line of its own under the lanes


@dataclass(frozen=True)
class Span:
    """A window `[start, until)` of one lane (until None: open-ended), with what it is."""

    start: datetime
    until: datetime | None
    note: str


@dataclass(frozen=True)
class Lane:
    kind: str  # "designation", "match" or "licence": how it is drawn and named
    label: str
    spans: tuple[Span, ...]
    events: tuple[tuple[datetime, str], ...] = ()  # instants within the lane (a revocation)


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    open_end: bool
    title: str


@dataclass(frozen=True)
class DrawnLane:
    lane: Lane
    y: float
    bars: list[Bar]
    events: list[tuple[float, str]]


@dataclass(frozen=True)
class Drawn:
    width: int
    height: int
    lanes: list[DrawnLane]
    axis: list[tuple[float, str]]
    marks: list[tuple[float, int, str, str]]  # x, y of the label, kind, label
    start: datetime
    end: datetime


def layout(lanes: list[Lane], marks: list[tuple[str, str, datetime]]) -> Drawn:
    """Place `lanes` and the marked instants `(kind, label, instant)` on one axis."""
    start, end = _domain(lanes, [instant for _, _, instant in marks])
    scale = (WIDTH - LABELS - 10) / (end - start).total_seconds()

    def x(instant: datetime) -> float:
        return round(LABELS + (min(max(instant, start), end) - start).total_seconds() * scale, 1)

    drawn = []
    for n, lane in enumerate(lanes):
        bars = [Bar(x(s.start), max(2.0, x(s.until or end) - x(s.start)), s.until is None,
                    s.note) for s in lane.spans]
        drawn.append(DrawnLane(lane, TOP + n * LANE, bars, [(x(t), what) for t, what in
                                                             lane.events]))
    bottom = TOP + len(lanes) * LANE
    placed = [(x(instant), bottom + MARK_LINE * (n + 1), kind,
               f"{label}: {instant.date().isoformat() if kind == 'today' else day(instant)}")
              for n, (kind, label, instant) in enumerate(marks)]
    height = bottom + MARK_LINE * (len(marks) + 1)
    return Drawn(WIDTH, height, drawn, [(x(t), text) for t, text in _ticks(start, end)],
                 placed, start, end)


def _domain(lanes: list[Lane], marked: list[datetime]) -> tuple[datetime, datetime]:
    instants = [*marked]
    for lane in lanes:
        instants += [t for s in lane.spans for t in (s.start, s.until) if t is not None]
        instants += [t for t, _ in lane.events]
    if not instants:
        now = clock.now()
        return now - timedelta(days=365), now + timedelta(days=365)
    low, high = min(instants), max(instants)
    margin = max((high - low) * 0.06, timedelta(days=30))
    return low - margin, high + margin


def _ticks(start: datetime, end: datetime) -> list[tuple[datetime, str]]:
    """Years on a long axis, quarters on a middling one, months on a short one."""
    months = 12 if end - start > timedelta(days=3 * 365) else (
        3 if end - start > timedelta(days=400) else 1)
    if end - start > timedelta(days=25 * 365):
        months = 12 * 5
    tick = datetime(start.year, 1, 1, tzinfo=UTC)
    found = []
    while tick <= end:
        if tick >= start:
            found.append((tick, str(tick.year) if tick.month == 1 else tick.strftime("%b")))
        month = tick.month - 1 + months
        tick = tick.replace(year=tick.year + month // 12, month=month % 12 + 1)
    return found

