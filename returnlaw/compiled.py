"""The compiled rule book: one generated Python function per epoch.

At load time each epoch's plan (:attr:`returnlaw.rulebook.Epoch.groups`) is turned into the source
of one function that evaluates every rule in plan order with the facts, readings and legal
variables held in local variables, no per-rule dict lookups or closure calls, and builds the trace
tuples in one step. The source is generated only from the closed condition vocabulary
(:mod:`returnlaw.conditions`): every literal of the rule files (values, bounds, variable names,
conclusions) is passed in the function's globals as a numbered constant, never pasted into the
source, and attribute names come from the pydantic models, not from the YAML. The source is kept
(:attr:`CompiledEpoch.source`, ``returnlaw rules compiled EPOCH``).

The interpreter (:func:`returnlaw.evaluator.evaluate_reference`) is the reference; the two are
compared on generated scenarios by ``tests/test_differential_compiled.py``. A condition operator
this module does not know is not an error: the rule's condition falls back to the interpreter's
closure for that rule (so a new operator added to the vocabulary keeps working, only slower).

Kleene logic is encoded as two boolean expressions per condition: *certainly true* (T) and
*certainly false* (F); unknown is neither. ``all``: T = and of T, F = or of F; ``any`` the dual;
``not`` swaps them. A rule's status is ``False if F else (True if T else None)``.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from pydantic import BaseModel

from .conditions import UNKNOWN, _as_comparable, _literal
from .evaluator import RETURNABLE, UNDETERMINED, Evaluation, _outcome, _presume
from .facts import FACTS, FactSpec
from .periods import within_period
from .rulebook import Epoch, Presume, SetVariable
from .scenario import Scenario

_ORDER = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_FACT_OPS = {"is", "eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "contains"}
_KNOWN_OPS = {"all", "any", "not", "always", "fact", "var", "reading", "within_period"}


@dataclass(frozen=True)
class CompiledEpoch:
    """An epoch's generated function and its source (for inspection)."""

    run: Callable[..., Evaluation]
    source: str
    constants: tuple[tuple[str, str], ...] = ()  # (global name, repr of its value), for reading the source


def _attribute_paths() -> dict[str, tuple[str, str]]:
    """Fact path -> (section attribute, field attribute) for facts that are a plain field."""
    out: dict[str, tuple[str, str]] = {}
    for section, field in Scenario.model_fields.items():
        model = field.annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        for name in model.model_fields:
            path = f"{field.alias or section}.{name}"
            spec = FACTS.get(path)
            plain = isinstance(spec.get, attrgetter) if spec is not None else False
            if plain and repr(spec.get).endswith(f"'{section}.{name}')"):
                out[path] = (section, name)
    return out


_PLAIN = _attribute_paths()


def _identifier(name: str) -> str:
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"not a Python identifier: {name!r}")
    return name


