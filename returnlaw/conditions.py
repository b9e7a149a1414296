"""Compile a rule's ``when`` (plain data) into a three-valued closure.

The vocabulary is closed: ``all``, ``any``, ``not``, ``always``; fact comparisons (``is``, ``eq``,
``ne``, ``in``, ``not_in``, ``lt``, ``le``, ``gt``, ``ge``; ``contains`` for a set fact); legal
variables (``var``), named readings (``reading``, and ``{reading: name}`` as the bound of a number
comparison) and date arithmetic (``within_period``). Nothing is evaluated as code.

A compiled condition is called as ``fn(scenario, variables, readings)`` and returns True, False
or None (unknown), combined with Kleene's strong three-valued logic: a condition over an unknown
fact is unknown unless the known parts already decide it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .facts import FACTS, FactSpec
from .periods import within_period
from .readings import Readings
from .scenario import Scenario

Tri = bool | None
Fn = Callable[[Scenario, Mapping[str, object], Readings], Tri]
UNKNOWN = object()  # the value of a legal variable that the known facts do not settle

_FACT_OPS = ("is", "eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "contains", "known")
_ORDER_OPS = {"lt", "le", "gt", "ge"}


class ConditionError(ValueError):
    """A malformed condition; ``where`` is the path inside the rule, e.g. ``when.all[2].fact``."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where


@dataclass(frozen=True)
class Compiled:
    fn: Fn
    facts: frozenset[str]
    variables: frozenset[str] = frozenset()
    # Literal constraints of the top-level conjunction, (fact, allowed values), for conflict checks.
    constraints: tuple[tuple[str, frozenset[object]], ...] = field(default=())
    # A plain membership test, (source, getter, values, inside), that a conjunction can inline:
    # source is "fact" (getter reads the scenario) or "var" (getter is the variable's name).
    atom: tuple[str, object, frozenset[object], bool] | None = None
    # The ``within_period`` tests inside, so that a result left open by a holiday arrangement that
    # is not in the data can be explained (``returnlaw.calendar_pending``).
    periods: tuple[PeriodTest, ...] = ()


@dataclass(frozen=True)
class PeriodTest:
    """One ``within_period`` test: the facts it reads and its number of days."""

    start: str
    event: str
    days: Callable[[Scenario], int | None]


@dataclass(frozen=True)
class Context:
    """What the compiler checks names against: variable names and their values, reading values
    (None for a reading that is a number)."""

    variables: Mapping[str, frozenset[str]]
    readings: Mapping[str, frozenset[str] | None]


def condition_nodes(data: object) -> Iterator[Mapping[str, Any]]:
    """Every sub-condition of a rule's ``when`` as written (for readers of the rule data: the
    interview's shape, the readings a decision turns on)."""
    if not isinstance(data, Mapping):
        return
    yield data
    for key in ("all", "any"):
        for child in data.get(key, ()):
            yield from condition_nodes(child)
    yield from condition_nodes(data.get("not"))


def compile_condition(data: Any, ctx: Context, where: str = "when") -> Compiled:
    if data is None:
        return Compiled(_always, frozenset())
    if not isinstance(data, dict):
        raise ConditionError(where, f"expected a mapping with one operator, got {type(data).__name__}")
    for key, builder in _BUILDERS.items():
        if key in data:
            return builder(data, ctx, where)
    raise ConditionError(where, f"unknown operator in {sorted(data)}; expected one of {sorted(_BUILDERS)}")


def _always(s: Scenario, v: Mapping[str, object], r: Readings) -> Tri:
    return True


def _only(data: dict, keys: set[str], where: str) -> None:
    extra = set(data) - keys
    if extra:
        raise ConditionError(where, f"unexpected key(s) {sorted(extra)} next to {sorted(keys)}")


def _build_always(data: dict, ctx: Context, where: str) -> Compiled:
    _only(data, {"always"}, where)
    if data["always"] is not True:
        raise ConditionError(where, "'always' takes only the value true")
    return Compiled(_always, frozenset())


def _children(data: dict, key: str, ctx: Context, where: str) -> list[Compiled]:
    _only(data, {key}, where)
    items = data[key]
    if not isinstance(items, list) or not items:
        raise ConditionError(f"{where}.{key}", "expected a non-empty list of conditions")
    return [compile_condition(c, ctx, f"{where}.{key}[{i}]") for i, c in enumerate(items)]


