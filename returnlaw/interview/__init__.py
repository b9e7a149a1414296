"""The mediator's interview: the unknown facts whose answer could still change the outcome.

Questions come from the rule book, never from a fixed questionnaire. For a partial scenario S:

- The *open* facts are the unknown facts read by an outcome rule (scope, right, intact, burden
  of proof; not consequences) whose status is still undetermined, plus the purchase date while
  it alone could pick the version of the law. Facts filled by a burden-of-proof presumption and
  derived facts are not asked. Facts answered "unknown" (``skip``) are not asked again but stay
  open: the others are probed as if they will be known, so that the interview goes on and ends
  with the facts the outcome depends on; a fact answered "disputed" is left to the burden of
  proof once the dispute is recorded.
- Each open fact is tried with a few *probe* answers: one value of a yes/no or choice fact per
  class of values that no outcome rule tells apart; for a number, both sides of every threshold a
  rule compares it with (or the fewest days that would make a period met, and one fewer); for a
  date, one day in each version of the law while the version is open, the days of the other
  known dates, and both sides of every period boundary (the window's last day and the day after,
  or the latest signing that makes a notice late and the day after).
- A fact is *relevant* when some probe answer changes the outcome of S itself (``depth`` 0) or
  of S with a *witness*: answers to other open facts (``Question.given``) under which its answer
  decides. Witnesses are built from each fact's *quiet* answer (the first that settles nothing
  and makes the fewest outcome rules hold: the normal case, no exception triggered): at depth 1
  for the facts *linked* to it (read by the same rule, or by a rule and an exception to it — an
  exclusion and the promise that lifts it, a notice and the signing it counts from), at depth 2
  the same with one linked fact answered otherwise (an exclusion triggered, so that the promise
  that lifts it matters), at depths 3 and 4 likewise with quiet answers to every other open fact.
  Each question carries its witness and the outcome of every probe, so a test can re-evaluate
  and check that one answer changes the outcome. Deeper witnesses are searched only when no
  shallower one exists, and facts that cannot touch the legal variable the outcome waits on
  (``scope`` while it is open, else ``right``) are not probed at depths 0-2.

*A case's order, most decisive first within it*: questions are ordered by (1) stage — the
purchase date first while it may change the law that applies; then the stages of
``questions.yaml`` (``order``: the sale and its dates, the goods, what the seller objects to, the
listing and exclusions, the condition of the goods, the evidence of a dispute, money), except
that once a dispute is open its evidence (facts only the burden-of-proof rules read) comes right
before the rest of the condition, since it settles every disputed fact at once; (2) depth; (3) how
many other answers the witness assumes; (4) the share of probe answers that change the outcome (a
question every answer of which settles the case comes first); (5) how many undecided rules read
the fact; (6) the order of facts in the scenario.

An outcome decided without any presumption cannot change as more facts become known (Kleene's
logic is monotone; ``tests/test_properties.py`` checks it), so such a scenario is settled at
once. A presumption can be overturned by evidence, so then the open facts are still probed.

The package is split by concern: :mod:`.shape` (the rule book seen from the facts), :mod:`.probes`
(trying answers), :mod:`.relevance` (choosing and ordering questions), :mod:`.wording` (a question
as the mediator sees it), :mod:`.answers` (reading what is typed) and :mod:`.session` (one
mediation: answers, going back, disputes, the burden of proof).
"""

from __future__ import annotations

from .answers import Special, parse_answer
from .probes import Probe, assign
from .relevance import is_settled, next_questions
from .session import Asked, BurdenNote, Interview, Step, scenario_data, simulate
from .wording import Choice, Question

__all__ = [
    "Asked",
    "BurdenNote",
    "Choice",
    "Interview",
    "Probe",
    "Question",
    "Special",
    "Step",
    "assign",
    "is_settled",
    "next_questions",
    "parse_answer",
    "scenario_data",
    "simulate",
]
