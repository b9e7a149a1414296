"""Deciding past the holiday data (issue #10): signed in late December 2026, the seven days reach
into 2027, whose holiday arrangement (节假日安排) is not in the data. Returns in time under every
reading are decided, acts inside the band of possible last days are undetermined naming the
missing arrangement, and nothing is an error: check, timeline, interview, what-changes, batch.

The checks are about 2027 before its notice: the calendar is pinned to the data up to 2026, so they
keep their meaning once rules/calendar/2027.yaml is added."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from returnlaw import decide, decide_json, periods
from returnlaw.api import default_rulebook
from returnlaw.audit import audit_listing
from returnlaw.cli import main
from returnlaw.evaluator import evaluate
from returnlaw.holidays import default_calendar
from returnlaw.inputs import InputError, parse_scenario
from returnlaw.periods import Counting, Unpublished
from returnlaw.readings import Readings
from returnlaw.timeline import audit_timeline

D = dt.date.fromisoformat
TODAY = D("2027-02-01")
BOOK = default_rulebook()
SIGNINGS = [D("2026-12-20") + dt.timedelta(days=i) for i in range(12)]  # 2026-12-20 .. 2026-12-31
READINGS = [Readings(counting=c, unpublished_holidays=u) for c in Counting for u in Unpublished]


@pytest.fixture(autouse=True)
def data_ends_in_2026(monkeypatch):
    calendar = default_calendar()
    pinned = calendar.without(*(y for y in calendar.published if y > 2026))
    monkeypatch.setattr(periods, "_calendar", lambda: pinned)
    periods._band.cache_clear()
    yield
    periods._band.cache_clear()


def scenario(signed: dt.date, notice: dt.date, **extra: dict) -> dict:
    """A purchase that is returnable if the notice is in time: every other fact settled."""
    data = {
        "purchase": {
            "date": (signed - dt.timedelta(days=3)).isoformat(),
            "channel": "online",
            "venue": "platform_shop",
        },
        "seller": {"is_operator": True},
        "buyer": {"purpose": "personal_consumption"},
        "item": {
            "subject": "goods",
            "category": "clothing",
            "custom_made": False,
            "perishable": False,
            "downloaded": False,
            "media_unsealed": False,
            "defect_claimed": False,
        },
        "listing": {
            "nature_exclusion": "none",
            "marked_not_returnable": False,
            "marking_prominent": True,
            "confirmation_in_checkout_flow": True,
            "confirmation_preselected": False,
        },
        "promise": {"covers_excluded_goods": False, "return_days": 7},
        "delivery": {"signed_at": signed.isoformat()},
        "return": {"notice_sent_at": notice.isoformat()},
        "condition": {
            "quality_function_preserved": True,
            "appearance_preserved": True,
            "accessories_complete": True,
            "labels_complete": True,
            "tags_removed": False,
            "soiled": False,
            "damaged": False,
            "used_beyond_inspection": False,
            "inspection_only": False,
        },
        "dispute": {"seller_alleges_not_intact": False, "hours_held": 100, "seller_controlled_pickup": False},
        "conduct": {"abuse_established": False},
    }
    for section, facts in extra.items():
        data.setdefault(section, {}).update(facts)
    return data


def check(tmp_path: Path, capsys, data: dict, *args: str, today: dt.date = TODAY) -> tuple[int, dict]:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    capsys.readouterr()
    code = main(["check", str(path), "--json", "--today", today.isoformat(), *args])
    out, err = capsys.readouterr()
    assert not err, err
    return code, json.loads(out)


# -- the "Done when" -----------------------------------------------------------------------


def test_the_scenario_is_returnable_with_a_notice_on_the_last_day_of_the_year_data():
    """The fixture itself: returnable with a notice the day after signing in a covered year."""
    ev = evaluate(BOOK, parse_scenario(scenario(D("2026-06-01"), D("2026-06-02")), today=TODAY))
    assert ev.outcome == "returnable"
    late = evaluate(BOOK, parse_scenario(scenario(D("2026-06-01"), D("2026-07-01")), today=TODAY))
    assert late.outcome == "not_returnable"


@pytest.mark.parametrize("signed", SIGNINGS, ids=str)
@pytest.mark.parametrize("after", [1, 7])
def test_a_notice_the_next_day_or_on_day_7_is_returnable_via_check_under_every_reading(tmp_path, capsys, signed, after):
    data = scenario(signed, signed + dt.timedelta(days=after))
    for r in READINGS:
        code, decision = check(
            tmp_path, capsys, data, "--reading", f"counting={r.counting}", "--reading",
            f"unpublished_holidays={r.unpublished_holidays}",
        )  # fmt: skip
        assert (code, decision["outcome"]) == (0, "returnable"), (r, decision["calendar_pending"])
        assert decision["calendar_pending"] == []


@pytest.mark.parametrize("signed", SIGNINGS, ids=str)
def test_a_notice_a_month_later_is_not_returnable_under_every_reading(tmp_path, capsys, signed):
    data = scenario(signed, signed + dt.timedelta(days=31))
    for r in READINGS:
        code, decision = check(
            tmp_path, capsys, data, "--reading", f"counting={r.counting}", "--reading",
            f"unpublished_holidays={r.unpublished_holidays}",
        )  # fmt: skip
        assert (code, decision["outcome"]) == (0, "not_returnable"), r
        notice = next(d for d in decision["deadlines"] if d["name"] == "notice_last_day")
        assert notice["met"] is False


def test_signed_2027_06_01_notice_06_05_is_returnable_under_every_reading(tmp_path, capsys):
    data = scenario(D("2027-06-01"), D("2027-06-05"))
    for r in READINGS:
        code, decision = check(
            tmp_path, capsys, data, "--reading", f"counting={r.counting}", "--reading",
            f"unpublished_holidays={r.unpublished_holidays}", today=D("2027-07-01"),
        )  # fmt: skip
        assert (code, decision["outcome"]) == (0, "returnable")


def test_a_notice_inside_the_band_is_undetermined_naming_the_missing_arrangement(tmp_path, capsys):
    """Signed 2026-12-25: day 7 is New Year's Day 2027 (certain), so the last day is at least
    2027-01-02; a notice on 2027-01-04 turns on the 2027 notice."""
    code, decision = check(tmp_path, capsys, scenario(D("2026-12-25"), D("2027-01-04")))
    assert (code, decision["outcome"]) == (1, "undetermined")
    assert decision["questions"] == []  # no fact is missing: the arrangement is
    [pending] = decision["calendar_pending"]
    assert pending["years"] == [2027] and pending["resolved_by"] is None
    assert (pending["earliest"], pending["latest"]) == ("2027-01-02", "2027-01-07")
    assert "cpl-25-1-late-notice" in pending["rules"]
    assert "《国务院办公厅关于2027年部分节假日安排的通知》" in pending["zh"] and "2027年1月2日" in pending["zh"]
    assert "2027 holiday arrangement" in pending["en"]
    notice = next(d for d in decision["deadlines"] if d["name"] == "notice_last_day")
    assert notice["date"] is None and notice["met"] is None and notice["pending_years"] == [2027]
    assert (notice["earliest"], notice["latest"]) == ("2027-01-02", "2027-01-07")


@pytest.mark.parametrize(
    ("reading", "outcome", "last_day"),
    [("latest_end", "returnable", "2027-01-07"), ("earliest_end", "not_returnable", "2027-01-02")],
)
def test_a_named_reading_decides_inside_the_band_and_says_so(tmp_path, capsys, reading, outcome, last_day):
    code, decision = check(
        tmp_path, capsys, scenario(D("2026-12-25"), D("2027-01-04")), "--reading", f"unpublished_holidays={reading}"
    )
    assert (code, decision["outcome"]) == (0, outcome)
    assert decision["readings"]["unpublished_holidays"] == reading
    [pending] = decision["calendar_pending"]
    assert pending["resolved_by"] == reading and last_day in pending["en"]
    notice = next(d for d in decision["deadlines"] if d["name"] == "notice_last_day")
    assert notice["date"] == last_day and notice["pending_years"] == [2027]


@pytest.fixture
def wide(monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # no wrapping inside the rendered tables and panels


def test_the_rendered_decision_shows_the_missing_arrangement_first_and_the_band(tmp_path, capsys, wide):
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario(D("2026-12-25"), D("2027-01-04"))), encoding="utf-8")
    assert main(["check", str(path), "--today", "2027-01-05", "--lang", "zh"]) == 1
    out = capsys.readouterr().out
    assert "《国务院办公厅关于2027年部分节假日安排的通知》" in out
    assert "待2027年节假日安排确定" in out and "2027年1月2日至2027年1月7日之间" in out
    assert main(["check", str(path), "--today", "2027-01-05", "--lang", "en"]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "awaits the 2027 holiday arrangement" in out and "between 2027-01-02 and 2027-01-07" in out


def test_without_today_a_date_after_the_system_date_is_refused_and_today_moves_it(tmp_path, capsys):
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario(D("2099-01-05"), D("2099-01-06"))), encoding="utf-8")
    assert main(["check", str(path)]) == 2
    assert "is in the future" in capsys.readouterr().err
    assert main(["check", str(path), "--today", "2099-02-01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["outcome"] == "returnable"


def test_days_left_are_counted_from_today(tmp_path, capsys, wide):
    """A refund deadline not yet met: the days left to it, counted from --today."""
    data = scenario(D("2026-06-01"), D("2026-06-02"), **{"return": {"received_by_seller_at": "2026-06-10"}})
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["check", str(path), "--today", "2026-06-12", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "5 days left" in out  # the refund is due 2026-06-17 (a Wednesday)
    assert main(["check", str(path), "--today", "2026-06-20", "--lang", "en"]) == 0
    assert "passed 3 days ago" in capsys.readouterr().out
    assert main(["check", str(path), "--today", "2026-06-20", "--lang", "zh"]) == 0
    assert "已届满3日" in capsys.readouterr().out


# -- the Python API ---------------------------------------------------------------------------------


def test_the_api_takes_today():
    data = scenario(D("2026-12-25"), D("2026-12-26"))
    with pytest.raises(InputError, match="in the future"):
        decide(data)
    assert decide(data, today=TODAY).outcome == "returnable"
    assert json.loads(decide_json(json.dumps(data), today="2027-02-01"))["outcome"] == "returnable"
    with pytest.raises(InputError, match=r"today: expected a date"):
        decide(data, today="soon")  # type: ignore[arg-type]


# -- side consequences never stop the decision -------------------------------------------------------


def test_penalty_thresholds_past_the_data_are_bands_and_the_timeline_works():
    """The seller received the goods on 2026-12-24; the 15-day penalty threshold for the refund
    and the 7-day refund deadline reach into 2027's New Year."""
    events = {
        "purchase_date": "2026-12-10",
        "signed_at": "2026-12-12",
        "notice_sent_at": "2026-12-14",
        "address_given_at": "2026-12-15",
        "shipped_at": "2026-12-16",
        "received_by_seller_at": "2026-12-25",
    }
    audit = audit_timeline(events, today=D("2027-01-03"))
    checks = {c.name: c for c in audit.deadlines}
    refund = checks["refund_due"]  # plain last day 2027-01-01: New Year's Day, certain
    assert refund.due is None and refund.pending_years == [2027]
    assert (refund.due_earliest, refund.due_latest) == (D("2027-01-02"), D("2027-01-07"))
    assert refund.status == "pending"  # today (01-03) lies inside the band
    assert checks["penalty_refund"].status == "open"  # 2027-01-09 at the earliest
    assert audit_timeline(events, today=D("2027-01-08")).deadlines[-1].status in ("missed", "open", "pending")
    late = {c.name: c for c in audit_timeline(events, today=D("2027-01-08")).deadlines}
    assert late["refund_due"].status == "missed" and late["refund_due"].days_late == 1
    paid = {c.name: c for c in audit_timeline({**events, "refunded_at": "2027-01-02"}).deadlines}
    assert paid["refund_due"].status == "met" and paid["refund_due"].days_to_spare == 0
    inside = {c.name: c for c in audit_timeline({**events, "refunded_at": "2027-01-05"}).deadlines}
    assert inside["refund_due"].status == "pending"


