"""Write rules/calendar/YYYY.yaml for the years the installed chinesecalendar covers (run once;
the files are committed data, checked against chinesecalendar by tests/test_holiday_data.py).

    .venv/bin/python tools/holidays_from_chinesecalendar.py 2004 2025   # first and last year

A year's file holds that year's annual arrangement (节假日安排): its breaks (the rest days the
notice lists, including the weekend days inside a break) and the weekend days made working days
(调休上班). A break belongs to the year of its last day, so a New Year's break that starts in late
December belongs to the next year's arrangement, as the notices publish it. Existing files are
never overwritten: a year added by hand from the notice (e.g. 2026) stays as written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import chinese_calendar
from chinese_calendar import constants

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "rules" / "calendar"
NAMES = {h.value: h.name for h in constants.Holiday}
ORDER = [h.name for h in constants.Holiday]
# What law.md §9.8 records about a year's notice (title pattern, number, date); nothing else is known.
KNOWN = {
    2014: ("国办发明电〔2013〕28号", dt.date(2013, 12, 11)),
    2017: ("国办发明电〔2016〕17号", dt.date(2016, 12, 1)),
    2025: (None, dt.date(2024, 11, 12)),
}


def breaks() -> dict[int, list[dict]]:
    """Every break with its working days, by arrangement year. A break is a maximal run of rest
    days (chinesecalendar's is_holiday) holding at least one of its listed holidays, so the weekend
    days next to a holiday belong to the break, as the notices write it ("4月4日（周六）至6日（周一）")."""
    first, last = min(constants.holidays), max(constants.holidays)
    runs: list[list[dt.date]] = []
    day = first
    while day <= last:
        if chinese_calendar.is_holiday(day):
            if runs and day - runs[-1][-1] == dt.timedelta(days=1):
                runs[-1].append(day)
            else:
                runs.append([day])
        day += dt.timedelta(days=1)
    found = []
    for run in runs:
        labels = [NAMES[constants.holidays[d]] for d in run if d in constants.holidays]
        if labels:  # a plain weekend is no break
            found.append({"run": run, "names": sorted(set(labels), key=ORDER.index), "work": []})
    for day, label in sorted(constants.workdays.items()):
        name = NAMES[label]
        owner = min((b for b in found if name in b["names"]), key=lambda b: _distance(day, b["run"]))
        owner["work"].append(day)
    by_year: dict[int, list[dict]] = {}
    for b in found:
        by_year.setdefault(b["run"][-1].year, []).append(b)
    return by_year


def _distance(day: dt.date, run: list[dt.date]) -> int:
    return min(abs((day - d).days) for d in run)


def render(year: int, items: list[dict]) -> str:
    version = chinese_calendar.__version__
    number, date = KNOWN.get(year, (None, None))
    lines = [
        f"# The {year} holiday arrangement (节假日安排): breaks and make-up working days (调休上班).",
        f"# Generated from chinesecalendar {version} by tools/holidays_from_chinesecalendar.py.",
        f"year: {year}",
        "source:",
        f"  notice: 国务院办公厅关于{year}年部分节假日安排的通知" if (number or date) else "  notice: null",
        f"  number: {number}" if number else "  number: null",
        f"  date: {date.isoformat()}" if date else "  date: null",
        f"  data_from: chinesecalendar {version}",
    ]
    if number or date:
        lines.append("  note: the notice's number and date are those law.md §9.8 records (S13, S15)")
    else:
        lines.append("  note: which notice (number, date) these dates reflect is not recorded")
    lines.append("breaks:")
    for b in items:
        run = b["run"]
        lines.append(f"  - holidays: [{', '.join(b['names'])}]")
        lines.append(f"    rest: {{from: {run[0].isoformat()}, to: {run[-1].isoformat()}}}")
        if b["work"]:
            lines.append(f"    work: [{', '.join(d.isoformat() for d in b['work'])}]")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first", type=int)
    parser.add_argument("last", type=int)
    args = parser.parse_args(argv)
    FOLDER.mkdir(parents=True, exist_ok=True)
    by_year = breaks()
    for year in range(args.first, args.last + 1):
        path = FOLDER / f"{year}.yaml"
        if path.exists():
            print(f"kept {path.relative_to(ROOT)} (exists)")
            continue
        path.write_text(render(year, by_year[year]), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
