"""Translate a loaded rule book into durable_rules rulesets (its documented JSON ruleset format).

This module is pure Python and does not import durable_rules: it turns each rule's condition and
conclusion *as written* (``Rule.when_data`` / ``Rule.then_data``, kept by the loader for
translators) into durable rules, and :mod:`returnlaw.durable_backend` runs them. It shares with the
main engine only what the loader validated and planned — rule ids, resolved ``exception_to``,
in-force dates, the epochs and their plan order — and the period counting of
:mod:`returnlaw.periods`. Everything that *decides* is re-implemented here as durable rules:

- **Three-valued conditions.** A condition ``c`` over facts that may be unknown becomes two
  predicates over one durable message, ``T(c)`` ("certainly true") and ``F(c)`` ("certainly
  false"), by Kleene's rules (``T(all) = ∧T``, ``F(all) = ∨F``, ``T(not c) = F(c)``, ...); an
  unknown fact is a field absent from the message. ``U(c) = ¬T(c) ∧ ¬F(c)``. Predicates are kept
  in disjunctive normal form over atoms (``$eq``, ``$neq``, ``$lt``, ..., ``$ex``, ``$nex``).
- **Exceptions, stratified.** Within each group of an epoch's plan (presumptions, each legal
  variable, effects), a rule's *level* is 0 if nothing can defeat it, else one more than the
  highest level of its defeaters. Each level is one ruleset whose rules record, for each rule,
  "applicable = T/U" and "defeated = T/U" (false when nothing is recorded); the next level reads
  them as message fields. A rule applies when applicable is T and defeated is F.
- **Legal variables in plan order.** After a group's levels, an *event* ruleset settles the
  variable: durable consumes an event with the highest-priority matching rule, so the group's
  setters become rules with ``pri`` = their plan position, then "unknown" (some setter undecided),
  then "not set". Presumptions fill unknown facts the same way, first applying presumption first.
- **The outcome** (``scope``/``right`` → returnable, not_returnable, out_of_scope, undetermined)
  and **the as-of date selection** (which epoch a date falls in; with no purchase date, which
  epochs could apply) are rulesets too, and a guard ruleset checks every rule's in-force dates
  against the chosen epoch's plan.

Rules the translation cannot express are listed in :attr:`Translation.unsupported` with the reason;
evaluating an epoch that contains one is an error, never a silent omission.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from .facts import FACTS, FactSpec
from .periods import within_period
from .readings import Readings
from .rulebook import Epoch, Rule, RuleBook
from .scenario import Scenario

# -- predicates in disjunctive normal form ------------------------------------------------------


@dataclass(frozen=True, order=True)
class Ref:
    """The value of another field of the same message (durable's ``{"$m": field}``)."""

    field: str


Atom = tuple[str, str, object]  # (op, field, value): op is eq neq lt lte gt gte ex nex
Pred = frozenset[frozenset[Atom]]  # a disjunction of conjunctions of atoms
TRUE: Pred = frozenset({frozenset()})
FALSE: Pred = frozenset()
MAX_BRANCHES = 256  # a predicate larger than this is reported as unsupported, not emitted
MAX_INTERMEDIATE = 20_000  # while building one

_NEGATE = {"eq": "neq", "neq": "eq", "lt": "gte", "gte": "lt", "gt": "lte", "lte": "gt"}
_HOLDS = {
    "eq": lambda a, b: a == b,
    "neq": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
}


class Unsupported(ValueError):
    """A rule the durable translation cannot express (the message says why)."""


def atom(op: str, name: str, value: object = None) -> Pred:
    return _normal([frozenset({(op, name, value)})])


def conj(*parts: Pred) -> Pred:
    out = TRUE
    for part in parts:
        out = _normal([a | b for a in out for b in part])
    return out


def disj(*parts: Pred) -> Pred:
    return _normal([b for part in parts for b in part])


def neg(p: Pred) -> Pred:
    # In a fixed order (shortest alternatives first): intermediate sizes must not depend on hashing.
    ordered = sorted(p, key=lambda b: (len(b), sorted(map(_atom_key, b))))
    return conj(*(disj(*(_negate_atom(a) for a in sorted(branch, key=_atom_key))) for branch in ordered))


def bounded(p: Pred) -> Pred:
    """``p``, or :class:`Unsupported` if it has too many alternatives to hand to durable."""
    if len(p) > MAX_BRANCHES:
        raise Unsupported(f"its condition needs more than {MAX_BRANCHES} alternatives in durable form")
    return p


def one_of(name: str, values: Iterable[object]) -> Pred:
    return disj(*(atom("eq", name, v) for v in values))


def none_of(name: str, values: Iterable[object]) -> Pred:
    """Present and different from every value (an absent field is *not* none_of)."""
    return conj(atom("ex", name), *(atom("neq", name, v) for v in values))


def _negate_atom(a: Atom) -> Pred:
    op, name, value = a
    if op == "ex":
        return atom("nex", name)
    if op == "nex":
        return atom("ex", name)
    if always_present(name) and not isinstance(value, Ref):
        return atom(_NEGATE[op], name, value)
    if isinstance(value, Ref):  # both fields present and the comparison fails, or one is absent
        return disj(
            atom("nex", name), atom("nex", value.field), conj(atom("ex", value.field), atom(_NEGATE[op], name, value))
        )
    return disj(atom("nex", name), atom(_NEGATE[op], name, value))


def _normal(branches: Iterable[frozenset[Atom]]) -> Pred:
    simple = {s for b in branches if (s := _simplify(b)) is not None}
    kept = [b for b in simple if not any(o < b for o in simple)]  # absorption: a ∨ (a ∧ b) = a
    if len(kept) > MAX_INTERMEDIATE:
        raise Unsupported(f"its condition grows past {MAX_INTERMEDIATE} alternatives in durable form")
    return frozenset(kept)


def _simplify(branch: frozenset[Atom]) -> frozenset[Atom] | None:
    """Drop implied atoms; None when the conjunction cannot hold."""
    by_field: dict[str, list[Atom]] = defaultdict(list)
    for a in branch:
        by_field[a[1]].append(a)
    out: set[Atom] = set()
    for atoms in by_field.values():
        ops = {a[0] for a in atoms}
        if "nex" in ops:
            if len(atoms) > 1:
                return None  # absent, yet present or compared
            out.update(atoms)
            continue
        refs = [a for a in atoms if isinstance(a[2], Ref)]
        plain = [a for a in atoms if a[0] != "ex" and not isinstance(a[2], Ref)]
        equal = {a[2] for a in plain if a[0] == "eq"}
        if len(equal) > 1:
            return None
        if equal:
            x = next(iter(equal))
            for op, _, v in plain:
                if op != "eq" and _comparable(x, v):
                    if not _HOLDS[op](x, v):
                        return None
                elif op != "eq":
                    out.add((op, atoms[0][1], v))
            out.add(("eq", atoms[0][1], x))
        else:
            out.update(plain)
        out.update(refs)
        if not plain and not refs:
            out.add(("ex", atoms[0][1], None))
    return frozenset(out)


def _comparable(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    numbers = int | float
    return (isinstance(a, numbers) and isinstance(b, numbers)) or (isinstance(a, str) and isinstance(b, str))


MAX_ALTERNATIVES = 12  # multi-atom alternatives per durable rule (durable_rules error 113 past 13)


def _chunks(p: Pred) -> list[Pred]:
    single = frozenset(b for b in p if len(b) <= 1)
    multi = sorted((b for b in p if len(b) > 1), key=lambda b: sorted(map(_atom_key, b)))
    groups = [multi[i : i + MAX_ALTERNATIVES] for i in range(0, len(multi), MAX_ALTERNATIVES)] or [[]]
    return [single | frozenset(groups[0]), *(frozenset(g) for g in groups[1:])]


def fields_of(p: Pred) -> set[str]:
    return {n for b in p for op, name, v in b for n in ((name, v.field) if isinstance(v, Ref) else (name,))}


def to_json(p: Pred, mark: str) -> dict[str, Any]:
    """The durable message pattern: the ruleset's marker, then the predicate."""
    head = {MARK: mark}
    if p == TRUE:
        return head
    branches = sorted((sorted(b, key=_atom_key) for b in p), key=lambda b: [_atom_key(a) for a in b])
    if len(branches) == 1:
        return {"$and": [head, *(_atom_json(a) for a in branches[0])]}
    alternatives = [_atom_json(b[0]) if len(b) == 1 else {"$and": [_atom_json(a) for a in b]} for b in branches]
    return {"$and": [head, {"$or": alternatives}]}


def _atom_key(a: Atom) -> tuple[str, str, str]:
    return (a[1], a[0], repr(a[2]))


def _atom_json(a: Atom) -> dict[str, Any]:
    op, name, value = a
    if op in ("ex", "nex"):
        return {f"${op}": {name: 1}}
    right = {"$m": value.field} if isinstance(value, Ref) else value
    return {name: right} if op == "eq" else {f"${op}": {name: right}}


# -- message fields --------------------------------------------------------------------------------

MARK = "k"  # every pattern starts with the ruleset's own marker, so nothing else can match it
UNKNOWN_VALUE = "?"  # a legal variable the known facts do not settle
DAY, SIGNED, NOTICE = "day", "signed", "notice"  # ordinals for the as-of date selection
OUTCOME_VAR = "outcome"


def always_present(name: str) -> bool:
    """Fields every message that reads them carries: readings, and the status of decided rules."""
    return name.startswith("r_") or (name[:1] == "p" and name[1:].isdigit())


def member_field(path: str) -> str:
    return "f_" + path.replace(".", "__")


def set_field(path: str, member: str) -> str:
    """Whether a set fact holds ``member`` (present, true or false, only when the set is known)."""
    return f"f_{path.replace('.', '__')}__{member}"


def order_field(path: str) -> str:
    return "o_" + path.replace(".", "__")


def var_field(name: str) -> str:
    return "v_" + name


def reading_field(name: str) -> str:
    return "r_" + name


def status_field(kind: str, position: int) -> str:
    return f"{kind}{position}"


def member_value(spec: FactSpec, value: object) -> object:
    """A fact's value for equality tests (Python's own equality: a date-time is never a date)."""
    kind = spec.kind
    if kind == "bool":
        return bool(value)
    if kind == "enum":
        return str(value)
    if kind == "number":
        return float(value)  # type: ignore[arg-type]
    if kind in ("date", "moment"):
        return value.isoformat()  # type: ignore[attr-defined]
    return "t" + hashlib.sha256(str(value).encode()).hexdigest()[:32]  # text: an opaque, safe token


def order_value(spec: FactSpec, value: object) -> object:
    """A fact's value for order tests: the day number of a date (a date-time counts by its day)."""
    if spec.kind == "number":
        return float(value)  # type: ignore[arg-type]
    day = value.date() if isinstance(value, dt.datetime) else value
    return day.toordinal()  # type: ignore[union-attr]


def _number_literal(raw: object, where: str) -> float:
    exact = Decimal(str(raw))
    value = float(exact)
    if Decimal(value) != exact:  # durable compares doubles; Python compares this literal exactly
        raise Unsupported(f"{where}: the number {raw!r} is not exactly representable as a double")
    return value


# -- conditions: (T, F) -------------------------------------------------------------------------


@dataclass(frozen=True)
class Within:
    """A ``within_period`` test, precomputed per evaluation with :func:`returnlaw.periods.within_period`."""

    start: str
    event: str
    days: int | str  # a whole number, or the path of a number fact


@dataclass
class _Context:
    group: str
    within: dict[Within, str]  # shared across the book: one field per distinct test
    member_facts: set[str] = field(default_factory=set)
    order_facts: set[str] = field(default_factory=set)


def truth(data: Any, ctx: _Context, where: str = "when") -> tuple[Pred, Pred]:
    """(T, F) of a condition as written in a rule file."""
    if data is None:
        return TRUE, FALSE
    if not isinstance(data, Mapping) or not data:
        raise Unsupported(f"{where}: not a condition")
    if "all" in data or "any" in data:
        key = "all" if "all" in data else "any"
        parts = [truth(c, ctx, f"{where}.{key}[{i}]") for i, c in enumerate(_items(data, key, where))]
        ts, fs = [p[0] for p in parts], [p[1] for p in parts]
        return (conj(*ts), disj(*fs)) if key == "all" else (disj(*ts), conj(*fs))
    if "not" in data:
        _only(data, {"not"}, where)
        t, f = truth(data["not"], ctx, f"{where}.not")
        return f, t
    if "always" in data:
        _only(data, {"always"}, where)
        return TRUE, FALSE
    if "fact" in data:
        return _fact(data, ctx, where)
    if "var" in data:
        return _var(data, ctx, where)
    if "reading" in data:
        return _reading(data, where)
    if "within_period" in data:
        return _within(data, ctx, where)
    raise Unsupported(f"{where}: unknown operator {sorted(data)}")


def _items(data: Mapping, key: str, where: str) -> tuple:
    _only(data, {key}, where)
    items = data[key]
    if not isinstance(items, list | tuple) or not items:
        raise Unsupported(f"{where}.{key}: expected a non-empty list")
    return tuple(items)


def _only(data: Mapping, keys: set[str], where: str) -> None:
    if set(data) != keys:
        raise Unsupported(f"{where}: unexpected keys {sorted(set(data) - keys)}")


def _op(data: Mapping, subject: str, ops: tuple[str, ...], where: str) -> tuple[str, Any]:
    found = [k for k in data if k != subject]
    if len(found) != 1 or found[0] not in ops:
        raise Unsupported(f"{where}: expected one of {ops} next to {subject!r}")
    return found[0], data[found[0]]


def _spec(path: Any, where: str) -> FactSpec:
    spec = FACTS.get(path) if isinstance(path, str) else None
    if spec is None:
        raise Unsupported(f"{where}: unknown fact {path!r}")
    return spec


_ORDER_OPS = {"lt": "lt", "le": "lte", "gt": "gt", "ge": "gte"}


def _fact(data: Mapping, ctx: _Context, where: str) -> tuple[Pred, Pred]:
    spec = _spec(data["fact"], f"{where}.fact")
    op, raw = _op(data, "fact", ("is", "eq", "ne", "in", "not_in", "contains", "known", *_ORDER_OPS), where)
    if op == "known":
        return _known(spec, raw, ctx, f"{where}.known")
    if (op == "contains") != (spec.kind == "set"):
        raise Unsupported(f"{where}: 'contains' needs a set fact and a set fact needs 'contains'")
    if op == "contains":
        if raw not in spec.values:
            raise Unsupported(f"{where}.contains: {raw!r} is not a member of {spec.path}")
        ctx.member_facts.add(spec.path)
        name = set_field(spec.path, raw)
        return atom("eq", name, True), atom("eq", name, False)
    if op in _ORDER_OPS:
        return _order(spec, _ORDER_OPS[op], raw, ctx, f"{where}.{op}")
    raws = list(raw) if op in ("in", "not_in") and isinstance(raw, list | tuple) else [raw]
    values = [_member_literal(spec, v, f"{where}.{op}") for v in raws]
    name = member_field(spec.path)
    ctx.member_facts.add(spec.path)
    inside, outside = one_of(name, values), none_of(name, values)
    return (inside, outside) if op in ("is", "eq", "in") else (outside, inside)


def _known(spec: FactSpec, raw: Any, ctx: _Context, where: str) -> tuple[Pred, Pred]:
    """Whether the fact's field is in the message (a set fact: the field of its first member)."""
    if not isinstance(raw, bool):
        raise Unsupported(f"{where}: expected true or false")
    ctx.member_facts.add(spec.path)
    name = set_field(spec.path, spec.values[0]) if spec.kind == "set" else member_field(spec.path)
    there, absent = atom("ex", name), atom("nex", name)
    return (there, absent) if raw else (absent, there)


def _member_literal(spec: FactSpec, raw: Any, where: str) -> object:
    kind = spec.kind
    if kind == "bool" and isinstance(raw, bool):
        return raw
    if kind == "enum" and isinstance(raw, str) and raw in spec.values:
        return raw
    if kind == "text" and isinstance(raw, str):
        return member_value(spec, raw)
    if kind == "number" and isinstance(raw, int | float) and not isinstance(raw, bool):
        return _number_literal(raw, where)
    if kind == "date" and isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return raw.isoformat()
    if kind == "moment" and isinstance(raw, dt.date):
        return raw.isoformat()
    raise Unsupported(f"{where}: {raw!r} is not a {kind} value of {spec.path}")


def _order(spec: FactSpec, op: str, raw: Any, ctx: _Context, where: str) -> tuple[Pred, Pred]:
    if spec.kind not in ("number", "date", "moment"):
        raise Unsupported(f"{where}: {spec.path} is not a number or a date")
    name = order_field(spec.path)
    ctx.order_facts.add(spec.path)
    if isinstance(raw, Mapping) and "reading" in raw:  # a number reading: always in the message
        _only(raw, {"reading"}, where)
        if spec.kind != "number" or raw["reading"] not in Readings.model_fields:
            raise Unsupported(f"{where}: {spec.path} against reading {raw['reading']!r}")
        ref = Ref(reading_field(raw["reading"]))
        return atom(op, name, ref), atom(_NEGATE[op], name, ref)
    if isinstance(raw, Mapping):
        _only(raw, {"fact"}, where)
        other = _spec(raw["fact"], f"{where}.fact")
        if (other.kind == "number") != (spec.kind == "number") or other.kind not in ("number", "date", "moment"):
            raise Unsupported(f"{where}: cannot compare {spec.path} with {other.path}")
        ctx.order_facts.add(other.path)
        ref = Ref(order_field(other.path))
        present = atom("ex", ref.field)
        return conj(present, atom(op, name, ref)), conj(present, atom(_NEGATE[op], name, ref))
    if spec.kind == "number":
        if not isinstance(raw, int | float) or isinstance(raw, bool):
            raise Unsupported(f"{where}: {raw!r} is not a number")
        bound: object = _number_literal(raw, where)
    elif isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        bound = raw.toordinal()
    else:
        raise Unsupported(f"{where}: order tests take a date literal, got {raw!r}")
    return atom(op, name, bound), atom(_NEGATE[op], name, bound)


def _var(data: Mapping, ctx: _Context, where: str) -> tuple[Pred, Pred]:
    name = data["var"]
    if name == ctx.group:
        raise Unsupported(f"{where}: reads {name!r}, the variable its own group settles (plan-order dependent)")
    _, raw = _op(data, "var", ("eq", "in"), where)
    values = list(raw) if isinstance(raw, list | tuple) else [raw]
    f = var_field(name)
    # absent: never set (false for every value); UNKNOWN_VALUE: undecided (unknown)
    return one_of(f, values), disj(atom("nex", f), none_of(f, [UNKNOWN_VALUE, *values]))


def _reading(data: Mapping, where: str) -> tuple[Pred, Pred]:
    name = data["reading"]
    if name not in Readings.model_fields:
        raise Unsupported(f"{where}: unknown reading {name!r}")
    _, raw = _op(data, "reading", ("eq", "in"), where)
    values = [str(v) for v in (raw if isinstance(raw, list | tuple) else [raw])]
    f = reading_field(name)
    return one_of(f, values), none_of(f, values)


def _within(data: Mapping, ctx: _Context, where: str) -> tuple[Pred, Pred]:
    _only(data, {"within_period"}, where)
    spec = data["within_period"]
    if not isinstance(spec, Mapping) or set(spec) != {"start", "event", "days"}:
        raise Unsupported(f"{where}: within_period needs start, event and days")
    for key in ("start", "event"):
        if _spec(spec[key], f"{where}.{key}").kind not in ("date", "moment"):
            raise Unsupported(f"{where}.{key}: not a date fact")
    days = spec["days"]
    if isinstance(days, Mapping) and set(days) == {"fact"} and _spec(days["fact"], where).kind == "number":
        test = Within(spec["start"], spec["event"], days["fact"])
    elif isinstance(days, int) and not isinstance(days, bool) and days > 0:
        test = Within(spec["start"], spec["event"], days)
    else:
        raise Unsupported(f"{where}.days: {days!r}")
    name = ctx.within.setdefault(test, f"w{len(ctx.within)}")
    return atom("eq", name, True), atom("eq", name, False)


# -- rulesets --------------------------------------------------------------------------------------

Record = tuple  # what an action records, e.g. ("s", 3, True, False, "T"), ("var", "right", "returnable")
TRI = {True: "T", False: "F", None: "U"}
DONE: Record = ("done",)  # recorded by every facts ruleset's catch-all rule


@dataclass(frozen=True)
class DurableRuleset:
    """One durable ruleset: its JSON definition and what each of its actions records."""

    name: str
    mode: Literal["facts", "event"]  # facts: every matching rule fires; event: the first by pri
    definition: Mapping[str, Any]
    fields: tuple[str, ...]  # the message fields its rules read
    records: Mapping[str, Record]  # action name -> record


class _Builder:
    def __init__(self, name: str, mode: Literal["facts", "event"]) -> None:
        self.name, self.mode = name, mode
        self.rules: dict[str, Any] = {}
        self.records: dict[str, Record] = {}
        self.fields: set[str] = set()

    def add(self, key: str, pred: Pred, record: Record, pri: int | None = None) -> None:
        """Rules that record ``record`` when ``pred`` holds (several if it has many alternatives:
        durable refuses more than 13 multi-atom alternatives in one rule); a message matching
        several alternatives fires once per alternative, all with the same record."""
        if pred == FALSE:
            return  # can never fire
        for n, part in enumerate(_chunks(bounded(pred))):
            name = key if n == 0 else f"{key}.{n}"
            action = f"{self.name}/{name}"
            rule: dict[str, Any] = {"all": [{"m": to_json(part, self.name)}], "run": action}
            if pri is not None:
                rule["pri"] = pri
            self.rules[name] = rule
            self.records[action] = record
        self.fields |= fields_of(pred)

    def build(self) -> DurableRuleset:
        if self.mode == "facts":  # every fact must be handled: durable crashes deleting a session
            self.add("done", TRUE, DONE)  # whose message no rule matched; it also confirms the run
        return DurableRuleset(self.name, self.mode, self.rules, tuple(sorted(self.fields)), self.records)


@dataclass(frozen=True)
class Stage:
    kind: Literal["status", "variable", "fill", "outcome"]
    group: str
    ruleset: DurableRuleset
    positions: tuple[int, ...] = ()  # status: the plan positions it decides


@dataclass(frozen=True)
class Fill:
    path: str
    value: object
    rule: int  # plan position of the presumption
    index: int  # the fact's place among the presumption's facts


@dataclass(frozen=True)
class EpochPlan:
    index: int
    epoch: Epoch
    stages: tuple[Stage, ...]
    guard: DurableRuleset | None  # checks every rule's in-force dates against this plan
    within: tuple[tuple[str, Within], ...]
    member_facts: tuple[str, ...]
    order_facts: tuple[str, ...]
    unsupported: tuple[str, ...]  # ids of rules in this plan that could not be translated


@dataclass(frozen=True)
class Translation:
    book: RuleBook
    prefix: str
    selector: DurableRuleset
    plans: tuple[EpochPlan, ...]
    unsupported: Mapping[str, str]  # rule id -> why it cannot be expressed

    def rulesets(self) -> list[DurableRuleset]:
        out = [self.selector]
        for plan in self.plans:
            out += [s.ruleset for s in plan.stages]
            if plan.guard is not None:
                out.append(plan.guard)
        return out


@dataclass(frozen=True)
class _Condition:
    """A rule's condition in durable form: certainly true, certainly false, unknown."""

    t: Pred
    f: Pred
    u: Pred
    member_facts: frozenset[str]
    order_facts: frozenset[str]


def translate(book: RuleBook, prefix: str = "rl") -> Translation:
    """Translate every epoch of ``book``; ``prefix`` keeps ruleset names unique within a host."""
    within: dict[Within, str] = {}
    unsupported: dict[str, str] = {}
    conditions: dict[str, _Condition] = {}
    for rule in book.rules.values():  # every rule once, whatever epochs it is in
        try:
            ctx = _Context(rule.group, within)
            t, f = truth(rule.when_data, ctx)
            _conclusion(rule)
            conditions[rule.id] = _Condition(
                bounded(t),
                bounded(f),
                bounded(conj(neg(t), neg(f))),
                frozenset(ctx.member_facts),
                frozenset(ctx.order_facts),
            )
        except Unsupported as err:
            unsupported[rule.id] = str(err)
    plans = []
    for k, epoch in enumerate(book.epochs):
        try:
            plans.append(_plan(book, k, epoch, prefix, conditions, within, unsupported))
        except Unsupported as err:  # a plan-level limit (a defeat relation too large to express)
            for step in epoch.steps:
                unsupported.setdefault(step.rule.id, str(err))
            plans.append(_unusable(book, k, epoch, prefix, unsupported))
    return Translation(book, prefix, _selector(book, prefix), tuple(plans), unsupported)


def _unusable(book: RuleBook, index: int, epoch: Epoch, prefix: str, unsupported: Mapping[str, str]) -> EpochPlan:
    bad = tuple(s.rule.id for s in epoch.steps if s.rule.id in unsupported)
    return EpochPlan(index, epoch, (), _guard(book, epoch, f"{prefix}_e{index}_guard"), (), (), (), bad)


def _conclusion(rule: Rule) -> tuple[str, Any] | None:
    """("set", (variable, value)) or ("presume", ((path, value), ...)); None for the other kinds."""
    then = rule.then_data
    if then is None:
        return None
    if not isinstance(then, Mapping) or len(then) != 1:
        raise Unsupported("then: expected one conclusion")
    kind, body = next(iter(then.items()))
    if kind == "set":
        if not isinstance(body, Mapping) or len(body) != 1:
            raise Unsupported("then.set: expected one variable")
        ((variable, value),) = body.items()
        if variable != rule.group:
            raise Unsupported(f"then.set: sets {variable} but is planned with {rule.group}")
        return "set", (variable, value)
    if kind == "presume":
        if not isinstance(body, Mapping) or rule.group != "presumptions":
            raise Unsupported("then.presume: expected facts and values")
        for path, value in body.items():
            _member_literal(_spec(path, "then.presume"), value, f"then.presume.{path}")
        return "presume", tuple(body.items())
    return None


def _plan(
    book: RuleBook,
    index: int,
    epoch: Epoch,
    prefix: str,
    conditions: Mapping[str, _Condition],
    within: Mapping[Within, str],
    unsupported: Mapping[str, str],
) -> EpochPlan:
    steps = epoch.steps
    ids = [s.rule.id for s in steps]
    if any(i in unsupported for i in ids):
        return _unusable(book, index, epoch, prefix, unsupported)
    position = {rid: i for i, rid in enumerate(ids)}
    # Defeaters from the rules' own exception_to (not the loader's precomputed positions).
    defeaters: dict[int, list[int]] = {i: [] for i in range(len(steps))}
    for j, step in enumerate(steps):
        for target in step.rule.exception_to:
            if target in position:
                defeaters[position[target]].append(j)
    groups: dict[str, list[int]] = {}
    for i, step in enumerate(steps):
        groups.setdefault(step.rule.group, []).append(i)
    stages: list[Stage] = []
    outcome_done = False
    base = f"{prefix}_e{index}"
    for group, members in groups.items():  # plan order: presumptions, variables..., effects
        if group == "effects":
            stages.append(_outcome_stage(f"{base}_outcome"))
            outcome_done = True
        level = _levels(members, defeaters)
        for lv in range(max(level.values()) + 1):
            b = _Builder(f"{base}_s_{group}_{lv}", "facts")
            decided = tuple(m for m in members if level[m] == lv)
            for i in decided:
                _status_rules(b, i, conditions[ids[i]], defeaters[i])
            stages.append(Stage("status", group, b.build(), decided))
        if group == "presumptions":
            stages.append(Stage("fill", group, _fill_stage(f"{base}_fill", steps, members)))
        elif group != "effects":
            stages.append(Stage("variable", group, _variable_stage(f"{base}_v_{group}", group, steps, members)))
    if not outcome_done:
        stages.append(_outcome_stage(f"{base}_outcome"))
    used = {f for s in stages for f in s.ruleset.fields}
    tests = tuple((name, test) for test, name in within.items() if name in used)
    member = sorted({p for rid in ids for p in conditions[rid].member_facts} | _presumable(steps))
    order = sorted({p for rid in ids for p in conditions[rid].order_facts})
    guard = _guard(book, epoch, f"{base}_guard")
    return EpochPlan(index, epoch, tuple(stages), guard, tests, tuple(member), tuple(order), ())


def _presumable(steps) -> set[str]:
    return {p for s in steps if (c := _conclusion(s.rule)) and c[0] == "presume" for p, _ in c[1]}


def _levels(members: list[int], defeaters: dict[int, list[int]]) -> dict[int, int]:
    """0 for a rule nothing defeats, else one more than its highest defeater."""
    level: dict[int, int] = {}

    def of(i: int, seen: frozenset[int]) -> int:
        if i in seen:
            raise Unsupported("exception cycle")
        if i not in level:
            level[i] = 1 + max((of(j, seen | {i}) for j in defeaters[i]), default=-1)
        return level[i]

    for i in members:
        of(i, frozenset())
    return level


def applies_field(position: int) -> str:
    """Whether the rule at this plan position applies: "T", "F" or "U" (always present once decided)."""
    return f"p{position}"


def _status_rules(b: _Builder, i: int, cond: _Condition, beaten_by: list[int]) -> None:
    """One durable rule per (applicable, defeated) pair other than (F, F), the default."""
    applicable = {True: cond.t, None: cond.u, False: cond.f}
    if beaten_by:
        fields = [applies_field(j) for j in beaten_by]
        some = disj(*(atom("eq", f, "T") for f in fields))
        none = conj(*(atom("eq", f, "F") for f in fields))
        defeat = {True: some, False: none, None: conj(neg(some), neg(none))}
    else:
        defeat = {False: TRUE}
    for (a, pa), (d, pd) in itertools.product(applicable.items(), defeat.items()):
        if a is False and d is False:
            continue  # nothing recorded: the default
        b.add(f"{TRI[a]}{TRI[d]}{i}", conj(pa, pd), ("s", i, a, d, TRI[_and_not(a, d)]))


def _and_not(a: bool | None, d: bool | None) -> bool | None:
    """Kleene's a ∧ ¬d: the rule applies when applicable and not defeated."""
    if a is False or d is True:
        return False
    return None if a is None or d is None else True


def _variable_stage(name: str, group: str, steps, members: list[int]) -> DurableRuleset:
    b = _Builder(name, "event")
    setters = [(i, c[1][1]) for i in members if (c := _conclusion(steps[i].rule)) and c[0] == "set"]
    for rank, (i, value) in enumerate(setters):  # plan order: the first setter that applies wins
        b.add(f"set{i}", atom("eq", applies_field(i), "T"), ("var", group, value), pri=rank)
    undecided = disj(*(atom("eq", applies_field(i), "U") for i, _ in setters))
    b.add("unknown", undecided, ("var", group, UNKNOWN_VALUE), pri=len(setters))
    b.add("unset", TRUE, ("var", group, None), pri=len(setters) + 1)
    return b.build()


def _fill_stage(name: str, steps, members: list[int]) -> DurableRuleset:
    """Each unknown fact a presumption names takes the value of the first that applies."""
    b = _Builder(name, "facts")
    earlier: dict[str, list[int]] = defaultdict(list)
    for i in members:
        c = _conclusion(steps[i].rule)
        if not c or c[0] != "presume":
            continue
        for index, (path, value) in enumerate(c[1]):
            first = [atom("neq", applies_field(j), "T") for j in earlier[path]]
            unknown = atom("nex", member_field(path))
            b.add(
                f"fill{i}_{member_field(path)}",
                conj(unknown, atom("eq", applies_field(i), "T"), *first),
                ("fill", Fill(path, value, i, index)),
            )
            earlier[path].append(i)
    return b.build()


def _outcome_stage(name: str) -> Stage:
    """The evaluator's outcome, as first-match rules: scope closed → out_of_scope; undecided
    scope → undetermined; else the value of right, undetermined when right is not settled."""
    b = _Builder(name, "event")
    scope, right = var_field("scope"), var_field("right")
    b.add("out", disj(atom("nex", scope), atom("eq", scope, "out")), ("outcome", "out_of_scope"), pri=0)
    b.add("scope_unknown", atom("eq", scope, UNKNOWN_VALUE), ("outcome", "undetermined"), pri=1)
    b.add("returnable", atom("eq", right, "returnable"), ("outcome", "returnable"), pri=2)
    b.add("not_returnable", atom("eq", right, "not_returnable"), ("outcome", "not_returnable"), pri=3)
    b.add("undetermined", TRUE, ("outcome", "undetermined"), pri=4)
    return Stage("outcome", OUTCOME_VAR, b.build())


def _selector(book: RuleBook, prefix: str) -> DurableRuleset:
    """Which epoch a date falls in; with no date, which epochs could apply (those starting no
    later than the signing date, else the notice date, else all)."""
    b = _Builder(f"{prefix}_select", "facts")
    for k, e in enumerate(book.epochs):
        start = [atom("gte", DAY, e.start.toordinal())] if e.start else []
        end = [atom("lt", DAY, e.end.toordinal())] if e.end else []
        b.add(f"epoch{k}", conj(atom("ex", DAY), *start, *end), ("epoch", k))
        if e.start is None:
            could = TRUE
        else:
            s = e.start.toordinal()
            could = disj(
                atom("gte", SIGNED, s),
                conj(atom("nex", SIGNED), atom("gte", NOTICE, s)),
                conj(atom("nex", SIGNED), atom("nex", NOTICE)),
            )
        b.add(f"candidate{k}", conj(atom("nex", DAY), could), ("candidate", k))
    return b.build()


def _guard(book: RuleBook, epoch: Epoch, name: str) -> DurableRuleset:
    """Fires for a rule whose in-force dates disagree with its presence in the plan on the day."""
    planned = {s.rule.id for s in epoch.steps}
    spans: dict[tuple[dt.date, dt.date | None, bool], list[str]] = defaultdict(list)
    for rule in book.rules.values():
        spans[(rule.in_force_from, rule.in_force_to, rule.id in planned)].append(rule.id)
    b = _Builder(name, "facts")
    for n, ((start, end, inside), ids) in enumerate(
        sorted(spans.items(), key=lambda kv: (kv[0][0], kv[0][1] or dt.date.max, kv[0][2]))
    ):
        s = start.toordinal()
        in_force = conj(atom("gte", DAY, s), *([atom("lt", DAY, end.toordinal())] if end else []))
        wrong = conj(atom("ex", DAY), neg(in_force)) if inside else in_force
        why = "is in the plan but not in force" if inside else "is in force but not in the plan"
        b.add(f"span{n}", wrong, ("guard", tuple(ids), why))
    return b.build()


# -- messages --------------------------------------------------------------------------------------


def encode(plan: EpochPlan, scenario: Scenario, readings: Readings) -> dict[str, Any]:
    """The facts, readings and periods of a scenario as message fields (unknown = absent)."""
    msg: dict[str, Any] = {}
    for path in plan.member_facts:
        spec = FACTS[path]
        value = spec.get(scenario)
        if value is None:
            continue
        if spec.kind == "set":
            msg.update({set_field(path, m): m in value for m in spec.values})  # type: ignore[operator]
        else:
            msg[member_field(path)] = member_value(spec, value)
    for path in plan.order_facts:
        spec = FACTS[path]
        value = spec.get(scenario)
        if value is not None:
            msg[order_field(path)] = order_value(spec, value)
    for name in Readings.model_fields:
        value = getattr(readings, name)
        msg[reading_field(name)] = float(value) if isinstance(value, int) else str(value)
    for name, test in plan.within:
        start, event = FACTS[test.start].get(scenario), FACTS[test.event].get(scenario)
        days = test.days if isinstance(test.days, int) else FACTS[test.days].get(scenario)
        if start is None or event is None or days is None:
            continue
        result = within_period(
            start,  # type: ignore[arg-type]
            event,  # type: ignore[arg-type]
            int(days),  # type: ignore[call-overload]
            readings.counting,
            readings.unpublished_holidays,
        )
        if result is not None:
            msg[name] = result
    return msg


def selection_message(scenario: Scenario, day: dt.date | None) -> dict[str, Any]:
    msg: dict[str, Any] = {}
    if day is not None:
        msg[DAY] = day.toordinal()
    for name, value in ((SIGNED, scenario.delivery.signed_at), (NOTICE, scenario.return_.notice_sent_at)):
        if value is not None:
            msg[name] = (value.date() if isinstance(value, dt.datetime) else value).toordinal()
    return msg


def presumed_scenario(scenario: Scenario, fills: list[Fill]) -> Scenario:
    """The scenario with the filled facts (only ever facts that were unknown)."""
    updates: dict[str, dict[str, object]] = {}
    for f in fills:
        section, name = f.path.split(".")
        updates.setdefault("return_" if section == "return" else section, {})[name] = f.value
    changed = {s: getattr(scenario, s).model_copy(update=u) for s, u in updates.items()}
    return scenario.model_copy(update=changed)


def describe(tr: Translation) -> dict[str, Any]:
    """A summary of the translation: rulesets per epoch, rules per ruleset, unsupported rules."""
    return {
        "rulesets": len(tr.rulesets()),
        "durable_rules": sum(len(r.definition) for r in tr.rulesets()),
        "epochs": [
            {
                "from": p.epoch.start.isoformat() if p.epoch.start else None,
                "rules": len(p.epoch.steps),
                "stages": [(s.kind, s.group, len(s.ruleset.definition)) for s in p.stages],
            }
            for p in tr.plans
        ],
        "unsupported": dict(tr.unsupported),
    }


__all__ = [
    "DurableRuleset",
    "EpochPlan",
    "Fill",
    "Stage",
    "Translation",
    "Unsupported",
    "describe",
    "encode",
    "presumed_scenario",
    "selection_message",
    "translate",
]
