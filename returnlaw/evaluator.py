"""Evaluate a scenario against the rule book: a pure function of (rule book, scenario, as-of, readings).

The hot path records, for every rule in force, whether its condition holds (True, False or None
for unknown) and whether an exception defeats it; the full cited explanation is built only when
asked for (:meth:`Evaluation.decision`). Nothing is shared or mutated between calls, so any
number of threads may evaluate against one rule book.

When the outcome is undetermined, the consequence rules (the ``effects`` group: refund deadline,
shipping, gifts, penalty thresholds, ...) are evaluated a second time as if the outcome were
``returnable`` (:attr:`Evaluation.if_returnable`), so that a decision can say what follows *if*
the goods turn out to be returnable. Decided outcomes never take this second pass.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from pydantic import BaseModel

from .conditions import UNKNOWN, Tri
from .facts import FACTS
from .readings import DEFAULT_READINGS, Readings
from .rulebook import Epoch, Presume, RuleBook
from .scenario import Scenario, day_of

if TYPE_CHECKING:
    from .decision import Decision

M = TypeVar("M", bound=BaseModel)
RETURNABLE, NOT_RETURNABLE, OUT_OF_SCOPE, UNDETERMINED = "returnable", "not_returnable", "out_of_scope", "undetermined"
OUTCOMES = (RETURNABLE, NOT_RETURNABLE, OUT_OF_SCOPE, UNDETERMINED)


class Evaluation(NamedTuple):
    """The result of one evaluation; cheap to build (an immutable tuple), explained on demand."""

    book: RuleBook
    epoch: Epoch
    scenario: Scenario  # after presumptions were applied
    readings: Readings
    as_of: dt.date | None
    applicable: tuple[Tri, ...]
    defeated: tuple[Tri, ...]
    variables: dict[str, object]
    outcome: str
    presumed: tuple[tuple[str, object, str], ...] = ()
    notes: tuple[str, ...] = ()
    extra_questions: tuple[str, ...] = ()
    # Outcome undetermined: (first plan position of the effects group, applicable, defeated) of
    # the effects group evaluated as if the outcome were returnable; None otherwise.
    if_returnable: tuple[int, tuple[Tri, ...], tuple[Tri, ...]] | None = None

    def applies(self, i: int) -> Tri:
        return and_not(self.applicable[i], self.defeated[i])

    @property
    def questions(self) -> tuple[str, ...]:
        """Unknown facts read by undecided rules that settle the outcome, most used first."""
        if self.outcome != UNDETERMINED:
            return ()
        counts: dict[str, int] = {}
        unknown: dict[str, bool] = {}  # each fact read once, however many rules read it
        applicable, defeated, scenario = self.applicable, self.defeated, self.scenario
        for i, facts in _asking_steps(self.epoch):
            a, d = applicable[i], defeated[i]
            if a is False or d is True or (a is True and d is False):
                continue  # decided either way
            for path in facts:
                missing = unknown.get(path)
                if missing is None:
                    missing = unknown[path] = FACTS[path].get(scenario) is None
                if missing:
                    counts[path] = counts.get(path, 0) + 1
        ranked = sorted(counts, key=lambda p: (-counts[p], p))
        return tuple(dict.fromkeys((*self.extra_questions, *ranked)))

    def decision(self) -> Decision:
        from .decision import build_decision

        return build_decision(self)


def _not_in_issue(effect: object) -> bool:
    return isinstance(effect, Presume) and effect.kind == "not_in_issue"


_ASKING: dict[int, tuple[Epoch, tuple[tuple[int, tuple[str, ...]], ...]]] = {}


def _asking_steps(epoch: Epoch) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """(plan position, facts read) of the rules whose unknown facts are questions: neither a
    consequence nor what the dispute is about (the interview asks that); once per epoch."""
    cached = _ASKING.get(id(epoch))
    if cached is None or cached[0] is not epoch:
        steps = tuple(
            (i, tuple(step.rule.condition.facts))
            for i, step in enumerate(epoch.steps)
            if step.rule.group != "effects" and not _not_in_issue(step.rule.effect)
        )
        if len(_ASKING) > 64:  # epochs are few; tests and tools that build many books must not grow this
            _ASKING.clear()
        cached = _ASKING[id(epoch)] = (epoch, steps)
    return cached[1]


def and_not(applicable: Tri, defeated: Tri) -> Tri:
    """Whether a rule applies: Kleene's ``applicable and not defeated``."""
    if applicable is False or defeated is True:
        return False
    if applicable is None or defeated is None:
        return None
    return True


