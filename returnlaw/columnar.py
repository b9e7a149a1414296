"""The columnar evaluator: one epoch's plan over a whole chunk of rows at once (numpy).

A chunk read into columns (:mod:`returnlaw.columnar_read`: one typed array per fact) is decided
rule by rule instead of row by row. Every condition gives two boolean masks, *certainly true* and
*certainly false* (Kleene logic: unknown is neither), exactly as the compiled function
(:mod:`returnlaw.compiled`) gives its two expressions; a rule's status column is int8 (1 true,
0 false, -1 unknown). The plan is the epoch's own: groups in order, exceptions defeating the
rules they name, the first rule that settles a legal variable, presumptions filling unknown facts
(the first rule wins) and the readings of the run. What a batch row reports is read off the status
columns: the outcome, the warnings, the deadlines and the questions.

Conservative by construction: a condition this module cannot vectorise makes the epoch's plan
unavailable (:class:`Unsupported`), and a row whose period cannot be counted from the holiday data
is handed back. Both go to the row path (``batch.decide_row``), which decides them, or words their
error, as before. ``tests/test_columnar.py`` compares the two paths row by row.

Encodings (shared with the reader): bool int8 (1, 0, -1 unknown); enum int16 (index in
``FactSpec.values``, -1); set int64 bit mask (-1); date and moment int32 ordinal (0); number
float64 (NaN). A legal variable is int16: -1 not set, -2 unknown, else the index of its value.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .columnar_read import DTYPES, UNKNOWN_CODE
from .compiled import _walk_periods
from .conditions import _literal
from .evaluator import NOT_RETURNABLE, OUT_OF_SCOPE, RETURNABLE, UNDETERMINED, _asking_steps
from .facts import FACTS, FactSpec
from .periods import CalendarCoverageError, Counting, Unpublished, _band, period_span
from .readings import Readings
from .rulebook import Deadline, Epoch, Presume, RuleBook, SetVariable, Warning

Mask = np.ndarray
Cols = dict[str, np.ndarray]
OUTCOME_CODES = (RETURNABLE, NOT_RETURNABLE, OUT_OF_SCOPE, UNDETERMINED)
_UNSET, _UNKNOWN = -1, -2
_ORDER = {"lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal}

# Scenario fields read through a getter that also understands other fields (facts._READ_WITH):
# the reader gives the raw field; the getter is computed here, again after presumptions.
READ_WITH = (
    "listing.confirmation_form",
    "listing.confirmation_in_checkout_flow",
    "delivery.status",
    "dispute.seller_alleges_not_intact",
)


class Unsupported(Exception):
    """The plan uses something this module does not vectorise: the row path decides its rows."""


# -- encodings -------------------------------------------------------------------------------------


def encode(spec: FactSpec, value: object) -> Any:
    """One value in its column's encoding (rule literals, presumed values)."""
    if value is None:
        return UNKNOWN_CODE[spec.kind]
    kind = spec.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise Unsupported(f"{spec.path}: {value!r}")
        return int(value)
    if kind == "enum":
        return spec.values.index(getattr(value, "value", value))
    if kind in ("date", "moment"):
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise Unsupported(f"{spec.path}: {value!r}")
        return value.toordinal()
    if kind == "number":
        return float(value)  # type: ignore[arg-type]
    raise Unsupported(f"{spec.path}: a {kind} value")


def known(spec: FactSpec, column: np.ndarray) -> Mask:
    kind = spec.kind
    if kind == "number":
        return ~np.isnan(column)
    if kind in ("date", "moment"):
        return column != 0
    return column >= 0


def member_test(spec: FactSpec, values: frozenset[object]) -> Callable[[np.ndarray], Mask]:
    """A test of the rows whose (known) value is one of ``values``: a look-up table for a choice
    or a flag (index: the code + 1), else a comparison with each value."""
    codes = [encode(spec, v) for v in values]
    if spec.kind in ("bool", "enum"):
        table = np.zeros(len(spec.values) + 1 if spec.kind == "enum" else 3, dtype=bool)
        for code in codes:
            table[code + 1] = True
        return lambda column: table[column + 1]
    if len(codes) == 1:
        (code,) = codes
        return lambda column: column == code
    return lambda column: np.isin(column, codes)


# -- the getters that read other fields (facts._READ_WITH), on columns ----------------------------


def _codes(path: str, *names: str) -> list[int]:
    values = FACTS[path].values
    return [values.index(n) for n in names]