# -- the interview, what-changes, batch, audits ---------------------------------------------------------


def test_the_interview_probes_the_edges_of_the_band_for_the_notice_date():
    """Notice date unknown, signed 2026-12-25: the probes try the earliest possible last day (in
    time), the day after it (open: the 2027 notice decides) and the day after the latest (late)."""
    from returnlaw.interview import Interview

    data = scenario(D("2026-12-25"), D("2026-12-26"))
    del data["return"]["notice_sent_at"]
    session = Interview(data, today=TODAY)
    question = next(q for q in session.questions() if q.fact == "return.notice_sent_at")
    probes = {p.value: p.outcome for p in question.probes}
    assert probes[D("2027-01-02")] == "returnable"
    assert probes[D("2027-01-03")] == "undetermined"
    assert probes[D("2027-01-08")] == "not_returnable"
    session.answer("return.notice_sent_at", "2027-01-04")
    assert session.scenario.return_.notice_sent_at == D("2027-01-04")
    assert session.evaluation().outcome == "undetermined"
    with pytest.raises(InputError, match="in the future"):
        Interview(data)  # without today, the system date


def test_the_interview_finds_the_signing_date_that_decides():
    from returnlaw.interview import Interview

    data = scenario(D("2026-12-25"), D("2027-01-10"))
    del data["delivery"]["signed_at"]
    question = next(q for q in Interview(data, today=TODAY).questions() if q.fact == "delivery.signed_at")
    outcomes = {p.outcome for p in question.probes}
    assert {"returnable", "not_returnable"} <= outcomes


