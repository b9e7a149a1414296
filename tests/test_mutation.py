"""The rule book's mutation score (``returnlaw rules mutate``, returnlaw/mutate.py): small errors in
the rule data must make some test fail.

By default a CI-sized sample of the mutants runs against the whole suite (tests/mutation_suite.py)
with a floor on the score, and no survivor may go unexplained; ``RETURNLAW_MUTANTS=all`` runs
every mutant (about a minute of CPU; the floor is then the issue's 95% over the whole rule book),
``RETURNLAW_MUTANTS=200`` a larger sample. The deliberate bugs of issue #17 are mutants that must be
killed in every run.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
from collections.abc import Callable
from typing import Any

import pytest

from returnlaw.cli import main
from returnlaw.loader import compile_rulebook
from returnlaw.mutate import Mutant, generate, read_documents, run, same_law, select, summary
from tests.mutation_suite import build_suite

SIZE = os.environ.get("RETURNLAW_MUTANTS", "40")
FLOOR = 0.95
DOCUMENTS = read_documents()
LAST: dict[str, Any] = {}  # the sample's report, for the summary at the end of the run (conftest.py)


@pytest.fixture(scope="module")
def suite():
    checks = build_suite()
    assert not checks.excluded, f"checks that fail on the rule book itself: {checks.excluded}"
    return checks


def test_a_sample_of_the_rule_books_mutants_is_killed(suite):
    mutants = select(generate(DOCUMENTS), None if SIZE == "all" else int(SIZE), seed=0, match=None)
    report = summary(list(run(mutants, DOCUMENTS, suite)), suite)
    LAST.update(report, size=SIZE)
    unexplained = [s["id"] for s in report["survivors"] if not s["explanation"]]
    assert not unexplained, f"mutants no test kills (add a law example, or explain them): {unexplained}"
    assert report["score"] >= FLOOR, report


def rule_edit(rule_id: str, what: str, edit: Callable[[dict[str, Any]], None]) -> Mutant:
    """A mutant that edits one rule by hand (the issue's deliberate bugs)."""
    for name, doc in DOCUMENTS.items():
        for i, rule in enumerate(doc.get("rules") or []):
            if rule["id"] == rule_id:

                def replace(node: dict[str, Any]) -> dict[str, Any]:
                    out = copy.deepcopy(node)
                    edit(out)
                    return out

                return Mutant(
                    f"{rule_id}: {what}", "by hand", name, rule_id, what, (name, "rules", i), replace, about=rule_id
                )
    raise LookupError(rule_id)


def _drop(values: list[str], value: str) -> None:
    values.remove(value)


DELIBERATE_BUGS = [
    rule_edit("measures-9-3-textiles-household", "toys dropped", lambda r: _drop(r["when"]["all"][0]["in"], "toys")),
    rule_edit(
        "measures-9-1-seal-broken",
        "family_planning dropped",
        lambda r: _drop(r["when"]["all"][0]["in"], "family_planning"),
    ),
    rule_edit(
        "cpl-16-2-longer-promised-period",
        "in force from 2016 instead of 2014",
        lambda r: r["in_force"].update({"from": dt.date(2016, 3, 15)}),
    ),
    rule_edit(
        "burden-consumer-proved-intact",
        "some consumer evidence suffices",
        lambda r: r["when"]["all"].__setitem__(2, {"fact": "dispute.consumer_evidence", "in": ["some", "strong"]}),
    ),
    # #11 made the 24 hours a reading (short_hold_hours): the bug is its default moved to 48
    Mutant(
        "readings:short_hold_hours:default:48",
        "by hand",
        None,
        None,
        "the default reading short_hold_hours is 48 instead of 24",
        default_readings={"short_hold_hours": 48},
    ),
]


@pytest.mark.parametrize("mutant", DELIBERATE_BUGS, ids=lambda m: m.id)
def test_the_issues_deliberate_bugs_are_killed(suite, mutant):
    [result] = run([mutant], DOCUMENTS, suite)
    assert result.status == "killed", (result.status, result.detail)


def test_a_mutant_the_loader_refuses_is_reported_apart(suite):
    """Refused mutants are neither killed nor survivors; they do not count in the score."""
    conflict = rule_edit("cpl-25-1-1-custom-made", "no longer an exception", lambda r: r.update(exception_to=[]))
    report = summary(list(run([conflict], DOCUMENTS, suite)), suite)
    assert (report["mutants"], report["killed"], report["score"]) == (0, 0, None)
    assert "conflicts with rule cpl-25-1-1-custom-made" in report["refused"][0]["reason"]


def test_a_change_no_decision_can_see_is_proved_equivalent_without_running_the_checks():
    """The CPL's 1994 date only dates provisions no rule in force around 1994 cites; dropping toys
    from Art. 9(1)(3) is a change of the law, never "equivalent"."""
    mutants = select(generate(DOCUMENTS), None, seed=0, match="cpl.yaml:instrument:shift_date:in_force_from 1994-01-01")
    never = _Never()
    results = list(run(mutants, DOCUMENTS, never))
    assert [r.status for r in results] == ["equivalent", "equivalent"] and never.calls == 0
    original = compile_rulebook(DOCUMENTS)
    assert same_law(original, compile_rulebook(DELIBERATE_BUGS[0].apply(DOCUMENTS))) is False
    assert same_law(original, compile_rulebook(DOCUMENTS)) is True


class _Never:
    """A suite that never fails: every mutant it sees survives."""

    def __init__(self) -> None:
        self.calls = 0
        self.explanations: dict[str, str] = {}
        self.excluded: list[str] = []

    def check(self, book: Any, default_readings: Any = None, about: Any = None) -> None:
        self.calls += 1


def test_a_survivor_without_an_explanation_is_named():
    mutants = select(generate(DOCUMENTS), 5, seed=1, match="measures-9-3")
    report = summary(list(run(mutants, DOCUMENTS, _Never())), _Never())
    assert report["killed"] == 0 and report["unexplained"] == len(report["survivors"]) == report["mutants"] > 0


def test_rules_mutate_prints_one_json_object(capsys):
    code = main(["rules", "mutate", "--sample", "4", "--seed", "3", "--property-examples", "5", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert {"mutants", "killed", "score", "survivors", "refused"} <= set(report)
    assert report["mutants"] + len(report["refused"]) == 4
    assert code == (1 if report["unexplained"] else 0)
