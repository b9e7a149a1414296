"""What a decision waits for when a period's last day turns on a holiday arrangement (节假日安排) that
is not in the holiday data (law.md §9.8): the ``calendar_pending`` entries of the decision JSON.

An entry is made for a ``within_period`` test whose event falls between the earliest and the latest
possible last day: the test is then undetermined (the rules reading it are named), or decided by
the reading ``unpublished_holidays`` (which is named). Computed only when a decision is explained,
never on the evaluation's hot path.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from .facts import FACTS
from .periods import Counting, PeriodEnd, Unpublished, period_span
from .scenario import day_of

if TYPE_CHECKING:
    from .conditions import PeriodTest
    from .evaluator import Evaluation


def calendar_pending(ev: Evaluation) -> list[dict[str, Any]]:
    """One entry per distinct period test whose result the missing arrangement leaves open or the
    reading decided, in the order of the rules."""
    if ev.readings.counting is not Counting.CIVIL_CODE:
        return []  # the other readings never consult the calendar
    found: dict[tuple[str, str, int], dict[str, Any]] = {}
    undetermined = ev.readings.unpublished_holidays is Unpublished.UNDETERMINED
    for i, step in enumerate(ev.epoch.steps):
        for test in step.rule.condition.periods:
            band = _band(ev, test)
            if band is None or (undetermined and ev.applicable[i] is not None):
                continue
            key, span = band
            entry = found.get(key)
            if entry is None:
                entry = found[key] = _entry(key, span, ev.readings.unpublished_holidays)
            if step.rule.id not in entry["rules"]:
                entry["rules"].append(step.rule.id)
    return list(found.values())


def _band(ev: Evaluation, test: PeriodTest) -> tuple[tuple[str, str, int], PeriodEnd] | None:
    """The test's key and last-day band when its event lies inside an open band, else None."""
    start, event = day_of(FACTS[test.start].get(ev.scenario)), day_of(FACTS[test.event].get(ev.scenario))
    days = test.days(ev.scenario)
    if start is None or event is None or not days or event <= start + dt.timedelta(days=days):
        return None
    span = period_span(start, days, Counting.CIVIL_CODE)
    if span.known or not span.earliest < event <= span.latest:  # type: ignore[operator]
        return None
    return (test.start, test.event, days), span


def _entry(key: tuple[str, str, int], span: PeriodEnd, reading: Unpublished) -> dict[str, Any]:
    start, event, days = key
    first, last = day_of(span.earliest), day_of(span.latest)
    chosen = None if reading is Unpublished.UNDETERMINED else str(reading)
    years_zh = "、".join(f"{y}年" for y in span.pending)
    notices = "、".join(f"《国务院办公厅关于{y}年部分节假日安排的通知》" for y in span.pending)
    zh = (
        f"该{days}日期间的最后一日在{_zh(first)}至{_zh(last)}之间，取决于{notices}；"
        f"{years_zh}的节假日安排尚未收录于本工具的节假日数据。"
    )
    en = (
        f"The last day of this {days}-day period lies between {first} and {last}: it depends on the "
        f"State Council General Office's notice on the {', '.join(map(str, span.pending))} holiday "
        f"arrangement ({notices}), which is not in returnlaw's holiday data."
    )
    if chosen:
        end = last if reading is Unpublished.LATEST_END else first
        which = "最晚" if reading is Unpublished.LATEST_END else "最早"
        zh += f"依照所选解释，按{which}可能的最后一日即{_zh(end)}计算。"  # type: ignore[arg-type]
        en += f" Under the reading unpublished_holidays={chosen} the last day is taken as {end}."
    return {
        "years": list(span.pending),
        "earliest": first,
        "latest": last,
        "start": start,
        "event": event,
        "days": days,
        "rules": [],
        "resolved_by": chosen,
        "zh": zh,
        "en": en,
    }


def _zh(day: dt.date | None) -> str:
    return "" if day is None else f"{day.year}年{day.month}月{day.day}日"
