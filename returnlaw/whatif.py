"""What-if for researchers: re-run a case with changed facts or readings and say what changed and
why; and find the smallest single-fact changes that would flip a decided outcome.

Changes are compared on the two decisions: the outcome, the legal variables, each rule whose status
changed (with the changed facts, variables or exceptions it reads), the warnings and, while the
outcome is open, the questions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import yaml

from .api import default_rulebook
from .cases import Case
from .decision import Decision
from .evaluator import UNDETERMINED, Evaluation
from .facts import FACTS, FactSpec
from .inputs import InputError, closest, parse_readings
from .periods import CalendarCoverageError
from .readings import DEFAULT_READINGS, READING_NAMES, Readings, choice_values, number_bounds
from .replay import Engine, Run, native_engine, run_case, with_facts
from .rulebook import RuleBook
from .scenario import Scenario, read_path

Kind = Literal["outcome", "variable", "rule", "warning", "question"]
SETTABLE = tuple(p for p, spec in FACTS.items() if not spec.derived)
MAX_QUESTIONS = 6  # the most used unknown facts are listed first


@dataclass(frozen=True)
class Change:
    """One conclusion that differs between two decisions."""

    kind: Kind
    name: str
    before: str | None
    after: str | None
    why: str = ""

    def line(self) -> str:
        arrow = f"{self.before or '-'} -> {self.after or '-'}"
        return f"{self.kind} {self.name}: {arrow}" + (f" ({self.why})" if self.why else "")


@dataclass(frozen=True)
class WhatIf:
    """A case (or scenario) before and after the changes; ``changes`` lists what differs and why."""

    before: Run
    after: Run
    set: dict[str, Any]
    readings: Readings
    changes: tuple[Change, ...]

    @property
    def outcome_changed(self) -> bool:
        return self.before.actual != self.after.actual


# -- parsing FIELD=VALUE ------------------------------------------------------------------------------


def parse_assignments(pairs: list[str]) -> dict[str, Any]:
    """``--set item.custom_made=true`` -> {"item.custom_made": True}; values are read as YAML
    scalars (true, false, null, numbers, dates, text), and the field must be a scenario fact."""
    out: dict[str, Any] = {}
    for pair in pairs:
        path, sep, text = pair.partition("=")
        path = path.strip()
        if not sep or not path:
            raise InputError(f"--set {pair!r}: expected FIELD=VALUE, e.g. item.custom_made=true")
        check_settable(path, "--set")
        try:
            value = yaml.safe_load(text) if text.strip() else None
        except yaml.YAMLError:
            value = text
        if isinstance(value, dict | list):
            raise InputError(f"--set {path}: expected one value, got {type(value).__name__}")
        out[path] = value
    return out


def check_settable(path: str, flag: str = "set") -> None:
    if path in SETTABLE:
        return
    if path in FACTS:
        raise InputError(f"{flag} {path}: a derived fact; set the facts it summarises instead")
    hint = closest(path, list(SETTABLE))
    raise InputError(f"{flag} {path}: not a scenario fact" + (f"; did you mean {hint}?" if hint else ""))


# -- what-if ---------------------------------------------------------------------------------------------


def replay_with(
    case: Case,
    set: dict[str, Any] | None = None,  # the researcher's word for it (shadows the builtin here only)
    readings: Readings | dict[str, str] | None = None,
    *,
    engine: Engine | None = None,
    book: RuleBook | None = None,
    reported_only: bool = False,
    today: dt.date | None = None,
) -> WhatIf:
    """Re-run ``case`` with facts changed (``{"item.custom_made": True}``; None = unknown) and/or
    other readings, and compare it with the case as recorded under the default readings."""
    book = book or default_rulebook()
    engine = engine or native_engine(book)
    changes = dict(set or {})
    for path in changes:
        check_settable(path)
    new_readings = parse_readings(readings)
    scenario = with_facts(case.scenario, changes, today=today)
    before = run_case(case, engine=engine, book=book, reported_only=reported_only)
    after = run_case(
        case, engine=engine, readings=new_readings, book=book, reported_only=reported_only, scenario=scenario
    )
    touched = set_of_changes(case.scenario, scenario, before.evaluation.readings, new_readings)
    return WhatIf(before, after, changes, new_readings, diff(before.decision, after.decision, book, touched))


def set_of_changes(old: Scenario, new: Scenario, r_old: Readings, r_new: Readings) -> frozenset[str]:
    """The fact paths and reading names that differ."""
    facts = {p for p in FACTS if FACTS[p].get(old) != FACTS[p].get(new)}
    names = {f"reading {n}" for n in READING_NAMES if getattr(r_old, n) != getattr(r_new, n)}
    return frozenset(facts | names)


def diff(
    before: Decision, after: Decision, book: RuleBook, touched: frozenset[str] = frozenset()
) -> tuple[Change, ...]:
    """What differs between two decisions of the same case, and why each rule changed."""
    out: list[Change] = []
    if before.outcome != after.outcome:
        out.append(Change("outcome", "outcome", before.outcome, after.outcome))
    for name in sorted(set(before.variables) | set(after.variables)):
        a, b = before.variables.get(name), after.variables.get(name)
        if a != b and name != "outcome":
            out.append(Change("variable", name, a, b))
    # Consequence rules (deadlines, duties) follow the outcome; their changes show as warnings.
    old = {r.rule: r for r in before.reasons if r.group != "effects"}
    new = {r.rule: r for r in after.reasons if r.group != "effects"}
    changed_rules = {rid for rid in old.keys() | new.keys() if _status(old.get(rid)) != _status(new.get(rid))}
    for rid in [r.rule for r in after.reasons if r.rule in changed_rules] + sorted(changed_rules - new.keys()):
        why = _why(rid, book, touched, before, after, changed_rules)
        out.append(Change("rule", rid, _status(old.get(rid)), _status(new.get(rid)), why))
    w_old, w_new = {w.code for w in before.warnings}, {w.code for w in after.warnings}
    out += [Change("warning", c, None, "raised") for c in sorted(w_new - w_old)]
    out += [Change("warning", c, "raised", None) for c in sorted(w_old - w_new)]
    if after.outcome == UNDETERMINED:
        asked = [q for q in after.questions if q not in before.questions]
        out += [Change("question", q, None, "asked") for q in asked[:MAX_QUESTIONS]]
    return tuple(out)


def _status(reason: Any) -> str | None:
    return reason.status if reason is not None else None


def _why(
    rid: str, book: RuleBook, touched: frozenset[str], before: Decision, after: Decision, changed: set[str]
) -> str:
    """The changed inputs a rule reads: facts, readings, legal variables, presumed facts, exceptions."""
    rule = book.rules[rid]
    parts = [f"reads {p}" for p in sorted(rule.condition.facts & touched)]
    for var in sorted(rule.condition.variables):
        old, new = before.variables.get(var), after.variables.get(var)
        if old != new:
            parts.append(f"reads {var} ({old or '?'} -> {new or '?'})")
    presumed = {p.fact for p in before.presumptions} ^ {p.fact for p in after.presumptions}
    parts += [f"reads {p} (presumed)" for p in sorted(rule.condition.facts & presumed)]
    epoch = book.epoch_for(after.as_of) if after.as_of else book.epochs[-1]
    steps = epoch.steps
    index = {s.rule.id: i for i, s in enumerate(steps)}
    if rid in index:
        defeaters = [steps[d].rule.id for d in steps[index[rid]].defeaters]
        parts += [f"exception {d} changed" for d in defeaters if d in changed]
    if not parts:
        parts = [t for t in sorted(touched) if t.startswith("reading ")] or ["the law in force changed"]
    return f"{rule.title_en}: " + "; ".join(parts)


# -- what changes the outcome --------------------------------------------------------------------------


@dataclass(frozen=True)
class Flip:
    """A single change that gives another decided outcome; ``size`` 1 for a switch, days for a date."""

    fact: str  # a fact path, or "reading NAME"
    before: Any
    after: Any
    outcome: str
    size: int
    changes: tuple[Change, ...] = ()

    @property
    def because(self) -> str:
        """The rules that now apply (+) or no longer apply (-), in the order of evaluation."""
        marks = []
        for c in self.changes:
            if c.kind == "rule" and "applied" in (c.before, c.after):
                marks.append(("+" if c.after == "applied" else "-") + c.name)
        return ", ".join(marks)

    def sentence(self) -> str:
        was = "unknown" if self.before is None else _show(self.before)
        return f"had {self.fact} been {_show(self.after)} (it is {was}): {self.outcome}"


def what_changes(
    subject: Scenario | Case,
    *,
    readings: Readings = DEFAULT_READINGS,
    as_of: dt.date | None = None,
    engine: Engine | None = None,
    book: RuleBook | None = None,
    explain: bool = True,
    today: dt.date | None = None,
) -> tuple[Evaluation, list[Flip]]:
    """The smallest single-fact (or single-reading) changes that give another decided outcome:
    for each fact, its smallest change per new outcome, smallest first."""
    if isinstance(subject, Case) and as_of is not None:
        raise ValueError("as_of applies to scenarios; a case is replayed under the law of its purchase date")
    book = book or default_rulebook()
    engine = engine or native_engine(book)
    decide = _decider(subject, engine, book, as_of)
    scenario = subject.scenario if isinstance(subject, Case) else subject
    base = decide(scenario, readings)
    best: dict[tuple[str, str], Flip] = {}
    smallest: dict[str, int] = {}
    for fact, old, new, size, changed, new_readings in _candidates(scenario, readings, book, today):
        if smallest.get(fact, size) < size:
            continue  # this fact already flips with a smaller change
        try:
            outcome = decide(changed, new_readings).outcome
        except CalendarCoverageError:
            continue  # a date moved past the years the holiday calendar covers
        if outcome in (base.outcome, UNDETERMINED):
            continue
        key = (fact, outcome)
        if key not in best or size < best[key].size:
            best[key] = Flip(fact, old, new, outcome, size)
            smallest[fact] = min(size, smallest.get(fact, size))
    flips = sorted(best.values(), key=lambda f: (f.size, _order(f.fact), f.outcome))
    if explain:
        flips = [_explained(f, scenario, readings, decide, base, book, today) for f in flips]
    return base, flips


Decide = Callable[[Scenario, Readings], Evaluation]


def _decider(subject: Scenario | Case, engine: Engine, book: RuleBook, as_of: dt.date | None) -> Decide:
    if isinstance(subject, Case):
        return lambda s, r: run_case(subject, engine=engine, readings=r, book=book, scenario=s).evaluation
    return lambda s, r: engine(s, as_of=as_of, readings=r)


def _explained(
    flip: Flip,
    scenario: Scenario,
    readings: Readings,
    decide: Decide,
    base: Evaluation,
    book: RuleBook,
    today: dt.date | None = None,
) -> Flip:
    changed, new_readings = _apply(scenario, readings, flip.fact, flip.after, today)
    after = decide(changed, new_readings)
    touched = set_of_changes(scenario, changed, readings, new_readings)
    changes = diff(base.decision(), after.decision(), book, touched)
    return Flip(flip.fact, flip.before, flip.after, flip.outcome, flip.size, changes)


def _apply(
    scenario: Scenario, readings: Readings, fact: str, value: Any, today: dt.date | None = None
) -> tuple[Scenario, Readings]:
    if fact.startswith("reading "):
        return scenario, Readings.model_validate({**readings.model_dump(), fact[8:]: value})
    return with_facts(scenario, {fact: value}, today=today), readings


Candidate = tuple[str, Any, Any, int, Scenario, Readings]  # fact, old, new, size, scenario, readings


def _candidates(scenario: Scenario, readings: Readings, book: RuleBook, today: dt.date | None) -> Iterator[Candidate]:
    for name in READING_NAMES:
        current = getattr(readings, name)
        for value in _reading_alternatives(name, current):
            other = Readings.model_validate({**readings.model_dump(), name: value})
            yield (
                f"reading {name}",
                getattr(current, "value", current),
                getattr(value, "value", value),
                1,
                scenario,
                other,
            )
    for path in SETTABLE:
        spec = FACTS[path]
        old = read_path(scenario, path)
        for new, size in _alternatives(spec, old, scenario, book):
            try:
                changed = with_facts(scenario, {path: new}, today=today)
            except (InputError, ValueError):
                continue  # an impossible scenario, e.g. a notice before the purchase
            yield path, getattr(old, "value", old), new, size, changed, readings


def _reading_alternatives(name: str, current: Any) -> list[Any]:
    """The other values of a choice reading; half and double of a number reading (within bounds)."""
    if choice_values(name) is not None:
        return [v for v in type(current) if v != current]
    low, high = number_bounds(name)
    return [v for v in dict.fromkeys((current // 2, current * 2)) if low <= v <= high and v != current]


_DAY_STEPS = (1, 2, 3, 4, 5, 6, 7, 8, 10, 14, 21, 30, 60, 90, 180, 365)


def _alternatives(spec: FactSpec, old: Any, scenario: Scenario, book: RuleBook) -> list[tuple[Any, int]]:
    """Other values of a fact, each with the size of the change (smallest first)."""
    if spec.kind == "bool":
        return [(v, 1) for v in (True, False) if v is not old]
    if spec.kind == "enum":
        return [(v, 1) for v in spec.values if v != getattr(old, "value", old)]
    if spec.kind in ("date", "moment"):
        if old is None:
            return [(d, 1) for d in book.boundaries()] if spec.path == "purchase.date" else []
        shifted = ((_shifted(old, sign * n), n) for n in _DAY_STEPS for sign in (1, -1))
        out = [(day, n) for day, n in shifted if day is not None]  # none before year 1 or after 9999
        if spec.path == "purchase.date":  # the days around each change of the law
            around = [b - dt.timedelta(days=k) for b in book.boundaries() for k in (0, 1)]
            out += [(d, abs((d - old).days)) for d in around]
        return sorted(out, key=lambda x: x[1])
    if spec.kind == "number" and old is not None:
        values = {old + 1, old - 1, old * 2, old / 2 if not isinstance(old, int) else old // 2, 0}
        values = {type(old)(v) if not isinstance(old, Decimal) else Decimal(v) for v in values}
        return [(v, 1) for v in sorted(values) if v != old and v >= 0]
    return []


def _shifted(day: Any, days: int) -> Any:
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return None


def _order(fact: str) -> int:
    return SETTABLE.index(fact) if fact in SETTABLE else -1


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(getattr(value, "value", value))
