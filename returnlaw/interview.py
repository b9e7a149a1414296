"""The mediator's interview: the unknown facts whose answer could still change the outcome.

Questions come from the rule book, never from a fixed questionnaire. For a partial scenario S:

- The *open* facts are the unknown facts read by an outcome rule (scope, right, intact, burden
  of proof; not consequences) whose status is still undetermined, plus the purchase date while
  it alone could pick the version of the law. Facts answered "unknown" or "disputed" (``skip``),
  facts filled by a burden-of-proof presumption, and derived facts are not asked.
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

*Most decisive first*: questions are ordered by (1) stage — the purchase date first while it may
change the law that applies; then, once a dispute is open, its evidence (facts only the
burden-of-proof rules read), which settles every disputed fact at once; then the rest, with the
evidence of a dispute last while none is open, so the condition of the goods is asked before the
evidence about it; (2) depth; (3) how many other answers the witness assumes; (4) the share of
probe answers that change the outcome (a question every answer of which settles the case comes
first); (5) how many undecided rules read the fact; (6) the order of facts in the scenario.

An outcome decided without any presumption cannot change as more facts become known (Kleene's
logic is monotone; ``tests/test_properties.py`` checks it), so such a scenario is settled at
once. A presumption can be overturned by evidence, so then the open facts are still probed.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import typing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from .api import default_rulebook
from .conditions import UNKNOWN
from .evaluator import UNDETERMINED, Evaluation, evaluate, outcome_of
from .facts import FACTS
from .inputs import InputError, closest, parse_scenario
from .periods import CalendarCoverageError, Counting, period_end, within_period
from .questions import Kind, Wording, choice_labels, default_wording
from .readings import DEFAULT_READINGS, Readings
from .rulebook import Presume, RuleBook
from .scenario import Scenario, day_of

_ONE_DAY = dt.timedelta(days=1)
_ONE_MINUTE = dt.timedelta(minutes=1)
_DATE_FACTS = tuple(p for p, s in FACTS.items() if s.kind in ("date", "moment"))
_DAY_LADDER = (1, 7, 30, 365, 3650, 36500)  # probes for a number of days when the dates are unknown
_ORDER_OPS = ("lt", "le", "gt", "ge")
_LAW_DATE = "purchase.date"  # picks the version of the law (returnlaw.evaluator)


def _enum_types() -> dict[str, type[StrEnum]]:
    """The enum class of every choice fact, so that probes store members, as validation would."""
    found: dict[str, type[StrEnum]] = {}
    for section, field in Scenario.model_fields.items():
        model = field.annotation
        for name, sub in getattr(model, "model_fields", {}).items():
            for arg in typing.get_args(sub.annotation):
                if isinstance(arg, type) and issubclass(arg, StrEnum):
                    found[f"{field.alias or section}.{name}"] = arg
    return found


_ENUMS = _enum_types()


# -- what the interview needs to know about a rule book ---------------------------------------


@dataclass(frozen=True)
class _Period:
    start: str
    event: str
    days: int | str  # a number of days, or the number fact that holds it


@dataclass(frozen=True)
class _Shape:
    """The rule book seen from the facts: computed once per book."""

    linked: Mapping[str, frozenset[str]]  # facts read by its rules, their exceptions and what they defeat
    compared: Mapping[str, frozenset[str]]  # facts compared with it ({fact: a, lt: {fact: b}})
    periods: tuple[_Period, ...]
    thresholds: Mapping[str, tuple[Any, ...]]  # literals it is compared with (lt/le/gt/ge)
    reading_bounds: Mapping[str, tuple[str, ...]]  # number readings it is compared with
    literals: Mapping[str, tuple[str, ...]]  # literal values of a text fact
    choices: Mapping[str, tuple[str, ...]]  # one value of a choice fact per class no outcome rule tells apart
    presumable: frozenset[str]  # facts a burden-of-proof presumption can fill
    evidence: frozenset[str]  # facts read only by burden-of-proof rules
    law_days: tuple[dt.date, ...]  # one day in each version of the law
    order: Mapping[str, int]


_SHAPES: dict[int, tuple[RuleBook, _Shape]] = {}


def _shape(book: RuleBook) -> _Shape:
    cached = _SHAPES.get(id(book))
    if cached is not None and cached[0] is book:
        return cached[1]
    shape = _build_shape(book)
    if len(_SHAPES) > 16:  # books are few; never let a long-lived process grow this without bound
        _SHAPES.clear()
    _SHAPES[id(book)] = (book, shape)
    return shape


def _nodes(data: object) -> Iterator[Mapping[str, Any]]:
    """Every sub-condition of a rule's ``when`` as written."""
    if not isinstance(data, Mapping):
        return
    yield data
    for key in ("all", "any"):
        for child in data.get(key, ()):
            yield from _nodes(child)
    yield from _nodes(data.get("not"))


