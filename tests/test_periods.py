"""Tests for returnlaw.periods, named after the provision each one checks (law.md §5.2, §5.3)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from returnlaw import holidays
from returnlaw import periods as periods_module
from returnlaw.periods import (
    ArrangementPendingError,
    CalendarCoverageError,
    Counting,
    Unpublished,
    covered_years,
    period_end,
    period_span,
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


# --- Time past the holiday data (law.md §9.8): the calendar only where it matters ---


class CalendarTouched(AssertionError):
    pass


@pytest.fixture
def no_calendar(monkeypatch):
    """Every rest-day lookup raises; the cached last days are cleared so none can hide a lookup."""

    def touched(*args, **kwargs):
        raise CalendarTouched("the calendar was consulted")

    monkeypatch.setattr(periods_module, "_calendar", touched)
    periods_module._band.cache_clear()
    yield
    periods_module._band.cache_clear()


@given(
    st.dates(min_value=date(2014, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=-3, max_value=7),
    st.sampled_from(list(Unpublished)),
)
def test_a_notice_within_7_calendar_days_is_in_time_under_every_reading_without_the_calendar(signed, offset, unp):
    """Measures Art. 10(2), Civil Code Art. 201(1): day 7 after signing is in time whatever the rest
    days are, so no reading needs the calendar for it (checked with a calendar that raises)."""
    touched = periods_module._calendar
    periods_module._calendar = _raise
    periods_module._band.cache_clear()  # no cached last day may hide a lookup
    try:
        for counting in Counting:
            notice = signed + timedelta(days=offset)
            assert within_period(signed, notice, 7, counting, unp) is True
            at_midnight = datetime.combine(notice, datetime.min.time())
            assert within_period(signed, at_midnight, 7, counting, unp) is True
    finally:
        periods_module._calendar = touched


def _raise():
    raise CalendarTouched("the calendar was consulted")


@pytest.fixture
def data_ends_in_2026(monkeypatch):
    """Checks about 2027 before its notice keep their meaning once 2027.yaml is in the data."""
    calendar = holidays.default_calendar()
    pinned = calendar.without(*(y for y in calendar.published if y > 2026))
    monkeypatch.setattr(periods_module, "_calendar", lambda: pinned)
    periods_module._band.cache_clear()
    yield
    periods_module._band.cache_clear()


def test_the_calendar_is_consulted_only_after_the_plain_last_day(no_calendar):
    assert within_period(D("2026-12-25"), D("2027-01-01"), 7, CIVIL) is True
    assert within_period(D("2026-12-25"), D("2027-01-02"), 7, CAL) is False  # calendar_only: no calendar
    with pytest.raises(CalendarTouched):
        within_period(D("2026-12-25"), D("2027-01-02"), 7, CIVIL)


def test_the_last_day_past_the_data_is_a_band_naming_the_year(data_ends_in_2026):
    """Signed 2026-12-25: day 7 is New Year's Day 2027, a rest day under holidays 2 whatever the
    2027 notice says; the days after it may be rest or working days until the notice is in."""
    span = period_span(D("2026-12-25"), 7, CIVIL)
    assert (span.earliest, span.latest, span.pending) == (D("2027-01-02"), D("2027-01-07"), (2027,))
    assert not span.known and span.resolve() is None
    assert span.resolve(Unpublished.LATEST_END) == D("2027-01-07")
    assert span.resolve(Unpublished.EARLIEST_END) == D("2027-01-02")
    with pytest.raises(ArrangementPendingError, match=r"2027-01-02 and 2027-01-07.*2027 is not in the holiday data"):
        period_end(D("2026-12-25"), 7, CIVIL)
    assert isinstance(ArrangementPendingError("x"), CalendarCoverageError)
    assert period_end(D("2026-12-25"), 7, CIVIL, Unpublished.LATEST_END) == D("2027-01-07")
    assert period_span(D("2026-12-25"), 7, CAL).known


@pytest.mark.parametrize(
    ("notice", "undetermined", "latest", "earliest"),
    [
        ("2027-01-01", True, True, True),  # day 7: in time whatever the calendar
        ("2027-01-02", True, True, True),  # New Year's Day is certain: the end is at least 01-02
        ("2027-01-03", None, True, False),  # inside the band: the 2027 notice decides
        ("2027-01-07", None, True, False),
        ("2027-01-08", False, False, False),  # after the latest possible end
    ],
)
def test_a_notice_inside_the_band_is_decided_by_the_reading(data_ends_in_2026, notice, undetermined, latest, earliest):
    signed = D("2026-12-25")
    assert within_period(signed, D(notice), 7, CIVIL) is undetermined
    assert within_period(signed, D(notice), 7, CIVIL, Unpublished.LATEST_END) is latest
    assert within_period(signed, D(notice), 7, CIVIL, "earliest_end") is earliest  # type: ignore[arg-type]
    assert within_period(signed, D(notice), 7, CAL) is (D(notice) <= D("2027-01-01"))


def test_rest_days_past_the_data(data_ends_in_2026):
    assert rest_day(D("2027-01-01")) is True  # holidays 2(1)(1): 元旦
    assert rest_day(D("2027-02-06")) is True  # 正月初一 2027
    assert rest_day(D("2027-01-02")) is None  # a Saturday that the notice may make a working day
    assert rest_day(D("2027-03-10")) is False  # a Wednesday far from any holiday
    assert rest_day(D("2027-03-13")) is True  # a Saturday far from any holiday
    first, last = covered_years()
    assert (first, last) == (2004, 2026)


@given(st.dates(min_value=date(LAST, 11, 1), max_value=date(LAST + 4, 12, 31)), day_counts, st.integers(0, 60))
def test_past_the_data_the_band_orders_the_readings(start, days, offset):
    """Past the data: plain <= earliest <= latest, never more than three weeks apart; an act is
    undetermined exactly inside (earliest, latest], where latest_end says in time and earliest_end late."""
    span = period_span(start, days, CIVIL)
    plain = start + timedelta(days=days)
    assert plain <= span.earliest <= span.latest <= plain + timedelta(days=21)
    assert span.known == (not span.pending)
    event = start + timedelta(days=offset)
    results = {u: within_period(start, event, days, CIVIL, u) for u in Unpublished}
    inside = span.earliest < event <= span.latest
    assert (results[Unpublished.UNDETERMINED] is None) == inside
    if inside:
        assert results[Unpublished.LATEST_END] is True and results[Unpublished.EARLIEST_END] is False
    else:
        assert len(set(results.values())) == 1


def test_a_year_before_the_data_and_the_encoded_texts_is_a_clear_error():
    with pytest.raises(CalendarCoverageError, match="2003"):
        period_end(date(2003, 6, 1), 7, CIVIL)


def test_calendar_only_and_platform_need_no_calendar(no_calendar):
    far = date(LAST + 5, 6, 1)
    assert period_end(far, 7, CAL) == far + timedelta(days=7)
    assert within_period(far, far + timedelta(days=7), 7, H168) is True
    assert within_period(far, far + timedelta(days=9), 7, H168) is False


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