def read_with(raw: Cols) -> Cols:
    """The four facts read with the fields describing the same thing, from the raw fields."""
    form, pre, conf, flow = (
        raw["listing.confirmation_form"],
        raw["listing.confirmation_preselected"],
        raw["listing.consumer_confirmed"],
        raw["listing.confirmation_in_checkout_flow"],
    )
    checkout, express, preselected, none = _codes(
        "listing.confirmation_form", "checkout_step", "express_acknowledgement", "preselected_box", "none"
    )
    derived_form = np.select(
        [form >= 0, pre == 1, conf == 0, (conf == 1) & (pre == 0) & (flow >= 0)],
        [form, preselected, none, np.where(flow == 1, checkout, express)],
        -1,
    ).astype(np.int16)
    derived_flow = np.where(
        flow >= 0, flow, np.where((form < 0) | (form == preselected), -1, (form == checkout).astype(np.int8))
    ).astype(np.int8)
    status, signed_at = raw["delivery.status"], raw["delivery.signed_at"]
    (signed,) = _codes("delivery.status", "signed")
    derived_status = np.where(status >= 0, status, np.where(signed_at != 0, signed, -1)).astype(np.int16)
    said, grounds = raw["dispute.seller_alleges_not_intact"], raw["dispute.seller_grounds"]
    bit = 1 << FACTS["dispute.seller_grounds"].values.index("not_intact")
    derived_said = np.where(said >= 0, said, np.where(grounds < 0, -1, (grounds & bit) != 0)).astype(np.int8)
    return {
        "listing.confirmation_form": derived_form,
        "listing.confirmation_in_checkout_flow": derived_flow,
        "delivery.status": derived_status,
        "dispute.seller_alleges_not_intact": derived_said,
    }


class Facts:
    """The fact columns of one evaluation: the raw fields (changed by presumptions) and the
    getters computed from them (:data:`READ_WITH`), recomputed after each fill."""

    def __init__(self, raw: Cols, rows: np.ndarray) -> None:
        self.raw = {path: column[rows] for path, column in raw.items()}
        self.view = {**self.raw, **read_with(self.raw)}

    def __getitem__(self, path: str) -> np.ndarray:
        return self.view[path]

    def refresh(self) -> None:
        self.view = {**self.raw, **read_with(self.raw)}


# -- conditions ------------------------------------------------------------------------------------

Cond = Callable[["_State"], tuple[Mask, Mask]]


class _State:
    """What a condition reads: the fact columns, the legal variables so far, the chunk's size."""

    def __init__(self, facts: Facts, size: int) -> None:
        self.facts = facts
        self.size = size
        self.variables: dict[str, np.ndarray] = {}
        self.yes = np.ones(size, dtype=bool)
        self.no = np.zeros(size, dtype=bool)
        self.periods: dict[int, np.ndarray] = {}  # id(period node) -> int8 tri column
        self.handed_back = np.zeros(size, dtype=bool)  # rows the row path must decide


def _constant(value: bool) -> Cond:
    return lambda st: (st.yes, st.no) if value else (st.no, st.yes)


def build_condition(data: Any, plan: _PlanBuilder) -> Cond:
    if data is None:
        return _constant(True)
    if not isinstance(data, Mapping) or not data:
        raise Unsupported(f"condition {data!r}")
    if "all" in data:
        parts = [build_condition(c, plan) for c in data["all"]]
        return lambda st: _all([p(st) for p in parts], st)
    if "any" in data:
        parts = [build_condition(c, plan) for c in data["any"]]
        return lambda st: _any([p(st) for p in parts], st)
    if "not" in data:
        inner = build_condition(data["not"], plan)
        return lambda st: inner(st)[::-1]
    if "always" in data:
        return _constant(True)
    if "within_period" in data:
        key = id(data)

        def period(st: _State) -> tuple[Mask, Mask]:
            w = st.periods[key]
            return w == 1, w == 0

        return period
    if "var" in data:
        return plan.var_condition(data)
    if "reading" in data:
        raw = data.get("eq", data.get("in"))
        value = getattr(plan.readings, data["reading"])
        inside = value in (raw if isinstance(raw, list | tuple) else [raw])
        return _constant(inside)
    if "fact" in data:
        return fact_condition(data, plan)
    raise Unsupported(f"condition {sorted(data)}")