def _merge(parts: list[Compiled], fn: Fn, keep_constraints: bool) -> Compiled:
    return Compiled(
        fn,
        frozenset().union(*(p.facts for p in parts)),
        frozenset().union(*(p.variables for p in parts)),
        tuple(c for p in parts for c in p.constraints) if keep_constraints else (),
        periods=tuple(t for p in parts for t in p.periods),
    )


def _build_all(data: dict, ctx: Context, where: str) -> Compiled:
    parts = _children(data, "all", ctx, where)
    # Inline plain tests (variables first: they are cheapest and most often false); Kleene
    # conjunction is commutative, so the order changes only the speed, never the result.
    var_atoms = tuple((a[1], a[2], a[3]) for p in parts if (a := p.atom) and a[0] == "var")
    fact_atoms = tuple((a[1], a[2], a[3]) for p in parts if (a := p.atom) and a[0] == "fact")
    fns = tuple(p.fn for p in parts if p.atom is None)

    def all_(s: Scenario, v: Mapping[str, object], r: Readings) -> Tri:
        result: Tri = True
        for name, values, inside in var_atoms:
            x = v.get(name)  # type: ignore[call-overload]
            if x is UNKNOWN:
                result = None
            elif (x in values) is not inside:
                return False
        for get, values, inside in fact_atoms:
            x = get(s)  # type: ignore[operator]
            if x is None:
                result = None
            elif (x in values) is not inside:
                return False
        for f in fns:
            x = f(s, v, r)
            if x is False:
                return False
            if x is None:
                result = None
        return result

    return _merge(parts, all_, keep_constraints=True)


def _build_any(data: dict, ctx: Context, where: str) -> Compiled:
    parts = _children(data, "any", ctx, where)
    fns = tuple(p.fn for p in parts)

    def any_(s: Scenario, v: Mapping[str, object], r: Readings) -> Tri:
        result: Tri = False
        for f in fns:
            x = f(s, v, r)
            if x is True:
                return True
            if x is None:
                result = None
        return result

    return _merge(parts, any_, keep_constraints=False)


def _build_not(data: dict, ctx: Context, where: str) -> Compiled:
    _only(data, {"not"}, where)
    inner = compile_condition(data["not"], ctx, f"{where}.not")
    f = inner.fn

    def not_(s: Scenario, v: Mapping[str, object], r: Readings) -> Tri:
        x = f(s, v, r)
        return None if x is None else not x

    return Compiled(not_, inner.facts, inner.variables, periods=inner.periods)


def _one_op(data: dict, subject: str, ops: tuple[str, ...], where: str) -> tuple[str, Any]:
    found = [k for k in data if k != subject]
    if len(found) != 1 or found[0] not in ops:
        raise ConditionError(where, f"'{subject}' needs exactly one of {', '.join(ops)}; got {found}")
    return found[0], data[found[0]]


def _fact_spec(path: Any, where: str) -> FactSpec:
    spec = FACTS.get(path) if isinstance(path, str) else None
    if spec is None:
        close = [p for p in FACTS if isinstance(path, str) and path.split(".")[-1] in p]
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConditionError(where, f"unknown fact {path!r}{hint}")
    return spec


def _literal(spec: FactSpec, value: Any, where: str) -> object:
    kind = spec.kind
    ok = {
        "bool": isinstance(value, bool),
        "enum": isinstance(value, str) and value in spec.values,
        "text": isinstance(value, str),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "date": isinstance(value, dt.date) and not isinstance(value, dt.datetime),
        "moment": isinstance(value, dt.date),
    }[kind]
    if not ok:
        allowed = f" (one of {', '.join(spec.values)})" if kind == "enum" else ""
        raise ConditionError(where, f"{value!r} is not a valid {kind} value for {spec.path}{allowed}")
    return Decimal(str(value)) if kind == "number" else value


def _as_comparable(value: object) -> object:
    return value.date() if isinstance(value, dt.datetime) else value