class _Gen:
    """Source lines and globals of one epoch's function."""

    def __init__(self, epoch: Epoch) -> None:
        self.epoch = epoch
        self.lines: list[str] = []
        self.globals: dict[str, Any] = {
            "UNKNOWN": UNKNOWN,
            "MISSING": _MISSING,
            "Evaluation": Evaluation,
            "NEW": tuple.__new__,
            "OUTCOME": _outcome,
            "PRESUME": _presume,
            "PERIOD": within_period,
            "AS_CMP": _as_comparable,
            "UNDETERMINED": UNDETERMINED,
            "RETURNABLE": RETURNABLE,
        }
        self.consts: dict[tuple[str, Any], str] = {}
        self.facts: dict[str, str] = {}  # fact path -> local name
        self.sections: dict[str, str] = {}  # section attribute -> local name
        self.readings: dict[str, str] = {}
        self.variables: dict[str, str] = {}  # legal variable -> local name
        self.tmp = 0

    # -- names --------------------------------------------------------------------------------
    def const(self, value: Any, kind: str = "k") -> str:
        key = (type(value).__name__, repr(value) if not callable(value) else id(value))
        if key not in self.consts:
            name = f"{kind.upper()}{len(self.consts)}"
            self.consts[key] = name
            self.globals[name] = value
        return self.consts[key]

    def fact(self, path: str) -> str:
        """The expression of a fact's value: a local read once per evaluation for a plain field;
        for a derived fact (a getter), the getter is called where the value is first needed."""
        if path not in self.facts:
            self.facts[path] = f"f{len(self.facts)}"
        local = self.facts[path]
        if path in _PLAIN:
            return local
        return f"({local} if {local} is not MISSING else ({local} := {self.const(FACTS[path].get, 'g')}(s)))"

    def reading(self, name: str) -> str:
        if name not in self.readings:
            self.readings[name] = f"r_{_identifier(name)}"
        return self.readings[name]

    def var(self, name: str) -> str:
        if name not in self.variables:
            self.variables[name] = f"v{len(self.variables)}"
        return self.variables[name]

    def fresh(self, prefix: str) -> str:
        self.tmp += 1
        return f"{prefix}{self.tmp}"

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    # -- facts ---------------------------------------------------------------------------------
    def fact_reads(self, indent: int) -> None:
        """Read every plain fact the epoch uses into its local, from the models' ``__dict__`` (an
        attribute of a pydantic model goes through its ``__getattr__`` hook: several times as
        slow); derived facts start as MISSING (see :meth:`fact`)."""
        sections: set[str] = set()
        for path in self.facts:
            if path in _PLAIN:
                sections.add(_PLAIN[path][0])
        self.emit(indent, "S = s.__dict__")
        for section in sorted(sections):
            self.emit(indent, f"s_{_identifier(section)} = S[{self.const(section, 'n')}].__dict__")
        for path, local in self.facts.items():
            if path in _PLAIN:
                section, name = _PLAIN[path]
                self.emit(indent, f"{local} = s_{section}[{self.const(name, 'n')}]")
            else:
                self.emit(indent, f"{local} = MISSING")


_MISSING = object()  # a derived fact not computed yet in this evaluation


class _Opaque(Exception):
    """A condition uses an operator this compiler does not know: use the interpreter's closure."""


def _walk_periods(data: Any, out: list[Any]) -> None:
    if isinstance(data, Mapping):
        if "within_period" in data:
            out.append(data)
        for key in ("all", "any"):
            for child in data.get(key, ()) or ():
                _walk_periods(child, out)
        if "not" in data:
            _walk_periods(data["not"], out)


def _has_period(data: Any) -> bool:
    found: list[Any] = []
    _walk_periods(data, found)
    return bool(found)


