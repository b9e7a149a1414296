"""Choosing questions: which open facts could still change the outcome, most decisive first
(the method is described in :mod:`returnlaw.interview`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..api import default_rulebook
from ..conditions import UNKNOWN
from ..evaluator import UNDETERMINED, Evaluation, evaluate
from ..facts import FACTS
from ..grounds import GROUNDS_FILE, not_produced_facts
from ..inputs import parse_scenario
from ..periods import CalendarCoverageError
from ..questions import Wording, default_wording
from ..readings import DEFAULT_READINGS, Readings
from ..rulebook import Presume, RuleBook
from ..scenario import Scenario
from .probes import Ctx, Probe, assign, probe_values
from .shape import DATE_FACTS, LAW_DATE, Shape, shape_of
from .wording import Question, question_for


@dataclass(frozen=True)
class Finding:
    fact: str
    depth: int
    given: dict[str, object]
    probes: tuple[Probe, ...]
    base: str  # the outcome before answering (with ``given``)
    reads: int

    @property
    def share(self) -> float:
        return sum(p.outcome != self.base for p in self.probes) / len(self.probes)


def _probe(ctx: Ctx, scenario: Scenario, path: str) -> tuple[Probe, ...]:
    found = []
    for value in probe_values(ctx, scenario, path):
        changed = assign(scenario, path, value)
        if changed is None:
            continue
        try:
            found.append(Probe(value=value, outcome=ctx.outcome(changed)))
        except CalendarCoverageError:
            continue  # a probe beyond the holiday calendar proves nothing either way
    return tuple(found)


def _evaluations(ctx: Ctx, scenario: Scenario) -> list[Evaluation]:
    """One evaluation, or one per version of the law while the purchase date is unknown."""
    if ctx.as_of is not None or scenario.purchase.date is not None:
        return [evaluate(ctx.book, scenario, as_of=ctx.as_of, readings=ctx.readings)]
    return [evaluate(ctx.book, scenario, as_of=day, readings=ctx.readings) for day in ctx.shape.law_days]


def _rebuttable(ev: Evaluation) -> bool:
    """Whether a burden-of-proof presumption filled a fact, or evidence nobody produced took a
    rule out of issue: a party may still produce it. A fact the goods' category settles cannot be
    otherwise, and one nobody put in issue is not asked (rules/grounds.yaml)."""
    return any(
        isinstance(effect := ev.book.rules[rule].effect, Presume) and effect.kind == "presumed"
        for _, _, rule in ev.presumed
    ) or bool(_unproduced(ev))


def _unproduced(ev: Evaluation) -> set[str]:
    """The evidence facts whose absence took a rule out of issue (rules/grounds.yaml, not_produced)."""
    missing: set[str] = set()
    for i, step in enumerate(ev.epoch.steps):
        rule = step.rule
        evidence = not_produced_facts(rule) if rule.file == GROUNDS_FILE else ()
        if evidence and ev.applies(i) is True:
            missing.update(p for p in evidence if FACTS[p].get(ev.scenario) is None)
    return missing


def _open_facts(ctx: Ctx, scenario: Scenario, evaluations: Sequence[Evaluation]) -> dict[str, int]:
    """Unknown facts read by undecided outcome rules, with how many such rules read each."""
    readers: dict[str, set[str]] = {}
    presumed: set[str] = set()
    for ev in evaluations:
        presumed.update(path for path, _, _ in ev.presumed)
        for i, step in enumerate(ev.epoch.steps):
            if step.rule.group != "effects" and ev.applies(i) is None:
                for path in step.rule.condition.facts:
                    readers.setdefault(path, set()).add(step.rule.id)
        for path in _unproduced(ev):  # evidence a party may still produce
            readers.setdefault(path, set()).add("not_produced")
    if scenario.purchase.date is None and ctx.as_of is None:
        # It picks the version of the law, so in effect every undecided rule reads it.
        readers[LAW_DATE] = set().union(*readers.values())
    return {
        path: len(rules)
        for path, rules in sorted(readers.items(), key=lambda item: ctx.shape.order[item[0]])
        if FACTS[path].get(scenario) is None and not FACTS[path].derived and path not in presumed
    }


class _Search:
    """Relevance of the open facts of one scenario, tier by tier (see the module docstring)."""

    def __init__(self, ctx: Ctx, scenario: Scenario, open_facts: dict[str, int], current: str) -> None:
        self.ctx, self.scenario, self.open, self.current = ctx, scenario, open_facts, current
        self._quiet: Scenario | None = None

    def find(self, path: str, depth: int) -> Finding | None:
        """Depth 0: the answer alone; 1: with quiet answers to its linked facts; 2: the same with
        one linked fact answered otherwise; 3: with quiet answers to every other open fact; 4:
        the same with one linked fact answered otherwise."""
        if depth == 0:
            return self._check(path, 0, self.scenario, self.current)
        partners = sorted(self.ctx.shape.linked.get(path, frozenset()) & set(self.open), key=self._order)
        if depth <= 2:
            if not partners:
                return None
            base: Scenario | None = self.scenario
            for partner in partners:
                base = assign(base, partner, FACTS[partner].get(self.quiet)) if base is not None else None
        else:
            base = assign(self.quiet, path, None)
        if base is None:
            return None
        if depth in (1, 3):
            return self._check(path, depth, base, None)
        return self._varied(path, depth, base, partners)

    def _varied(self, path: str, depth: int, base: Scenario, partners: Sequence[str]) -> Finding | None:
        for partner in partners:
            usual = FACTS[partner].get(base)
            for value in probe_values(self.ctx, base, partner):
                varied = assign(base, partner, value) if value != usual else None
                found = self._check(path, depth, varied, None) if varied is not None else None
                if found is not None:
                    return found
        return None

    def _check(self, path: str, depth: int, where: Scenario, outcome: str | None) -> Finding | None:
        """A finding if some probe answer to ``path`` changes the outcome of ``where``."""
        try:
            base = outcome or self.ctx.outcome(where)
        except CalendarCoverageError:
            return None
        probes = _probe(self.ctx, where, path)
        if not any(p.outcome != base for p in probes):
            return None
        return Finding(path, depth, _given(self.scenario, where, path), probes, base, self.open[path])

    def _order(self, path: str) -> int:
        return self.ctx.shape.order[path]

    @property
    def quiet(self) -> Scenario:
        """The scenario with every open fact given its *quiet* probe answer: the first one that
        settles nothing yet and makes the fewest outcome rules hold (a normal case with no
        exception triggered), chosen fact by fact so that dates follow each other."""
        if self._quiet is None:
            quiet = self.scenario
            for path in self.open:
                quiet = _quietest(self.ctx, quiet, path)
            self._quiet = quiet
        return self._quiet


def _quietest(ctx: Ctx, scenario: Scenario, path: str) -> Scenario:
    best: tuple[tuple[bool, int], Scenario] | None = None
    for value in probe_values(ctx, scenario, path):
        changed = assign(scenario, path, value)
        if changed is None:
            continue
        try:
            ev = evaluate(ctx.book, changed, as_of=ctx.as_of, readings=ctx.readings)
        except CalendarCoverageError:
            continue
        score = (ev.outcome != UNDETERMINED, _holding(ev))
        if best is None or score < best[0]:
            best = (score, changed)
    return scenario if best is None else best[1]


def _holding(ev: Evaluation) -> int:
    """How many outcome rules' conditions hold."""
    return sum(ev.applicable[i] is True for i, step in enumerate(ev.epoch.steps) if step.rule.group != "effects")


