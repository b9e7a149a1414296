"""The timeline of a return for the document: signing, day 7 and its roll-over past rest days,
the notice, the seller's receipt, the refund deadline and the 15-day penalty thresholds, today.

:func:`timeline_of` collects the events from the scenario's dates and the decision's deadlines
(by their vocabulary names, so a new deadline needs only its words); :func:`svg` draws them on
a day axis as an inline SVG picture, with statutory rest days shaded and labels staggered so
that none overlap; :func:`layout` gives the positions to other drawers (the PDF).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

from rich.cells import cell_len

from .decision import Decision
from .i18n import show_date, words
from .periods import CalendarCoverageError, rest_day
from .scenario import Scenario, day_of

WIDTH, LANES, LANE_HEIGHT, AXIS_Y = 760, 3, 34, 150
_MARGIN = 40
_FACTS = (
    ("signed", "delivery.signed_at"),
    ("notice", "return.notice_sent_at"),
    ("shipped", "return.shipped_at"),
    ("received", "return.received_by_seller_at"),
    ("refunded", "return.refunded_at"),
)
_DEADLINES = ("refund_due", "penalty_return_processing", "penalty_refund")


@dataclass(frozen=True)
class Event:
    key: str
    label: str
    day: dt.date
    when: str
    kind: str  # fact · deadline · today


@dataclass(frozen=True)
class Timeline:
    title: str
    events: tuple[Event, ...]
    note: str  # what lies outside the picture (today long after it)
    lang: str


def _label(key: str, lang: str, fallback: str = "") -> str:
    entry = words("timeline").get(key)
    return entry[lang] if entry else fallback or key


def timeline_of(decision: Decision, scenario: Scenario, today: dt.date, lang: str) -> Timeline:
    events: list[Event] = []

    def add(key: str, day: dt.date | None, kind: str, fallback: str = "") -> None:
        if day is not None:
            events.append(Event(key, _label(key, lang, fallback), day, show_date(day, lang), kind))

    for key, path in _FACTS:
        moment = _get(scenario, path)
        add(key, day_of(moment), "fact")
    signed = day_of(scenario.delivery.signed_at)
    deadlines = {d.name: d for d in decision.deadlines}
    if signed is not None:
        day7 = signed + dt.timedelta(days=7)
        add("day7", day7, "deadline")
        last = deadlines.get("notice_last_day")
        if last is not None and last.date is not None and last.date != day7:
            add("rolled", last.date, "deadline")  # the last day moved past rest days
    for name in _DEADLINES:
        d = deadlines.get(name)
        if d is not None:
            add(name, d.date, "deadline", d.zh if lang == "zh" else d.en)
    note = ""
    if events:
        last_day = max(e.day for e in events)
        first_day = min(e.day for e in events)
        if first_day <= today <= last_day + dt.timedelta(days=14):
            add("today", today, "today")
        elif today > last_day:
            report = words("report")["timeline_today_after"][lang]
            note = report.format(day=show_date(today, lang), n=(today - last_day).days)
    events.sort(key=lambda e: (e.day, e.kind != "fact"))
    title = words("report")["timeline"][lang]
    return Timeline(title, tuple(events), note, lang)


def _get(scenario: Scenario, path: str) -> object:
    section, _, name = path.partition(".")
    return getattr(getattr(scenario, "return_" if section == "return" else section), name)


@dataclass(frozen=True)
class Placed:
    event: Event
    x: float
    lane: int  # 1, 2, 3 above the axis; -1, -2, -3 below
    anchor: str  # where the label stands: start · middle · end of its text at x


def layout(timeline: Timeline, width: float = WIDTH) -> tuple[list[Placed], dt.date, dt.date, float]:
    """Each event's x and label lane (labels never overlap), the days shown and pixels per day."""
    if not timeline.events:
        return [], dt.date.today(), dt.date.today(), 1.0
    first = min(e.day for e in timeline.events) - dt.timedelta(days=1)
    last = max(e.day for e in timeline.events) + dt.timedelta(days=1)
    per_day = (width - 2 * _MARGIN) / max(1, (last - first).days)
    placed: list[Placed] = []
    ends: dict[int, float] = {}
    for e in timeline.events:
        x = _MARGIN + (e.day - first).days * per_day
        size = _label_width(e)
        anchor = "start" if x < size / 2 + 4 else "end" if x > width - size / 2 - 4 else "middle"
        left = {"start": x, "middle": x - size / 2, "end": x - size}[anchor]
        lanes = [1, -1, 2, -2, 3, -3] if e.kind != "fact" else [-1, 1, -2, 2, -3, 3]
        lane = next((n for n in lanes if ends.get(n, -1e9) < left - 6), lanes[-1])
        ends[lane] = left + size
        placed.append(Placed(e, x, lane, anchor))
    return placed, first, last, per_day