class _Cond:
    """Certainly-true and certainly-false expressions of one condition."""

    def __init__(self, gen: _Gen) -> None:
        self.gen = gen
        self.periods: dict[int, str] = {}  # id(node) -> local holding its tri value

    def tf(self, data: Any) -> tuple[str, str]:
        g = self.gen
        if data is None:
            return "True", "False"
        if not isinstance(data, Mapping) or not data or not (set(data) & _KNOWN_OPS):
            raise _Opaque
        if "all" in data:
            parts = [self.tf(c) for c in data["all"]]
            return "(" + " and ".join(t for t, _ in parts) + ")", "(" + " or ".join(f for _, f in parts) + ")"
        if "any" in data:
            parts = [self.tf(c) for c in data["any"]]
            return "(" + " or ".join(t for t, _ in parts) + ")", "(" + " and ".join(f for _, f in parts) + ")"
        if "not" in data:
            t, f = self.tf(data["not"])
            return f, t
        if "always" in data:
            return "True", "False"
        if "within_period" in data:
            w = self.periods[id(data)]
            return f"({w} is True)", f"({w} is False)"
        if "var" in data:
            v = g.var(data["var"])
            raw = data.get("eq", data.get("in"))
            # UNKNOWN is in neither set: 'v in K' is certainly true, 'v not in K + UNKNOWN' certainly false
            allowed = frozenset(raw if isinstance(raw, list | tuple) else [raw])
            return f"({v} in {g.const(allowed)})", f"({v} not in {g.const(allowed | {UNKNOWN})})"
        if "reading" in data:
            rd = g.reading(data["reading"])
            raw = data.get("eq", data.get("in"))
            values = g.const(frozenset(raw if isinstance(raw, list | tuple) else [raw]))
            return f"({rd} in {values})", f"({rd} not in {values})"
        if "fact" in data:
            return self.fact_tf(data)
        raise _Opaque

    def fact_tf(self, data: Mapping[str, Any]) -> tuple[str, str]:
        g = self.gen
        spec = FACTS[data["fact"]]
        x = g.fact(spec.path)
        ops = [k for k in data if k != "fact"]
        if len(ops) != 1 or ops[0] not in _FACT_OPS:
            raise _Opaque
        op = ops[0]
        raw = data[op]
        known = f"{x} is not None"
        if op == "contains":
            k = g.const(raw)
            return f"({known} and {k} in {x})", f"({known} and {k} not in {x})"
        if op == "is":
            op = "eq"
        if op in _ORDER:
            return self.order_tf(spec, x, _ORDER[op], raw)
        if op in ("in", "not_in"):
            values = frozenset(_literal(spec, v, "when") for v in raw)
        else:
            values = frozenset({_literal(spec, raw, "when")})
        inside = op in ("eq", "in")
        if spec.kind == "bool" and len(values) == 1:
            (value,) = values
            yes, no = ("True", "False") if value is inside else ("False", "True")
            return f"({x} is {yes})", f"({x} is {no})"
        # None (unknown) is in neither set: 'x in K' is certainly in, 'x not in K + None' certainly out
        t_in, f_in = f"({x} in {g.const(values)})", f"({x} not in {g.const(values | {None})})"
        return (t_in, f_in) if inside else (f_in, t_in)

    def order_tf(self, spec: FactSpec, x: str, sym: str, raw: Any) -> tuple[str, str]:
        g = self.gen
        left = f"AS_CMP({x})" if spec.kind == "moment" else x
        if isinstance(raw, Mapping) and "reading" in raw:
            rd = g.reading(raw["reading"])
            test = f"{x} {sym} {rd}"
            known = f"{x} is not None"
        elif isinstance(raw, Mapping):
            other = FACTS[raw["fact"]]
            y = g.fact(other.path)
            right = f"AS_CMP({y})" if other.kind == "moment" else y
            test = f"{left} {sym} {right}"
            known = f"{x} is not None and {y} is not None"
        else:
            test = f"{left} {sym} {g.const(_literal(spec, raw, 'when'))}"
            known = f"{x} is not None"
        return f"({known} and {test})", f"({known} and not ({test}))"

    def period_lines(self, node: Mapping[str, Any], indent: int) -> None:
        g = self.gen
        spec = node["within_period"]
        w = g.fresh("w")
        self.periods[id(node)] = w
        a, b = g.fact(spec["start"]), g.fact(spec["event"])
        days = spec["days"]
        if isinstance(days, Mapping):
            n = g.fact(days["fact"])
            unknown = f"{a} is None or {b} is None or {n} is None"
            count = f"int({n})"
        else:
            unknown = f"{a} is None or {b} is None"
            count = g.const(int(days))
        call = f"PERIOD({a}, {b}, {count}, r_counting, r_unpublished_holidays)"
        g.reading("counting"), g.reading("unpublished_holidays")
        g.emit(indent, f"{w} = None if {unknown} else {call}")