def _all(parts: list[tuple[Mask, Mask]], st: _State) -> tuple[Mask, Mask]:
    t, f = st.yes, st.no
    for pt, pf in parts:
        t, f = t & pt, f | pf
    return t, f


def _any(parts: list[tuple[Mask, Mask]], st: _State) -> tuple[Mask, Mask]:
    t, f = st.no, st.yes
    for pt, pf in parts:
        t, f = t | pt, f & pf
    return t, f


def fact_condition(data: Mapping[str, Any], plan: _PlanBuilder) -> Cond:
    spec = FACTS[data["fact"]]
    if spec.kind == "text":
        raise Unsupported(f"{spec.path} is text")
    plan.reads.add(spec.path)
    ops = [k for k in data if k != "fact"]
    if len(ops) != 1:
        raise Unsupported(f"{spec.path}: {ops}")
    op, raw = ops[0], data[ops[0]]
    path = spec.path
    if op == "known":
        want = raw is True
        return lambda st: _swap(known(spec, st.facts[path]), want)
    if op == "contains":
        bit = 1 << spec.values.index(getattr(raw, "value", raw))

        def contains(st: _State) -> tuple[Mask, Mask]:
            x = st.facts[path]
            k = x >= 0
            has = (x & bit) != 0
            return k & has, k & ~has

        return contains
    if op in _ORDER:
        return _order(spec, _ORDER[op], raw, plan)
    if op in ("is", "eq", "ne"):
        values = frozenset({_literal(spec, raw, "when")})
    elif op in ("in", "not_in"):
        values = frozenset(_literal(spec, v, "when") for v in raw)
    else:
        raise Unsupported(f"{spec.path}: {op}")
    inside = op in ("is", "eq", "in")
    test = member_test(spec, values)

    def member(st: _State) -> tuple[Mask, Mask]:
        x = st.facts[path]
        hit = test(x)
        miss = known(spec, x) & ~hit
        return (hit, miss) if inside else (miss, hit)

    return member


def _swap(mask: Mask, want: bool) -> tuple[Mask, Mask]:
    return (mask, ~mask) if want else (~mask, mask)


def _order(spec: FactSpec, compare: Any, raw: Any, plan: _PlanBuilder) -> Cond:
    if spec.kind not in ("date", "moment", "number"):
        raise Unsupported(f"{spec.path}: ordered {spec.kind}")
    path = spec.path
    if isinstance(raw, Mapping) and "reading" in raw:
        value = getattr(plan.readings, raw["reading"])
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Unsupported(f"reading {raw['reading']}")
        right: Callable[[_State], Any] = lambda st: value  # noqa: E731
        both = lambda st: known(spec, st.facts[path])  # noqa: E731
    elif isinstance(raw, Mapping):
        other = FACTS[raw["fact"]]
        if (other.kind in ("date", "moment")) != (spec.kind in ("date", "moment")):
            raise Unsupported(f"{path} against {other.path}")
        plan.reads.add(other.path)
        right = lambda st: st.facts[other.path]  # noqa: E731
        both = lambda st: known(spec, st.facts[path]) & known(other, st.facts[other.path])  # noqa: E731
    else:
        constant = encode(spec, _literal(spec, raw, "when"))
        right = lambda st: constant  # noqa: E731
        both = lambda st: known(spec, st.facts[path])  # noqa: E731

    def order(st: _State) -> tuple[Mask, Mask]:
        k = both(st)
        with np.errstate(invalid="ignore"):
            test = compare(st.facts[path], right(st))
        return k & test, k & ~test

    return order


# -- periods ---------------------------------------------------------------------------------------


class _Periods:
    """Last days of periods, by (first day's ordinal, days): one calendar look-up per distinct
    start in a run, shared by every chunk a worker decides."""

    def __init__(self) -> None:
        self.bands: dict[tuple[int, int], tuple[int, int] | None] = {}
        self.spans: dict[tuple[int, int, str, str], int | Exception | None] = {}

    def band(self, first: int, days: int) -> tuple[int, int] | None:
        key = (first, days)
        got = self.bands.get(key, _NOT_YET)
        if got is _NOT_YET:
            try:
                band = _band(dt.date.fromordinal(first), days)
                got = (band.earliest.toordinal(), band.latest.toordinal())
            except CalendarCoverageError:
                got = None
            if len(self.bands) > _PERIODS_KEPT:
                self.bands.clear()
            self.bands[key] = got
        return got  # type: ignore[return-value]

    def last_day(self, first: int, days: int, readings: Readings) -> int | Exception | None:
        """The deadline's day (ordinal), None while undetermined; the error if the data cannot say."""
        key = (first, days, readings.counting, readings.unpublished_holidays)
        got = self.spans.get(key, _NOT_YET)
        if got is _NOT_YET:
            try:
                end = period_span(dt.date.fromordinal(first), days, readings.counting).resolve(
                    readings.unpublished_holidays  # type: ignore[arg-type]
                )
                got = None if end is None else (end.date() if isinstance(end, dt.datetime) else end).toordinal()
            except CalendarCoverageError as err:
                got = err
            if len(self.spans) > _PERIODS_KEPT:
                self.spans.clear()
            self.spans[key] = got
        return got  # type: ignore[return-value]


