"""Boundaries from the law: every member of every category list (the rules' lists and the natures
each category can have in rules/categories.yaml), both sides of every in-force date and of every
numeric threshold in the rule files has a law example (tests/law/).

Read from the rule data, so a new rule's lists, dates and thresholds are covered without a change
here: each boundary is mutated (a list member dropped, a date or threshold moved one day or one unit
either way, a comparison made strict or lax, a reading's default swapped or, for a number reading such
as the short hold's hours, moved by one) and some law example must then fail — that is, an
example sits on the side the change moves. A change the mutation tool proves equivalent (the same
rules and citations in force on every day), or that ``tests/data/mutation-survivors.yaml`` explains,
needs no example.
"""

from __future__ import annotations

import pytest

from returnlaw.mutate import generate, read_documents, run
from tests.mutation_suite import build_suite

# ``reading_default``: each reading's default swapped (a number reading's moved by one), so every
# reading has an example where it matters and the short hold's 24 hours one on each side.
BOUNDARIES = ("drop_member", "shift_date", "shift_number", "strictness", "reading_default")
DOCUMENTS = read_documents()
MUTANTS = [m for m in generate(DOCUMENTS) if m.operator in BOUNDARIES]


@pytest.fixture(scope="module")
def law_examples():
    suite = build_suite(parts=["law"])
    assert not suite.excluded, f"law examples that fail on the rule book itself: {suite.excluded}"
    return suite


def test_the_rule_books_boundaries_are_found():
    """The generator sees the boundaries the issue names (else the test below would pass vacuously)."""
    ids = {m.id for m in MUTANTS}
    expected = [
        "measures.yaml:measures-9-3-textiles-household:when.all[0]:drop_member:toys dropped from item.category in",
        "measures.yaml:measures-9-1-seal-broken:when.all[0]:drop_member:family_planning dropped from item.category in",
        "cpl.yaml:cpl-16-2-longer-promised-period:in_force:shift_date:from 2014-03-15 -> 2014-03-16",
        "readings:short_hold_hours:default:25",
        "categories.yaml:blind_box.natures:drop_member:contents_revealed dropped",
        "cpl.yaml:evidence-10-1-4-short-hold:when.all[2]:strictness:dispute.hours_held le -> lt",
        "regs.yaml:instrument:shift_date:in_force_from 2024-07-01 -> 2024-06-30",
    ]
    assert not [i for i in expected if i not in ids], sorted(ids)[:20]
    assert len(MUTANTS) >= 100


def test_every_list_member_date_and_threshold_has_a_law_example_on_each_side(law_examples):
    results = list(run(MUTANTS, DOCUMENTS, law_examples))
    missing = [r.mutant.description for r in results if r.status == "survived" and not r.detail]
    assert not missing, "no law example on this side of:\n  " + "\n  ".join(missing)
    decidable = [r for r in results if r.status != "equivalent"]
    assert sum(r.status == "killed" for r in decidable) >= 0.9 * len(decidable) > 0
