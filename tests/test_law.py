"""Every encoded provision, tested with examples written from the law's own words (tests/law/)."""

from __future__ import annotations

import pytest

from returnlaw import Readings, decide, default_rulebook, parse_scenario
from tests.lawcases import load_cases

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.provision}: {c.name}" for c in CASES])
def test_law_example(case):
    decision = decide(parse_scenario(case.data), as_of=case.as_of, readings=Readings(**case.readings))
    expected = case.output
    by_status = {}
    for reason in decision.reasons:
        by_status.setdefault(reason.status, set()).add(reason.rule)
    trace = {s: sorted(r) for s, r in by_status.items() if s != "not_applicable"}
    assert decision.outcome == expected["outcome"], f"{case.name}: {trace}"
    for status in ("applied", "defeated", "not_applicable", "undetermined"):
        missing = set(expected.get(status, [])) - by_status.get(status, set())
        assert not missing, f"{case.name}: expected {status} {sorted(missing)}; trace {trace}"
    warnings = {w.code for w in decision.warnings}
    assert set(expected.get("warnings", [])) <= warnings, f"warnings were {sorted(warnings)}"
    for code in expected.get("no_warnings", []):
        assert code not in warnings
    deadlines = {d.name: d for d in decision.deadlines}
    for name, day in (expected.get("deadlines") or {}).items():
        assert deadlines[name].date == day, f"{name}: {deadlines[name]}"
    obligations = {(o.party, o.duty): o for o in decision.obligations}
    for item in expected.get("obligations", []):
        key = (item["party"], item["duty"])
        assert key in obligations, f"missing obligation {key}; have {sorted(obligations)}"
        if "amount" in item:
            assert obligations[key].amount == item["amount"]
    for item in expected.get("no_obligations", []):
        assert (item["party"], item["duty"]) not in obligations
    for fact in expected.get("questions", []):
        assert fact in decision.questions, f"questions were {decision.questions}"


def test_every_rule_is_exercised_by_a_law_example():
    """Each rule in the book has at least one example in which it applies or is defeated."""
    seen = set()
    for case in CASES:
        out = case.output
        seen |= set(out.get("applied", [])) | set(out.get("defeated", []))
    missing = sorted(set(default_rulebook().rules) - seen)
    assert not missing, f"rules without a law example: {missing}"