def test_what_changes_past_the_data(tmp_path, capsys):
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario(D("2026-12-25"), D("2027-01-04"))), encoding="utf-8")
    assert main(["what-changes", str(path), "--json", "--today", "2027-02-01"]) == 0
    flips = {(f["change"] if "change" in f else f["fact"]): f for f in json.loads(capsys.readouterr().out)["flips"]}
    text = json.dumps(flips)
    assert "unpublished_holidays" in text  # a reading decides it: named as the smallest change
    assert "return.notice_sent_at" in text


def test_batch_decides_rows_past_the_data(tmp_path, capsys):
    rows = [
        {"id": "next-day", **scenario(D("2026-12-25"), D("2026-12-26"))},
        {"id": "in-band", **scenario(D("2026-12-25"), D("2027-01-04"))},
        {"id": "month-later", **scenario(D("2026-12-25"), D("2027-01-25"))},
    ]
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["batch", str(src), str(dst), "--jobs", "1", "--quiet", "--today", "2027-02-01", "--full"]) == 0
    out = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["outcome"], r["error"]) for r in out] == [
        ("next-day", "returnable", None),
        ("in-band", "undetermined", None),
        ("month-later", "not_returnable", None),
    ]
    assert out[1]["notice_last_day"] is None  # the band: see the full decision
    assert out[1]["decision"]["calendar_pending"][0]["years"] == [2027]
    # On the system date (before 2026-12-25) every row is in the future: refused row by row, and a
    # run with row errors exits 1 (#14)
    assert main(["batch", str(src), str(dst), "--jobs", "1", "--quiet"]) == 1
    assert all("in the future" in json.loads(line)["error"] for line in dst.read_text(encoding="utf-8").splitlines())


