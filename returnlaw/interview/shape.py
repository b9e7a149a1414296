"""The rule book seen from the facts: what the interview needs to know about it, computed once per book."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..conditions import condition_nodes
from ..facts import FACTS
from ..rulebook import Presume, RuleBook

ONE_DAY = dt.timedelta(days=1)
DATE_FACTS = tuple(p for p, s in FACTS.items() if s.kind in ("date", "moment"))
_ORDER_OPS = ("lt", "le", "gt", "ge")
LAW_DATE = "purchase.date"  # picks the version of the law (returnlaw.evaluator)


@dataclass(frozen=True)
class Period:
    start: str
    event: str
    days: int | str  # a number of days, or the number fact that holds it


@dataclass(frozen=True)
class Shape:
    """The rule book seen from the facts: computed once per book."""

    linked: Mapping[str, frozenset[str]]  # facts read by its rules, their exceptions and what they defeat
    compared: Mapping[str, frozenset[str]]  # facts compared with it ({fact: a, lt: {fact: b}})
    periods: tuple[Period, ...]
    thresholds: Mapping[str, tuple[Any, ...]]  # literals it is compared with (lt/le/gt/ge)
    reading_bounds: Mapping[str, tuple[str, ...]]  # number readings it is compared with
    literals: Mapping[str, tuple[str, ...]]  # literal values of a text fact
    choices: Mapping[str, tuple[str, ...]]  # one value of a choice fact per class no outcome rule tells apart
    presumable: frozenset[str]  # facts a burden-of-proof presumption can fill
    fillable: frozenset[str]  # facts any presumption can fill (also the category's, the issues table's)
    evidence: frozenset[str]  # facts read only by burden-of-proof rules
    law_days: tuple[dt.date, ...]  # one day in each version of the law
    order: Mapping[str, int]


_SHAPES: dict[int, tuple[RuleBook, Shape]] = {}


def shape_of(book: RuleBook) -> Shape:
    cached = _SHAPES.get(id(book))
    if cached is not None and cached[0] is book:
        return cached[1]
    shape = _build_shape(book)
    if len(_SHAPES) > 16:  # books are few; never let a long-lived process grow this without bound
        _SHAPES.clear()
    _SHAPES[id(book)] = (book, shape)
    return shape


def _build_shape(book: RuleBook) -> Shape:
    compared: dict[str, set[str]] = {}
    thresholds: dict[str, set[Any]] = {}
    reading_bounds: dict[str, set[str]] = {}
    literals: dict[str, set[str]] = {}
    sets: dict[str, set[frozenset[str]]] = {}  # the value sets outcome rules test a choice fact against
    periods: set[Period] = set()
    presumable: set[str] = set()
    fillable: set[str] = set()
    by_presumptions: set[str] = set()
    by_others: set[str] = set()
    for rule in book.rules.values():
        if rule.group == "effects":
            continue
        (by_presumptions if rule.group == "presumptions" else by_others).update(rule.condition.facts)
        if isinstance(rule.effect, Presume):
            fillable.update(path for path, _ in rule.effect.facts)
            if rule.effect.kind == "presumed":  # what the category settles or nobody raised is not disputed
                presumable.update(path for path, _ in rule.effect.facts)
        for node in condition_nodes(rule.when_data):
            _read_node(node, compared, thresholds, literals, periods, reading_bounds)
            if FACTS.get(node.get("fact", ""), None) is not None and FACTS[node["fact"]].kind == "enum":
                sets.setdefault(node["fact"], set()).update(_value_sets(node))
    bounds = book.boundaries()
    return Shape(
        linked=_linked(book),
        compared={p: frozenset(v) for p, v in compared.items()},
        periods=tuple(sorted(periods, key=repr)),
        thresholds={p: tuple(sorted(v)) for p, v in thresholds.items()},
        reading_bounds={p: tuple(sorted(v)) for p, v in reading_bounds.items()},
        literals={p: tuple(sorted(v)) for p, v in literals.items()},
        choices={p: _representatives(p, sets.get(p, set())) for p, spec in FACTS.items() if spec.kind == "enum"},
        presumable=frozenset(presumable),
        fillable=frozenset(fillable),
        # the dispute's own facts stay evidence though an outcome rule reads one too (whether the
        # seller alleges damage; a condition verified at pickup)
        evidence=frozenset(p for p in by_presumptions if p not in by_others or p.startswith("dispute.")),
        law_days=(bounds[0] - ONE_DAY, *bounds) if bounds else (),
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
        periods.add(Period(spec["start"], spec["event"], days["fact"] if isinstance(days, Mapping) else days))
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
