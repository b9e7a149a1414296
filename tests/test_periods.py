"""Tests for returnlaw.periods, named after the provision each one checks (law.md §5.2, §5.3)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from returnlaw.periods import (
    CalendarCoverageError,
    Counting,
    covered_years,
    period_end,
    rest_day,
    within_period,
)

CIVIL, CAL, H168 = Counting.CIVIL_CODE, Counting.CALENDAR_ONLY, Counting.PLATFORM_168H
D = date.fromisoformat
T = datetime.fromisoformat

FIRST, LAST = covered_years()
# Starts whose periods (up to 30 days plus any rest-day run) stay inside the covered years.
starts = st.dates(min_value=date(FIRST, 1, 1), max_value=date(LAST, 12, 31) - timedelta(days=60))
day_counts = st.integers(min_value=1, max_value=30)
countings = st.sampled_from(list(Counting))


# --- Measures Art. 10(2) / Civil Code Art. 201(1): day 1 is the day after signing ---


def test_measures_10_2_notice_on_day_7_counts_and_day_8_does_not():
    signed = D("2024-03-04")  # Monday; day 7 is Monday 2024-03-11, no rest day involved
    assert within_period(signed, D("2024-03-11"), 7, CAL) is True
    assert within_period(signed, D("2024-03-12"), 7, CAL) is False


def test_measures_10_2_signing_day_is_not_counted():
    signed = D("2024-03-04")
    assert period_end(signed, 7, CAL) == D("2024-03-11")
    assert period_end(signed, 1, CAL) == D("2024-03-05")
    assert period_end(T("2024-03-04 23:59"), 7, CAL) == D("2024-03-11")


def test_civil_code_203_2_last_day_runs_to_24h():
    assert within_period(T("2024-03-04 10:00"), T("2024-03-11 23:59:59"), 7, CIVIL) is True
    assert within_period(T("2024-03-04 10:00"), T("2024-03-12 00:00"), 7, CIVIL) is False


@pytest.mark.parametrize("counting", list(Counting))
def test_measures_10_notice_before_signing_is_within(counting):
    assert within_period(D("2024-05-10"), D("2024-05-01"), 7, counting) is True
    assert within_period(T("2024-05-10 15:30"), T("2024-05-10 09:00"), 7, counting) is True


# --- Civil Code Art. 203(1): a last day on a statutory rest day moves ---


def test_civil_code_203_1_sunday_moves_to_monday_but_not_under_calendar_only():
    signed = D("2024-03-03")  # day 7 = Sunday 2024-03-10, an ordinary weekend
    assert period_end(signed, 7, CAL) == D("2024-03-10")
    assert period_end(signed, 7, CIVIL) == D("2024-03-11")
    assert within_period(signed, D("2024-03-11"), 7, CIVIL) is True
    assert within_period(signed, D("2024-03-11"), 7, CAL) is False


def test_civil_code_203_1_saturday_moves_past_the_whole_weekend():
    assert period_end(D("2024-03-02"), 7, CIVIL) == D("2024-03-11")


@pytest.mark.parametrize(
    ("signed", "last_day", "moved_to"),
    [
        # National Day 2024: rest 10-01..10-07, 10-08 (Tuesday) is a working day.
        ("2024-09-24", "2024-10-01", "2024-10-08"),
        ("2024-09-30", "2024-10-07", "2024-10-08"),
        # Spring Festival 2025: rest 01-28..02-04, 02-05 (Wednesday) is a working day.
        ("2025-01-24", "2025-01-31", "2025-02-05"),
        # National Day 2025 (with Mid-Autumn): rest 10-01..10-08.
        ("2025-09-24", "2025-10-01", "2025-10-09"),
    ],
)
def test_civil_code_203_1_public_holiday_run_moves_to_first_working_day(signed, last_day, moved_to):
    assert period_end(D(signed), 7, CAL) == D(last_day)
    assert period_end(D(signed), 7, CIVIL) == D(moved_to)
    run = (D(moved_to) - D(last_day)).days
    assert all(rest_day(D(last_day) + timedelta(days=i)) for i in range(run))
    assert not rest_day(D(moved_to))


def test_civil_code_203_1_spring_festival_2024_extension_lands_on_adjusted_working_sunday():
    # Rest 2024-02-10..02-17; Sunday 02-18 is an adjusted working day (调休), so the period ends then.
    assert period_end(D("2024-02-06"), 7, CIVIL) == D("2024-02-18")
    assert D("2024-02-18").weekday() == 6


@pytest.mark.parametrize(
    ("signed", "workday"),
    [("2024-05-04", "2024-05-11"), ("2024-01-28", "2024-02-04")],  # Saturday, Sunday 调休
)
def test_civil_code_203_1_adjusted_working_weekend_is_not_a_rest_day(signed, workday):
    assert D(workday).weekday() >= 5
    assert rest_day(D(workday)) is False
    assert period_end(D(signed), 7, CIVIL) == D(workday)
    assert within_period(D(signed), D(workday) + timedelta(days=1), 7, CIVIL) is False


def test_civil_code_203_1_rest_day_covers_weekends_and_holidays_only():
    assert rest_day(D("2024-03-09")) and rest_day(D("2024-03-10"))  # ordinary weekend
    assert rest_day(D("2024-10-02"))  # National Day, a Wednesday
    assert not rest_day(D("2024-03-11"))  # ordinary Monday
    assert rest_day(T("2024-10-02 08:00")) is True


# --- Platform practice: 168 hours (law.md §5.3), no extension ---


def test_platform_168h_from_signing_time():
    signed = T("2024-05-10 15:30")
    assert period_end(signed, 7, H168) == T("2024-05-17 15:30")
    assert within_period(signed, T("2024-05-17 15:29"), 7, H168) is True
    assert within_period(signed, T("2024-05-17 15:30"), 7, H168) is True
    assert within_period(signed, T("2024-05-17 15:31"), 7, H168) is False
    assert within_period(signed, D("2024-05-17"), 7, H168) is None
    assert within_period(signed, D("2024-05-16"), 7, H168) is True
    assert within_period(signed, D("2024-05-18"), 7, H168) is False


def test_platform_168h_plain_date_start_runs_from_next_midnight():
    assert period_end(D("2024-05-10"), 7, H168) == T("2024-05-18 00:00")
    assert within_period(D("2024-05-10"), T("2024-05-17 23:59:59"), 7, H168) is True
    assert within_period(D("2024-05-10"), D("2024-05-18"), 7, H168) is False


def test_platform_168h_has_no_holiday_extension():
    assert period_end(D("2024-09-24"), 7, H168) == T("2024-10-02 00:00")


def test_platform_168h_rejects_aware_datetimes():
    with pytest.raises(ValueError, match="naive"):
        period_end(datetime(2024, 5, 10, 15, 30, tzinfo=UTC), 7, H168)


@given(starts, st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)), day_counts)
def test_platform_168h_plain_date_start_equals_calendar_only(start, event, days):
    assert within_period(start, event, days, H168) == within_period(start, event, days, CAL)
    assert period_end(start, days, H168) == datetime.combine(
        period_end(start, days, CAL) + timedelta(days=1), datetime.min.time()
    )


# --- Calendar coverage ---


def test_calendar_coverage_error_names_year_and_range():
    too_late = date(LAST + 1, 3, 7)
    with pytest.raises(CalendarCoverageError) as info:
        rest_day(too_late)
    message = str(info.value)
    assert str(LAST + 1) in message and too_late.isoformat() in message
    assert f"{FIRST}-{LAST}" in message and "counting=calendar_only" in message
    assert isinstance(info.value, ValueError)
    with pytest.raises(CalendarCoverageError, match=str(FIRST - 1)):
        period_end(date(FIRST - 1, 6, 1), 7, CIVIL)


def test_calendar_only_and_platform_need_no_calendar():
    far = date(LAST + 5, 6, 1)
    assert period_end(far, 7, CAL) == far + timedelta(days=7)
    assert within_period(far, far + timedelta(days=7), 7, H168) is True


def test_covered_years_match_package():
    import chinese_calendar

    assert FIRST <= 2024 <= LAST
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_holiday(date(LAST + 1, 1, 1))
    chinese_calendar.is_holiday(date(LAST, 12, 31))


# --- Argument validation ---


@pytest.mark.parametrize("days", [0, -1, True, 7.0, "7", None])
def test_days_must_be_positive_int(days):
    with pytest.raises(ValueError, match="days"):
        period_end(D("2024-03-04"), days, CAL)


def test_unknown_counting_rejected_and_strings_accepted():
    with pytest.raises(ValueError):
        period_end(D("2024-03-04"), 7, "working_days")  # type: ignore[arg-type]
    assert period_end(D("2024-03-03"), 7, "civil_code") == D("2024-03-11")  # type: ignore[arg-type]


def test_non_date_start_rejected():
    with pytest.raises(TypeError):
        period_end("2024-03-04", 7, CAL)  # type: ignore[arg-type]


def test_rest_day_lookup_is_thread_safe():
    days = [date(2024, 1, 1) + timedelta(days=i) for i in range(366)]
    expected = [rest_day(d) for d in days]
    results: list[list[bool]] = []

    def work() -> None:
        results.append([rest_day(d) for d in days])

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 8


# --- Properties ---


@given(starts, day_counts)
def test_civil_code_203_1_extension_never_shortens_and_is_bounded(start, days):
    civil, cal = period_end(start, days, CIVIL), period_end(start, days, CAL)
    assert cal <= civil <= cal + timedelta(days=12)
    assert not rest_day(civil)
    assert all(rest_day(cal + timedelta(days=i)) for i in range((civil - cal).days))


@given(starts, day_counts, countings, st.integers(-40, 60), st.integers(1, 40))
def test_within_period_monotone_in_event_date(start, days, counting, offset, later):
    early = start + timedelta(days=offset)
    if within_period(start, early, days, counting) is False:
        assert within_period(start, early + timedelta(days=later), days, counting) is False


@given(
    st.datetimes(min_value=datetime(FIRST, 1, 1), max_value=datetime(LAST, 10, 31)),
    day_counts,
    countings,
    st.timedeltas(min_value=timedelta(days=-40), max_value=timedelta(days=60)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
)
def test_within_period_monotone_in_event_time(start, days, counting, offset, later):
    early = start + offset
    if within_period(start, early, days, counting) is False:
        assert within_period(start, early + later, days, counting) is False


@given(starts, day_counts, countings, st.integers(1, 20), st.integers(-40, 60))
def test_longer_days_never_turn_within_into_late(start, days, counting, extra, offset):
    event = start + timedelta(days=offset)
    if within_period(start, event, days, counting) is True:
        assert within_period(start, event, days + extra, counting) is True
