"""Every encoded provision, tested with examples written from the law's own words (tests/law/).

An example's ``output`` says what the decision must hold (checked by ``tests/lawcases.py:
problems``; unknown keys are refused):

- ``outcome``; ``applied``, ``defeated``, ``not_applicable``, ``undetermined``: rules with that
  status (at least these); ``not_applied``: rules that must not apply; ``decided_by``: exactly the
  rules the outcome rests on; ``presumptions``: exactly these facts presumed, with these values;
- ``warnings`` / ``no_warnings``, ``remarks`` / ``no_remarks``: codes that must / must not appear
  (as decided: conditional ones, ``if_outcome``, are checked with ``if_returnable``);
- ``exact: [applied, defeated, warnings, remarks, obligations]``: for the keys named, exactly these;
- ``deadlines``: {name: date} as decided; ``obligations`` / ``no_obligations``: {party, duty,
  amount?, if_outcome?}; ``if_returnable``: {warnings, remarks, deadlines} listed as holding only
  if the open outcome turns out returnable; ``questions``: facts that must be asked;
  ``in_force`` / ``not_in_force``: provisions cited as in force or not.
"""

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
