"""Which days are rest days (法定休假日, Civil Code Art. 203(1)): the published annual arrangements,
kept as project data, and for a year whose arrangement is not in the data, what is certain.

Data (``rules/calendar/``, validated on load, errors naming file and field):

- ``YYYY.yaml``: the year's arrangement (节假日安排, published by the General Office of the State
  Council, law.md §9.8): its breaks (rest days, weekend days inside a break included) and the
  weekend days made working days (调休上班), with the notice as its source. A break belongs to the
  year of its statutory holiday, so a New Year's break may start in late December of the year before.
- ``statutory.yaml``: the holidays of 全国年节及纪念日放假办法 Art. 2 (``holidays 2``), as dates,
  per text in force (2013 text from 2014-01-01, 2024 text from 2025-01-01).

A day is a rest day when an arrangement lists it as one, or when it is a Saturday or Sunday that
no arrangement makes a working day. Adding a year is a data change: a new ``YYYY.yaml``.

For a day that a missing arrangement could still change, the status is ``OPEN``. What is certain
without the notice: a statutory holiday of Art. 2 is a rest day (Art. 6 makes one up when it falls
on a weekend; nothing makes it a working day). Where the notice can move days is modelled by two
reaches and a longest break, an assumption measured on every published year under the texts
encoded (2014 on) and checked by ``tests/test_holiday_data.py``: a weekday rest day that is not
itself a statutory holiday lies within ``SHIFTED_REST_REACH`` days of one, a weekend working day
within ``MAKEUP_WORK_REACH`` days of one, and no run of rest days is longer than
``LONGEST_BREAK``. One-off holidays outside Art. 2 (the 2015-09-03 commemoration) are outside the
model: the notice that declares one is published, and then it is data.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

# The band model's assumption (see the module docstring and README "Time past the holiday data"):
# the largest distances, in days, seen in the published years 2014-2026 (tests/test_holiday_data.py
# fails when a year added to the data goes further, and when a reach is larger than needed).
SHIFTED_REST_REACH = 5  # Thursday 2020-10-08, 5 days after National Day 2020-10-03
MAKEUP_WORK_REACH = 10  # Saturday 2024-05-11, worked for Labour Day 2024-05-01
# The longest run of consecutive rest days in those years: a break never lasts longer, so open days
# cannot all be rest days at once (without it a September start chained Mid-Autumn to National Day).
LONGEST_BREAK = 10  # 2020-01-24 to 2020-02-02, the Spring Festival the State Council extended

ONE_DAY = dt.timedelta(days=1)
ARRANGEMENT_FILE = re.compile(r"^(\d{4})\.yaml$")
STATUTORY_FILE = "statutory.yaml"

HOLIDAYS: Mapping[str, tuple[str, str]] = {  # name -> (zh, en)
    "new_years_day": ("元旦", "New Year's Day"),
    "spring_festival": ("春节", "Spring Festival"),
    "tomb_sweeping_day": ("清明节", "Qingming Festival"),
    "labour_day": ("劳动节", "Labour Day"),
    "dragon_boat_festival": ("端午节", "Dragon Boat Festival"),
    "mid_autumn_festival": ("中秋节", "Mid-Autumn Festival"),
    "national_day": ("国庆节", "National Day"),
    "anti_fascist_70th_day": (
        "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
        "70th anniversary of the victory in the War of Resistance (one-off)",
    ),
}
HolidayName = Literal[
    "new_years_day",
    "spring_festival",
    "tomb_sweeping_day",
    "labour_day",
    "dragon_boat_festival",
    "mid_autumn_festival",
    "national_day",
    "anti_fascist_70th_day",
]


class CalendarCoverageError(ValueError):
    """A rest-day question the holiday data and the encoded law cannot answer (a year before the data
    whose Art. 2 text is not encoded)."""


class CalendarDataError(ValueError):
    """A problem in a holiday data file; the message starts with the file and the field."""

    def __init__(self, file: str, message: str, where: str | None = None) -> None:
        super().__init__(f"{file}: {where}: {message}" if where else f"{file}: {message}")
        self.file, self.where = file, where


class Status(Enum):
    REST = "rest"
    WORK = "work"
    OPEN = "open"  # a missing arrangement decides it


# -- the data files -------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class Source(_Strict):
    notice: str | None = None  # the notice's title, where known
    number: str | None = None  # e.g. 国办发明电〔2016〕17号
    date: dt.date | None = None
    data_from: str = Field(min_length=1)  # where the dates were taken from
    note: str | None = None


class DateRange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: dt.date = Field(alias="from")
    to: dt.date

    def days(self) -> Iterable[dt.date]:
        day = self.from_
        while day <= self.to:
            yield day
            day += ONE_DAY


class Break(_Strict):
    holidays: tuple[HolidayName, ...] = Field(min_length=1)
    rest: DateRange
    work: tuple[dt.date, ...] = ()


class Arrangement(_Strict):
    year: int = Field(ge=1949, le=2999)
    source: Source
    breaks: tuple[Break, ...]


_MONTH_DAY = r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"


class StatutoryHoliday(_Strict):
    name: HolidayName
    cite: str = Field(pattern=r"^[a-z_0-9]+ \d+(\(\d+\))*$")
    solar: tuple[str, ...] = ()  # MM-DD of the Gregorian calendar
    lunar: tuple[str, ...] = ()  # MM-DD of the lunar calendar, or "eve" (农历除夕)
    solar_term: Literal["qingming"] | None = None


class StatutoryText(_Strict):
    from_: dt.date = Field(alias="from")  # in force from (inclusive) to (exclusive), as in the rule files
    to: dt.date | None = None
    holidays: tuple[StatutoryHoliday, ...] = Field(min_length=1)


class Statutory(_Strict):
    texts: tuple[StatutoryText, ...] = Field(min_length=1)


@lru_cache(maxsize=1)
def _yaml_loader() -> type:
    """The rule files' YAML loader (safe, a key given twice refused), leaving dates as text:
    pydantic reads them and names the field of a bad one. (Built on first use: the loader module
    imports the periods, which import this one.)"""
    from .loader import _StrictSafeLoader

    resolvers = {
        key: [(tag, rx) for tag, rx in found if tag != "tag:yaml.org,2002:timestamp"]
        for key, found in _StrictSafeLoader.yaml_implicit_resolvers.items()
    }
    return type("_CalendarLoader", (_StrictSafeLoader,), {"yaml_implicit_resolvers": resolvers})


def _read(path: Path) -> Any:
    from .files import FileError, read_bounded  # bounded, regular files only (a FIFO must not hang)
    from .loader import MAX_RULE_FILE_BYTES

    try:
        text = read_bounded(path, MAX_RULE_FILE_BYTES, regular_only=True, name=path.name).decode("utf-8")
        return yaml.load(text, Loader=_yaml_loader())
    except FileError as err:
        raise CalendarDataError(path.name, err.reason) from None
    except UnicodeDecodeError as err:
        raise CalendarDataError(path.name, f"not UTF-8 text ({err.reason} at byte {err.start})") from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise CalendarDataError(path.name, f"{line}{err.problem or err}") from None
    except yaml.YAMLError as err:
        raise CalendarDataError(path.name, f"invalid YAML: {err}") from None


def _validated(model: type[BaseModel], data: Any, file: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"]).lstrip(".")
        raise CalendarDataError(file, first["msg"], where or None) from None


def read_arrangement(path: Path) -> Arrangement:
    """One ``YYYY.yaml``, checked: its year matches the file name, breaks lie in the arrangement's
    window (December of the year before to the end of the year), are ordered and do not overlap,
    and every working day is a Saturday or Sunday outside every break."""
    data = _read(path)
    if not isinstance(data, dict):
        raise CalendarDataError(path.name, "expected a mapping with year, source and breaks")
    arr: Arrangement = _validated(Arrangement, data, path.name)
    match = ARRANGEMENT_FILE.match(path.name)
    if match is None or int(match.group(1)) != arr.year:
        raise CalendarDataError(path.name, f"{arr.year} does not match the file name", "year")
    first, last = dt.date(arr.year - 1, 12, 1), dt.date(arr.year, 12, 31)
    previous: dt.date | None = None
    rest: set[dt.date] = set()
    for i, b in enumerate(arr.breaks):
        at = f"breaks[{i}]"
        if b.rest.to < b.rest.from_:
            raise CalendarDataError(path.name, f"{b.rest.to} is before {b.rest.from_}", f"{at}.rest.to")
        if not (first <= b.rest.from_ and b.rest.to <= last):
            raise CalendarDataError(path.name, f"outside {first}..{last}", f"{at}.rest")
        if previous is not None and b.rest.from_ <= previous:
            raise CalendarDataError(path.name, "overlaps or precedes the break before it", f"{at}.rest.from")
        previous = b.rest.to
        rest.update(b.rest.days())
    seen: set[dt.date] = set()
    for i, b in enumerate(arr.breaks):
        for j, day in enumerate(b.work):
            at = f"breaks[{i}].work[{j}]"
            if day.weekday() < 5:
                raise CalendarDataError(path.name, f"{day} is a {day:%A}: a make-up working day is a weekend day", at)
            if not first <= day <= last or day in rest or day in seen:
                raise CalendarDataError(path.name, f"{day} is outside {first}..{last}, in a break or listed twice", at)
            seen.add(day)
    return arr


def read_statutory(path: Path) -> Statutory:
    data = _read(path)
    statutory: Statutory = _validated(Statutory, data, path.name)
    for i, text in enumerate(statutory.texts):
        for j, h in enumerate(text.holidays):
            where = f"texts[{i}].holidays[{j}]"
            if sum(map(bool, (h.solar, h.lunar, h.solar_term))) != 1:
                raise CalendarDataError(path.name, "give exactly one of solar, lunar, solar_term", where)
            for k, md in enumerate((*h.solar, *h.lunar)):
                if md != "eve" or not h.lunar:
                    _month_day(md, path.name, f"{where}.{'solar' if h.solar else 'lunar'}[{k}]", lunar=bool(h.lunar))
        if i and (statutory.texts[i - 1].to is None or statutory.texts[i - 1].to > text.from_):
            raise CalendarDataError(path.name, "texts must follow each other without overlap", f"texts[{i}].from")
    return statutory


def _month_day(value: str, file: str, where: str, lunar: bool) -> None:
    if not re.match(_MONTH_DAY, value):
        raise CalendarDataError(file, f"{value!r} is not MM-DD" + (" or eve" if lunar else ""), where)
    month, day = map(int, value.split("-"))
    try:
        dt.date(2000, month, day)  # a leap year: 02-29 is a real day
    except ValueError:
        raise CalendarDataError(file, f"{value!r} is not a day of the year", where) from None
    if lunar and day > 29:  # every lunar month has 29 days; the 30th only in some years
        raise CalendarDataError(file, f"{value!r}: lunar day 30 does not exist every year", where)


# -- lunar dates and the solar term ---------------------------------------------------------------


def _lunar_date(year: int, token: str) -> dt.date:
    """The Gregorian date of a lunar month-day in the lunar year that starts in ``year``."""
    from lunar_python import Lunar  # imported on first need: only a year without data needs it

    if token == "eve":
        return _lunar_date(year, "01-01") - ONE_DAY
    month, day = map(int, token.split("-"))
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def qingming(year: int) -> dt.date:
    """The day of the solar term 清明 in ``year``."""
    from lunar_python import Solar

    term = Solar.fromYmd(year, 4, 15).getLunar().getJieQiTable()["清明"]
    return dt.date(term.getYear(), term.getMonth(), term.getDay())


# -- the calendar ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """The last day of a period: ``earliest`` and ``latest`` are equal when the data settles it;
    ``pending`` are the years whose arrangement, not in the data, would settle it."""

    earliest: dt.date
    latest: dt.date
    pending: tuple[int, ...] = ()

    @property
    def known(self) -> bool:
        return self.earliest == self.latest


@dataclass(frozen=True)
class StatutoryDay:
    day: dt.date
    name: str
    cite: str


class HolidayCalendar:
    """Rest days from the arrangements in the data, and the band model for the years without one.

    Immutable after construction and safe to share between threads (caches only ever gain entries
    that any thread would compute alike)."""

    def __init__(self, arrangements: Mapping[int, Arrangement], statutory: Statutory, source: str = "") -> None:
        self.arrangements = dict(sorted(arrangements.items()))
        self.statutory = statutory
        self.source = source
        self._listed: dict[dt.date, bool] = {}
        for arr in self.arrangements.values():
            for b in arr.breaks:
                for day in b.rest.days():
                    self._put(day, True, arr.year)
                for day in b.work:
                    self._put(day, False, arr.year)
        self._statutory: dict[int, tuple[StatutoryDay, ...]] = {}
        self._lock = threading.Lock()

    def _put(self, day: dt.date, rest: bool, year: int) -> None:
        if day in self._listed:
            raise CalendarDataError(f"{year}.yaml", f"{day} is also listed by another year's arrangement")
        self._listed[day] = rest

    @cached_property
    def published(self) -> frozenset[int]:
        return frozenset(self.arrangements)

    def without(self, *years: int) -> HolidayCalendar:
        """The same calendar as if these years' arrangements were not published (tests, what-ifs)."""
        kept = {y: a for y, a in self.arrangements.items() if y not in years}
        return HolidayCalendar(kept, self.statutory, self.source)

    # -- statutory holidays (Art. 2) --

    def statutory_days(self, year: int) -> tuple[StatutoryDay, ...]:
        """Art. 2's holidays in ``year`` under the text in force on each day, in date order.
        Raises :class:`CalendarCoverageError` for a year no encoded text covers."""
        found = self._statutory.get(year)
        if found is None:
            found = self._statutory_days(year)
            with self._lock:
                self._statutory[year] = found
        return found

    def _statutory_days(self, year: int) -> tuple[StatutoryDay, ...]:
        days: list[StatutoryDay] = []
        covered = False
        for text in self.statutory.texts:
            start, end = text.from_, text.to or dt.date.max
            if end <= dt.date(year, 1, 1) or start > dt.date(year, 12, 31):
                continue
            covered = covered or (start <= dt.date(year, 1, 1))
            for h in text.holidays:
                for day in _holiday_dates(h, year):
                    if start <= day < end:
                        days.append(StatutoryDay(day, h.name, h.cite))
        if not covered:
            first = min(t.from_ for t in self.statutory.texts)
            raise CalendarCoverageError(
                f"no holiday arrangement for {year} in the holiday data and no text of 全国年节及纪念日放假办法 "
                f"Art. 2 encoded for it (the texts encoded apply from {first}; the data covers {self.span()})"
            )
        return tuple(sorted(days, key=lambda s: s.day))

    def span(self) -> str:
        years = sorted(self.published)
        return f"{years[0]}-{years[-1]}" if years else "no years"

    # -- the status of a day --

    def status(self, day: dt.date) -> Status:
        return self._classify(day)[0]

    def awaits(self, day: dt.date) -> int | None:
        """For an open day, the year whose arrangement (not in the data) would settle it; else None."""
        return self._classify(day)[1]

    def is_rest(self, day: dt.date) -> bool | None:
        """True for a rest day, False for a working day, None while a missing arrangement decides."""
        status = self._classify(day)[0]
        return None if status is Status.OPEN else status is Status.REST

    def _classify(self, day: dt.date) -> tuple[Status, int | None]:
        """The day's status and, for an open day, the year whose arrangement would settle it."""
        listed = self._listed.get(day)
        if listed is not None:
            return (Status.REST if listed else Status.WORK), None
        weekend = day.weekday() >= 5
        pending = [y for y in _touching(day) if y not in self.published]
        if not pending:
            return (Status.REST if weekend else Status.WORK), None
        nearest, year = self._nearest_statutory(day, pending)
        if nearest == 0:
            return Status.REST, None  # Art. 2: a rest day whatever the notice says
        reach = MAKEUP_WORK_REACH if weekend else SHIFTED_REST_REACH
        if nearest <= reach:
            return Status.OPEN, year
        return (Status.REST if weekend else Status.WORK), None

    def _nearest_statutory(self, day: dt.date, years: Iterable[int]) -> tuple[int, int]:
        best = (10**6, 0)
        for year in years:
            days = [s.day for s in self.statutory_days(year)]
            i = bisect.bisect_left(days, day)
            for d in days[max(i - 1, 0) : i + 1]:
                best = min(best, (abs((d - day).days), year))
        return best

    # -- the last day of a period --

    def last_day(self, plain: dt.date) -> Band:
        """Civil Code Art. 203(1): the last day ``plain`` moves past a run of rest days. Open days
        count as working days for the earliest end and as rest days for the latest, within one
        break of at most ``LONGEST_BREAK`` days: it starts no later than the certain rest days that
        lead up to ``plain``, so the last day moves at most to the day after it."""
        earliest = plain
        for _ in range(_MAX_RUN):
            if self._classify(earliest)[0] is not Status.REST:
                break
            earliest += ONE_DAY
        latest, pending, bound = plain, set(), None
        for _ in range(_MAX_RUN):
            status, year = self._classify(latest)
            if status is Status.OPEN and bound is None:  # only past the data: how far a break reaches
                bound = max(earliest, self._break_start(plain) + dt.timedelta(days=LONGEST_BREAK))
            if status is Status.WORK or (bound is not None and latest >= bound):
                return Band(earliest, latest, tuple(sorted(pending)))
            if year is not None:
                pending.add(year)
            latest += ONE_DAY
        raise CalendarCoverageError(f"no working day within {_MAX_RUN} days of {plain}")  # pragma: no cover

    def _break_start(self, plain: dt.date) -> dt.date:
        """The latest day a break containing ``plain`` can start: the first of the certain rest
        days that lead up to it."""
        start = plain
        for _ in range(_MAX_RUN):
            try:
                if self._classify(start - ONE_DAY)[0] is not Status.REST:
                    break
            except CalendarCoverageError:  # before the data: the break starts no earlier
                break
            start -= ONE_DAY
        return start


