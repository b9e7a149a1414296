"""Dates as a mediator types them: ``2024-08-20``, ``2024/8/20``, ``2024年8月20日``, ``8月20日``
(with the year of the purchase), each optionally with a time (``18:30``, ``18时30分``, ``下午6点``).

The result is ISO text (``2024-08-20`` or ``2024-08-20T18:30``) for the scenario's own validation,
which checks that the day exists and that the dates follow each other. What cannot be read
without guessing (no year and no purchase date; ``12/01/2024``, where the day and month could be
either way round) is refused with a question that says what to type.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_YMD = re.compile(r"(?P<y>\d{4})\s*(?:[-/.]\s*|年)(?P<m>\d{1,2})\s*(?:[-/.]\s*|月)(?P<d>\d{1,2})\s*[日号]?")
_MD = re.compile(r"(?P<m>\d{1,2})\s*(?:月|/)\s*(?P<d>\d{1,2})\s*[日号]?")
_DMY_OR_MDY = re.compile(r"\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4}")
_TIME = re.compile(
    r"(?:[T\s]*)(?P<half>上午|早上|凌晨|中午|下午|晚上)?\s*(?P<h>\d{1,2})\s*(?:[:：]|时|点)\s*(?:(?P<min>\d{1,2})\s*分?|(?P<halfhour>半))?"
    r"(?:[:：]\s*(?P<s>\d{1,2})\s*秒?)?"
)
_AFTERNOON = ("下午", "晚上")
_NEXT_YEAR_WITHIN = 92  # days after the purchase within which a day without a year may fall next year


class DateProblem(Exception):
    """A typed date that cannot be read without guessing, with what to type instead."""

    def __init__(self, *, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def read_typed_date(text: str, reference: dt.date | None) -> str:
    """``text`` as ISO date (or date and time) text; ``reference`` (the purchase date) supplies a
    missing year: its own, or the next one for a day early in the next year (bought on 30
    December, signed for on 2 January). Raises :class:`DateProblem`."""
    text = unicodedata.normalize("NFKC", text).strip()
    if _DMY_OR_MDY.fullmatch(text):
        raise DateProblem(
            zh=f"“{text}”的日和月先后不明，请写成 2024-01-12 或 2024年1月12日",
            en=f"{text!r} could be day/month or month/day; write it as 2024-01-12",
        )
    day, rest = _day(text, reference)
    if not rest:
        return day.isoformat()
    time = _time(rest)
    if time is None:
        raise DateProblem(
            zh=f"无法识别“{rest}”的时间，请写成 18:30 或 18时30分",
            en=f"cannot read the time in {text!r}; write it as 2024-01-12 18:30",
        )
    return dt.datetime.combine(day, time).isoformat(timespec="seconds" if time.second else "minutes")


def _day(text: str, reference: dt.date | None) -> tuple[dt.date, str]:
    full = _YMD.match(text)
    if full is not None:
        return _real(int(full["y"]), int(full["m"]), int(full["d"]), text), text[full.end() :].strip()
    short = _MD.match(text)
    if short is None:
        raise DateProblem(
            zh=f"无法识别日期“{text}”，请写成 2024-01-12、2024/1/12 或 2024年1月12日",
            en=f"expected a date such as 2024-01-12, 2024/1/12 or 2024年1月12日, got {text!r}",
        )
    if reference is None:
        raise DateProblem(
            zh=f"“{text}”没有写年份：是哪一年？请写成 2024年{short['m']}月{short['d']}日",
            en=f"{text!r} has no year: which year? e.g. 2024年{short['m']}月{short['d']}日",
        )
    month, day_ = int(short["m"]), int(short["d"])
    day = _real(reference.year, month, day_, text)
    if day < reference:  # bought on 30 December, signed for on 2 January: the next year
        day = _real(reference.year + 1, month, day_, text)
        if (day - reference).days > _NEXT_YEAR_WITHIN:
            raise DateProblem(
                zh=f"“{text}”早于购买日期（{reference.year}年{reference.month}月{reference.day}日）：是哪一年？"
                f"请写明年份，如 {reference.year}年{month}月{day_}日",
                en=f"{text!r} falls before the purchase date ({reference.isoformat()}): which year? e.g. "
                f"{reference.year}-{month:02}-{day_:02}",
            )
    return day, text[short.end() :].strip()


def _real(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DateProblem(
            zh=f"“{text}”不是一个真实的日期", en=f"{text!r} is not a real date ({year}-{month:02}-{day:02})"
        ) from None


def _time(text: str) -> dt.time | None:
    match = _TIME.fullmatch(text)
    if match is None:
        return None
    hour, minute, second = int(match["h"]), int(match["min"] or 0), int(match["s"] or 0)
    if match["halfhour"]:
        minute = 30
    if match["half"] in _AFTERNOON and hour < 12:
        hour += 12
    try:
        return dt.time(hour, minute, second)
    except ValueError:
        return None
