"""The native and the durable engine agree past the holiday data (issue #10): periods whose last
day falls where the 2027 arrangement is missing, under every counting and ``unpublished_holidays``
reading. The durable engine receives ``within_period`` precomputed (an undetermined band is an
absent field, i.e. unknown); these tests check it carries the band through its own rules alike.

Sizes: every signing day around the New Year after the data ends (2027 while 2026 is the last
year in the data) with the notice offsets that reach the band, and a hypothesis run of
``RETURNLAW_DIFF_EXAMPLES // 20`` scenarios (500 by default) over the four years after the data.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from returnlaw import durable_backend
from returnlaw.api import default_rulebook
from returnlaw.durable_worker import DurableWorker
from returnlaw.engines import differences, summary
from returnlaw.evaluator import evaluate
from returnlaw.holidays import default_calendar
from returnlaw.inputs import parse_scenario
from returnlaw.periods import Counting, Unpublished
from returnlaw.readings import BurdenOfProof, Readings
from tests.test_past_the_holiday_data import scenario

EXAMPLES = max(1, int(os.environ.get("RETURNLAW_DIFF_EXAMPLES", "10000")) // 20)
NEXT = max(default_calendar().published) + 1  # the first year whose arrangement is not in the data
TODAY = dt.date(NEXT + 5, 1, 1)
BOOK = default_rulebook()
READINGS = [Readings(counting=Counting.CIVIL_CODE, unpublished_holidays=u) for u in Unpublished] + [
    Readings(counting=Counting.CALENDAR_ONLY),
    Readings(counting=Counting.PLATFORM_168H),
]
UNAVAILABLE = durable_backend.unavailable_reason()
pytestmark = pytest.mark.skipif(UNAVAILABLE is not None, reason=f"durable engine not available: {UNAVAILABLE}")


@pytest.fixture(scope="module")
def worker() -> Iterator[DurableWorker]:
    w = DurableWorker()
    yield w
    w.close()


def agree(worker: DurableWorker, data: dict, r: Readings) -> str:
    s = parse_scenario(data, today=TODAY)
    worker.submit(s, readings=r)
    ours = summary(evaluate(BOOK, s, readings=r))
    status, theirs = worker.receive()
    assert status == "ok", theirs
    assert ours == theirs, f"engines disagree under {r}: {differences(ours, theirs)}\n{data}"
    return ours["outcome"]


def test_the_engines_agree_on_every_signing_around_the_first_new_year_past_the_data(worker):
    outcomes = set()
    for k in range(27):
        signed = dt.date(NEXT - 1, 12, 15) + dt.timedelta(days=k)
        for offset in range(6, 15):
            data = scenario(signed, signed + dt.timedelta(days=offset))
            for r in READINGS:
                outcomes.add((r.unpublished_holidays, agree(worker, data, r)))
    # the band is reached: undetermined under the default reading, decided under the others
    assert (Unpublished.UNDETERMINED, "undetermined") in outcomes
    assert (Unpublished.LATEST_END, "returnable") in outcomes
    assert (Unpublished.EARLIEST_END, "not_returnable") in outcomes


@st.composite
def past_the_data(draw) -> tuple[dict, Readings]:
    signed = draw(st.dates(dt.date(NEXT - 1, 11, 1), dt.date(NEXT + 3, 12, 15)))
    notice = signed + dt.timedelta(days=draw(st.integers(0, 20)))
    received = notice + dt.timedelta(days=draw(st.integers(1, 12)))
    refunded = received + dt.timedelta(days=draw(st.integers(0, 20)))
    at = dt.time(draw(st.integers(0, 23)), draw(st.integers(0, 59)))
    signed_at = dt.datetime.combine(signed, at) if draw(st.booleans()) else signed
    data = scenario(
        signed,
        notice,
        promise={"return_days": draw(st.integers(7, 15))},
        delivery={"signed_at": signed_at.isoformat()},
        **{
            "return": {
                "notice_sent_at": notice.isoformat(),
                "address_given_at": notice.isoformat(),
                "shipped_at": notice.isoformat(),
                "received_by_seller_at": received.isoformat(),
                "refunded_at": refunded.isoformat(),
            },
        },
    )
    r = Readings(
        counting=draw(st.sampled_from(list(Counting))),
        unpublished_holidays=draw(st.sampled_from(list(Unpublished))),
        burden_of_proof=draw(st.sampled_from(list(BurdenOfProof))),
    )
    return data, r


def test_the_engines_agree_on_generated_scenarios_past_the_data(worker):
    seen: list[str] = []

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(past_the_data())
    def check(drawn: tuple[dict, Readings]) -> None:
        seen.append(agree(worker, *drawn))

    check()
    assert {"returnable", "not_returnable"} <= set(seen)
