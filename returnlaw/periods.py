"""Counting legal periods in days (law.md §5.2, §5.3, §8 item 6, §9.8), under named readings.

- ``civil_code`` (default): Civil Code Art. 201(1) and Measures Art. 10(2): the start day is not
  counted, day 1 is the next day. Art. 203(1) (before 2021: gpcl 154(3)): a last day on a statutory
  rest day (法定休假日: weekends and public holidays, not the weekend days made working days, 调休)
  moves to the first following day that is not a rest day. Art. 203(2): the last day ends at 24:00.
- ``calendar_only``: as ``civil_code`` without the Art. 203(1) extension.
- ``platform_168h``: platform practice (not law): ``days * 24`` hours from the signing time, or
  from 00:00 of the day after a plain start date; no extension.

The calendar is consulted only when it can matter: an act on or before the plain last day (the
``days``-th calendar day after the start) is in time under every reading. Rest days come from
:mod:`returnlaw.holidays`. Where the year's holiday arrangement is not in the data, the last day is
a band (earliest, latest); an act inside the band is decided by the reading ``unpublished_holidays``:
``undetermined`` (default, the result is unknown), ``latest_end`` or ``earliest_end``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache

from .holidays import Band, CalendarCoverageError, HolidayCalendar, default_calendar

_ONE_DAY = timedelta(days=1)


class Counting(StrEnum):
    CIVIL_CODE = "civil_code"
    CALENDAR_ONLY = "calendar_only"
    PLATFORM_168H = "platform_168h"


class Unpublished(StrEnum):
    """How a period ends when its last day awaits a holiday arrangement not in the data."""

    UNDETERMINED = "undetermined"  # an act between the earliest and the latest end is undetermined
    LATEST_END = "latest_end"  # the benefit of the doubt goes to whoever must act within the period
    EARLIEST_END = "earliest_end"  # the strict end: only the rest days that are certain count


class ArrangementPendingError(CalendarCoverageError):
    """The last day depends on a holiday arrangement that is not in the data (see ``period_span``)."""


@dataclass(frozen=True)
class PeriodEnd:
    """The end of a period: a last day (ending 24:00), or an instant under ``platform_168h``.
    ``earliest == latest`` unless the years in ``pending`` (arrangements not in the data) decide."""

    earliest: date | datetime
    latest: date | datetime
    pending: tuple[int, ...] = ()

    @property
    def known(self) -> bool:
        return self.earliest == self.latest

    def resolve(self, unpublished: Unpublished = Unpublished.UNDETERMINED) -> date | datetime | None:
        """The end under the reading ``unpublished_holidays``; None while it stays undetermined."""
        if self.known or unpublished is Unpublished.LATEST_END:
            return self.latest
        return self.earliest if unpublished is Unpublished.EARLIEST_END else None


def _calendar() -> HolidayCalendar:
    return default_calendar()


def covered_years() -> tuple[int, int]:
    """The first and last year whose arrangement is in the holiday data."""
    years = sorted(_calendar().published)
    return years[0], years[-1]


def rest_day(d: date | datetime) -> bool | None:
    """Whether ``d`` is a statutory rest day (法定休假日) in the sense of Civil Code Art. 203(1);
    None while an arrangement that is not in the data decides it."""
    return _calendar().is_rest(_as_date(d))


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


def period_span(start: date | datetime, days: int, counting: Counting) -> PeriodEnd:
    """The period's end: its last day for the date readings, its end instant for ``platform_168h``."""
    counting = _check(days, counting)
    if counting is Counting.PLATFORM_168H:
        end = _start_instant(start) + timedelta(hours=24 * days)
        return PeriodEnd(end, end)
    plain = _as_date(start) + timedelta(days=days)  # Civil Code Art. 201(1), Measures Art. 10(2)
    if counting is Counting.CALENDAR_ONLY:
        return PeriodEnd(plain, plain)
    band = _band(_as_date(start), days)
    return PeriodEnd(band.earliest, band.latest, band.pending)


@lru_cache(maxsize=65536)  # the same signing dates recur across a platform's orders
def _band(first: date, days: int) -> Band:
    """The last day of ``days`` counted from ``first``: Art. 203(1) moves it past a run of rest days."""
    return _calendar().last_day(first + timedelta(days=days))


def period_end(
    start: date | datetime, days: int, counting: Counting, unpublished: Unpublished = Unpublished.UNDETERMINED
) -> date | datetime:
    """The period's end under the readings; raises :class:`ArrangementPendingError` (naming the
    year and the band) while an arrangement not in the data decides it."""
    span = period_span(start, days, counting)
    end = span.resolve(Unpublished(unpublished))
    if end is None:
        raise ArrangementPendingError(
            f"the last day lies between {span.earliest} and {span.latest}: the holiday arrangement for "
            f"{', '.join(map(str, span.pending))} is not in the holiday data"
        )
    return end


def within_period(
    start: date | datetime,
    event: date | datetime,
    days: int,
    counting: Counting,
    unpublished: Unpublished = Unpublished.UNDETERMINED,
) -> bool | None:
    """Whether ``event`` is no later than the period's end; None if that turns on an unknown time
    of day or on a holiday arrangement not in the data (reading ``unpublished_holidays``)."""
    if type(counting) is not Counting:
        counting = Counting(counting)
    if type(days) is not int or days <= 0:
        _check(days, counting)  # raises, naming the bad value
    if counting is Counting.PLATFORM_168H:
        return _within_instant(period_span(start, days, counting).latest, event)  # type: ignore[arg-type]
    first = start if type(start) is date else _as_date(start)
    day = event if type(event) is date else _as_date(event)
    if day.toordinal() <= first.toordinal() + days:
        return True  # on or before the plain last day: in time under every reading, no calendar needed
    if counting is Counting.CALENDAR_ONLY:
        return False
    band = _band(first, days)
    if day <= band.earliest:  # Art. 203(2): the last day runs to 24:00
        return True
    if day > band.latest:
        return False
    try:
        return _INSIDE_THE_BAND[unpublished]
    except KeyError:
        raise ValueError(f"unpublished_holidays: {unpublished!r} is not one of {', '.join(Unpublished)}") from None


_INSIDE_THE_BAND: dict[str, bool | None] = {
    Unpublished.UNDETERMINED: None,
    Unpublished.LATEST_END: True,
    Unpublished.EARLIEST_END: False,
}


def _within_instant(end: datetime, event: date | datetime) -> bool | None:
    if isinstance(event, datetime):
        return _naive(event) <= end
    day = _as_date(event)
    if day != end.date():
        return day < end.date()
    return None if end.time() != time() else False  # whole day lies after a midnight end