_MAX_RUN = 60  # no break, published or modelled, comes near this


def _touching(day: dt.date) -> tuple[int, ...]:
    """The arrangements that can list ``day``: its year's, and in December also the next year's."""
    return (day.year, day.year + 1) if day.month == 12 else (day.year,)


def _holiday_dates(h: StatutoryHoliday, year: int) -> list[dt.date]:
    if h.solar_term == "qingming":
        return [qingming(year)]
    if h.lunar:
        return [_lunar_date(year, token) for token in h.lunar]
    return [dt.date(year, *map(int, md.split("-"))) for md in h.solar]


def load_calendar(folder: Path | str | None = None) -> HolidayCalendar:
    """The holiday data in ``folder`` (default: the bundled ``rules/calendar``), validated."""
    if folder is None:
        from .loader import rules_dir

        folder = rules_dir() / "calendar"
    folder = Path(folder)
    if not folder.is_dir():
        raise CalendarDataError(str(folder), "no holiday data folder")
    arrangements: dict[int, Arrangement] = {}
    statutory: Statutory | None = None
    for path in sorted(folder.iterdir()):
        if path.name == STATUTORY_FILE:
            statutory = read_statutory(path)
        elif ARRANGEMENT_FILE.match(path.name):
            arr = read_arrangement(path)
            arrangements[arr.year] = arr
        elif not path.name.startswith("."):
            expected = f"expected YYYY.yaml or {STATUTORY_FILE}"
            raise CalendarDataError(path.name, f"unexpected file in {folder.name}/ ({expected})")
    if statutory is None:
        raise CalendarDataError(STATUTORY_FILE, f"missing in {folder}")
    return HolidayCalendar(arrangements, statutory, str(folder))


_default: HolidayCalendar | None = None
_default_lock = threading.Lock()


def default_calendar() -> HolidayCalendar:
    """The bundled holiday data, loaded once per process (thread-safe)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = load_calendar()
    return _default