class _EpochGen(_Gen):
    def __init__(self, epoch: Epoch, interpreted: bool) -> None:
        super().__init__(epoch)
        self.interpreted = interpreted

    def status(self, i: int, indent: int, a: str) -> None:
        """Emit ``a = <status of rule i's condition>``."""
        rule = self.epoch.steps[i].rule
        data = rule.when_data
        cond = _Cond(self)
        try:
            if self.interpreted:
                raise _Opaque
            periods: list[Any] = []
            _walk_periods(data, periods)
            top_all = isinstance(data, Mapping) and "all" in data and periods
            if top_all:
                # the conjuncts without a period first: when one is certainly false, no period is
                # counted (the interpreter's order: plain tests, then the others)
                children = list(data["all"])
                costly = [c for c in children if _has_period(c)]
                cheap = [c for c in children if not _has_period(c)]
                _, f_cheap = cond.tf({"all": cheap}) if cheap else ("True", "False")
                self.emit(indent, f"if {f_cheap}:")
                self.emit(indent + 1, f"{a} = False")
                self.emit(indent, "else:")
                for node in periods:
                    cond.period_lines(node, indent + 1)
                t, _ = cond.tf(data)
                _, f_costly = cond.tf({"all": costly})
                self.emit(indent + 1, f"{a} = False if {f_costly} else (True if {t} else None)")
                return
            for node in periods:
                cond.period_lines(node, indent)
            t, f = cond.tf(data)
        except _Opaque:
            fn = self.const(rule.condition.fn, "c")
            self.emit(indent, f"{a} = {fn}(s, {self.variables_dict()}, r)")
            return
        if t == "True" and f == "False":
            self.emit(indent, f"{a} = True")
        else:
            self.emit(indent, f"{a} = False if {f} else (True if {t} else None)")

    def variables_dict(self) -> str:
        items = ", ".join(f"{self.const(name)}: {local}" for name, local in self.variables.items())
        return f"_vars({{{items}}})"


def _vars(d: dict[str, object]) -> dict[str, object]:
    """The legal variables set so far, as the interpreter's dict (unset ones are absent)."""
    return {k: v for k, v in d.items() if v is not None}