def _given(start: Scenario, where: Scenario, path: str) -> dict[str, object]:
    """The answers ``where`` assumes beyond ``start`` (the witness), ``path`` itself excepted."""
    return {
        p: value
        for p, spec in FACTS.items()
        if p != path and not spec.derived and (value := spec.get(where)) is not None and spec.get(start) is None
    }


def findings(ctx: Ctx, scenario: Scenario, limit: int | None = None) -> list[Finding]:
    evaluations = _evaluations(ctx, scenario)
    current = ctx.outcome(scenario)
    if current != UNDETERMINED and not any(_rebuttable(ev) for ev in evaluations):
        return []  # decided without rebuttable presumptions: more facts can only confirm it
    dispute_open = any(FACTS[p].get(scenario) is not None for p in ctx.shape.evidence)
    # A fact answered "unknown" stays open: it is never asked again, but the others are probed
    # as if it will be known, so one "unknown" does not end the interview. Once a dispute is
    # open, a fact the burden of proof can fill is left to it instead.
    decided_by_burden = ctx.skip & ctx.shape.presumable if dispute_open else frozenset()
    open_facts = {p: n for p, n in _open_facts(ctx, scenario, evaluations).items() if p not in decided_by_burden}
    alone = _alone(ctx, scenario, evaluations, current)
    search = _Search(ctx, scenario, open_facts, current)
    found: list[Finding] = []
    done: set[str] = set()
    ranked = {p: _stage(ctx, p, dispute_open) for p in open_facts if p not in ctx.skip}
    for stage in sorted(set(ranked.values())):
        facts = [p for p in ranked if ranked[p] == stage]
        for depth in range(5):
            todo = [p for p in facts if p not in done and _may_settle(ctx.shape, p, depth, alone)]
            tier = [f for p in todo if (f := search.find(p, depth)) is not None]
            found += sorted(tier, key=lambda f: (len(f.given), -f.share, -f.reads, ctx.shape.order[f.fact]))
            done.update(f.fact for f in tier)
            if limit is not None and len(found) >= limit:
                return found[:limit]
    return found