def evaluate(
    book: RuleBook,
    scenario: Scenario,
    *,
    as_of: dt.date | None = None,
    readings: Readings = DEFAULT_READINGS,
) -> Evaluation:
    """Decide ``scenario`` under the law in force on ``as_of`` (default: the purchase date), with
    the epoch's compiled function (:mod:`returnlaw.compiled`)."""
    day = as_of or scenario.purchase.date
    if day is not None:
        return _fast(book, book.epoch_for(day), scenario, readings, day)
    return _unknown_date(book, scenario, readings, run=_fast)


def evaluate_reference(
    book: RuleBook,
    scenario: Scenario,
    *,
    as_of: dt.date | None = None,
    readings: Readings = DEFAULT_READINGS,
) -> Evaluation:
    """The same evaluation by the interpreter over the plan: the reference the compiled
    functions are tested against (``tests/test_differential_compiled.py``)."""
    day = as_of or scenario.purchase.date
    if day is not None:
        return _run(book, book.epoch_for(day), scenario, readings, day)
    return _unknown_date(book, scenario, readings)


def _fast(
    book: RuleBook, epoch: Epoch, scenario: Scenario, readings: Readings, day: dt.date | None, consequences: bool = True
) -> Evaluation:
    if epoch.compiled is None:  # an epoch built outside the loader
        return _run(book, epoch, scenario, readings, day, consequences)
    return epoch.compiled.run(book, epoch, scenario, readings, day, consequences)


def outcome_of(
    book: RuleBook,
    scenario: Scenario,
    *,
    as_of: dt.date | None = None,
    readings: Readings = DEFAULT_READINGS,
) -> str:
    """Only the outcome: the same evaluation without the consequence rules and the trace object.

    The fast path for pipelines that decide first and explain on demand (``evaluate`` gives the
    full, identical reasoning)."""
    day = as_of or scenario.purchase.date
    if day is not None:
        return _fast(book, book.epoch_for(day), scenario, readings, day, consequences=False).outcome
    return _unknown_date(book, scenario, readings, consequences=False, run=_fast).outcome


def _unknown_date(
    book: RuleBook, scenario: Scenario, readings: Readings, consequences: bool = True, run=None
) -> Evaluation:
    """No purchase date: try every version of the law that could apply; agree or ask."""
    latest = day_of(scenario.delivery.signed_at) or day_of(scenario.return_.notice_sent_at)
    epochs = [e for e in book.epochs if latest is None or e.start is None or e.start <= latest]
    run = run or _run
    return combine_versions([run(book, e, scenario, readings, None, consequences) for e in epochs])


def combine_versions(runs: list[Evaluation]) -> Evaluation:
    """One evaluation per version of the law that could apply: the outcome stands if they all
    agree; otherwise it is undetermined and the purchase date becomes the first question."""
    final = runs[-1]
    if len({r.outcome for r in runs}) == 1:
        note = "purchase date unknown: every version of the law that could apply gives this outcome"
        return final._replace(notes=(*final.notes, note))
    note = "purchase date unknown: the outcome depends on which version of the law applies"
    return final._replace(outcome=UNDETERMINED, notes=(*final.notes, note), extra_questions=("purchase.date",))


def _run(
    book: RuleBook,
    epoch: Epoch,
    scenario: Scenario,
    readings: Readings,
    day: dt.date | None,
    consequences: bool = True,
) -> Evaluation:
    n = len(epoch.steps)
    applicable: list[Tri] = [False] * n
    defeated: list[Tri] = [False] * n
    variables: dict[str, object] = {}
    presumed: tuple[tuple[str, object, str], ...] = ()
    outcome = ""
    effects: tuple[int, tuple] | None = None
    for group, first, rows in epoch.plan:
        if group == "effects":
            outcome = variables["outcome"] = _outcome(variables)
            if not consequences:
                break
            effects = (first, rows)
        value = _rows(rows, first, group, scenario, variables, readings, applicable, defeated)
        if group == "presumptions" and any(
            applicable[k] is True and defeated[k] is False for k in range(first, first + len(rows))
        ):
            scenario, presumed = _presume(scenario, epoch.steps, first, first + len(rows), applicable, defeated)
        elif value is UNKNOWN:
            variables[group] = UNKNOWN
    if not outcome:
        outcome = variables["outcome"] = _outcome(variables)
    if_returnable = None
    if outcome == UNDETERMINED and effects is not None:
        if_returnable = _as_if_returnable(effects[0], effects[1], scenario, variables, readings, applicable, defeated)
    return Evaluation(
        book,
        epoch,
        scenario,
        readings,
        day,
        tuple(applicable),
        tuple(defeated),
        variables,
        outcome,
        presumed,
        if_returnable=if_returnable,
    )


