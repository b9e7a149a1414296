"""Every encoded provision, tested with examples written from the law's own words (tests/law/)."""

from __future__ import annotations

import pytest

from returnlaw import default_rulebook
from tests.lawcases import decide_case, load_cases, problems

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.provision}: {c.name}" for c in CASES])
def test_law_example(case):
    """The decision agrees with the example (tests/lawcases.py: ``problems``); lists are "at least
    these" unless the example's ``exact`` names them."""
    found = problems(case, decide_case(case))
    assert not found, f"{case.file}: {case.name}:\n  " + "\n  ".join(found)


def test_every_rule_is_exercised_by_a_law_example():
    """Each rule in the book has at least one example in which it applies or is defeated."""
    seen = set()
    for case in CASES:
        out = case.output
        seen |= set(out.get("applied", [])) | set(out.get("defeated", []))
    missing = sorted(set(default_rulebook().rules) - seen)
    assert not missing, f"rules without a law example: {missing}"
