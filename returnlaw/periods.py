"""Counting legal periods in days (law.md §5.2, §5.3, §8 item 6), under three named readings.

- ``civil_code`` (default): Civil Code Art. 201(1) and Measures Art. 10(2): the start day is not
  counted, day 1 is the next day. Art. 203(1): a last day on a statutory rest day (法定休假日:
  weekends and public holidays, not the adjusted working days 调休) moves to the first following
  day that is not a rest day. Art. 203(2): the last day ends at 24:00.
- ``calendar_only``: as ``civil_code`` without the Art. 203(1) extension.
- ``platform_168h``: platform practice (not law): ``days * 24`` hours from the signing time, or
  from 00:00 of the day after a plain start date; no extension.

Rest days come from the ``chinesecalendar`` package, which covers a fixed range of years.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache

import chinese_calendar

_ONE_DAY = timedelta(days=1)


class Counting(StrEnum):
    CIVIL_CODE = "civil_code"
    CALENDAR_ONLY = "calendar_only"
    PLATFORM_168H = "platform_168h"


class CalendarCoverageError(ValueError):
    """A rest-day lookup fell outside the years the holiday calendar covers."""


@lru_cache(maxsize=1)
def covered_years() -> tuple[int, int]:
    """The years the installed calendar covers (the package itself uses its ``holidays`` keys)."""
    return min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year


def _coverage_error(d: date) -> CalendarCoverageError:
    first, last = covered_years()
    return CalendarCoverageError(
        f"no statutory holiday data for {d.isoformat()} (year {d.year}): the installed "
        f"chinesecalendar {chinese_calendar.__version__} covers {first}-{last}; "
        "use --reading counting=calendar_only to count without the rest-day extension"
    )


@lru_cache(maxsize=8192)
def _rest_day(d: date) -> bool:
    first, last = covered_years()
    if not first <= d.year <= last:
        raise _coverage_error(d)
    try:
        # True on weekends and public holidays, False on adjusted working days (调休).
        return bool(chinese_calendar.is_holiday(d))
    except NotImplementedError as exc:
        raise _coverage_error(d) from exc


def rest_day(d: date) -> bool:
    """Whether ``d`` is a statutory rest day (法定休假日) in the sense of Civil Code Art. 203(1)."""
    return _rest_day(_as_date(d))


def _as_date(moment: date | datetime) -> date:
    if isinstance(moment, datetime):
        return moment.date()
    if isinstance(moment, date):
        return moment
    raise TypeError(f"expected a date or datetime, got {type(moment).__name__}")


def _check(days: int, counting: Counting) -> Counting:
    if type(days) is not int or days <= 0:  # bool is an int subclass: refused too
        raise ValueError(f"days must be a positive int, got {days!r}")
    return counting if type(counting) is Counting else Counting(counting)


def _start_instant(start: date | datetime) -> datetime:
    """Signing time if known, else 00:00 of the day after the start date (Art. 201(2))."""
    if isinstance(start, datetime):
        return _naive(start)
    return datetime.combine(_as_date(start) + _ONE_DAY, time())


def _naive(moment: datetime) -> datetime:
    if moment.utcoffset() is not None:
        raise ValueError("platform_168h expects naive local (China) datetimes, got an aware one")
    return moment


def period_end(start: date | datetime, days: int, counting: Counting) -> date | datetime:
    """Last day (ending 24:00) for the date readings; exact end instant for ``platform_168h``."""
    return _period_end(start, days, _check(days, counting))


@lru_cache(maxsize=65536)  # the same signing dates recur across a platform's orders
def _period_end(start: date | datetime, days: int, counting: Counting) -> date | datetime:
    if counting is Counting.PLATFORM_168H:
        return _start_instant(start) + timedelta(hours=24 * days)
    # Civil Code Art. 201(1), Measures Art. 10(2): the start day is not counted.
    last = _as_date(start) + timedelta(days=days)
    if counting is Counting.CIVIL_CODE:
        while _rest_day(last):  # Art. 203(1): move past the whole run of rest days
            last += _ONE_DAY
    return last


def within_period(start: date | datetime, event: date | datetime, days: int, counting: Counting) -> bool | None:
    """Whether ``event`` is no later than the period's end; None if that turns on an unknown time."""
    end = period_end(start, days, counting)
    if not isinstance(end, datetime):
        return _as_date(event) <= end  # Art. 203(2): the last day runs to 24:00
    if isinstance(event, datetime):
        return _naive(event) <= end
    day = _as_date(event)
    if day != end.date():
        return day < end.date()
    return None if end.time() != time() else False  # whole day lies after a midnight end