def _rows(
    rows: tuple,
    first: int,
    group: str,
    scenario: Scenario,
    variables: dict[str, object],
    readings: Readings,
    applicable: list[Tri],
    defeated: list[Tri],
) -> object:
    """Evaluate one group of the plan in place; the group's legal variable is set in ``variables``
    when a rule settles it, and the return value is UNKNOWN when one might but is undecided."""
    value: object = None
    i = first
    for fn, defeaters, concludes in rows:
        a = applicable[i] = fn(scenario, variables, readings)
        d: Tri = False
        for j in defeaters:  # does an exception that applies defeat this rule?
            aj, dj = applicable[j], defeated[j]
            if aj is False or dj is True:
                continue
            if aj is True and dj is False:
                d = True
                break
            d = None
        defeated[i] = d
        if concludes is not None and a is not False and d is not True and value is not _SETTLED:
            if a is True and d is False:
                variables[group], value = concludes, _SETTLED
            else:
                value = UNKNOWN
        i += 1
    return value


def _as_if_returnable(
    first: int,
    rows: tuple,
    scenario: Scenario,
    variables: dict[str, object],
    readings: Readings,
    applicable: list[Tri],
    defeated: list[Tri],
) -> tuple[int, tuple[Tri, ...], tuple[Tri, ...]]:
    """The effects group once more, as if the outcome were returnable (on copies: the decided
    statuses stay as they are)."""
    a, d = list(applicable), list(defeated)
    _rows(rows, first, "effects", scenario, {**variables, "outcome": RETURNABLE}, readings, a, d)
    end = first + len(rows)
    return first, tuple(a[first:end]), tuple(d[first:end])


_SETTLED = object()


def _outcome(variables: dict[str, object]) -> str:
    scope = variables.get("scope")
    if scope is None or scope == "out":
        return OUT_OF_SCOPE  # a scope gate closed, or no seven-day rule was in force
    if scope is UNKNOWN:
        return UNDETERMINED
    right = variables.get("right")
    if right in (RETURNABLE, NOT_RETURNABLE):
        return right  # type: ignore[return-value]
    return UNDETERMINED


def _presume(scenario: Scenario, steps, first: int, end: int, applicable: list[Tri], defeated: list[Tri]):
    """Fill unknown facts from presumptions that apply (burden of proof); known facts stay."""
    filled: dict[str, tuple[object, str]] = {}
    for i in range(first, end):
        effect = steps[i].rule.effect
        if isinstance(effect, Presume) and and_not(applicable[i], defeated[i]) is True:
            for path, value in effect.facts:
                if FACTS[path].get(scenario) is None and path not in filled:
                    filled[path] = (value, steps[i].rule.id)
    if not filled:
        return scenario, ()
    return fill_facts(scenario, filled)


def fill_facts(
    scenario: Scenario, filled: dict[str, tuple[object, str]]
) -> tuple[Scenario, tuple[tuple[str, object, str], ...]]:
    """The scenario with the presumed facts ({path: (value, rule id)}, in order) written in, and
    the evaluation's ``presumed`` entries."""
    updates: dict[str, dict[str, object]] = {}
    for path, (value, _) in filled.items():
        section, name = path.split(".")
        updates.setdefault("return_" if section == "return" else section, {})[name] = value
    changed = {s: with_fields(getattr(scenario, s), u) for s, u in updates.items()}
    return with_fields(scenario, changed), tuple((p, v, r) for p, (v, r) in filled.items())


# The slots pydantic keeps beside the fields, set through their descriptors (object.__setattr__
# on a frozen model costs twice as much).
_SLOT = {
    name: BaseModel.__dict__[name].__set__
    for name in ("__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__")
}
_FIELDS_SET, _EXTRA, _PRIVATE = _SLOT.values()


def with_fields(model: M, update: dict[str, object]) -> M:
    """A shallow copy of a (frozen, no extra, no private attributes) scenario model with some fields
    replaced, unvalidated: what ``model_copy(update=...)`` gives, at a fifth of its cost (it is
    on the hot path of every presumption)."""
    cls = model.__class__
    new = cls.__new__(cls)
    fields = new.__dict__
    fields.update(model.__dict__)
    fields.update(update)
    _FIELDS_SET(new, model.__pydantic_fields_set__ | update.keys())
    _EXTRA(new, None)
    _PRIVATE(new, None)
    return new