_NOT_YET = object()
_PERIODS_KEPT = 200_000  # distinct periods a process keeps (a century of start days, a few lengths)
PERIODS = _Periods()
_INSIDE = {Unpublished.UNDETERMINED: -1, Unpublished.LATEST_END: 1, Unpublished.EARLIEST_END: 0}


def within(st: _State, node: Mapping[str, Any], readings: Readings, need: Mask) -> np.ndarray:
    """The tri column of a ``within_period`` test (periods.within_period) on the rows in ``need``;
    a row whose band the holiday data cannot give is handed back to the row path."""
    start, event, days = st.facts[node["start"]], st.facts[node["event"]], node["days"]
    if isinstance(days, Mapping):
        n = st.facts[days["fact"]]
        known_n = ~np.isnan(n)
        count = np.where(known_n, n, 0).astype(np.int64)
    else:
        known_n, count = st.yes, np.full(st.size, int(days), dtype=np.int64)
    out = np.full(st.size, -1, dtype=np.int8)
    rows = need & (start != 0) & (event != 0) & known_n
    plain = rows & (event.astype(np.int64) <= start.astype(np.int64) + count)
    out[plain] = 1
    rest = rows & ~plain
    if readings.counting == Counting.CALENDAR_ONLY:
        out[rest] = 0
        return out
    inside = _INSIDE[Unpublished(readings.unpublished_holidays)]
    for i in np.flatnonzero(rest):
        band = PERIODS.band(int(start[i]), int(count[i]))
        if band is None:
            st.handed_back[i] = True
            continue
        day = event[i]
        out[i] = 1 if day <= band[0] else (0 if day > band[1] else inside)
    return out


def _periods_in(data: Any) -> list[Any]:
    """The condition's ``within_period`` nodes, as the compiled function finds them."""
    out: list[Any] = []
    _walk_periods(data, out)
    return out


# -- the plan --------------------------------------------------------------------------------------


@dataclass
class _Step:
    index: int
    condition: Cond
    cheap: Cond | None  # the conjuncts without a period, when the periods need only be counted past them
    periods: list[Any]  # the condition's within_period nodes
    defeaters: list[int]  # plan positions (a list: it indexes the status matrices)
    sets: int | None  # code of the value the rule sets in its group's variable
    presumes: tuple[tuple[str, Any, bool], ...]  # (path, encoded value, read with a getter)
    warning: str | None
    deadline: Deadline | None
    asks: tuple[str, ...]  # facts whose unknown values are questions (see Evaluation.questions)


class _PlanBuilder:
    def __init__(self, epoch: Epoch, readings: Readings) -> None:
        self.epoch = epoch
        self.readings = readings
        self.reads: set[str] = set()
        self.values: dict[str, list[object]] = {g: [] for g, _, _ in epoch.groups}
        self.values["outcome"] = list(OUTCOME_CODES)
        for step in epoch.steps:
            effect = step.rule.effect
            if isinstance(effect, SetVariable) and effect.value not in self.values[step.rule.group]:
                self.values[step.rule.group].append(effect.value)

    def var_condition(self, data: Mapping[str, Any]) -> Cond:
        name = data["var"]
        if name not in self.values:
            raise Unsupported(f"variable {name}")
        raw = data.get("eq", data.get("in"))
        allowed = [v for v in (raw if isinstance(raw, list | tuple) else [raw]) if v in self.values[name]]
        # a look-up table of the codes (index: the code - _UNKNOWN): np.isin sorts, ten times dearer
        table = np.zeros(len(self.values[name]) - _UNKNOWN, dtype=bool)
        table[[self.values[name].index(v) - _UNKNOWN for v in allowed]] = True

        def var(st: _State) -> tuple[Mask, Mask]:
            v = st.variables.get(name)
            if v is None:
                return st.no, st.yes  # not set: not in any set of values, and not unknown
            hit = table[v - _UNKNOWN]
            return hit, ~hit & (v != _UNKNOWN)

        return var