def compile_epoch(epoch: Epoch, *, interpreted_only: bool = False) -> CompiledEpoch:
    """Generate, compile and return the epoch's function ``run(book, epoch, s, r, day, consequences)``."""
    gen = _EpochGen(epoch, interpreted_only)
    gen.globals["_vars"] = _vars
    n = len(epoch.steps)
    body: list[str] = []
    gen.lines = body
    # Register every variable (group) first, so the locals exist before any rule reads them.
    group_vars = {group: gen.var(group) for group, _, _ in epoch.groups}
    for name in ("outcome",):
        gen.var(name)
    a = [f"a{i}" for i in range(n)]
    # a rule no exception can defeat is never defeated: its status is the literal False
    d = [f"d{i}" if epoch.steps[i].defeaters else "False" for i in range(n)]
    effects_first = None
    ind = 1
    for group, first, end in epoch.groups:
        if group == "effects":
            effects_first = (first, end)
            _emit_variables(gen, ind)
            gen.emit(ind, "if not consequences:")
            gen.emit(ind + 1, "return " + _result(gen, a, d, first, n, "V", early=True))
        _group_rows(gen, group, first, end, a, d, ind, group_vars[group], suffix="")
        if any(isinstance(epoch.steps[i].rule.effect, Presume) for i in range(first, end)):
            # a presumption fills only facts that are unknown: call it only when one would
            fills = []
            for i in range(first, end):
                effect = epoch.steps[i].rule.effect
                if isinstance(effect, Presume) and effect.facts:
                    unknown = " or ".join(f"{gen.fact(path)} is None" for path, _ in effect.facts)
                    fills.append(f"({_on(a[i], d[i])} and ({unknown}))")
            gen.emit(ind, f"if {' or '.join(fills) or 'False'}:")
            trace = f"({', '.join(a[:end])},), ({', '.join(d[:end])},)"
            gen.emit(ind + 1, f"s, presumed = PRESUME(s, STEPS, {first}, {end}, {trace})")
            gen.emit(ind + 1, "_read_facts_again")
            applies = " or ".join(_on(a[i], d[i]) for i in range(first, end))
            gen.emit(ind, f"elif gs_{group_vars[group]} is UNKNOWN and not ({applies}):")
            gen.emit(ind + 1, f"{group_vars[group]} = UNKNOWN")
        else:
            gen.emit(ind, f"if gs_{group_vars[group]} is UNKNOWN:")
            gen.emit(ind + 1, f"{group_vars[group]} = UNKNOWN")
    if effects_first is None:
        _emit_variables(gen, ind)
        gen.emit(ind, "if_returnable = None")
    else:
        first, end = effects_first
        gen.emit(ind, "if_returnable = None")
        gen.emit(ind, f"if {gen.var('outcome')} == UNDETERMINED:")
        saved = gen.var("outcome")
        gen.emit(ind + 1, f"{saved}_r = RETURNABLE")
        # Only the rules that read the outcome, and those an exception that does defeats, can come
        # out otherwise as if returnable: the others keep their statuses (no code for them).
        again: set[int] = set()
        for i in range(first, end):
            step = epoch.steps[i]
            if "outcome" in step.rule.condition.variables or any(j in again for j in step.defeaters):
                again.add(i)
        ra = [f"{x}_r" if i in again else x for i, x in enumerate(a)]
        rd = [f"{x}_r" if i in again and x != "False" else x for i, x in enumerate(d)]
        gen.variables["outcome"] = f"{saved}_r"
        rows = sorted(again)
        _group_rows(gen, "effects", first, end, ra, rd, ind + 1, group_vars["effects"] + "_r", suffix="_r", rows=rows)
        gen.variables["outcome"] = saved
        pair = f"({''.join(x + ', ' for x in ra[first:end])}), ({''.join(x + ', ' for x in rd[first:end])})"
        gen.emit(ind + 1, f"if_returnable = ({first}, {pair})")
    gen.emit(ind, "return " + _result(gen, a, d, n, n, "V", early=False))
    head = ["def run(book, epoch, s, r, day, consequences=True):"]
    head.append("    R = r.__dict__")  # Readings is a pydantic model too: see fact_reads
    head += [f"    {local} = R[{gen.const(name, 'n')}]" for name, local in gen.readings.items()]
    head += [f"    {local} = None" for local in gen.variables.values()]
    head.append("    presumed = ()")
    reads: list[str] = []
    gen.lines = reads
    gen.fact_reads(1)
    again = [("    " + line) for line in reads]
    out = head + reads
    for line in body:
        if line.strip() == "_read_facts_again":
            pad = line[: len(line) - len(line.lstrip())]
            out += [pad + r.strip() for r in reads]
        else:
            out.append(line)
    del again
    source = "\n".join(out) + "\n"
    gen.globals["STEPS"] = epoch.steps
    code = compile(source, f"<returnlaw epoch {epoch.start or 'start'}>", "exec")
    namespace: dict[str, Any] = dict(gen.globals)
    exec(code, namespace)  # the source is generated above from the closed vocabulary only
    constants = tuple((name, _shown(gen.globals[name])) for name in gen.consts.values())
    return CompiledEpoch(namespace["run"], source, constants)


def _shown(value: Any) -> str:
    if isinstance(value, frozenset):
        names = {id(UNKNOWN): "UNKNOWN", id(None): "None"}
        return "{" + ", ".join(sorted(names.get(id(v)) or repr(getattr(v, "value", v)) for v in value)) + "}"
    if callable(value):
        return getattr(value, "__qualname__", None) or repr(value)
    return repr(getattr(value, "value", value))