def _build_fact(data: dict, ctx: Context, where: str) -> Compiled:
    spec = _fact_spec(data["fact"], f"{where}.fact")
    op, raw = _one_op(data, "fact", _FACT_OPS, where)
    at = f"{where}.{op}"
    get = spec.get
    if op == "known":
        return _known(spec, raw, at)
    if (op == "contains") != (spec.kind == "set"):
        raise ConditionError(
            at, f"'contains' is for a set fact and a set fact takes only 'contains'; {spec.path} is {spec.kind}"
        )
    if op == "contains":
        return _contains(spec, raw, at)
    if op == "is":
        if spec.kind != "bool" or not isinstance(raw, bool):
            raise ConditionError(at, f"'is' takes true/false and a yes/no fact; {spec.path} is {spec.kind}")
        op, raw = "eq", raw
    if op in _ORDER_OPS:
        return _order(spec, op, raw, ctx, at)
    if op in ("in", "not_in"):
        if not isinstance(raw, list) or not raw:
            raise ConditionError(at, "expected a non-empty list")
        values = frozenset(_literal(spec, x, at) for x in raw)
    else:
        values = frozenset({_literal(spec, raw, at)})
    inside = op in ("eq", "in")

    def member(s: Scenario, v: Mapping[str, object], r: Readings) -> Tri:
        x = get(s)
        return None if x is None else (x in values) is inside

    domain = frozenset(spec.values) if spec.kind == "enum" else frozenset({True, False})
    allowed = values if inside else domain - values
    constraints = ((spec.path, allowed),) if spec.kind in ("enum", "bool") else ()
    return Compiled(member, frozenset({spec.path}), frozenset(), constraints, ("fact", get, values, inside))


def _known(spec: FactSpec, raw: Any, where: str) -> Compiled:
    """``{fact: f, known: true}``: whether the fact is stated (or filled by a presumption): never
    unknown itself. The issues table uses it to take a rule out of issue only while the facts it
    turns on are unknown, so a stated fact always decides."""
    if not isinstance(raw, bool):
        raise ConditionError(where, f"'known' takes true/false; got {raw!r}")
    get = spec.get

    def known(s: Scenario, v: Mapping[str, object], r: Readings) -> Tri:
        return (get(s) is not None) is raw

    return Compiled(known, frozenset({spec.path}))


def _contains(spec: FactSpec, raw: Any, where: str) -> Compiled:
    if not isinstance(raw, str) or raw not in spec.values:
        raise ConditionError(where, f"{raw!r} is not a member {spec.path} can hold (one of {', '.join(spec.values)})")
    get = spec.get

    def contains(s: Scenario, v: Mapping[str, object], r: Readings) -> Tri:
        members = get(s)
        return None if members is None else raw in members  # type: ignore[operator]

    return Compiled(contains, frozenset({spec.path}))


_COMPARE = {
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}


def _order(spec: FactSpec, op: str, raw: Any, ctx: Context, where: str) -> Compiled:
    if spec.kind not in ("number", "date", "moment"):
        raise ConditionError(where, f"'{op}' needs a number or date fact; {spec.path} is {spec.kind}")
    compare = _COMPARE[op]
    get = spec.get
    if isinstance(raw, dict) and "reading" in raw:
        return _against_reading(spec, compare, raw, ctx, where)
    if isinstance(raw, dict):
        _only(raw, {"fact"}, where)
        other = _fact_spec(raw["fact"], f"{where}.fact")
        if (other.kind == "number") != (spec.kind == "number"):
            raise ConditionError(where, f"cannot compare {spec.path} with {other.path}")
        get_other = other.get

        def two_facts(s: Scenario, v: Mapping[str, object], r: Readings) -> Tri:
            a, b = get(s), get_other(s)
            if a is None or b is None:
                return None
            return compare(_as_comparable(a), _as_comparable(b))

        return Compiled(two_facts, frozenset({spec.path, other.path}))
    bound = _literal(spec, raw, where)

    def one_fact(s: Scenario, v: Mapping[str, object], r: Readings) -> Tri:
        a = get(s)
        return None if a is None else compare(_as_comparable(a), bound)

    return Compiled(one_fact, frozenset({spec.path}))


def _against_reading(
    spec: FactSpec, compare: Callable[[Any, Any], bool], raw: dict, ctx: Context, where: str
) -> Compiled:
    """``{fact: f, le: {reading: name}}``: a number fact against a number reading."""
    _only(raw, {"reading"}, where)
    name = raw["reading"]
    if name not in ctx.readings or ctx.readings[name] is not None:
        numbers = sorted(n for n, v in ctx.readings.items() if v is None)
        raise ConditionError(f"{where}.reading", f"{name!r} is not a number reading (known: {', '.join(numbers)})")
    if spec.kind != "number":
        raise ConditionError(where, f"{spec.path} is not a number; it cannot be compared with reading {name}")
    get = spec.get

    def against(s: Scenario, v: Mapping[str, object], r: Readings) -> Tri:
        a = get(s)
        return None if a is None else compare(a, getattr(r, name))

    return Compiled(against, frozenset({spec.path}))