def extent(placed: list[Placed]) -> tuple[int, int]:
    """How many label lanes are used above and below the axis."""
    above = max((p.lane for p in placed if p.lane > 0), default=0)
    below = max((-p.lane for p in placed if p.lane < 0), default=0)
    return above, below


def _label_width(e: Event) -> float:
    return max(cell_len(e.label) * 6.8, cell_len(e.when) * 6.2) + 6  # 13px labels, 11.5px dates


def svg(timeline: Timeline) -> str:
    """The timeline as an inline SVG picture (no scripts, no external references)."""
    placed, first, last, per_day = layout(timeline)
    above, below = extent(placed)
    top = AXIS_Y - above * LANE_HEIGHT - 40  # room for the highest label's two lines
    height = (AXIS_Y + below * LANE_HEIGHT + 40) - top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 {top} {WIDTH} {height}" width="100%" '
        f'role="img" aria-label="{escape(timeline.title)}" class="timeline">'
    ]
    day = first
    while day <= last:  # statutory rest days, shaded
        try:
            resting = rest_day(day)
        except CalendarCoverageError:
            resting = False
        if resting:
            x = _MARGIN + (day - first).days * per_day
            parts.append(
                f'<rect x="{x - per_day / 2:.1f}" y="{AXIS_Y - 8}" width="{per_day:.1f}" height="16" class="rest"/>'
            )
        day += dt.timedelta(days=1)
    parts.append(f'<line x1="{_MARGIN / 2}" y1="{AXIS_Y}" x2="{WIDTH - _MARGIN / 2}" y2="{AXIS_Y}" class="axis"/>')
    for p in placed:
        y = AXIS_Y - p.lane * LANE_HEIGHT - (8 if p.lane > 0 else -8)
        top = min(y, AXIS_Y)
        parts.append(
            f'<line x1="{p.x:.1f}" y1="{top}" x2="{p.x:.1f}" y2="{max(y, AXIS_Y)}" class="stem {p.event.kind}"/>'
        )
        parts.append(_marker(p))
        text_y = y - 17 if p.lane > 0 else y + 14
        parts.append(
            f'<text x="{p.x:.1f}" y="{text_y}" text-anchor="{p.anchor}" class="label {p.event.kind}">'
            f'<tspan x="{p.x:.1f}" dy="0">{escape(p.event.label)}</tspan>'
            f'<tspan x="{p.x:.1f}" dy="15" class="when">{escape(p.event.when)}</tspan></text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _marker(p: Placed) -> str:
    x, y = p.x, AXIS_Y
    if p.event.kind == "deadline":
        return (
            f'<path d="M{x:.1f},{y - 6} L{x + 6:.1f},{y} L{x:.1f},{y + 6} L{x - 6:.1f},{y} Z" class="marker deadline"/>'
        )
    if p.event.kind == "today":
        return f'<path d="M{x - 6:.1f},{y + 10} L{x + 6:.1f},{y + 10} L{x:.1f},{y} Z" class="marker today"/>'
    return f'<circle cx="{x:.1f}" cy="{y}" r="5" class="marker fact"/>'