@dataclass
class ColumnPlan:
    """An epoch's plan over columns, for one set of readings."""

    epoch: Epoch
    readings: Readings
    steps: list[_Step]
    values: dict[str, list[object]]
    reads: frozenset[str]
    presumes: dict[str, bool]  # group -> a rule of it presumes facts (evaluated as the compiled code does)


def build_plan(epoch: Epoch, readings: Readings) -> ColumnPlan:
    """The epoch's plan over columns; raises :class:`Unsupported` for what it cannot vectorise."""
    if readings.counting == Counting.PLATFORM_168H:
        raise Unsupported("platform_168h counts instants, not days")
    builder = _PlanBuilder(epoch, readings)
    asking = dict(_asking_steps(epoch))  # what Evaluation.questions reads, per plan position
    steps = []
    for i, step in enumerate(epoch.steps):
        rule = step.rule
        data = rule.when_data
        periods = _periods_in(data)
        cheap = None
        if periods and isinstance(data, Mapping) and "all" in data:
            plain = [c for c in data["all"] if not _periods_in(c)]
            cheap = build_condition({"all": plain}, builder) if plain else None
        for node in periods:
            spec = node["within_period"]
            for path in (spec["start"], spec["event"]):
                if FACTS[path].kind not in ("date", "moment"):
                    raise Unsupported(path)
                builder.reads.add(path)
            if isinstance(spec["days"], Mapping):
                builder.reads.add(spec["days"]["fact"])
        effect = rule.effect
        presumes: tuple[tuple[str, Any, bool], ...] = ()
        if isinstance(effect, Presume):
            presumes = tuple((p, encode(FACTS[p], v), p in READ_WITH) for p, v in effect.facts)
            builder.reads.update(p for p, _ in effect.facts)
        deadline = effect if isinstance(effect, Deadline) else None
        if deadline is not None:
            builder.reads.add(deadline.start_fact)
            builder.reads.update(deadline.days_facts)
        sets = builder.values[rule.group].index(effect.value) if isinstance(effect, SetVariable) else None
        steps.append(
            _Step(
                i,
                build_condition(data, builder),
                cheap,
                periods,
                list(step.defeaters),
                sets,
                presumes,
                effect.code if isinstance(effect, Warning) else None,
                deadline,
                asking.get(i, ()),
            )
        )
        builder.reads.update(asking.get(i, ()))
    missing = [p for p in builder.reads if p not in FACTS or FACTS[p].kind == "text"]
    if missing:
        raise Unsupported(f"facts without a column: {missing}")
    presumes = {
        group: any(isinstance(epoch.steps[i].rule.effect, Presume) for i in range(first, end))
        for group, first, end in epoch.groups
    }
    return ColumnPlan(epoch, readings, steps, builder.values, frozenset(builder.reads), presumes)


_PLANS: dict[tuple[int, Readings], tuple[Epoch, ColumnPlan | Unsupported]] = {}
_PLANS_LOCK = threading.Lock()


def plan_for(epoch: Epoch, readings: Readings) -> ColumnPlan | None:
    """The epoch's column plan (built once per epoch and readings); None when it cannot be built."""
    key = (id(epoch), readings)
    cached = _PLANS.get(key)
    if cached is None or cached[0] is not epoch:
        try:
            built: ColumnPlan | Unsupported = build_plan(epoch, readings)
        except Unsupported as err:
            built = err
        with _PLANS_LOCK:
            if len(_PLANS) > 64:
                _PLANS.clear()
            _PLANS[key] = cached = (epoch, built)
    plan = cached[1]
    return plan if isinstance(plan, ColumnPlan) else None


# -- evaluation ------------------------------------------------------------------------------------