def _build_shape(book: RuleBook) -> _Shape:
    compared: dict[str, set[str]] = {}
    thresholds: dict[str, set[Any]] = {}
    reading_bounds: dict[str, set[str]] = {}
    literals: dict[str, set[str]] = {}
    sets: dict[str, set[frozenset[str]]] = {}  # the value sets outcome rules test a choice fact against
    periods: set[_Period] = set()
    presumable: set[str] = set()
    by_presumptions: set[str] = set()
    by_others: set[str] = set()
    for rule in book.rules.values():
        if rule.group == "effects":
            continue
        (by_presumptions if rule.group == "presumptions" else by_others).update(rule.condition.facts)
        if isinstance(rule.effect, Presume):
            presumable.update(path for path, _ in rule.effect.facts)
        for node in _nodes(rule.when_data):
            _read_node(node, compared, thresholds, literals, periods, reading_bounds)
            if FACTS.get(node.get("fact", ""), None) is not None and FACTS[node["fact"]].kind == "enum":
                sets.setdefault(node["fact"], set()).update(_value_sets(node))
    bounds = book.boundaries()
    return _Shape(
        linked=_linked(book),
        compared={p: frozenset(v) for p, v in compared.items()},
        periods=tuple(sorted(periods, key=repr)),
        thresholds={p: tuple(sorted(v)) for p, v in thresholds.items()},
        reading_bounds={p: tuple(sorted(v)) for p, v in reading_bounds.items()},
        literals={p: tuple(sorted(v)) for p, v in literals.items()},
        choices={p: _representatives(p, sets.get(p, set())) for p, spec in FACTS.items() if spec.kind == "enum"},
        presumable=frozenset(presumable),
        # the dispute's own facts stay evidence though an outcome rule reads one too (whether the
        # seller alleges damage; a condition verified at pickup)
        evidence=frozenset(p for p in by_presumptions if p not in by_others or p.startswith("dispute.")),
        law_days=(bounds[0] - _ONE_DAY, *bounds) if bounds else (),
        order={p: i for i, p in enumerate(FACTS)},
    )


def _linked(book: RuleBook) -> dict[str, frozenset[str]]:
    """Facts that act together: read by one outcome rule, or by a rule and an exception to it."""
    families: dict[str, set[str]] = {}  # rule id -> facts of the rule and of its exception partners
    for epoch in book.epochs:
        for step in epoch.steps:
            if step.rule.group == "effects":
                continue
            own = families.setdefault(step.rule.id, set(step.rule.condition.facts))
            for j in step.defeaters:
                other = epoch.steps[j].rule
                own.update(other.condition.facts)
                families.setdefault(other.id, set(other.condition.facts)).update(step.rule.condition.facts)
    linked: dict[str, set[str]] = {}
    for rule_id, facts in families.items():
        for path in book.rules[rule_id].condition.facts:
            linked.setdefault(path, set()).update(facts - {path})
    return {p: frozenset(v) for p, v in linked.items()}


def _value_sets(node: Mapping[str, Any]) -> list[frozenset[str]]:
    return [
        frozenset(v if isinstance(v, tuple | list) else [v])
        for op in ("eq", "ne", "in", "not_in")
        if (v := node.get(op)) is not None
    ]


def _representatives(path: str, sets: set[frozenset[str]]) -> tuple[str, ...]:
    """The first value of each class of values that belong to exactly the same tested sets:
    every outcome rule treats the values of one class alike, so one probe stands for all."""
    seen: dict[frozenset[frozenset[str]], str] = {}
    for value in FACTS[path].values:
        seen.setdefault(frozenset(s for s in sets if value in s), value)
    return tuple(seen.values())


def _read_node(
    node: Mapping[str, Any], compared: dict, thresholds: dict, literals: dict, periods: set, reading_bounds: dict
) -> None:
    if "within_period" in node:
        spec = node["within_period"]
        days = spec["days"]
        periods.add(_Period(spec["start"], spec["event"], days["fact"] if isinstance(days, Mapping) else days))
        return
    path = node.get("fact")
    if path is None:
        return
    for op in _ORDER_OPS:
        bound = node.get(op)
        if isinstance(bound, Mapping) and "reading" in bound:
            reading_bounds.setdefault(path, set()).add(bound["reading"])
        elif isinstance(bound, Mapping):
            compared.setdefault(path, set()).add(bound["fact"])
            compared.setdefault(bound["fact"], set()).add(path)
        elif bound is not None:
            thresholds.setdefault(path, set()).add(bound)
    if FACTS[path].kind == "text":
        for op in ("eq", "ne", "in", "not_in"):
            if op in node:
                value = node[op]
                literals.setdefault(path, set()).update(value if isinstance(value, tuple | list) else [value])


