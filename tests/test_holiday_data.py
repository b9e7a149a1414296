"""The holiday data (rules/calendar/): it agrees with chinesecalendar for every year both cover, the
statutory holidays computed from the lunar calendar agree with it, the band model's assumption holds
for every published year, and the loader refuses bad files naming file and field (law.md §9.8)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import get_args

import chinese_calendar
import pytest

from returnlaw.holidays import (
    HOLIDAYS,
    LONGEST_BREAK,
    MAKEUP_WORK_REACH,
    SHIFTED_REST_REACH,
    CalendarCoverageError,
    CalendarDataError,
    HolidayName,
    Status,
    load_calendar,
    qingming,
)
from returnlaw.loader import rules_dir

ONE = dt.timedelta(days=1)
CAL = load_calendar()
DATA = rules_dir() / "calendar"
FIRST, LAST = min(CAL.published), max(CAL.published)
MODEL_YEARS = range(2014, LAST + 1)  # years under the encoded texts of holidays 2 (2013 and 2024)
D = dt.date.fromisoformat


def days(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += ONE


def test_the_holiday_names_are_one_closed_list():
    assert set(HOLIDAYS) == set(get_args(HolidayName))


def test_the_data_covers_2004_to_2026_without_gaps():
    assert FIRST == 2004 and LAST >= 2026
    assert sorted(CAL.published) == list(range(FIRST, LAST + 1))


def test_every_day_agrees_with_chinesecalendar_where_both_cover_it():
    """Rest or working day, for every day of every year both cover; only late December of the last
    year is left open (the next year's arrangement could still make it a rest or working day)."""
    last_covered = max(chinese_calendar.holidays).year
    years = range(FIRST, min(LAST, last_covered) + 1)
    assert len(years) >= 23
    open_days = []
    for day in days(dt.date(years[0], 1, 1), dt.date(years[-1], 12, 31)):
        mine = CAL.is_rest(day)
        if mine is None:
            open_days.append(day)
            continue
        assert mine is chinese_calendar.is_holiday(day), day
    assert all(d.year == LAST and d.month == 12 for d in open_days), open_days


def test_every_rest_day_chinesecalendar_names_is_in_a_break_of_that_holiday():
    names = {h.value: h.name for h in chinese_calendar.Holiday}
    breaks = {day: b.holidays for a in CAL.arrangements.values() for b in a.breaks for day in b.rest.days()}
    for day, label in chinese_calendar.holidays.items():
        assert names[label] in breaks[day], day
    work = {day: b.holidays for a in CAL.arrangements.values() for b in a.breaks for day in b.work}
    for day, label in chinese_calendar.workdays.items():
        assert names[label] in work[day], day


def test_2026_written_from_the_notice_matches_chinesecalendar_and_cites_it():
    arr = CAL.arrangements[2026]
    assert arr.source.notice == "国务院办公厅关于2026年部分节假日安排的通知"
    assert arr.source.date == D("2025-11-04") and arr.source.data_from == "law.md §9.8"
    assert [(b.rest.from_, b.rest.to) for b in arr.breaks][1] == (D("2026-02-15"), D("2026-02-23"))
    assert sorted(d for b in arr.breaks for d in b.work) == [
        D("2026-01-04"),
        D("2026-02-14"),
        D("2026-02-28"),
        D("2026-05-09"),
        D("2026-09-20"),
        D("2026-10-10"),
    ]


def test_sources_are_honest_about_what_is_recorded():
    """A year taken from chinesecalendar names the notice only where law.md §9.8 records it (2014,
    2017, 2025) and says otherwise that it is not recorded; a year written from a notice names it."""
    for year, arr in CAL.arrangements.items():
        src = arr.source
        if not src.data_from.startswith("chinesecalendar "):
            assert src.notice == f"国务院办公厅关于{year}年部分节假日安排的通知" and src.date is not None, year
        elif year in (2014, 2017, 2025):
            assert src.notice == f"国务院办公厅关于{year}年部分节假日安排的通知" and src.date is not None
        else:
            assert src.notice is None and src.number is None and src.date is None, year
            assert "not recorded" in (src.note or "")
    assert CAL.arrangements[2017].source.number == "国办发明电〔2016〕17号"
    assert CAL.arrangements[2026].source.data_from == "law.md §9.8"


# -- Art. 2: the statutory holidays, computed from the lunar calendar --------------------------------


@pytest.mark.parametrize("year", MODEL_YEARS)
def test_every_statutory_holiday_is_a_rest_day_in_a_break_of_its_name(year):
    """lunar-python's dates for 除夕, 春节, 端午, 中秋 and the solar term 清明 agree with the published
    breaks; and Art. 2 holidays are always rest days (the model's first assumption)."""
    breaks = {day: b.holidays for b in CAL.arrangements[year].breaks for day in b.rest.days()}
    found = CAL.statutory_days(year)
    assert len(found) == (11 if year < 2025 else 13)
    names: dict[dt.date, set[str]] = {}
    for s in found:
        names.setdefault(s.day, set()).add(s.name)
    for s in found:
        assert CAL.status(s.day) is Status.REST, s
        # Mid-Autumn on National Day (2020-10-01): chinesecalendar names the day once.
        assert names[s.day] & set(breaks[s.day]), s


def test_statutory_days_follow_the_text_in_force():
    before = [s.day for s in CAL.statutory_days(2024) if s.name == "spring_festival"]
    assert before == [D("2024-02-10"), D("2024-02-11"), D("2024-02-12")]  # 除夕 (02-09) only from 2025
    after = [s for s in CAL.statutory_days(2027)]
    assert [s.day for s in after if s.name == "spring_festival"] == [D(f"2027-02-0{n}") for n in (5, 6, 7, 8)]
    assert [s.day for s in after if s.name == "labour_day"] == [D("2027-05-01"), D("2027-05-02")]
    assert {s.cite for s in after} == {f"holidays 2(1)({n})" for n in range(1, 8)}
    assert {s.cite for s in CAL.statutory_days(2020)} == {f"holidays_2013 2(1)({n})" for n in range(1, 8)}


def test_every_statutory_holiday_cites_a_provision_of_the_rule_book_in_force_over_its_text():
    from returnlaw.api import default_rulebook

    book = default_rulebook()
    for text in CAL.statutory.texts:
        for h in text.holidays:
            c = book.provisions[h.cite]
            assert c.in_force(text.from_), h.cite
            assert text.to is None or not c.in_force(text.to), h.cite
            last = (text.to or dt.date(2100, 1, 1)) - ONE
            assert c.in_force(last), h.cite
    assert book.provisions["holidays 2(1)(2)"].provision.zh == "（二）春节，放假4天（农历除夕、正月初一至初三）；"
    assert book.instruments["holidays_2013"].in_force_to == D("2025-01-01")


def test_qingming_agrees_with_chinesecalendar_solar_terms_to_2099():
    """chinesecalendar computes solar terms with a formula, lunar-python astronomically; they agree
    on every year to 2099 (for 2100 the formula gives 04-04, lunar-python 04-05)."""
    terms = chinese_calendar.get_solar_terms(dt.date(2004, 1, 1), dt.date(2099, 12, 31))
    qing = {day.year: day for day, name in terms if name == "清明"}
    assert len(qing) == 96
    for year, day in qing.items():
        assert qingming(year) == day, year


def test_a_year_before_the_encoded_texts_and_the_data_is_a_clear_error():
    with pytest.raises(CalendarCoverageError, match="2003"):
        CAL.is_rest(D("2003-10-02"))


# -- the band model ------------------------------------------------------------------------------


def _measured_reaches() -> tuple[int, int]:
    """The largest distance from a statutory holiday of a shifted weekday rest day, and of a weekend
    working day, over the published years under the encoded texts (one-off breaks left out)."""
    shifted, makeup = 0, 0
    for year in MODEL_YEARS:
        near = sorted(s.day for y in (year - 1, year, year + 1) if y in MODEL_YEARS for s in CAL.statutory_days(y))
        statutory = set(near)
        for b in CAL.arrangements[year].breaks:
            if not set(b.holidays) - {"anti_fascist_70th_day"}:
                continue
            for day in b.rest.days():
                if day.weekday() < 5 and day not in statutory:
                    shifted = max(shifted, min(abs((day - s).days) for s in near))
            for day in b.work:
                makeup = max(makeup, min(abs((day - s).days) for s in near))
    return shifted, makeup


def test_the_reaches_are_the_largest_seen_in_the_published_years():
    """Fails when a year added to the data moves a day further than the model allows (widen the
    reach, and say so in README), and when a reach is wider than any year needs."""
    assert _measured_reaches() == (SHIFTED_REST_REACH, MAKEUP_WORK_REACH)


def test_the_longest_break_is_the_longest_run_of_rest_days_in_the_published_years():
    """The band's latest end assumes no break is longer: fails when a year added to the data has a
    longer one (and when the constant is longer than any year needs)."""
    longest = run = 0
    day, end = dt.date(MODEL_YEARS[0], 1, 1), dt.date(MODEL_YEARS[-1], 12, 31)
    while day <= end:
        run = run + 1 if CAL.is_rest(day) else 0
        longest = max(longest, run)
        day += dt.timedelta(days=1)
    assert longest == LONGEST_BREAK


@pytest.mark.parametrize("year", MODEL_YEARS)
def test_the_band_contains_the_true_last_day_when_the_year_is_taken_as_unpublished(year):
    """Every last day that could fall into the year: its band, computed without the year's
    arrangement, holds the last day the arrangement gives; and what the model calls certain is."""
    without = CAL.without(year)
    assert year not in without.published
    opened, skipped = 0, []
    for plain in days(dt.date(year - 1, 12, 1), dt.date(year, 12, 31)):
        truth = CAL.last_day(plain)
        if not truth.known or any(_one_off(d) for d in days(plain, truth.earliest)):
            skipped.append(plain)  # the next year's notice is missing too, or a one-off break
            continue
        band = without.last_day(plain)
        assert band.earliest <= truth.earliest <= band.latest, (plain, band, truth)
        if not band.known:
            opened += 1
            assert band.pending == (year,)
        status = without.status(plain)
        if status is not Status.OPEN and not _one_off(plain):
            assert status is CAL.status(plain), plain
    assert opened > 0  # the model does leave days open around the holidays
    assert all((p.year == LAST and p.month == 12) or _one_off(p) for p in skipped), skipped
    assert len(skipped) <= 20, skipped


def _one_off(day: dt.date) -> bool:
    """A day of a break or a working day for a one-off holiday outside Art. 2 (2015-09-03)."""
    return D("2015-09-03") <= day <= D("2015-09-06")


def test_the_band_for_new_year_2027():
    """Signed 2026-12-25: day 7 is New Year's Day 2027, a rest day whatever the notice says; the
    Saturday after it may be a make-up working day, so the last day lies in 2027-01-02..07
    (computed as if the data ended with 2026, which it does until 2027.yaml is added)."""
    cal = CAL.without(*(y for y in CAL.published if y > 2026))
    band = cal.last_day(D("2027-01-01"))
    assert (band.earliest, band.latest, band.pending) == (D("2027-01-02"), D("2027-01-07"), (2027,))
    assert cal.status(D("2027-01-01")) is Status.REST
    assert cal.status(D("2026-12-31")) is Status.OPEN  # the 2027 notice could make it a rest day
    assert cal.awaits(D("2026-12-31")) == 2027 and cal.awaits(D("2026-12-01")) is None
    assert cal.status(D("2026-12-20")) is Status.REST  # a Sunday beyond the make-up reach
    assert cal.status(D("2027-03-10")) is Status.WORK  # a Wednesday far from any holiday
    assert cal.last_day(D("2027-03-10")).known
    assert cal.status(D("2027-06-08")) is Status.OPEN  # the day before 端午 (2027-06-09)


# -- the loader refuses bad data, naming file and field -----------------------------------------


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "calendar"
    shutil.copytree(DATA, folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("2026.yaml", "to: 2026-02-23", "to: 2026-02-30", r"2026\.yaml: breaks\[1\]\.rest\.to: .*date"),
        ("2026.yaml", "year: 2026", "year: 2025", r"2026\.yaml: year: 2025 does not match the file name"),
        ("2026.yaml", "work: [2026-01-04]", "work: [2026-01-05]", r"breaks\[0\]\.work\[0\]: 2026-01-05 is a Monday"),
        ("2026.yaml", "[new_years_day]", "[new_year]", r"2026\.yaml: breaks\[0\]\.holidays\[0\]: Input should be"),
        ("2026.yaml", "  data_from: law.md §9.8\n", "  data_from: law.md §9.8\n  url: x\n", r"source\.url: Extra"),
        ("2026.yaml", "from: 2026-02-15", "from: 2026-01-02", r"breaks\[1\]\.rest\.from: overlaps"),
        ("2026.yaml", "to: 2026-01-03}", "to: 2025-12-31}", r"breaks\[0\]\.rest\.to: 2025-12-31 is before"),
        ("2026.yaml", "work: [2026-09-20, 2026-10-10]", "work: [2026-10-04]", r"work\[0\]: .* in a break"),
        ("2026.yaml", "  data_from: law.md §9.8\n", "", r"2026\.yaml: source\.data_from: Field required"),
        ("2025.yaml", "year: 2025", "year: 2025\nyear: 2024", r"2025\.yaml: line \d+.*"),
        ("statutory.yaml", 'solar: ["05-01", "05-02"]', 'solar: ["05-01", "02-30"]', r"\[3\]\.solar\[1\]: '02-30'"),
        ("statutory.yaml", 'lunar: ["05-05"]', 'lunar: ["05-30"]', r"holidays\[4\]\.lunar\[0\]: '05-30': lunar day 30"),
        ("statutory.yaml", "solar_term: qingming}", 'solar_term: qingming, solar: ["04-05"]}', r"exactly one of"),
    ],
)
def test_bad_data_is_refused_naming_file_and_field(data, file, old, new, message):
    _edit(data / file, old, new)
    with pytest.raises(CalendarDataError, match=message):
        load_calendar(data)


