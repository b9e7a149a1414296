"""``returnlaw calendar``: the years in the holiday data and where each comes from; one year's
breaks and make-up working days; for a year not in the data, what is certain and what is open.
The calendar is pinned to the data up to 2026 (2027 stays "not in the data" after 2027.yaml lands)."""

from __future__ import annotations

import json

import pytest

from returnlaw import cli_calendar
from returnlaw.cli import main
from returnlaw.holidays import default_calendar


@pytest.fixture(autouse=True)
def data_ends_in_2026(monkeypatch):
    calendar = default_calendar()
    pinned = calendar.without(*(y for y in calendar.published if y > 2026))
    monkeypatch.setattr(cli_calendar, "default_calendar", lambda: pinned)


@pytest.fixture
def wide(monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_overview_lists_every_year_with_its_source(capsys):
    code, out, _ = run(capsys, "calendar", "--json")
    data = json.loads(out)
    assert code == 0 and (data["first"], data["last"]) == (2004, 2026)
    years = {y["year"]: y for y in data["years"]}
    assert sorted(years) == list(range(2004, 2027))
    assert years[2017]["number"] == "国办发明电〔2016〕17号" and years[2017]["date"] == "2016-12-01"
    assert years[2026]["data_from"] == "law.md §9.8" and years[2026]["workdays"] == 6
    assert years[2019]["data_from"] == "chinesecalendar 1.11.0" and "not recorded" in years[2019]["note"]


@pytest.mark.parametrize(
    ("lang", "words"), [("zh", "2027年起的节假日安排尚未收录"), ("en", "Arrangements from 2027 on")]
)
def test_the_overview_in_both_languages(capsys, wide, lang, words):
    code, out, _ = run(capsys, "calendar", "--lang", lang)
    assert code == 0 and words in out
    assert "国办发明电〔2013〕28号" in out  # 2014's notice


def test_a_published_year_lists_its_breaks_and_working_days(capsys, wide):
    code, out, _ = run(capsys, "calendar", "2026", "--json")
    data = json.loads(out)
    assert code == 0 and data["published"] is True
    spring = data["breaks"][1]
    assert spring == {
        "holidays": ["spring_festival"],
        "from": "2026-02-15",
        "to": "2026-02-23",
        "days": 9,
        "work": ["2026-02-14", "2026-02-28"],
    }
    assert data["open_days"][0] == "2026-12-26"  # the 2027 notice could make it a working day
    code, out, _ = run(capsys, "calendar", "2026", "--lang", "zh")
    assert "春节" in out and "2026-02-15 – 2026-02-23" in out and "2027年节假日安排" in out


def test_a_year_not_in_the_data_lists_the_certain_holidays_and_the_open_days(capsys, wide):
    code, out, _ = run(capsys, "calendar", "2027", "--json")
    data = json.loads(out)
    assert code == 0 and data["published"] is False
    statutory = {(s["date"], s["holiday"]) for s in data["statutory"]}
    assert ("2027-01-01", "new_years_day") in statutory
    assert ("2027-02-05", "spring_festival") in statutory  # 除夕, holidays 2(1)(2) of the 2024 text
    assert len(statutory) == 13
    assert "2027-01-02" in data["may_become_working_days"] and "2026-12-31" in data["may_become_rest_days"]
    assert "2027-03-10" not in data["may_become_rest_days"]
    assert "2027-12-31" not in data["may_become_rest_days"]  # that one awaits the 2028 notice
    code, out, _ = run(capsys, "calendar", "2027", "--lang", "zh")
    assert "《国务院办公厅关于2027年部分节假日安排的通知》" in out
    assert "《全国年节及纪念日放假办法》第二条" in out and "元旦" in out
    code, out, _ = run(capsys, "calendar", "2027", "--lang", "en")
    assert "Weekend days the notice may make working days" in out and "Holiday Measures Art. 2" in out


def test_a_year_before_the_data_and_the_texts_and_a_bad_year_exit_2(capsys):
    code, out, err = run(capsys, "calendar", "2003")
    assert code == 2 and not out and "2003" in err and len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as exited:
        main(["calendar", "20x"])
    assert exited.value.code == 2
    assert "'20x' is not a year" in capsys.readouterr().err