# -- trying answers -----------------------------------------------------------------------------


def assign(scenario: Scenario, path: str, value: object) -> Scenario | None:
    """``scenario`` with one fact set to ``value`` (None: unknown), or None if the value cannot
    stand there (wrong type, out of bounds, or a date out of order with the others)."""
    section, _, name = path.partition(".")
    attr = "return_" if section == "return" else section
    part = getattr(scenario, attr)
    spec = FACTS[path]
    if value is not None and not ((spec.kind == "bool" and isinstance(value, bool)) or value in spec.values):
        try:  # booleans and allowed choices are valid as they are; other values are checked
            value = getattr(type(part).model_validate({name: value}), name)
        except ValidationError:
            return None
    changed = scenario.model_copy(update={attr: part.model_copy(update={name: value})})
    if spec.kind in ("date", "moment") and value is not None:
        try:  # the order of dates is checked on the whole scenario
            Scenario.model_validate(changed.model_dump(by_alias=True))
        except ValidationError:
            return None
    return changed


@dataclass(frozen=True)
class _Ctx:
    book: RuleBook
    shape: _Shape
    as_of: dt.date | None
    readings: Readings
    skip: frozenset[str]

    def outcome(self, scenario: Scenario) -> str:
        return outcome_of(self.book, scenario, as_of=self.as_of, readings=self.readings)


def _probe_values(ctx: _Ctx, scenario: Scenario, path: str) -> list[object]:
    kind = FACTS[path].kind
    if kind == "bool":
        return [True, False]
    if kind == "enum":
        return [_ENUMS[path](v) for v in ctx.shape.choices[path]]
    if kind == "set":
        return []  # read only by consequence rules (the seller's stated grounds): never decisive
    if kind == "number":
        values = _number_probes(ctx, scenario, path)
    elif kind in ("date", "moment"):
        values = _date_probes(ctx, scenario, path)
    else:
        values = [*ctx.shape.literals.get(path, ()), "(other)"]
    return list(dict.fromkeys(values))


def _number_probes(ctx: _Ctx, scenario: Scenario, path: str) -> list[object]:
    values: list[object] = []
    bounds = [
        *ctx.shape.thresholds.get(path, ()),
        *(getattr(ctx.readings, n) for n in ctx.shape.reading_bounds.get(path, ())),
    ]
    for bound in bounds:
        values += [bound - 1, bound, bound + 1]
    for other in ctx.shape.compared.get(path, ()):
        known = FACTS[other].get(scenario)
        if known is not None:
            values += [known - 1, known, known + 1]  # type: ignore[operator]
    for period in ctx.shape.periods:
        if period.days == path:
            values += _days_probes(ctx, scenario, period)
    return values


def _days_probes(ctx: _Ctx, scenario: Scenario, period: _Period) -> list[int]:
    start, event = FACTS[period.start].get(scenario), FACTS[period.event].get(scenario)
    if start is None or event is None:
        return list(_DAY_LADDER)
    need = _days_needed(start, event, ctx.readings.counting)  # type: ignore[arg-type]
    return [] if need is None else [need - 1, need]


def _days_needed(start: dt.date, event: dt.date, counting: Counting) -> int | None:
    """The fewest days in which a notice on ``event`` is in time (the test is monotone in days)."""
    low, high = 1, max(1, (day_of(event) - day_of(start)).days + 1)  # type: ignore[operator]
    try:
        while low < high:
            mid = (low + high) // 2
            if within_period(start, event, mid, counting) is True:
                high = mid
            else:
                low = mid + 1
    except CalendarCoverageError:
        return None
    return low


def _date_probes(ctx: _Ctx, scenario: Scenario, path: str) -> list[object]:
    # One day in each version of the law, while the version is open; the days of the other known
    # dates as anchors; both sides of every threshold and period boundary.
    law_open = ctx.as_of is None and scenario.purchase.date is None
    values: list[object] = list(ctx.shape.law_days) if law_open else []
    values += [d for p in _DATE_FACTS if p != path and (d := day_of(FACTS[p].get(scenario))) is not None]
    for bound in ctx.shape.thresholds.get(path, ()):
        values += [bound - _ONE_DAY, bound, bound + _ONE_DAY]
    for other in ctx.shape.compared.get(path, ()):
        known = day_of(FACTS[other].get(scenario))
        if known is not None:
            values += [known - _ONE_DAY, known + _ONE_DAY]
    counting = ctx.readings.counting
    for period in ctx.shape.periods:
        days = period.days if isinstance(period.days, int) else FACTS[period.days].get(scenario)
        if days is None:
            continue
        start, event = FACTS[period.start].get(scenario), FACTS[period.event].get(scenario)
        if path == period.event and start is not None:
            values += _event_probes(start, int(days), counting)  # type: ignore[arg-type]
        if path == period.start and event is not None:
            values += _start_probes(event, int(days), counting)  # type: ignore[arg-type]
    return values or list(ctx.shape.law_days)


