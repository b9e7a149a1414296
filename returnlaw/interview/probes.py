"""Trying answers: setting one fact of a scenario, and the few answers worth trying for each fact."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ..evaluator import outcome_of
from ..facts import FACTS, as_member
from ..periods import CalendarCoverageError, Counting, period_span, within_period
from ..readings import Readings
from ..rulebook import RuleBook
from ..scenario import Scenario, day_of
from .shape import DATE_FACTS, ONE_DAY, Period, Shape

_ONE_MINUTE = dt.timedelta(minutes=1)
_DAY_LADDER = (1, 7, 30, 365, 3650, 36500)  # probes for a number of days when the dates are unknown


def assign(scenario: Scenario, path: str, value: object) -> Scenario | None:
    """``scenario`` with one fact set to ``value`` (None: unknown), or None if the value cannot
    stand there (wrong type, out of bounds, or a date out of order with the others)."""
    section, _, name = path.partition(".")
    attr = "return_" if section == "return" else section
    part = getattr(scenario, attr)
    spec = FACTS[path]
    if spec.kind == "enum" and isinstance(value, str) and value in spec.values:
        value = as_member(path, value)  # as validation makes it: dumps of the scenario stay exact
    elif value is not None and not ((spec.kind == "bool" and isinstance(value, bool)) or value in spec.values):
        try:  # booleans and allowed choices are valid as they are; other values are checked
            value = getattr(type(part).model_validate({name: value}), name)
        except ValidationError:
            return None
    changed = scenario.model_copy(update={attr: part.model_copy(update={name: value})})
    if spec.kind in ("date", "moment") and value is not None:
        try:  # the order of dates is checked on the whole scenario
            Scenario.model_validate(changed.model_dump(by_alias=True))
        except ValidationError:
            return None
    return changed


@dataclass(frozen=True)
class Ctx:
    book: RuleBook
    shape: Shape
    as_of: dt.date | None
    readings: Readings
    skip: frozenset[str]
    stages: Mapping[str, int]  # fact path or "section." -> its place in a case's order

    def outcome(self, scenario: Scenario) -> str:
        return outcome_of(self.book, scenario, as_of=self.as_of, readings=self.readings)


def probe_values(ctx: Ctx, scenario: Scenario, path: str) -> list[object]:
    kind = FACTS[path].kind
    if kind == "bool":
        return [True, False]
    if kind == "enum":
        return [as_member(path, v) for v in ctx.shape.choices[path]]
    if kind == "set":  # the grounds or claims raised: none of them, or every one (rules/grounds.yaml)
        fewest: tuple[str, ...] = ()
        if path == "dispute.seller_grounds" and scenario.dispute.seller_alleges_not_intact:
            fewest = ("not_intact",)  # the allegation already stated is one of the grounds
        return [fewest, tuple(FACTS[path].values)]
    if kind == "number":
        values = _number_probes(ctx, scenario, path)
    elif kind in ("date", "moment"):
        values = _date_probes(ctx, scenario, path)
    else:
        values = [*ctx.shape.literals.get(path, ()), "(other)"]
    return list(dict.fromkeys(values))


def _number_probes(ctx: Ctx, scenario: Scenario, path: str) -> list[object]:
    values: list[object] = []
    bounds = [
        *ctx.shape.thresholds.get(path, ()),
        *(getattr(ctx.readings, n) for n in ctx.shape.reading_bounds.get(path, ())),
    ]
    for bound in bounds:
        values += [bound - 1, bound, bound + 1]
    for other in ctx.shape.compared.get(path, ()):
        known = FACTS[other].get(scenario)
        if known is not None:
            values += [known - 1, known, known + 1]  # type: ignore[operator]
    for period in ctx.shape.periods:
        if period.days == path:
            values += _days_probes(ctx, scenario, period)
    return values


def _days_probes(ctx: Ctx, scenario: Scenario, period: Period) -> list[int]:
    start, event = FACTS[period.start].get(scenario), FACTS[period.event].get(scenario)
    if start is None or event is None:
        return list(_DAY_LADDER)
    need = _days_needed(start, event, ctx.readings)  # type: ignore[arg-type]
    return [] if need is None else [need - 1, need]


def _days_needed(start: dt.date, event: dt.date, readings: Readings) -> int | None:
    """The fewest days in which a notice on ``event`` is in time (the test is monotone in days)."""
    low, high = 1, max(1, (day_of(event) - day_of(start)).days + 1)  # type: ignore[operator]
    try:
        while low < high:
            mid = (low + high) // 2
            if within_period(start, event, mid, readings.counting, readings.unpublished_holidays) is True:
                high = mid
            else:
                low = mid + 1
    except CalendarCoverageError:
        return None
    return low


def _date_probes(ctx: Ctx, scenario: Scenario, path: str) -> list[object]:
    # One day in each version of the law, while the version is open; the days of the other known
    # dates as anchors; both sides of every threshold and period boundary.
    law_open = ctx.as_of is None and scenario.purchase.date is None
    values: list[object] = list(ctx.shape.law_days) if law_open else []
    values += [d for p in DATE_FACTS if p != path and (d := day_of(FACTS[p].get(scenario))) is not None]
    for bound in ctx.shape.thresholds.get(path, ()):
        values += [bound - ONE_DAY, bound, bound + ONE_DAY]
    for other in ctx.shape.compared.get(path, ()):
        known = day_of(FACTS[other].get(scenario))
        if known is not None:
            values += [known - ONE_DAY, known + ONE_DAY]
    for period in ctx.shape.periods:
        days = period.days if isinstance(period.days, int) else FACTS[period.days].get(scenario)
        if days is None:
            continue
        start, event = FACTS[period.start].get(scenario), FACTS[period.event].get(scenario)
        if path == period.event and start is not None:
            values += _event_probes(start, int(days), ctx.readings)  # type: ignore[arg-type]
        if path == period.start and event is not None:
            values += _start_probes(event, int(days), ctx.readings)  # type: ignore[arg-type]
    return values or list(ctx.shape.law_days)


def _event_probes(start: dt.date, days: int, readings: Readings) -> list[object]:
    """The period's end and the moment after it: in time, and late. While a holiday arrangement
    not in the data leaves the end open: the earliest end (in time), the day after it (open under
    the default reading) and the day after the latest end (late)."""
    try:
        span = period_span(start, days, readings.counting)
    except CalendarCoverageError:
        return []
    end = span.resolve(readings.unpublished_holidays)
    if end is None:
        return [span.earliest, span.earliest + ONE_DAY, span.latest + ONE_DAY]
    step = _ONE_MINUTE if isinstance(end, dt.datetime) else ONE_DAY
    return [end, end + step]


def _start_probes(event: dt.date, days: int, readings: Readings) -> list[object]:
    """The latest start that makes ``event`` late, and the one just after it (in time, or open
    while a holiday arrangement not in the data decides)."""
    counting = readings.counting
    if counting is Counting.PLATFORM_168H:
        base = event if isinstance(event, dt.datetime) else dt.datetime.combine(event, dt.time())
        first = base - dt.timedelta(hours=24 * days)
        return [first - _ONE_MINUTE, first]
    target = day_of(event)
    start = target - dt.timedelta(days=days + 1)  # type: ignore[operator]
    try:
        for _ in range(40):  # rest days can push the end by a few weeks at most
            if within_period(start, target, days, counting, readings.unpublished_holidays) is False:
                return [start, start + ONE_DAY]
            start -= ONE_DAY
    except CalendarCoverageError:
        pass
    return []


class Probe(BaseModel):
    """One answer tried, and the outcome it leads to."""

    model_config = ConfigDict(frozen=True)

    value: Any
    outcome: str
