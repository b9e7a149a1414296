"""durable_rules as a second, independent engine over the same rule files (``--engine durable``).

The rule book is translated by :mod:`returnlaw.durable_translate` into durable_rules rulesets
(its JSON format) and run by its C engine; the result is an ordinary
:class:`~returnlaw.evaluator.Evaluation`, so decisions, JSON and rendering are identical to the
native engine's. Its purpose is cross-checking: two independent implementations that agree on
every scenario are strong evidence that both are right. It is not for platforms: durable-rules
2.0.28 (the last release, 2020) is hundreds of times slower, builds a C extension at install, does
not import on Python 3.13, and is not safe to call from several threads.

How it is used, and why:

- **One host per process**, created on first use, holding every translated rule book.
- **One lock** around every call into durable_rules (its C engine has no locks): evaluations in a
  process run one at a time, whatever the number of threads calling.
- **No background threads.** ``durable.engine.Host`` starts two timer threads that dispatch
  pending actions and timers every 0.2 s without any lock; they are what makes a synchronous
  ``post`` occasionally return no result (the thread took the action) and what crashes under
  concurrency. This backend uses no timers and no asynchronous actions, so its host does not
  start them: every action runs inside the call that caused it, under the lock.
- **One session per evaluation**, its state deleted from each ruleset right after the post (a
  ruleset holds at most 1,024 live sessions and is broken past that).
- **A missing result is retried** (on a fresh session) and, if still missing, reported as a
  :class:`DurableEngineError` — never taken as an outcome. So is every error code of the C engine.

Actions record what they found (rule statuses, the value of a legal variable, a presumed fact,
the outcome, the epoch) into a list read back after the post; absent records mean "false", the
default of each status.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from .conditions import UNKNOWN
from .durable_translate import (
    DAY,
    DONE,
    MARK,
    TRI,
    UNKNOWN_VALUE,
    DurableRuleset,
    EpochPlan,
    Fill,
    Record,
    Translation,
    applies_field,
    encode,
    presumed_scenario,
    selection_message,
    translate,
    var_field,
)
from .engines import EngineError
from .evaluator import Evaluation, combine_versions
from .readings import DEFAULT_READINGS, Readings
from .rulebook import RuleBook
from .scenario import Scenario

ATTEMPTS = 3  # posts per ruleset before a missing result becomes an engine error
MAX_PYTHON = (3, 13)  # durable-rules 2.0.28 builds but does not import from 3.13 on


class DurableEngineError(EngineError):
    """The durable engine could not decide (an error in durable_rules, a missing result, a rule
    it cannot express); the message names the ruleset or the rules."""


class DurableUnavailable(DurableEngineError):
    """durable_rules cannot be used in this interpreter."""


_LOCK = threading.Lock()
_SINK: list[Record] = []  # what the actions of the current post recorded (guarded by _LOCK)
_SIDS = itertools.count(1)
_host: Any = None
_translations: dict[int, tuple[RuleBook, Translation]] = {}
_prefixes = itertools.count(1)


def unavailable_reason() -> str | None:
    """Why the durable engine cannot run here, or None if it can."""
    if sys.version_info >= MAX_PYTHON:
        return (
            f"durable-rules 2.0.28 does not import on Python {sys.version_info.major}.{sys.version_info.minor} "
            "(undefined symbol PyEval_CallObject); use Python 3.11 or 3.12, or the native engine"
        )
    try:
        import durable.engine  # noqa: F401
    except ImportError as err:
        return f"durable_rules is not installed or does not import ({err}); pip install 'returnlaw[durable]'"
    return None


def check_available() -> None:
    reason = unavailable_reason()
    if reason:
        raise DurableUnavailable(f"the durable engine is not available: {reason}")


def _get_host() -> Any:
    global _host
    if _host is None:
        check_available()
        from durable.engine import Host

        class _Host(Host):  # type: ignore[misc, valid-type]
            """A host whose actions append their record to the sink, without dispatch threads."""

            def __init__(self) -> None:
                self.records: dict[str, Record] = {}
                super().__init__()

            def get_action(self, action_name: str) -> Callable[[Any], None]:
                record = self.records[action_name]

                def action(c: Any) -> None:
                    _SINK.append(record)

                return action

            def _run(self) -> None:  # the timer threads: see the module docstring
                return None

        _host = _Host()
    return _host


def translation(book: RuleBook) -> Translation:
    """The book's translation, registered with this process's host (once per book)."""
    with _LOCK:
        return _translation(_get_host(), book)


def _translation(host: Any, book: RuleBook) -> Translation:
    cached = _translations.get(id(book))
    if cached is not None and cached[0] is book:
        return cached[1]
    tr = translate(book, prefix=f"rl{next(_prefixes)}")
    _register(host, [tr.selector])
    _translations[id(book)] = (book, tr)
    return tr


_registered: set[str] = set()


def _register(host: Any, rulesets: list[DurableRuleset]) -> None:
    """Give durable the rulesets it does not have yet (an epoch's, when first used)."""
    new = [rs for rs in rulesets if rs.name not in _registered]
    if not new:
        return
    for rs in new:
        host.records.update(rs.records)
    # durable consumes the definitions it is given (it deletes each rule's "run"): pass copies
    try:
        host.set_rulesets({rs.name: json.loads(json.dumps(rs.definition)) for rs in new})
    except Exception as err:
        raise DurableEngineError(f"durable_rules refused the translated rules: {err}") from None
    _registered.update(rs.name for rs in new)


def unsupported(book: RuleBook) -> dict[str, str]:
    """Rules of ``book`` the durable translation cannot express, with the reason (no durable needed)."""
    return dict(translate(book).unsupported)


class _Session:
    """One evaluation's session: a fresh sid, posted to each ruleset and deleted right after."""

    def __init__(self, host: Any) -> None:
        self.host = host
        self.sid = f"s{next(_SIDS)}"

    def fire(self, rs: DurableRuleset, message: dict[str, Any]) -> list[Record]:
        """Post ``message`` on a fresh session of ``rs``, delete the session, return the records."""
        for attempt in range(ATTEMPTS):
            sid = self.sid if attempt == 0 else f"{self.sid}r{attempt}"
            _SINK.clear()
            post = self.host.assert_fact if rs.mode == "facts" else self.host.post
            try:
                result = post(rs.name, {**message, MARK: rs.name, "sid": sid})
            except Exception as err:  # every ruleset has a catch-all rule: "not handled" is an error too
                raise DurableEngineError(f"durable_rules failed in ruleset {rs.name}: {err}") from None
            finally:
                self._delete(rs.name, sid)
            records = list(dict.fromkeys(_SINK))  # alternatives of one rule may each fire
            if result is None:
                continue  # the result went missing: retry on a fresh session
            if rs.mode == "facts":
                if DONE not in records:
                    raise DurableEngineError(f"durable_rules did not run every rule of {rs.name}")
                records.remove(DONE)
            return records
        raise DurableEngineError(f"durable_rules gave no result for ruleset {rs.name} in {ATTEMPTS} attempts")

    def _delete(self, ruleset: str, sid: str) -> None:
        try:
            self.host.delete_state(ruleset, sid)
        except Exception as err:
            raise DurableEngineError(f"durable_rules could not delete session {sid} of {ruleset}: {err}") from None


def evaluate(
    book: RuleBook,
    scenario: Scenario,
    *,
    as_of: dt.date | None = None,
    readings: Readings = DEFAULT_READINGS,
) -> Evaluation:
    """Decide ``scenario`` with durable_rules, under the law in force on ``as_of`` (default: the
    purchase date); the same :class:`Evaluation` as :func:`returnlaw.evaluate` gives."""
    with _LOCK:
        host = _get_host()
        tr = _translation(host, book)
        session = _Session(host)
        day = as_of or scenario.purchase.date
        picked = session.fire(tr.selector, selection_message(scenario, day))
        if day is not None:
            epochs = [r[1] for r in picked if r[0] == "epoch"]
            if len(epochs) != 1:
                raise DurableEngineError(f"the date {day} falls in {len(epochs)} versions of the law, not one")
            return _run(session, tr, tr.plans[epochs[0]], scenario, readings, day)
        candidates = sorted(r[1] for r in picked if r[0] == "candidate")
        if not candidates:
            raise DurableEngineError("no version of the law could apply")
        runs = [_run(session, tr, tr.plans[k], scenario, readings, None) for k in candidates]
    return combine_versions(runs)  # how versions combine is shared; each run is durable's own


def _run(
    session: _Session, tr: Translation, plan: EpochPlan, scenario: Scenario, readings: Readings, day: dt.date | None
) -> Evaluation:
    steps = plan.epoch.steps
    if plan.unsupported:
        why = "; ".join(f"{r}: {tr.unsupported.get(r, '')}" for r in plan.unsupported)
        raise DurableEngineError(f"the durable engine cannot express rule(s) in force here: {why}")
    _register(session.host, [s.ruleset for s in plan.stages] + ([plan.guard] if plan.guard else []))
    if day is not None and plan.guard is not None:
        wrong = session.fire(plan.guard, {DAY: day.toordinal()})
        if wrong:
            detail = "; ".join(f"{', '.join(r[1])} {r[2]}" for r in wrong)
            raise DurableEngineError(f"the plan for {day} disagrees with the rules' in-force dates: {detail}")
    msg = encode(plan, scenario, readings)
    n = len(steps)
    applicable: list[bool | None] = [False] * n
    defeated: list[bool | None] = [False] * n
    variables: dict[str, object] = {}
    presumed: tuple[tuple[str, object, str], ...] = ()
    outcome = ""
    for stage in plan.stages:
        rs = stage.ruleset
        records = session.fire(rs, {f: msg[f] for f in rs.fields if f in msg})
        if stage.kind == "status":
            for i in stage.positions:
                msg[applies_field(i)] = TRI[False]
            seen: set[int] = set()
            for _, i, a, d, p in records:
                if i in seen or i not in stage.positions:
                    raise DurableEngineError(f"ruleset {rs.name} recorded rule {steps[i].rule.id} twice")
                seen.add(i)
                applicable[i], defeated[i], msg[applies_field(i)] = a, d, p
        elif stage.kind == "fill":
            fills: list[Fill] = sorted((r[1] for r in records), key=lambda f: (f.rule, f.index))
            if len({f.path for f in fills}) != len(fills):
                raise DurableEngineError(f"ruleset {rs.name} presumed a fact twice")
            if fills:
                scenario = presumed_scenario(scenario, fills)
                presumed = tuple((f.path, f.value, steps[f.rule].rule.id) for f in fills)
                msg.update(encode(plan, scenario, readings))
        else:
            if len(records) != 1:
                raise DurableEngineError(f"ruleset {rs.name} settled {len(records)} values, not one")
            record = records[0]
            if stage.kind == "variable":
                _, name, value = record
                if value is not None:
                    variables[name] = UNKNOWN if value == UNKNOWN_VALUE else value
                    msg[var_field(name)] = value
            else:
                outcome = record[1]
                variables["outcome"] = msg[var_field("outcome")] = outcome
    if_returnable = None
    if outcome == "undetermined":
        if_returnable = _as_if_returnable(session, plan, msg)
    return Evaluation(
        tr.book,
        plan.epoch,
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


def _as_if_returnable(
    session: _Session, plan: EpochPlan, msg: dict[str, Any]
) -> tuple[int, tuple[bool | None, ...], tuple[bool | None, ...]] | None:
    """The effects group's statuses once more, with the outcome field set to returnable."""
    stages = [s for s in plan.stages if s.kind == "status" and s.group == "effects"]
    if not stages:
        return None
    positions = sorted(i for s in stages for i in s.positions)
    first, count = positions[0], len(positions)
    applicable: list[bool | None] = [False] * count
    defeated: list[bool | None] = [False] * count
    assumed = {**msg, var_field("outcome"): "returnable"}
    for stage in stages:  # in plan order: each level reads the statuses the previous ones recorded
        for i in stage.positions:
            assumed[applies_field(i)] = TRI[False]
        for _, i, a, d, p in session.fire(stage.ruleset, {f: assumed[f] for f in stage.ruleset.fields if f in assumed}):
            applicable[i - first], defeated[i - first], assumed[applies_field(i)] = a, d, p
    return first, tuple(applicable), tuple(defeated)


def durable_engine(book: RuleBook | None = None) -> Callable[..., Evaluation]:
    """The durable engine over ``book`` (default: the bundled rule book) as
    ``engine(scenario, *, as_of, readings)``, for ``returnlaw.replay``'s engine registry."""
    check_available()
    from .api import default_rulebook

    rules = book or default_rulebook()

    def run(scenario: Scenario, *, as_of: dt.date | None = None, readings: Readings = DEFAULT_READINGS) -> Evaluation:
        return evaluate(rules, scenario, as_of=as_of, readings=readings)

    return run


def durable_us_median(
    book: RuleBook, scenarios: Iterable[Scenario], rounds: int = 1, readings: Readings = DEFAULT_READINGS
) -> float | None:
    """Median microseconds per :func:`evaluate` over ``scenarios`` (after one warm-up pass), for
    ``benchmarks/run.py``; None when the durable engine is not available here."""
    if unavailable_reason():
        return None
    items = []
    for s in scenarios:  # warm-up; a scenario the engine refuses (a date past the holiday
        try:  # calendar, say) is left out rather than ending the benchmark
            evaluate(book, s, readings=readings)
        except ValueError:
            continue
        items.append(s)
    clock, times = time.perf_counter_ns, []
    for _ in range(rounds):
        for s in items:
            start = clock()
            evaluate(book, s, readings=readings)
            times.append((clock() - start) / 1000)
    return round(statistics.median(times), 2)