def _event_probes(start: dt.date, days: int, counting: Counting) -> list[object]:
    """The period's end and the moment after it: in time, and late."""
    try:
        end = period_end(start, days, counting)
    except CalendarCoverageError:
        return []
    step = _ONE_MINUTE if isinstance(end, dt.datetime) else _ONE_DAY
    return [end, end + step]


def _start_probes(event: dt.date, days: int, counting: Counting) -> list[object]:
    """The latest start that makes ``event`` late, and the one just after it (in time)."""
    if counting is Counting.PLATFORM_168H:
        base = event if isinstance(event, dt.datetime) else dt.datetime.combine(event, dt.time())
        first = base - dt.timedelta(hours=24 * days)
        return [first - _ONE_MINUTE, first]
    target = day_of(event)
    start = target - dt.timedelta(days=days + 1)  # type: ignore[operator]
    try:
        for _ in range(40):  # rest days can push the end by a few weeks at most
            if period_end(start, days, counting) < target:  # type: ignore[operator]
                return [start, start + _ONE_DAY]
            start -= _ONE_DAY
    except CalendarCoverageError:
        pass
    return []


# -- relevance --------------------------------------------------------------------------------


class Probe(BaseModel):
    """One answer tried, and the outcome it leads to."""

    model_config = ConfigDict(frozen=True)

    value: Any
    outcome: str


@dataclass(frozen=True)
class _Finding:
    fact: str
    depth: int
    given: dict[str, object]
    probes: tuple[Probe, ...]
    base: str  # the outcome before answering (with ``given``)
    reads: int

    @property
    def share(self) -> float:
        return sum(p.outcome != self.base for p in self.probes) / len(self.probes)


def _probe(ctx: _Ctx, scenario: Scenario, path: str) -> tuple[Probe, ...]:
    found = []
    for value in _probe_values(ctx, scenario, path):
        changed = assign(scenario, path, value)
        if changed is None:
            continue
        try:
            found.append(Probe(value=value, outcome=ctx.outcome(changed)))
        except CalendarCoverageError:
            continue  # a probe beyond the holiday calendar proves nothing either way
    return tuple(found)


def _evaluations(ctx: _Ctx, scenario: Scenario) -> list[Evaluation]:
    """One evaluation, or one per version of the law while the purchase date is unknown."""
    if ctx.as_of is not None or scenario.purchase.date is not None:
        return [evaluate(ctx.book, scenario, as_of=ctx.as_of, readings=ctx.readings)]
    return [evaluate(ctx.book, scenario, as_of=day, readings=ctx.readings) for day in ctx.shape.law_days]


def _open_facts(ctx: _Ctx, scenario: Scenario, evaluations: Sequence[Evaluation]) -> dict[str, int]:
    """Unknown facts read by undecided outcome rules, with how many such rules read each."""
    readers: dict[str, set[str]] = {}
    presumed: set[str] = set()
    for ev in evaluations:
        presumed.update(path for path, _, _ in ev.presumed)
        for i, step in enumerate(ev.epoch.steps):
            if step.rule.group != "effects" and ev.applies(i) is None:
                for path in step.rule.condition.facts:
                    readers.setdefault(path, set()).add(step.rule.id)
    if scenario.purchase.date is None and ctx.as_of is None:
        # It picks the version of the law, so in effect every undecided rule reads it.
        readers[_LAW_DATE] = set().union(*readers.values())
    return {
        path: len(rules)
        for path, rules in sorted(readers.items(), key=lambda item: ctx.shape.order[item[0]])
        if FACTS[path].get(scenario) is None
        and not FACTS[path].derived
        and path not in ctx.skip
        and path not in presumed
    }


class _Search:
    """Relevance of the open facts of one scenario, tier by tier (see the module docstring)."""

    def __init__(self, ctx: _Ctx, scenario: Scenario, open_facts: dict[str, int], current: str) -> None:
        self.ctx, self.scenario, self.open, self.current = ctx, scenario, open_facts, current
        self._quiet: Scenario | None = None

    def find(self, path: str, depth: int) -> _Finding | None:
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

    def _varied(self, path: str, depth: int, base: Scenario, partners: Sequence[str]) -> _Finding | None:
        for partner in partners:
            usual = FACTS[partner].get(base)
            for value in _probe_values(self.ctx, base, partner):
                varied = assign(base, partner, value) if value != usual else None
                found = self._check(path, depth, varied, None) if varied is not None else None
                if found is not None:
                    return found
        return None

    def _check(self, path: str, depth: int, where: Scenario, outcome: str | None) -> _Finding | None:
        """A finding if some probe answer to ``path`` changes the outcome of ``where``."""
        try:
            base = outcome or self.ctx.outcome(where)
        except CalendarCoverageError:
            return None
        probes = _probe(self.ctx, where, path)
        if not any(p.outcome != base for p in probes):
            return None
        return _Finding(path, depth, _given(self.scenario, where, path), probes, base, self.open[path])

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