@dataclass
class ColumnResult:
    """The statuses of every rule on every row, and what a batch row reports. Statuses are kept as
    boolean matrices [step, row]: the condition certainly true / certainly false, the rule
    certainly defeated / certainly not defeated, and from them the rule certainly applies / does
    not apply."""

    plan: ColumnPlan
    rows: np.ndarray  # positions in the chunk
    true: np.ndarray
    false: np.ndarray
    defeated: np.ndarray
    undefeated: np.ndarray
    on: np.ndarray
    off: np.ndarray
    outcome: np.ndarray  # int8 code in OUTCOME_CODES
    facts: Facts  # after presumptions
    handed_back: np.ndarray  # bool: the row path decides these rows

    def statuses(self) -> tuple[np.ndarray, np.ndarray]:
        """(applicable, defeated) as int8 [step, row]: 1 true, 0 false, -1 unknown (the trace)."""
        a = np.where(self.false, 0, np.where(self.true, 1, -1)).astype(np.int8)
        d = np.where(self.defeated, 1, np.where(self.undefeated, 0, -1)).astype(np.int8)
        return a, d


def run_plan(plan: ColumnPlan, cols: Cols, rows: np.ndarray) -> ColumnResult:
    size = len(rows)
    facts = Facts({p: cols[p] for p in _raw_paths(plan)}, rows)
    st = _State(facts, size)
    n = len(plan.steps)
    m = _Matrices(n, size)
    outcome = None
    for group, first, end in plan.epoch.groups:
        if group == "effects":
            outcome = _outcome(st, plan.values)
            st.variables["outcome"] = outcome.astype(np.int16)
        settled = np.zeros(size, dtype=bool)
        unsure = np.zeros(size, dtype=bool)
        var = st.variables[group] = np.full(size, _UNSET, dtype=np.int16)
        for i in range(first, end):
            step = plan.steps[i]
            _status(step, st, plan.readings, m)
            if step.sets is not None:
                open_ = ~settled & ~m.off[i]
                now = open_ & m.on[i]
                var[now] = step.sets
                settled |= now
                unsure |= open_ & ~m.on[i]
        if plan.presumes[group]:
            applied = m.on[first:end].any(axis=0)
            _fill(plan, first, end, m, facts)
            unsure &= ~applied
        var[unsure & ~settled] = _UNKNOWN
    if outcome is None:
        outcome = _outcome(st, plan.values)
    back = st.handed_back
    return ColumnResult(plan, rows, m.true, m.false, m.defeated, m.undefeated, m.on, m.off, outcome, facts, back)


class _Matrices:
    __slots__ = ("defeated", "false", "off", "on", "true", "undefeated")

    def __init__(self, n: int, size: int) -> None:
        self.true = np.zeros((n, size), dtype=bool)
        self.false = np.zeros((n, size), dtype=bool)
        self.defeated = np.zeros((n, size), dtype=bool)
        self.undefeated = np.ones((n, size), dtype=bool)
        self.on = np.zeros((n, size), dtype=bool)
        self.off = np.zeros((n, size), dtype=bool)


def _raw_paths(plan: ColumnPlan) -> set[str]:
    return {p for p in plan.reads if p not in READ_WITH} | set(_READ_WITH_FIELDS)


# The raw fields the getters of READ_WITH read.
_READ_WITH_FIELDS = (
    "listing.confirmation_form",
    "listing.confirmation_preselected",
    "listing.consumer_confirmed",
    "listing.confirmation_in_checkout_flow",
    "delivery.status",
    "delivery.signed_at",
    "dispute.seller_alleges_not_intact",
    "dispute.seller_grounds",
)


def _status(step: _Step, st: _State, readings: Readings, m: _Matrices) -> None:
    i = step.index
    if step.periods:
        need = st.yes
        cheap_false = None
        if step.cheap is not None:
            cheap_false = step.cheap(st)[1]
            need = ~cheap_false
        for node in step.periods:
            st.periods[id(node)] = within(st, node["within_period"], readings, need)
        t, f = step.condition(st)
        if cheap_false is not None:
            f = f | cheap_false
    else:
        t, f = step.condition(st)
    m.false[i] = f
    m.true[i] = t & ~f
    if step.defeaters:
        on, off = m.on, m.off
        m.defeated[i] = np.logical_or.reduce(on[step.defeaters], axis=0)
        m.undefeated[i] = np.logical_and.reduce(off[step.defeaters], axis=0)
        m.on[i] = m.true[i] & m.undefeated[i]
        m.off[i] = f | m.defeated[i]
    else:
        m.on[i] = m.true[i]
        m.off[i] = f


