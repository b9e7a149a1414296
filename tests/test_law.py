"""Every encoded provision, tested with examples written from the law's own words (tests/law/).

An example's ``output`` says what the decision must hold:

- ``outcome``; ``applied``, ``defeated``, ``not_applicable``, ``undetermined``: rules with that
  status (at least these); ``not_applied``: rules that must not apply;
- ``warnings`` / ``no_warnings``, ``remarks`` / ``no_remarks``: codes that must / must not appear
  (as decided: conditional ones, ``if_outcome``, are checked with ``if_returnable``);
- ``exact: [applied, warnings, remarks]``: for the keys named, exactly these and no others;
- ``deadlines``: {name: date} as decided; ``obligations`` / ``no_obligations``: {party, duty,
  amount?, if_outcome?}; ``if_returnable``: {warnings, remarks, deadlines} listed as holding only
  if the open outcome turns out returnable; ``questions``: facts that must be asked.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from returnlaw import Readings, decide, default_rulebook, parse_scenario
from tests.lawcases import load_cases

CASES = load_cases()
KEYS = {
    "outcome",
    "applied",
    "defeated",
    "not_applicable",
    "undetermined",
    "not_applied",
    "warnings",
    "no_warnings",
    "remarks",
    "no_remarks",
    "exact",
    "deadlines",
    "obligations",
    "no_obligations",
    "if_returnable",
    "questions",
}
STATUSES = ("applied", "defeated", "not_applicable", "undetermined")


@pytest.mark.parametrize("case", CASES, ids=[f"{c.provision}: {c.name}" for c in CASES])
def test_law_example(case):
    expected = case.output
    assert set(expected) <= KEYS, f"{case.name}: unknown keys {sorted(set(expected) - KEYS)}"
    decision = decide(parse_scenario(case.data), as_of=case.as_of, readings=Readings(**case.readings))
    by_status: dict[str, set[str]] = {s: set() for s in STATUSES}
    for reason in decision.reasons:
        by_status[reason.status].add(reason.rule)
    trace = {s: sorted(r) for s, r in by_status.items() if s != "not_applicable"}
    assert decision.outcome == expected["outcome"], f"{case.name}: {trace}"
    for status in STATUSES:
        missing = set(expected.get(status, [])) - by_status[status]
        assert not missing, f"{case.name}: expected {status} {sorted(missing)}; trace {trace}"
    assert not set(expected.get("not_applied", [])) & by_status["applied"], trace
    found = {
        "applied": by_status["applied"],
        "warnings": {w.code for w in decision.warnings if w.if_outcome is None},
        "remarks": {r.code for r in decision.remarks if r.if_outcome is None},
    }
    for key in ("warnings", "remarks"):
        assert set(expected.get(key, [])) <= found[key], f"{key} were {sorted(found[key])}"
        assert not set(expected.get(f"no_{key}", [])) & found[key], f"{key} were {sorted(found[key])}"
    for key in expected.get("exact", []):
        assert found[key] == set(expected.get(key, [])), f"{case.name}: {key} are exactly {sorted(found[key])}"
    deadlines = {d.name: d for d in decision.deadlines if d.if_outcome is None}
    for name, day in (expected.get("deadlines") or {}).items():
        assert deadlines[name].date == day, f"{name}: {deadlines.get(name)}"
    obligations = {(o.party, o.duty, o.if_outcome): o for o in decision.obligations}
    for item in expected.get("obligations", []):
        key = (item["party"], item["duty"], item.get("if_outcome"))
        assert key in obligations, f"missing obligation {key}; have {sorted(obligations, key=str)}"
        if "amount" in item:
            amount = None if item["amount"] is None else Decimal(str(item["amount"]))
            assert obligations[key].amount == amount, obligations[key]
    for item in expected.get("no_obligations", []):
        assert (item["party"], item["duty"], item.get("if_outcome")) not in obligations
    conditional = expected.get("if_returnable") or {}
    warned = {w.code for w in decision.warnings if w.if_outcome == "returnable"}
    remarked = {r.code for r in decision.remarks if r.if_outcome == "returnable"}
    assert set(conditional.get("warnings", [])) <= warned, f"conditional warnings were {sorted(warned)}"
    assert set(conditional.get("remarks", [])) <= remarked, f"conditional remarks were {sorted(remarked)}"
    dated = {d.name: d.date for d in decision.deadlines if d.if_outcome == "returnable"}
    for name, day in (conditional.get("deadlines") or {}).items():
        assert dated.get(name) == day, f"{name} if returnable: {dated}"
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