def _quietest(ctx: _Ctx, scenario: Scenario, path: str) -> Scenario:
    best: tuple[tuple[bool, int], Scenario] | None = None
    for value in _probe_values(ctx, scenario, path):
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


def _findings(ctx: _Ctx, scenario: Scenario, limit: int | None = None) -> list[_Finding]:
    evaluations = _evaluations(ctx, scenario)
    current = ctx.outcome(scenario)
    if current != UNDETERMINED and not any(ev.presumed for ev in evaluations):
        return []  # decided without presumptions: more facts can only confirm it
    open_facts = _open_facts(ctx, scenario, evaluations)
    alone = _alone(ctx, scenario, evaluations, current)
    search = _Search(ctx, scenario, open_facts, current)
    dispute_open = any(FACTS[p].get(scenario) is not None for p in ctx.shape.evidence)
    found: list[_Finding] = []
    done: set[str] = set()
    for stage in range(4):
        facts = [p for p in open_facts if _stage(ctx.shape, p, dispute_open) == stage]
        for depth in range(5):
            todo = [p for p in facts if p not in done and _may_settle(ctx.shape, p, depth, alone)]
            tier = [f for p in todo if (f := search.find(p, depth)) is not None]
            found += sorted(tier, key=lambda f: (len(f.given), -f.share, -f.reads, ctx.shape.order[f.fact]))
            done.update(f.fact for f in tier)
            if limit is not None and len(found) >= limit:
                return found[:limit]
    return found


def _may_settle(shape: _Shape, path: str, depth: int, alone: set[str] | None) -> bool:
    """Whether ``path`` can be relevant at ``depth`` given the facts that may settle the outcome
    alone: with answers to linked facts only (depths 1 and 2), one of them or it must be such a
    fact, since facts outside that set leave the variable the outcome waits on unsettled."""
    if alone is None or depth > 2 or path in alone:
        return True
    return depth > 0 and not shape.linked.get(path, frozenset()).isdisjoint(alone)


def _alone(ctx: _Ctx, scenario: Scenario, evaluations: Sequence[Evaluation], current: str) -> set[str] | None:
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
        groups = _depends(ev, target, ctx.shape.presumable)
        for i, step in enumerate(ev.epoch.steps):
            if step.rule.group in groups and ev.applies(i) is None:
                facts |= step.rule.condition.facts
    if ctx.as_of is None and scenario.purchase.date is None:
        facts.update(_DATE_FACTS)
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


def _stage(shape: _Shape, path: str, dispute_open: bool) -> int:
    """The purchase date first while it may change the law that applies; evidence of a dispute
    next once a dispute is open (it settles the disputed facts at once), and last otherwise (the
    condition of the goods is asked before the evidence about it)."""
    if path == _LAW_DATE:
        return 0
    if path not in shape.evidence:
        return 2
    return 1 if dispute_open else 3


# -- questions ----------------------------------------------------------------------------------