def _build_var(data: dict, ctx: Context, where: str) -> Compiled:
    name = data["var"]
    if name not in ctx.variables:
        raise ConditionError(f"{where}.var", f"unknown variable {name!r}; known: {sorted(ctx.variables)}")
    op, raw = _one_op(data, "var", ("eq", "in"), where)
    values = frozenset(raw if isinstance(raw, list) else [raw])
    bad = values - ctx.variables[name]
    if bad:
        raise ConditionError(f"{where}.{op}", f"{sorted(bad)} not among the values of {name}")

    def var(s: Scenario, v: Mapping[str, object], r: Readings) -> Tri:
        x = v.get(name)
        return None if x is UNKNOWN else x in values

    return Compiled(var, frozenset(), frozenset({name}), atom=("var", name, values, True))


def _build_reading(data: dict, ctx: Context, where: str) -> Compiled:
    name = data["reading"]
    if name not in ctx.readings:
        raise ConditionError(f"{where}.reading", f"unknown reading {name!r}; known: {sorted(ctx.readings)}")
    op, raw = _one_op(data, "reading", ("eq", "in"), where)
    allowed = ctx.readings[name]
    if allowed is None:
        raise ConditionError(
            f"{where}.reading", f"{name} is a number; compare a fact with it ({{fact: ..., le: {{reading: {name}}}}})"
        )
    values = frozenset(raw if isinstance(raw, list) else [raw])
    bad = values - allowed
    if bad:
        raise ConditionError(f"{where}.{op}", f"{sorted(bad)} not among the values of reading {name}")

    def reading(s: Scenario, v: Mapping[str, object], r: Readings) -> Tri:
        return getattr(r, name) in values

    return Compiled(reading, frozenset())


def _build_within(data: dict, ctx: Context, where: str) -> Compiled:
    _only(data, {"within_period"}, where)
    spec = data["within_period"]
    at = f"{where}.within_period"
    if not isinstance(spec, dict) or set(spec) != {"start", "event", "days"}:
        raise ConditionError(at, "expected keys start, event, days")
    start = _fact_spec(spec["start"], f"{at}.start")
    event = _fact_spec(spec["event"], f"{at}.event")
    for s in (start, event):
        if s.kind not in ("date", "moment"):
            raise ConditionError(at, f"{s.path} is not a date")
    days_fn, days_facts = compile_days(spec["days"], f"{at}.days")
    get_start, get_event = start.get, event.get

    def within(s: Scenario, v: Mapping[str, object], r: Readings) -> Tri:
        a, b, n = get_start(s), get_event(s), days_fn(s)
        if a is None or b is None or n is None:
            return None
        return within_period(a, b, n, r.counting, r.unpublished_holidays)  # type: ignore[arg-type]

    test = PeriodTest(start.path, event.path, days_fn)
    return Compiled(within, frozenset({start.path, event.path}) | days_facts, periods=(test,))


def compile_days(raw: Any, where: str) -> tuple[Callable[[Scenario], int | None], frozenset[str]]:
    """A number of days: a positive integer literal or ``{fact: path}`` of a number fact."""
    if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0:
        return (lambda s: raw), frozenset()
    if isinstance(raw, dict) and set(raw) == {"fact"}:
        spec = _fact_spec(raw["fact"], f"{where}.fact")
        if spec.kind != "number":
            raise ConditionError(where, f"{spec.path} is not a number")
        get = spec.get
        return (lambda s: _int_or_none(get(s))), frozenset({spec.path})
    raise ConditionError(where, f"expected a positive whole number of days or {{fact: ...}}, got {raw!r}")


def _int_or_none(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


_BUILDERS: dict[str, Callable[[dict, Context, str], Compiled]] = {
    "all": _build_all,
    "any": _build_any,
    "not": _build_not,
    "always": _build_always,
    "fact": _build_fact,
    "var": _build_var,
    "reading": _build_reading,
    "within_period": _build_within,
}


def jointly_impossible(a: Compiled, b: Compiled) -> bool:
    """True when the two conditions' literal constraints cannot both hold (conflict check)."""
    allowed: dict[str, frozenset[object]] = {}
    for fact, values in (*a.constraints, *b.constraints):
        allowed[fact] = allowed.get(fact, values) & values
        if not allowed[fact]:
            return True
    return False