def _emit_variables(gen: _EpochGen, ind: int) -> None:
    """The legal variables dict as the interpreter leaves it (set ones, in order), and the outcome."""
    gen.emit(ind, "V = {}")
    for name, local in gen.variables.items():
        if name != "outcome":
            gen.emit(ind, f"if {local} is not None:")
            gen.emit(ind + 1, f"V[{gen.const(name)}] = {local}")
    gen.emit(ind, f"{gen.var('outcome')} = V[{gen.const('outcome')}] = OUTCOME(V)")


def _group_rows(
    gen: _EpochGen,
    group: str,
    first: int,
    end: int,
    a: list[str],
    d: list[str],
    ind: int,
    var: str,
    suffix: str,
    rows: list[int] | None = None,
) -> None:
    """The rows of one group (or only ``rows`` of it), and the group's legal variable as the
    interpreter settles it."""
    state = f"gs_{var}"
    gen.emit(ind, f"{state} = None")
    for i in range(first, end) if rows is None else rows:
        step = gen.epoch.steps[i]
        gen.status(i, ind, a[i])
        if len(step.defeaters) == 1 and d[step.defeaters[0]] == "False":
            gen.emit(ind, f"{d[i]} = {a[step.defeaters[0]]}")  # defeated exactly when the exception applies
        elif step.defeaters:
            t = " or ".join(_on(a[j], d[j]) for j in step.defeaters)
            f = " and ".join(_off(a[j], d[j]) for j in step.defeaters)
            gen.emit(ind, f"{d[i]} = True if {t} else (False if {f} else None)")
        effect = step.rule.effect
        if isinstance(effect, SetVariable):
            value = gen.const(effect.value)
            not_off = f"{a[i]} is not False" + ("" if d[i] == "False" else f" and {d[i]} is not True")
            gen.emit(ind, f"if {state} is not True and {not_off}:")
            gen.emit(ind + 1, f"if {_on(a[i], d[i])}:")
            gen.emit(ind + 2, f"{var} = {value}")
            gen.emit(ind + 2, f"{state} = True")
            gen.emit(ind + 1, "else:")
            gen.emit(ind + 2, f"{state} = UNKNOWN")


def _on(a: str, d: str) -> str:
    """The expression 'the rule certainly applies' (applicable and certainly not defeated)."""
    return f"{a} is True" if d == "False" else f"({a} is True and {d} is False)"


def _off(a: str, d: str) -> str:
    """The expression 'the rule certainly does not apply'."""
    return f"{a} is False" if d == "False" else f"({a} is False or {d} is True)"


def _result(gen: _Gen, a: list[str], d: list[str], evaluated: int, n: int, variables: str, early: bool) -> str:
    ta = ", ".join([*a[:evaluated], *(["False"] * (n - evaluated))])
    td = ", ".join([*d[:evaluated], *(["False"] * (n - evaluated))])
    ret = "None" if early else "if_returnable"
    outcome = gen.var("outcome")
    comma = "," if n else ""
    trace = f"({ta}{comma}), ({td}{comma})"
    if Evaluation._fields != _FIELDS:  # the evaluation gained a field: build it the slow, safe way
        return f"Evaluation(book, epoch, s, r, day, {trace}, {variables}, {outcome}, presumed, if_returnable={ret})"
    # tuple.__new__ directly: the NamedTuple's own __new__ is a Python function (defaults, keywords)
    fields = f"book, epoch, s, r, day, {trace}, {variables}, {outcome}, presumed, (), (), {ret}"
    return f"NEW(Evaluation, ({fields}))"


_FIELDS = (
    "book",
    "epoch",
    "scenario",
    "readings",
    "as_of",
    "applicable",
    "defeated",
    "variables",
    "outcome",
    "presumed",
    "notes",
    "extra_questions",
    "if_returnable",
)


def compile_epochs(epochs: tuple[Epoch, ...]) -> None:
    """Attach a compiled function to every epoch (load time)."""
    for epoch in epochs:
        object.__setattr__(epoch, "compiled", compile_epoch(epoch))


__all__ = ["CompiledEpoch", "compile_epoch", "compile_epochs"]