def test_a_day_listed_by_two_years_is_refused(data):
    text = (data / "2024.yaml").read_text(encoding="utf-8")
    (data / "2023.yaml").write_text(
        (data / "2023.yaml").read_text(encoding="utf-8")
        + "  - holidays: [new_years_day]\n    rest: {from: 2023-12-30, to: 2023-12-31}\n",
        encoding="utf-8",
    )
    assert "2023-12-30" in text
    with pytest.raises(CalendarDataError, match=r"2023-12-30 is also listed"):
        load_calendar(data)


def test_missing_statutory_file_and_stray_files_are_refused(data):
    (data / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(CalendarDataError, match=r"notes\.txt: unexpected file"):
        load_calendar(data)
    (data / "notes.txt").unlink()
    (data / "statutory.yaml").unlink()
    with pytest.raises(CalendarDataError, match=r"statutory\.yaml: missing"):
        load_calendar(data)


def test_adding_a_year_is_a_data_change(data):
    """A 2027 file (invented here, not the real notice) is picked up: the band around New Year
    2027 closes, with no code change."""
    (data / "2027.yaml").write_text(
        "year: 2027\nsource: {data_from: test}\nbreaks:\n"
        "  - holidays: [new_years_day]\n    rest: {from: 2027-01-01, to: 2027-01-03}\n",
        encoding="utf-8",
    )
    cal = load_calendar(data)
    assert 2027 in cal.published
    band = cal.last_day(D("2027-01-01"))
    assert band.known and band.earliest == D("2027-01-04")
