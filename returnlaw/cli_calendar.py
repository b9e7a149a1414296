"""``returnlaw calendar [YEAR]``: the holiday data the periods are counted with (law.md §9.8).

Without a year: which years' arrangements (节假日安排) are in the data and where each comes from.
With a year: its breaks and make-up working days (调休上班); for a year not in the data, the
statutory holidays of 全国年节及纪念日放假办法 Art. 2 (certain) and the days the missing notice
could still make rest or working days. Exit 0, or 2 for a year the data and the encoded texts
cannot speak to.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .api import default_rulebook
from .holidays import (
    HOLIDAYS,
    MAKEUP_WORK_REACH,
    SHIFTED_REST_REACH,
    Arrangement,
    HolidayCalendar,
    default_calendar,
)
from .i18n import LANGS, cite_text, default_lang

Handler = Callable[[argparse.Namespace, Console], int]

WORDS: dict[str, dict[str, str]] = {
    "years": {"zh": "节假日数据收录的年度", "en": "Years in the holiday data"},
    "year": {"zh": "年度", "en": "year"},
    "source": {"zh": "来源", "en": "source"},
    "breaks": {"zh": "放假", "en": "breaks"},
    "workdays": {"zh": "调休上班", "en": "make-up working days"},
    "holiday": {"zh": "节日", "en": "holiday"},
    "rest": {"zh": "放假日期", "en": "rest days"},
    "days": {"zh": "天数", "en": "days"},
    "work": {"zh": "上班日期", "en": "working days"},
    "not_recorded": {"zh": "未记录所依据的通知（文号、日期）", "en": "which notice (number, date) is not recorded"},
    "after": {
        "zh": "{year}年起的节假日安排尚未收录：依照《全国年节及纪念日放假办法》第二条确定的节日为休息日，"
        "调休由当年国务院办公厅的通知确定；详见 returnlaw calendar {year}。",
        "en": "Arrangements from {year} on are not in the data: the holidays of the Holiday Measures Art. 2 "
        "are rest days whatever the notice says; the notice of that year settles the shifted days "
        "(returnlaw calendar {year}).",
    },
    "model": {
        "zh": "模型假定：调休放假的工作日距法定节日不超过{rest}日，调休上班的周末距法定节日不超过{work}日"
        "（依已收录的2014年以来各年安排测定）。",
        "en": "The model assumes a shifted weekday rest day lies within {rest} days of a statutory holiday and "
        "a make-up working weekend day within {work} days (the largest seen in the published years since 2014).",
    },
    "unpublished": {
        "zh": "{year}年的节假日安排（《国务院办公厅关于{year}年部分节假日安排的通知》）尚未收录。",
        "en": "The {year} holiday arrangement (《国务院办公厅关于{year}年部分节假日安排的通知》) is not in the data.",
    },
    "statutory": {"zh": "确定的法定节日（休息日）", "en": "Statutory holidays (certain rest days)"},
    "date": {"zh": "日期", "en": "date"},
    "cite": {"zh": "依据", "en": "provision"},
    "may_rest": {"zh": "通知可能调为休息日的工作日", "en": "Weekdays the notice may make rest days"},
    "may_work": {"zh": "通知可能调为上班日的周末", "en": "Weekend days the notice may make working days"},
    "pending_next": {
        "zh": "以下日期还取决于尚未收录的{year}年节假日安排：",
        "en": "These days also await the {year} arrangement, not in the data:",
    },
}


def _w(key: str, lang: str, **values: object) -> str:
    return WORDS[key][lang].format(**values)


def register(sub: Any) -> dict[str, Handler]:
    cal = sub.add_parser("calendar", help="the holiday data: years covered, or one year's rest and working days")
    cal.add_argument("year", nargs="?", type=_year, help="a year (default: list the years covered)")
    cal.add_argument("--json", action="store_true", help="print JSON")
    cal.add_argument("--lang", choices=LANGS, default=None, help="output language (default: from the locale)")
    return {"calendar": cmd_calendar}


def _year(text: str) -> int:
    if not text.isdigit() or not 1900 <= int(text) <= 2999:
        raise argparse.ArgumentTypeError(f"{text!r} is not a year (e.g. 2027)")
    return int(text)


def cmd_calendar(args: argparse.Namespace, out: Console) -> int:
    cal = default_calendar()
    lang = args.lang or default_lang()
    data = overview(cal) if args.year is None else year_view(cal, args.year)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    elif args.year is None:
        _print_overview(out, data, lang)
    else:
        _print_year(out, data, lang)
    return 0


# -- the data, as plain dicts (the JSON form) ---------------------------------------------------------


def overview(cal: HolidayCalendar) -> dict[str, Any]:
    years = [_source(a) for a in cal.arrangements.values()]
    return {
        "years": years,
        "first": min(cal.published),
        "last": max(cal.published),
        "shifted_rest_reach": SHIFTED_REST_REACH,
        "makeup_work_reach": MAKEUP_WORK_REACH,
    }


def _source(a: Arrangement) -> dict[str, Any]:
    return {
        "year": a.year,
        "notice": a.source.notice,
        "number": a.source.number,
        "date": a.source.date,
        "data_from": a.source.data_from,
        "note": a.source.note,
        "breaks": len(a.breaks),
        "workdays": sum(len(b.work) for b in a.breaks),
    }


def year_view(cal: HolidayCalendar, year: int) -> dict[str, Any]:
    """One year: its arrangement, or what is certain and what is open without it."""
    arr = cal.arrangements.get(year)
    window = _days(dt.date(year - 1, 12, 1), dt.date(year, 12, 31))
    if arr is not None:
        late = [d for d in window if d.year == year and cal.awaits(d) is not None]
        return {
            "year": year,
            "published": True,
            "source": _source(arr),
            "breaks": [
                {
                    "holidays": list(b.holidays),
                    "from": b.rest.from_,
                    "to": b.rest.to,
                    "days": (b.rest.to - b.rest.from_).days + 1,
                    "work": list(b.work),
                }
                for b in arr.breaks
            ],
            "open_days": late,  # late December, while the next year's arrangement is missing
        }
    statutory = cal.statutory_days(year)  # raises for a year no encoded text covers
    opened = [d for d in window if cal.awaits(d) == year]
    return {
        "year": year,
        "published": False,
        "statutory": [{"date": s.day, "holiday": s.name, "cite": s.cite} for s in statutory],
        "may_become_rest_days": [d for d in opened if d.weekday() < 5],
        "may_become_working_days": [d for d in opened if d.weekday() >= 5],
        "shifted_rest_reach": SHIFTED_REST_REACH,
        "makeup_work_reach": MAKEUP_WORK_REACH,
    }


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


# -- rendering ------------------------------------------------------------------------------------------


def _name(name: str, lang: str) -> str:
    zh, en = HOLIDAYS[name]
    return zh if lang == "zh" else en


def _print_overview(out: Console, data: dict[str, Any], lang: str) -> None:
    table = Table(title=_w("years", lang), title_justify="left")
    for key in ("year", "source", "breaks", "workdays"):
        table.add_column(_w(key, lang), overflow="fold", ratio=4 if key == "source" else 1)
    for y in data["years"]:
        table.add_row(str(y["year"]), _source_text(y, lang), str(y["breaks"]), str(y["workdays"]))
    out.print(table)
    out.print(_w("after", lang, year=data["last"] + 1))
    out.print(Text(_w("model", lang, rest=data["shifted_rest_reach"], work=data["makeup_work_reach"]), style="dim"))


def _source_text(y: dict[str, Any], lang: str) -> str:
    parts = [f"《{y['notice']}》" if y["notice"] else _w("not_recorded", lang)]
    parts += [str(v) for v in (y["number"], y["date"]) if v]
    return "; ".join(parts) + f" ({y['data_from']})"


def _print_year(out: Console, data: dict[str, Any], lang: str) -> None:
    year = data["year"]
    if data["published"]:
        out.print(Text(f"{year}: ", style="bold") + Text(_source_text(data["source"], lang)))
        table = Table(show_header=True)
        for key in ("holiday", "rest", "days", "work"):
            table.add_column(_w(key, lang), overflow="fold")
        for b in data["breaks"]:
            names = (
                "、".join(_name(n, lang) for n in b["holidays"])
                if lang == "zh"
                else ", ".join(_name(n, lang) for n in b["holidays"])
            )
            work = ", ".join(str(d) for d in b["work"])
            table.add_row(names, f"{b['from']} – {b['to']}", str(b["days"]), work)
        out.print(table)
        if data["open_days"]:
            out.print(_w("pending_next", lang, year=year + 1), ", ".join(map(str, data["open_days"])))
        return
    out.print(Text(_w("unpublished", lang, year=year), style="bold magenta"))
    table = Table(title=_w("statutory", lang), title_justify="left")
    for key in ("date", "holiday", "cite"):
        table.add_column(_w(key, lang))
    instruments = default_rulebook().instruments
    for s in data["statutory"]:
        cite = cite_text(s["cite"], instruments.get(s["cite"].split(" ")[0]), lang)
        table.add_row(str(s["date"]), _name(s["holiday"], lang), cite)
    out.print(table)
    for key, field in (("may_rest", "may_become_rest_days"), ("may_work", "may_become_working_days")):
        out.print(Text(_w(key, lang), style="bold"), ", ".join(str(d) for d in data[field]) or "-")
    out.print(Text(_w("model", lang, rest=data["shifted_rest_reach"], work=data["makeup_work_reach"]), style="dim"))
