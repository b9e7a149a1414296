"""The compiled, immutable rule book.

Rules are grouped into *epochs*: date ranges over which the set of rules in force does not
change. Each epoch holds an evaluation plan — the order in which rules must be evaluated so that
every exception is known before the rule it defeats and every legal variable is settled before a
rule reads it — computed once at load time. Nothing here changes after loading, so one rule book
can serve any number of threads.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .conditions import Compiled
from .ruleschema import Instrument, Provision, Vocabulary
from .scenario import Scenario


@dataclass(frozen=True, slots=True)
class Citation:
    ref: str
    instrument: Instrument
    provision: Provision

    def in_force(self, day: dt.date) -> bool:
        start = self.provision.in_force_from or self.instrument.in_force_from
        end = self.provision.in_force_to or self.instrument.in_force_to
        return start <= day and (end is None or day < end)


@dataclass(frozen=True, slots=True)
class SetVariable:
    variable: str
    value: str


@dataclass(frozen=True, slots=True)
class Obligation:
    party: str
    duty: str
    amount_fact: str | None  # the first (or only) number fact the amount is read from
    amount: Callable[[Scenario], object] | None  # the first of the amount facts that is known
    amount_facts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Warning:
    code: str


@dataclass(frozen=True, slots=True)
class Note:
    """An explanation the decision gives (``rules/vocabulary.yaml`` ``notes``), not an accusation."""

    code: str


@dataclass(frozen=True, slots=True)
class Deadline:
    name: str
    start_fact: str
    days: Callable[[Scenario], int | None]
    days_facts: frozenset[str]
    event_fact: str | None


@dataclass(frozen=True, slots=True)
class Presume:
    facts: tuple[tuple[str, object], ...]
    # What fills the facts: "derived" (the goods' category settles them, rules/categories.yaml),
    # "not_in_issue" (nobody raised the ground they turn on, rules/grounds.yaml) or "presumed"
    # (a presumption of the rule files: burden of proof, ordinary experience).
    kind: str = "presumed"


Effect = SetVariable | Obligation | Warning | Note | Deadline | Presume | None  # None: a pure defeater


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    file: str
    citations: tuple[Citation, ...]
    title_zh: str
    title_en: str
    labels: tuple[str, ...]
    exception_to: tuple[str, ...]
    in_force_from: dt.date
    in_force_to: dt.date | None
    condition: Compiled
    effect: Effect
    note_en: str | None
    # The legal variable this rule settles, or "presumptions"/"effects"; a pure defeater takes
    # the group of the rules it defeats.
    group: str
    # The rule's condition and conclusion as written (deeply frozen), for tools that translate
    # the rule book into another engine.
    when_data: object = None
    then_data: object = None

    def in_force(self, day: dt.date) -> bool:
        return self.in_force_from <= day and (self.in_force_to is None or day < self.in_force_to)


@dataclass(frozen=True, slots=True)
class Step:
    """One rule in an epoch's plan, with the plan positions of the rules that can defeat it."""

    rule: Rule
    defeaters: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Epoch:
    start: dt.date | None  # None: from the beginning of time
    end: dt.date | None  # exclusive
    steps: tuple[Step, ...]
    # (group, first step, end step) in evaluation order; presumptions first, effects last.
    groups: tuple[tuple[str, int, int], ...]
    # The same plan flattened for the hot loop: (group, first step, rows of
    # (condition, positions of the rule's defeaters, value the rule sets or None)).
    plan: tuple[tuple[str, int, tuple[tuple[object, tuple[int, ...], str | None], ...]], ...] = ()
    # The plan as one generated function (returnlaw.compiled.CompiledEpoch), attached at load and
    # compiled on first use (returnlaw.compiled.LazyCompiled): not part of the epoch's identity.
    compiled: Any = field(default=None, compare=False)

    def __post_init__(self) -> None:
        plan = tuple(
            (group, first, tuple((s.rule.condition.fn, s.defeaters, _sets(s.rule)) for s in self.steps[first:end]))
            for group, first, end in self.groups
        )
        object.__setattr__(self, "plan", plan)


def _sets(rule: Rule) -> str | None:
    return rule.effect.value if isinstance(rule.effect, SetVariable) else None


@dataclass(frozen=True)
class RuleBook:
    instruments: Mapping[str, Instrument]
    provisions: Mapping[str, Citation]
    rules: Mapping[str, Rule]
    vocabulary: Vocabulary
    epochs: tuple[Epoch, ...]
    source: str
    # Data tables (rules/categories.yaml) as {table: {column: {row: {value: Entry}}}}.
    tables: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", tuple(e.start for e in self.epochs[1:]))
        # Dates on which some provision enters or leaves force: between two of them, every rule
        # cites the same provisions.
        cuts = {d for c in self.provisions.values() for d in (c.provision.in_force_from, c.provision.in_force_to) if d}
        cuts |= {d for i in self.instruments.values() for d in (i.in_force_from, i.in_force_to) if d}
        object.__setattr__(self, "citation_cuts", tuple(sorted(cuts)))
        # Memo of the static parts of explanations, filled on demand by returnlaw.decision;
        # entries never change once written, so concurrent readers are safe.
        object.__setattr__(self, "explain_memo", {})

    def epoch_for(self, day: dt.date) -> Epoch:
        return self.epochs[bisect.bisect_right(self._starts, day)]  # type: ignore[attr-defined]

    def boundaries(self) -> tuple[dt.date, ...]:
        """The dates on which the law in force changes (for evaluating an unknown purchase date)."""
        return tuple(e.start for e in self.epochs if e.start is not None)


def frozen_map(data: dict) -> Mapping:
    return MappingProxyType(dict(data))


def freeze(data: object) -> object:
    """A read-only deep copy of YAML data: mappings become mapping proxies, lists tuples."""
    if isinstance(data, dict):
        return MappingProxyType({k: freeze(v) for k, v in data.items()})
    if isinstance(data, list | tuple):
        return tuple(freeze(v) for v in data)
    return data