def _fill(plan: ColumnPlan, first: int, end: int, m: _Matrices, facts: Facts) -> None:
    """Presumptions as evaluator._presume: a rule that certainly applies fills each of its facts
    still unknown, the first rule wins; a fact read with a getter is judged by the getter as it was
    before the group's fills, and the getters are computed again afterwards."""
    before = facts.view
    filled: dict[str, Mask] = {}
    for i in range(first, end):
        step = plan.steps[i]
        if not step.presumes:
            continue
        on = m.on[i]
        if not on.any():
            continue
        for path, code, with_getter in step.presumes:
            spec = FACTS[path]
            if with_getter:
                rows = on & ~known(spec, before[path])
                if path in filled:
                    rows &= ~filled[path]
            else:
                rows = on & ~known(spec, facts.raw[path])
            if rows.any():
                column = facts.raw[path] = facts.raw[path].copy()
                column[rows] = code
                filled[path] = filled[path] | rows if path in filled else rows
    if filled:
        facts.refresh()


def _outcome(st: _State, values: dict[str, list[object]]) -> np.ndarray:
    """evaluator._outcome on every row."""
    size = st.size
    scope = st.variables.get("scope", np.full(size, _UNSET, dtype=np.int16))
    right = st.variables.get("right", np.full(size, _UNSET, dtype=np.int16))
    out = np.full(size, OUTCOME_CODES.index(UNDETERMINED), dtype=np.int8)
    for value in (RETURNABLE, NOT_RETURNABLE):
        if value in values.get("right", ()):
            out[right == values["right"].index(value)] = OUTCOME_CODES.index(value)
    closed = scope == _UNSET
    if "out" in values.get("scope", ()):
        closed |= scope == values["scope"].index("out")
    out[scope == _UNKNOWN] = OUTCOME_CODES.index(UNDETERMINED)
    out[closed] = OUTCOME_CODES.index(OUT_OF_SCOPE)
    return out


# -- what a batch row reports ----------------------------------------------------------------------


def warnings_of(result: ColumnResult) -> list[list[str]]:
    """Per row, the codes of the warnings that certainly hold, in plan order, once each."""
    steps = [(s.index, s.warning) for s in result.plan.steps if s.warning is not None]
    size = len(result.rows)
    if not steps:
        return [[] for _ in range(size)]
    held = result.on[[i for i, _ in steps]]
    codes = [code for _, code in steps]
    # rows hold few distinct sets of warnings: decode each set once
    keys = np.packbits(held, axis=0)
    patterns, inverse = np.unique(keys, axis=1, return_inverse=True)
    lists = [
        list(dict.fromkeys(c for c, h in zip(codes, column, strict=True) if h))
        for column in np.unpackbits(patterns, axis=0, count=len(codes)).T.astype(bool).tolist()
    ]
    return [lists[k] for k in inverse.reshape(-1).tolist()]