def test_the_listing_audit_works_in_a_year_past_the_data(tmp_path, capsys):
    listing = {"id": "handbag", "category": "bags", "statutory_natures": [], "exclusion_nature": "none",
               "marking": {"shown": True, "placement": "title"}, "confirmation": {"step": "none"},
               "promise": {"return_days": 7}}  # fmt: skip
    result = audit_listing(listing, today=D("2027-03-01"))
    assert result.as_of == D("2027-03-01") and result.compliant is False
    path = tmp_path / "listing.json"
    path.write_text(json.dumps(listing), encoding="utf-8")
    assert main(["audit", str(path), "--json", "--today", "2027-03-01"]) == 1
    assert json.loads(capsys.readouterr().out)["as_of"] == "2027-03-01"


def test_replay_and_what_changes_take_today(capsys):
    """--today is the reference day for "in the future": a bundled case replays as it is, and is
    refused when today is set before its dates."""
    assert main(["replay", "sz-wuzhong-split-shipment", "--json"]) in (0, 1)
    capsys.readouterr()
    assert main(["replay", "sz-wuzhong-split-shipment", "--json", "--today", "2020-01-01"]) == 2
    assert "in the future (today is 2020-01-01)" in capsys.readouterr().err
    assert main(["what-changes", "sz-wuzhong-split-shipment", "--json", "--today", "2020-01-01"]) == 2
    assert "in the future (today is 2020-01-01)" in capsys.readouterr().err


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dates(min_value=D("2014-03-18"), max_value=D("2030-12-31")),  # purchase 3 days before: CPL 25 in force
    st.integers(min_value=0, max_value=7),
    st.sampled_from(READINGS),
)
def test_a_notice_within_7_days_is_returnable_under_every_reading_without_the_calendar(signed, after, r):
    """The whole evaluation, not only the period test: with a calendar that raises if consulted,
    a purchase whose notice is sent within 7 calendar days of signing is returnable (2014-2030)."""
    data = scenario(signed, signed + dt.timedelta(days=after))
    pinned = periods._calendar
    periods._calendar = _no_calendar
    periods._band.cache_clear()
    try:
        ev = evaluate(BOOK, parse_scenario(data, today=D("2031-02-01")), readings=r)
    finally:
        periods._calendar = pinned
        periods._band.cache_clear()
    assert ev.outcome == "returnable", (signed, after, r)


def _no_calendar():
    raise AssertionError("the calendar was consulted")