def _may_settle(shape: Shape, path: str, depth: int, alone: set[str] | None) -> bool:
    """Whether ``path`` can be relevant at ``depth`` given the facts that may settle the outcome
    alone: with answers to linked facts only (depths 1 and 2), one of them or it must be such a
    fact, since facts outside that set leave the variable the outcome waits on unsettled."""
    if alone is None or depth > 2 or path in alone:
        return True
    return depth > 0 and not shape.linked.get(path, frozenset()).isdisjoint(alone)


def _alone(ctx: Ctx, scenario: Scenario, evaluations: Sequence[Evaluation], current: str) -> set[str] | None:
    """A superset of the facts whose answer alone can settle an undetermined outcome (None: no
    bound). The outcome waits on ``scope`` while it is open, then on ``right`` (as in the
    evaluator), so only facts read by undecided rules of that variable, of the variables it
    reads and of the presumptions that fill their facts can settle it; and dates, while they may
    still pick the version of the law."""
    if current != UNDETERMINED:
        return None
    facts: set[str] = set()
    for ev in evaluations:
        scope = ev.variables.get("scope")
        target = "scope" if scope is UNKNOWN else "right" if scope == "in" else None
        if target is None:
            continue
        groups = _depends(ev, target, ctx.shape.fillable)
        for i, step in enumerate(ev.epoch.steps):
            if step.rule.group in groups and ev.applies(i) is None:
                facts |= step.rule.condition.facts
    if ctx.as_of is None and scenario.purchase.date is None:
        facts.update(DATE_FACTS)
    return facts


def _depends(ev: Evaluation, target: str, presumable: frozenset[str]) -> set[str]:
    """The groups a legal variable depends on: itself, the variables its rules read, and the
    presumptions when its rules read facts a presumption can fill."""
    groups, todo = set(), [target]
    while todo:
        group = todo.pop()
        if group in groups:
            continue
        groups.add(group)
        for step in ev.epoch.steps:
            if step.rule.group == group:
                todo.extend(step.rule.condition.variables)
                if step.rule.condition.facts & presumable:
                    todo.append("presumptions")
    return groups


def _stage(ctx: Ctx, path: str, dispute_open: bool) -> float:
    """A case's order (``questions.yaml``: ``order``): the purchase date first while it may change
    the law that applies, then stage by stage. Once a dispute is open, its evidence comes just
    before the condition of the goods (it settles the disputed facts at once); otherwise after."""
    if path == LAW_DATE:
        return -1
    if dispute_open and path in ctx.shape.evidence:
        return ctx.stages.get("condition.", 0) - 0.5
    return ctx.stages.get(path, ctx.stages.get(path.partition(".")[0] + ".", len(ctx.stages)))


def context(
    book: RuleBook | None,
    as_of: dt.date | None,
    readings: Readings,
    skip: Iterable[str],
    wording: Wording | None = None,
) -> Ctx:
    book = book or default_rulebook()
    stages = (wording or default_wording()).stage_ranks()
    return Ctx(book, shape_of(book), as_of, readings, frozenset(skip), stages)


def as_scenario(scenario: Scenario | Mapping[str, Any]) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else parse_scenario(dict(scenario))


def next_questions(
    scenario: Scenario | Mapping[str, Any],
    *,
    as_of: dt.date | None = None,
    readings: Readings = DEFAULT_READINGS,
    book: RuleBook | None = None,
    skip: Iterable[str] = (),
    wording: Wording | None = None,
    limit: int | None = None,
) -> list[Question]:
    """The unknown facts whose answer could change the outcome, most decisive first.

    ``skip``: facts already asked and answered "unknown" or "disputed"; they are not asked again,
    but the others are still asked as if these will be known (an answer that matters only once
    they are known is still worth having).
    ``limit``: stop after this many (the search goes tier by tier, so ``limit=1`` is much cheaper).
    Empty when the outcome is settled, or when nothing that could be asked would change it."""
    wording = wording or default_wording()
    ctx = context(book, as_of, readings, skip, wording)
    return [question_for(f, wording, ctx.book) for f in findings(ctx, as_scenario(scenario), limit)]


def is_settled(
    scenario: Scenario | Mapping[str, Any],
    *,
    as_of: dt.date | None = None,
    readings: Readings = DEFAULT_READINGS,
    book: RuleBook | None = None,
    skip: Iterable[str] = (),
) -> bool:
    """True when the outcome is decided and no answer to an open fact could change it."""
    ctx = context(book, as_of, readings, skip)
    scenario = as_scenario(scenario)
    return ctx.outcome(scenario) != UNDETERMINED and not findings(ctx, scenario, limit=1)