class Choice(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: bool | str
    zh: str
    en: str

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Question(BaseModel):
    """One question for the mediator, with the evidence that its answer matters."""

    model_config = ConfigDict(frozen=True)

    fact: str
    kind: Kind
    zh: str
    en: str
    help_zh: str  # ends with the provisions it serves, cited the Chinese way
    help_en: str
    cite: tuple[str, ...]
    choices: tuple[Choice, ...] = ()
    with_time: bool = False  # a date that may also carry a time of day (YYYY-MM-DD HH:MM)
    depth: int  # 0: its answer alone can change the outcome; 1: together with ``given``
    given: dict[str, Any] = {}
    outcome_now: str  # the outcome before it is answered (with ``given``)
    probes: tuple[Probe, ...]  # answers tried and their outcomes: at least one differs from outcome_now
    share: float  # share of the probes that change the outcome
    reads: int  # undecided rules that read the fact

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def help(self, lang: str) -> str:
        return self.help_zh if lang == "zh" else self.help_en


def _question(finding: _Finding, wording: Wording, book: RuleBook) -> Question:
    entry = wording.facts[finding.fact]
    choices: tuple[Choice, ...] = ()
    if entry.kind in ("yes_no", "choice"):
        labels = choice_labels(wording, finding.fact)
        choices = tuple(
            Choice(value=_choice_value(key, entry.kind), zh=label.zh, en=label.en) for key, label in labels.items()
        )
    return Question(
        fact=finding.fact,
        kind=entry.kind,
        zh=entry.zh,
        en=entry.en,
        help_zh=wording.help_line(finding.fact, "zh", book),
        help_en=wording.help_line(finding.fact, "en", book),
        cite=entry.cite,
        choices=choices,
        with_time=FACTS[finding.fact].kind == "moment",
        depth=finding.depth,
        given=finding.given,
        outcome_now=finding.base,
        probes=finding.probes,
        share=round(finding.share, 4),
        reads=finding.reads,
    )


def _choice_value(key: str, kind: str) -> bool | str:
    return key == "true" if kind == "yes_no" else key


def _context(book: RuleBook | None, as_of: dt.date | None, readings: Readings, skip: Iterable[str]) -> _Ctx:
    book = book or default_rulebook()
    return _Ctx(book, _shape(book), as_of, readings, frozenset(skip))


def _as_scenario(scenario: Scenario | Mapping[str, Any]) -> Scenario:
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

    ``skip``: facts already asked and answered "unknown" or "disputed"; they are not asked again.
    ``limit``: stop after this many (the search goes tier by tier, so ``limit=1`` is much cheaper).
    Empty when the outcome is settled, or when nothing that could be asked would change it."""
    ctx = _context(book, as_of, readings, skip)
    wording = wording or default_wording()
    return [_question(f, wording, ctx.book) for f in _findings(ctx, _as_scenario(scenario), limit)]


def is_settled(
    scenario: Scenario | Mapping[str, Any],
    *,
    as_of: dt.date | None = None,
    readings: Readings = DEFAULT_READINGS,
    book: RuleBook | None = None,
    skip: Iterable[str] = (),
) -> bool:
    """True when the outcome is decided and no answer to an open fact could change it."""
    ctx = _context(book, as_of, readings, skip)
    scenario = _as_scenario(scenario)
    return ctx.outcome(scenario) != UNDETERMINED and not _findings(ctx, scenario, limit=1)


# -- answers ------------------------------------------------------------------------------------


class Special(StrEnum):
    """Answers that are not a value of the fact."""

    UNKNOWN = "unknown"
    DISPUTED = "disputed"


def parse_answer(wording: Wording, fact: str, answer: object) -> object:
    """An answer as typed or read from a file -> the fact's value, or a :class:`Special` answer.

    Raises :class:`InputError` naming the fact when the answer does not fit it."""
    if isinstance(answer, Special):
        return answer
    if isinstance(answer, str):
        keyword = wording.keywords.match(answer)
        if keyword in ("unknown", "disputed"):
            return Special(keyword)
        if keyword is not None:
            raise InputError(f"{answer!r} is a command, not an answer", fact)
    kind = FACTS[fact].kind
    if answer is None:
        return Special.UNKNOWN
    if kind == "bool":
        return _yes_no(wording, fact, answer)
    if kind == "enum":
        return _choice(wording, fact, answer)
    if kind == "set":
        return _choices(wording, fact, answer)
    if kind == "number":
        return _number(fact, answer)
    if kind in ("date", "moment"):
        return _date(fact, answer)
    if not isinstance(answer, str):
        raise InputError(f"expected text, got {answer!r:.60}", fact)
    return answer.strip()


def _yes_no(wording: Wording, fact: str, answer: object) -> bool:
    if isinstance(answer, bool):
        return answer
    text = str(answer).strip().casefold()
    for position, key in enumerate(("yes", "no"), start=1):
        label = wording.yes_no[key]
        if text in {w.casefold() for w in (*label.words, label.zh, label.en, str(position))}:
            return key == "yes"
    raise InputError(f"{wording.ui('bad_yes_no', 'en')}, got {answer!r:.60}", fact)


def _choice(wording: Wording, fact: str, answer: object) -> str:
    values = FACTS[fact].values
    text = str(answer).strip()
    if text.isdigit() and 1 <= int(text) <= len(values):
        return values[int(text) - 1]
    labels = wording.facts[fact].choices
    for value in values:
        if text.casefold() in {value.casefold(), labels[value].zh.casefold(), labels[value].en.casefold()}:
            return value
    hint = closest(text, list(values))
    suggestion = f"; did you mean {hint!r}?" if hint else f"; allowed: {', '.join(values)}"
    raise InputError(f"{text!r:.60} is not one of the choices{suggestion}", fact)


_SEPARATORS = re.compile(r"[,，、;；\s]+")


def _choices(wording: Wording, fact: str, answer: object) -> tuple[str, ...]:
    """Any number of choices: a list, or text separated by commas (empty: none of them)."""
    if isinstance(answer, list | tuple):
        items = [str(a) for a in answer]
    elif isinstance(answer, str):
        items = [t for t in _SEPARATORS.split(answer.strip()) if t]
    else:
        raise InputError(f"expected a list of choices, got {answer!r:.60}", fact)
    picked = tuple(dict.fromkeys(_choice(wording, fact, item) for item in items))
    return picked


_INTEGER = re.compile(r"[+-]?\d+")


def _number(fact: str, answer: object) -> object:
    if isinstance(answer, bool) or not isinstance(answer, int | float | Decimal | str):
        raise InputError(f"expected a number, got {answer!r:.60}", fact)
    if not isinstance(answer, str):
        return answer
    text = answer.strip().replace(",", "").removeprefix("¥").removesuffix("元")
    if _INTEGER.fullmatch(text):
        return int(text)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise InputError(f"expected a number, got {answer!r:.60}", fact) from None
    return _fitting_number(fact, number)


def _fitting_number(fact: str, number: Decimal) -> object:
    """A decimal as text for money fields (exact), else as a float (e.g. hours held)."""
    section, _, name = fact.partition(".")
    model = type(getattr(Scenario(), "return_" if section == "return" else section))
    for value in (str(number), float(number)):
        try:
            model.model_validate({name: value})
            return value
        except ValidationError:
            continue
    return float(number)  # let the scenario's own validation name the problem


def _date(fact: str, answer: object) -> object:
    if isinstance(answer, dt.date):
        return answer
    if not isinstance(answer, str):
        raise InputError(f"expected a date as YYYY-MM-DD, got {answer!r:.60}", fact)
    return answer.strip()


# -- the session ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One answer: the fact, its value or a :class:`Special` answer, and what a dispute records."""

    fact: str
    answer: object
    recorded: tuple[tuple[str, object], ...] = ()


class BurdenNote(BaseModel):
    """A burden-of-proof presumption that decided disputed facts, and whom it went against."""

    model_config = ConfigDict(frozen=True)

    rule: str
    title_zh: str
    title_en: str
    cite: tuple[str, ...]
    facts: tuple[tuple[str, Any], ...]
    reading: str  # the burden_of_proof reading in use
    against: str | None  # the party the disputed facts go against, once the rules settle it


class Interview:
    """One mediation: a starting scenario, the answers given so far, and what to ask next.

    Pure state, no input or output: ``returnlaw ask`` drives it from a terminal or an answers
    file, and platforms can drive it from their own interfaces."""

    def __init__(
        self,
        start: Scenario | Mapping[str, Any] | None = None,
        *,
        book: RuleBook | None = None,
        as_of: dt.date | None = None,
        readings: Readings = DEFAULT_READINGS,
        wording: Wording | None = None,
    ) -> None:
        self.book = book or default_rulebook()
        self.wording = wording or default_wording()
        self.as_of, self.readings = as_of, readings
        self._base = scenario_data(start) if isinstance(start, Scenario) else copy.deepcopy(dict(start or {}))
        self._steps: list[Step] = []
        self._scenario = parse_scenario(copy.deepcopy(self._base))

    @property
    def scenario(self) -> Scenario:
        return self._scenario

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(self._steps)

    @property
    def skip(self) -> frozenset[str]:
        """Facts whose latest answer is "unknown" or "disputed": asked once, never again."""
        latest = {s.fact: s.answer for s in self._steps}
        return frozenset(fact for fact, answer in latest.items() if isinstance(answer, Special))

    def evaluation(self) -> Evaluation:
        return evaluate(self.book, self._scenario, as_of=self.as_of, readings=self.readings)

    def questions(self, limit: int | None = None) -> list[Question]:
        return next_questions(
            self._scenario,
            as_of=self.as_of,
            readings=self.readings,
            book=self.book,
            skip=self.skip,
            wording=self.wording,
            limit=limit,
        )

    def next_question(self) -> Question | None:
        questions = self.questions(limit=1)
        return questions[0] if questions else None

    def settled(self) -> bool:
        return is_settled(self._scenario, as_of=self.as_of, readings=self.readings, book=self.book, skip=self.skip)

    def presumable(self, fact: str) -> bool:
        """Whether a burden-of-proof rule can decide a dispute over ``fact``."""
        return fact in _shape(self.book).presumable

    def answer(self, fact: str, answer: object) -> Step:
        """Record an answer (a value, text as typed, "unknown" or "disputed").

        Raises :class:`InputError` naming the fact if the answer does not fit it or contradicts
        the facts known (e.g. a notice before the purchase); the session is then unchanged."""
        spec = FACTS.get(fact)
        if spec is None or spec.derived:
            hint = closest(fact, [p for p, s in FACTS.items() if not s.derived])
            raise InputError("not a fact the interview can ask" + (f"; did you mean {hint!r}?" if hint else ""), fact)
        value = parse_answer(self.wording, fact, answer)
        recorded = self._dispute_records(fact) if value is Special.DISPUTED else ()
        step = Step(fact, value, recorded)
        self._scenario = self._build([*self._steps, step])
        self._steps.append(step)
        return step

    def preview(self, answers: Mapping[str, object]) -> Scenario:
        """The scenario these answers would give on top of the present one, without recording
        them: checks a whole answers file at once (raises :class:`InputError` naming the fact)."""
        steps = [*self._steps]
        for fact, answer in answers.items():
            if FACTS.get(fact) is None or FACTS[fact].derived:
                raise InputError("not a fact the interview can ask", fact)
            value = parse_answer(self.wording, fact, answer)
            steps.append(Step(fact, value, self._dispute_records(fact) if value is Special.DISPUTED else ()))
        return self._build(steps)

    def back(self) -> Step | None:
        """Undo the last answer (and what a dispute recorded with it)."""
        if not self._steps:
            return None
        step = self._steps.pop()
        self._scenario = self._build(self._steps)
        return step

    def burden(self) -> tuple[BurdenNote, ...]:
        """The presumptions that filled disputed facts, each with whom it goes against."""
        ev = self.evaluation()
        risk = self.wording.dispute.risk
        settled = ev.variables.get(risk.variable)
        against = risk.values.get(settled) if isinstance(settled, str) else None
        by_rule: dict[str, list[tuple[str, Any]]] = {}
        for path, value, rule in ev.presumed:
            by_rule.setdefault(rule, []).append((path, value))
        return tuple(
            BurdenNote(
                rule=rule_id,
                title_zh=self.book.rules[rule_id].title_zh,
                title_en=self.book.rules[rule_id].title_en,
                cite=tuple(c.ref for c in self.book.rules[rule_id].citations),
                facts=tuple(facts),
                reading=str(self.readings.burden_of_proof),
                against=against,
            )
            for rule_id, facts in by_rule.items()
        )

    def data(self) -> dict[str, Any]:
        """The scenario built so far, as plain data (for ``--save``)."""
        return scenario_data(self._scenario)

    def _dispute_records(self, fact: str) -> tuple[tuple[str, object], ...]:
        if not self.presumable(fact):
            return ()
        return tuple(self.wording.dispute.records.items())

    def _build(self, steps: Sequence[Step]) -> Scenario:
        data = copy.deepcopy(self._base)
        for step in steps:
            if not isinstance(step.answer, Special):
                _put(data, step.fact, step.answer)
            for path, value in step.recorded:
                _put(data, path, value)
        return parse_scenario(data)


@dataclass(frozen=True)
class Asked:
    """A question as it was asked: with the scenario and the facts skipped at that point."""

    question: Question
    before: Scenario
    skip: frozenset[str]


def simulate(
    truth: Scenario,
    *,
    start: Scenario | Mapping[str, Any] | None = None,
    book: RuleBook | None = None,
    as_of: dt.date | None = None,
    readings: Readings = DEFAULT_READINGS,
    wording: Wording | None = None,
    max_questions: int = 200,
) -> tuple[Interview, tuple[Asked, ...]]:
    """Run an interview answering every question from ``truth`` (for tests and benchmarks): the
    fact's value when ``truth`` knows it; "disputed" for a fact a burden-of-proof rule can fill
    when ``truth`` records the dispute (``questions.yaml``: ``dispute.records``); else "unknown"."""
    session = Interview(start, book=book, as_of=as_of, readings=readings, wording=wording)
    records = session.wording.dispute.records.items()
    disputed = all(FACTS[path].get(truth) == value for path, value in records)
    asked: list[Asked] = []
    while len(asked) < max_questions and (question := session.next_question()) is not None:
        asked.append(Asked(question, session.scenario, session.skip))
        value = FACTS[question.fact].get(truth)
        if value is None:
            value = Special.DISPUTED if disputed and session.presumable(question.fact) else Special.UNKNOWN
        session.answer(question.fact, value)
    return session, tuple(asked)


def _put(data: dict[str, Any], path: str, value: object) -> None:
    section, _, name = path.partition(".")
    part = data.setdefault(section, {})
    if not isinstance(part, dict):
        raise InputError(f"expected a mapping of fields, got {type(part).__name__}", section)
    part[name] = value


def scenario_data(scenario: Scenario) -> dict[str, Any]:
    """A scenario as plain JSON-ready data with the unknown facts left out."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    return {k: v for k, v in data.items() if v not in ({}, [], ())}


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
