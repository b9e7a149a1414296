"""Timeline audit: which deadlines of one return were met or missed, by how many days, and which
15-day penalty thresholds were crossed; pure (no clock), computed from the rule book's deadlines."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from returnlaw import InputError, Readings
from returnlaw.timeline import audit_timeline
from tests.lawcases import base_scenario

D = dt.date
EVENTS = {"purchase_date": "2024-08-01", "signed_at": "2024-08-03", "notice_sent_at": "2024-08-05"}


def by_name(audit) -> dict:
    return {d.name: d for d in audit.deadlines}


def test_a_refund_20_days_after_receipt_misses_the_refund_and_crosses_the_penalty_threshold():
    events = {**EVENTS, "address_given_at": "2024-08-06", "received_by_seller_at": "2024-08-09"}
    audit = audit_timeline({**events, "refunded_at": "2024-08-29"})
    deadlines = by_name(audit)
    assert deadlines["refund_due"].due == D(2024, 8, 16)
    assert (deadlines["refund_due"].status, deadlines["refund_due"].days_late) == ("missed", 13)
    assert (deadlines["penalty_refund"].status, deadlines["penalty_refund"].days_late) == ("missed", 3)
    assert (deadlines["penalty_return_processing"].status, deadlines["penalty_return_processing"].days_to_spare) == (
        "met",
        14,
    )
    assert audit.missed == ["refund_due", "penalty_refund"]
    assert audit.penalty_thresholds_crossed == ["penalty_refund"]
    assert {"penalty_measures 9(1)(4)", "measures 31(1)(3)"} <= set(audit.citations)


def test_events_alone_leave_the_outcome_open_so_the_deadlines_are_conditional():
    audit = audit_timeline({**EVENTS, "received_by_seller_at": "2024-08-09"})
    assert (audit.outcome, audit.assumed_outcome) == ("undetermined", "returnable")
    refund = by_name(audit)["refund_due"]
    assert refund.certain is False
    assert "condition.quality_function_preserved" in refund.depends_on
    assert audit.questions and set(audit.questions) <= set(refund.depends_on)


def test_with_the_full_facts_the_deadlines_are_certain():
    facts = base_scenario(D(2024, 8, 1))
    facts.pop("return")
    audit = audit_timeline({**EVENTS, "received_by_seller_at": "2024-08-09"}, scenario=facts)
    assert (audit.outcome, audit.assumed_outcome) == ("returnable", None)
    assert all(d.certain for d in audit.deadlines)


def test_a_late_notice_is_missed_and_no_refund_deadline_runs():
    facts = base_scenario(D(2024, 8, 1))
    audit = audit_timeline({**EVENTS, "notice_sent_at": "2024-08-20"}, scenario=facts)
    assert audit.outcome == "not_returnable"
    deadlines = by_name(audit)
    assert (deadlines["notice_last_day"].status, deadlines["notice_last_day"].days_late) == ("missed", 8)
    assert "refund_due" not in deadlines and "penalty_refund" not in deadlines


def test_today_turns_an_unmet_deadline_into_a_miss_or_a_countdown():
    events = {**EVENTS, "received_by_seller_at": "2024-08-09"}
    pending = by_name(audit_timeline(events, today=D(2024, 8, 12)))["refund_due"]
    overdue = by_name(audit_timeline(events, today=D(2024, 8, 30)))["refund_due"]
    unknown = by_name(audit_timeline(events))["refund_due"]
    assert (pending.status, pending.days_to_spare) == ("open", 4)
    assert (overdue.status, overdue.days_late) == ("missed", 14)
    assert (unknown.status, unknown.days_late, unknown.days_to_spare) == ("open", None, None)


def test_a_deadline_with_an_unknown_start_is_unknown():
    audit = audit_timeline(EVENTS)
    assert by_name(audit)["refund_due"].status == "unknown"
    assert by_name(audit)["refund_due"].due is None


def test_the_counting_reading_is_applied():
    """Signed Friday 2024-09-27: day 7 is 2024-10-04, inside the National Day holiday."""
    events = {"purchase_date": "2024-09-25", "signed_at": "2024-09-27T20:00", "notice_sent_at": "2024-10-06"}
    civil = by_name(audit_timeline(events))["notice_last_day"]
    calendar = by_name(audit_timeline(events, readings=Readings(counting="calendar_only")))["notice_last_day"]
    hours = by_name(audit_timeline(events, readings=Readings(counting="platform_168h")))["notice_last_day"]
    assert (civil.due, civil.status) == (D(2024, 10, 8), "met")
    assert (calendar.due, calendar.status, calendar.days_late) == (D(2024, 10, 4), "missed", 2)
    assert hours.ends_at == dt.datetime(2024, 10, 4, 20, 0)


@pytest.mark.parametrize(
    ("events", "today", "field", "words"),
    [
        ({**EVENTS, "refunded_at": "2024-09-30"}, D(2024, 9, 1), "refunded_at", "in the future"),
        ({**EVENTS, "notice_sent_at": "2024-08-01", "address_given_at": "2024-07-30"}, None, None, "before"),
        ({**EVENTS, "shipped": "2024-08-06"}, None, "shipped", "unknown field"),
        ({**EVENTS, "signed_at": "03/08/2024"}, None, "signed_at", "YYYY-MM-DD"),
    ],
)
def test_bad_timelines_name_the_field(events, today, field, words):
    with pytest.raises(InputError) as caught:
        audit_timeline(events, today=today)
    assert caught.value.field == field or (field is None and "address_given_at" in str(caught.value))
    assert words in str(caught.value)


@settings(max_examples=60, deadline=None)
@given(
    signed=st.dates(D(2018, 1, 1), D(2025, 6, 30)),
    notice_after=st.integers(0, 20),
    received_after=st.integers(0, 10),
    refund_after=st.integers(0, 30),
)
def test_met_and_missed_agree_with_the_period_end(signed, notice_after, received_after, refund_after):
    notice = signed + dt.timedelta(days=notice_after)
    received = notice + dt.timedelta(days=received_after)
    refunded = received + dt.timedelta(days=refund_after)
    events = {
        "purchase_date": signed,
        "signed_at": signed,
        "notice_sent_at": notice,
        "received_by_seller_at": received,
        "refunded_at": refunded,
    }
    audit = audit_timeline(events, readings=Readings(counting="calendar_only"))
    week, fortnight = dt.timedelta(days=7), dt.timedelta(days=15)
    expected = {"notice_last_day": signed + week, "refund_due": received + week, "penalty_refund": received + fortnight}
    checked = 0
    for d in audit.deadlines:
        if d.name not in expected:
            continue
        event = {"return.notice_sent_at": notice, "return.refunded_at": refunded}[d.event]
        assert d.due == expected[d.name]  # calendar_only: the start day is not counted, no extension
        checked += 1
        if event <= d.due:
            assert (d.status, d.days_to_spare) == ("met", (d.due - event).days)
        else:
            assert (d.status, d.days_late) == ("missed", (event - d.due).days)
    assert checked >= 1
    assert set(audit.penalty_thresholds_crossed) <= set(audit.missed)


def test_a_bad_scenario_fact_is_named_under_scenario():
    with pytest.raises(InputError) as caught:
        audit_timeline(EVENTS, scenario={"item": {"custom_made": "yes"}})
    assert caught.value.field == "scenario.item.custom_made"