def deadlines_of(result: ColumnResult, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Per deadline name, the day (ordinal, 0 none) as compact.deadlines gives it: a certain
    deadline wins, then one with a date, the first in plan order among equals."""
    size = len(result.rows)
    best = {name: np.full(size, -1, dtype=np.int8) for name in names}
    day = {name: np.zeros(size, dtype=np.int64) for name in names}
    readings = result.plan.readings
    facts = result.facts
    for step in result.plan.steps:
        effect = step.deadline
        if effect is None:
            continue
        i = step.index
        eligible = ~result.off[i]
        certain = result.on[i]
        start = facts[effect.start_fact]
        if effect.days_facts:
            (path,) = effect.days_facts
            n = facts[path]
            days = np.where(np.isnan(n), 0, n).astype(np.int64)
        else:
            days = np.full(size, int(effect.days(None)), dtype=np.int64)  # type: ignore[arg-type]
        counted = eligible & (start != 0) & (days > 0)
        ends = _last_days(start, days, counted, readings, result.handed_back)
        rank = np.where(eligible, certain.astype(np.int8) * 2 + (ends != 0), -1).astype(np.int8)
        better = rank > best[effect.name]
        best[effect.name][better] = rank[better]
        day[effect.name][better] = ends[better]
    return day


def _last_days(start: np.ndarray, days: np.ndarray, rows: Mask, readings: Readings, back: Mask) -> np.ndarray:
    """The period's last day (ordinal) on ``rows``, one calendar look-up per distinct period;
    0 where it stays undetermined; rows the holiday data cannot count are handed back."""
    out = np.zeros(len(start), dtype=np.int64)
    where = np.flatnonzero(rows)
    if not len(where):
        return out
    keys = start[where].astype(np.int64) * 100_000 + days[where]
    unique, inverse = np.unique(keys, return_inverse=True)
    ends = np.zeros(len(unique), dtype=np.int64)
    failed = np.zeros(len(unique), dtype=bool)
    for k, key in enumerate(unique.tolist()):
        got = PERIODS.last_day(key // 100_000, key % 100_000, readings)
        if isinstance(got, Exception):
            failed[k] = True
        elif got is not None:
            ends[k] = got
    out[where] = ends[inverse]
    back[where[failed[inverse]]] = True
    return out


def questions_of(result: ColumnResult) -> list[list[str]]:
    """Per row, Evaluation.questions: the unknown facts read by undecided rules that settle the
    outcome, most used first (only when the outcome is undetermined)."""
    size = len(result.rows)
    undetermined = result.outcome == OUTCOME_CODES.index(UNDETERMINED)
    out: list[list[str]] = [[] for _ in range(size)]
    if not undetermined.any():
        return out
    counts: dict[str, np.ndarray] = {}
    unknown: dict[str, Mask] = {}
    facts = result.facts
    for step in result.plan.steps:
        if not step.asks:
            continue
        open_ = ~(result.off[step.index] | result.on[step.index]) & undetermined
        for path in step.asks:
            missing = unknown.get(path)
            if missing is None:
                missing = unknown[path] = ~known(FACTS[path], facts[path])
            counts[path] = counts.get(path, 0) + (open_ & missing)
    paths = sorted(counts)
    rows = np.flatnonzero(undetermined)
    table = np.stack([counts[p] for p in paths])[:, rows].astype(np.int64)
    # most used first, then by path (paths are sorted, so by position): one sort for all rows
    order = np.argsort(-table * len(paths) + np.arange(len(paths))[:, None], axis=0, kind="stable")
    asked = (table > 0).sum(axis=0).tolist()
    for r, ranked, n in zip(rows.tolist(), order.T.tolist(), asked, strict=True):
        out[r] = [paths[k] for k in ranked[:n]]
    return out


def outcomes_of(result: ColumnResult) -> list[str]:
    return [OUTCOME_CODES[c] for c in result.outcome.tolist()]


def evaluate_chunk(book: RuleBook, cols: Cols, taken: Mask, readings: Readings, as_of: dt.date | None):
    """Decide the taken rows of a chunk by epoch: yields (ColumnResult) per epoch group; rows of an
    epoch without a plan, and rows without a purchase date, are left to the row path."""
    purchase = cols["purchase.date"]
    rows = np.flatnonzero(taken)
    if as_of is not None:
        epoch = book.epoch_for(as_of)
        groups = {id(epoch): (epoch, rows)}
    else:
        rows = rows[purchase[rows] != 0]
        days, inverse = np.unique(purchase[rows], return_inverse=True)
        by_day = [book.epoch_for(dt.date.fromordinal(int(x))) for x in days.tolist()]
        epochs = {id(e): e for e in by_day}
        which = np.array([id(e) for e in by_day], dtype=object)[inverse]
        groups = {key: (e, rows[which == key]) for key, e in epochs.items()}
    for epoch, members in groups.values():
        plan = plan_for(epoch, readings)
        if plan is None or not len(members):
            continue
        yield run_plan(plan, cols, members)


def scenario_columns(scenarios: list[Any]) -> Cols:
    """Columns of validated scenarios, one per fact (the raw field for :data:`READ_WITH`): the
    simple, row-by-row encoder, for tests and for callers that hold Scenario objects already."""
    from operator import attrgetter

    cols: Cols = {}
    for path, spec in FACTS.items():
        if spec.kind == "text":
            continue
        if path in READ_WITH:
            section, name = path.split(".")
            get = attrgetter(f"{'return_' if section == 'return' else section}.{name}")
        else:
            get = spec.get
        values = [get(s) for s in scenarios]
        cols[path] = _column(spec, values)
    return cols


def _column(spec: FactSpec, values: list[object]) -> np.ndarray:
    if spec.kind == "set":
        codes = [-1 if v is None else sum(1 << spec.values.index(m.value) for m in v) for v in values]  # type: ignore[attr-defined]
    elif spec.kind == "moment":
        codes = [0 if v is None else (v.date() if isinstance(v, dt.datetime) else v).toordinal() for v in values]  # type: ignore[attr-defined]
    else:
        codes = [encode(spec, v) for v in values]
    return np.array(codes, dtype=DTYPES[spec.kind])
