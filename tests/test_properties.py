"""Properties of the law that must hold for every scenario (hypothesis)."""

from __future__ import annotations

import copy
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from returnlaw import default_rulebook, evaluate, parse_scenario
from returnlaw.decision import citations_in_force
from returnlaw.rulebook import Presume
from tests.strategies import DAMAGE_FALSE, DAMAGE_TRUE, forget, readings, scenarios

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BOOK = default_rulebook()
PRESUMABLE = sorted(
    {p for rule in BOOK.rules.values() if isinstance(rule.effect, Presume) for p, _ in rule.effect.facts}
)


def outcome(data, r, as_of=None):
    return evaluate(BOOK, parse_scenario(data, today=dt.date(2030, 1, 1)), readings=r, as_of=as_of).outcome


def changed(data, section, **facts):
    out = copy.deepcopy(data)
    out[section].update(facts)
    return out


@SETTINGS
@given(scenarios(), readings, st.sampled_from(DAMAGE_TRUE + DAMAGE_FALSE))
def test_more_damage_never_turns_not_returnable_into_returnable(data, r, fact):
    worse = changed(data, "condition", **{fact: fact in DAMAGE_TRUE})
    if outcome(data, r) == "not_returnable":
        assert outcome(worse, r) == "not_returnable"
    if outcome(worse, r) == "returnable":
        assert outcome(data, r) == "returnable"


@SETTINGS
@given(scenarios(), readings, st.integers(1, 30))
def test_a_later_notice_never_helps(data, r, extra):
    later = copy.deepcopy(data)
    later["return"]["notice_sent_at"] += dt.timedelta(days=extra)
    for key in ("address_given_at", "shipped_at", "received_by_seller_at", "refunded_at"):
        later["return"][key] += dt.timedelta(days=extra)
    if outcome(data, r) == "not_returnable":
        assert outcome(later, r) == "not_returnable"


@SETTINGS
@given(scenarios(), readings)
def test_a_valid_confirmation_never_helps_the_consumer(data, r):
    without = changed(data, "listing", consumer_confirmed=False)
    confirmed = changed(
        data,
        "listing",
        consumer_confirmed=True,
        confirmation_in_checkout_flow=True,
        confirmation_preselected=False,
        marking_prominent=True,
    )
    if outcome(without, r) == "not_returnable":
        assert outcome(confirmed, r) == "not_returnable"


@SETTINGS
@given(scenarios(), readings, st.sampled_from(["covers", "days", "shipping"]))
def test_a_sellers_promise_never_hurts_the_consumer(data, r, kind):
    promise = {
        "covers": {"covers_excluded_goods": True},
        "days": {"return_days": 30},
        "shipping": {"free_return_shipping": True},
    }[kind]
    if outcome(data, r) == "returnable":
        assert outcome(changed(data, "promise", **promise), r) == "returnable"


@SETTINGS
@given(scenarios(), readings, st.dates(dt.date(2010, 1, 1), dt.date(2026, 6, 30)))
def test_every_applied_rule_cites_a_provision_in_force_on_the_as_of_date(data, r, as_of):
    ev = evaluate(BOOK, parse_scenario(data, today=dt.date(2030, 1, 1)), readings=r, as_of=as_of)
    for i, step in enumerate(ev.epoch.steps):
        if ev.applies(i):
            assert step.rule.in_force(as_of)
            assert citations_in_force(step.rule, as_of), step.rule.id


@SETTINGS
@given(scenarios(), readings)
def test_evaluation_is_deterministic(data, r):
    s = parse_scenario(data, today=dt.date(2030, 1, 1))
    first = evaluate(BOOK, s, readings=r).decision().model_dump_json()
    assert evaluate(BOOK, s, readings=r).decision().model_dump_json() == first


@SETTINGS
@given(scenarios(), readings, st.lists(st.booleans(), min_size=80, max_size=80))
def test_knowing_more_never_turns_a_decided_outcome_into_undetermined(data, r, mask):
    partial = forget(data, mask)
    partial["purchase"]["date"] = data["purchase"]["date"]  # keep dates consistent with validation
    before = outcome(partial, r)
    if before != "undetermined":
        assert outcome(data, r) != "undetermined"


@SETTINGS
@given(scenarios(), readings, st.lists(st.booleans(), min_size=80, max_size=80))
def test_without_a_dispute_knowing_more_never_changes_a_decided_outcome(data, r, mask):
    """Three-valued evaluation is monotone: a decided outcome survives every completion of the
    facts no presumption can fill. (A presumption stands in for an unknown fact — e.g. the goods'
    condition, which a seller who does not allege damage leaves out of issue — so learning that
    fact may change the outcome; those facts stay known here.)"""
    # no dispute: nothing alleged, and no list of grounds (which would put the rest out of issue)
    data = changed(data, "dispute", seller_alleges_not_intact=False, seller_grounds=None, consumer_claims=None)
    partial = forget(data, mask)
    partial["dispute"]["seller_alleges_not_intact"] = False
    partial["purchase"]["date"] = data["purchase"]["date"]
    for path in PRESUMABLE:
        section, name = path.split(".")
        partial[section][name] = data[section][name]
    before = outcome(partial, r)
    if before != "undetermined":
        assert outcome(data, r) == before
