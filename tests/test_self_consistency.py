"""A decision never contradicts itself (issue #11 point 12): no rule that applies concludes the
other way from the outcome — never "not returnable" next to an applied "the seller may not refuse".

What a rule concludes: a rule that sets ``right``; a warning or note whose vocabulary entry says
what the outcome is (``implies``); and any rule or term whose own words say the seller may not
refuse (checked by text, so that a new rule worded that way cannot slip past without a marker).
Checked on generated scenarios (complete and partial, every reading), the law examples, the
review's scenarios, the bundled cases and the examples."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from returnlaw import Readings, default_rulebook, evaluate, parse_scenario, read_scenario_file
from returnlaw.decision import Decision
from returnlaw.inputs import InputError
from returnlaw.rulebook import Note, SetVariable, Warning
from tests.lawcases import load_cases
from tests.strategies import forget, readings, scenarios

BOOK = default_rulebook()
ROOT = Path(__file__).resolve().parent.parent
SAYS_RETURNABLE = re.compile(r"may not refuse|must take (?:it|them|the goods) back|不得拒绝")
TODAY = dt.date(2030, 1, 1)


def _term(rule):
    effect = rule.effect
    if isinstance(effect, Warning):
        return BOOK.vocabulary.warnings[effect.code]
    if isinstance(effect, Note):
        return BOOK.vocabulary.notes[effect.code]
    return None


def conclusions(decision: Decision) -> dict[str, list[str]]:
    """For each direction (returnable / not_returnable), the applied rules that conclude it."""
    found: dict[str, list[str]] = {"returnable": [], "not_returnable": []}
    for reason in decision.reasons:
        if reason.status != "applied":
            continue
        rule = BOOK.rules[reason.rule]
        if isinstance(rule.effect, SetVariable) and rule.effect.variable == "right":
            found[rule.effect.value].append(rule.id)
        term = _term(rule)
        if term is not None and term.implies:
            found[term.implies].append(rule.id)
        words = " ".join([rule.title_zh, rule.title_en, *([term.zh, term.en] if term else [])])
        if SAYS_RETURNABLE.search(words):
            found["returnable"].append(rule.id)
    return found


def check(decision: Decision) -> None:
    found = conclusions(decision)
    contrary = {
        "returnable": found["not_returnable"],
        "not_returnable": found["returnable"],
        "out_of_scope": found["returnable"],
        "undetermined": found["returnable"] if found["not_returnable"] else [],
    }[decision.outcome]
    assert not contrary, f"outcome {decision.outcome} next to applied {contrary} (concluding the other way)"


def test_every_term_that_says_the_seller_may_not_refuse_is_marked():
    """The text check and the marker agree: a warning or note worded as 'the seller may not refuse'
    carries ``implies: returnable`` (so that tools reading only the marker see it too)."""
    for code, term in [*BOOK.vocabulary.warnings.items(), *BOOK.vocabulary.notes.items()]:
        if SAYS_RETURNABLE.search(term.zh + term.en):
            assert term.implies == "returnable", code


def test_a_contradiction_is_caught():
    """The check fails on a decision that lists a 'may not refuse' rule as applied next to a refusal."""
    decision = evaluate(BOOK, parse_scenario(_plain(custom_made=True))).decision()
    assert decision.outcome == "not_returnable"
    reasons = [
        r.model_copy(update={"status": "applied"}) if r.rule == "cpl-25-1-right" else r for r in decision.reasons
    ]
    with pytest.raises(AssertionError, match="cpl-25-1-right"):
        check(decision.model_copy(update={"reasons": reasons}))


def _plain(**item: bool) -> dict:
    case = next(c for c in load_cases() if c.name.startswith("a plain online purchase"))
    data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in case.data.items()}
    data["item"] = {**data["item"], **item}
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(scenarios(), readings, st.lists(st.booleans(), min_size=80, max_size=80), st.booleans())
def test_generated_decisions_never_conclude_both_ways(data, r, mask, partial):
    if partial:
        data = forget(data, mask)
        data["purchase"]["date"] = data["purchase"]["date"] or dt.date(2024, 8, 1)
    try:
        scenario = parse_scenario(data, today=TODAY)
    except InputError:
        event("refused as input")
        return
    decision = evaluate(BOOK, scenario, readings=r).decision()
    event(decision.outcome)
    check(decision)


def test_law_examples_never_conclude_both_ways():
    for case in load_cases():
        check(
            evaluate(BOOK, parse_scenario(case.data), as_of=case.as_of, readings=Readings(**case.readings)).decision()
        )


def test_review_scenarios_cases_and_examples_never_conclude_both_ways():
    from returnlaw.cases import load_cases as load_court_cases

    paths = [*sorted((ROOT / "tests" / "data" / "review_legal").glob("L-*")), *sorted((ROOT / "examples").glob("*.*"))]
    checked = 0
    for path in paths:
        try:
            scenario = read_scenario_file(path, today=TODAY)
        except InputError:
            continue  # examples/ also holds listings
        check(evaluate(BOOK, scenario).decision())
        checked += 1
    for case in load_court_cases():
        check(evaluate(BOOK, case.scenario).decision())
        checked += 1
    assert checked >= 12 + 20
