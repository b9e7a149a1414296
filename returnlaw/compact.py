"""The compact decision: what a platform or a batch run acts on, without the explanation.

``{"outcome", "as_of", "deciding", "warnings", "deadlines", "obligations", "questions"}``, built
straight from the :class:`~returnlaw.evaluator.Evaluation` (no reasons, no provision texts, no
pydantic models) and written by orjson. Every field says what the full decision
(:mod:`returnlaw.decision`, ``docs/decision-json.md``) says about the same thing:

- ``deciding``: the rules that certainly apply outside the consequences (presumptions, the rules
  that settle a legal variable and the exceptions that defeat one), in plan order, each with its
  group, the value it sets (null for a presumption or an exception) and the provisions it cites
  that were in force: ``[{"rule", "group", "value", "cite"}]``; the decision's reasons with status
  ``applied`` outside the ``effects`` group.
- ``warnings``: the codes of the warnings that certainly hold, in plan order, once each.
- ``deadlines``: one date (or null) per deadline name of the vocabulary, as the batch row gives it.
- ``obligations``: ``[{"party", "duty", "amount", "certain", "if_outcome"}]`` in the decision's order.
- ``questions``: the facts to ask next, as in the decision.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import orjson

from .decision import _refs_in_force
from .evaluator import Evaluation
from .facts import FACTS
from .periods import period_span
from .rulebook import Deadline, Epoch, Obligation, SetVariable, Warning

COMPACT_FIELDS = ("outcome", "as_of", "deciding", "warnings", "deadlines", "obligations", "questions")


def compact_data(ev: Evaluation) -> dict[str, Any]:
    """The compact decision as plain data (dates as ``datetime.date``, amounts as ``Decimal``)."""
    plan = _plan(ev.epoch)
    applicable, defeated = ev.applicable, ev.defeated
    deciding = []
    for i, group, value in plan.deciding:
        if applicable[i] is True and defeated[i] is False:
            rule = ev.epoch.steps[i].rule
            cites = list(_refs_in_force(ev.book, rule, ev.as_of))
            deciding.append({"rule": rule.id, "group": group, "value": value, "cite": cites})
    warnings = [code for i, code in plan.warnings if applicable[i] is True and defeated[i] is False]
    return {
        "outcome": ev.outcome,
        "as_of": ev.as_of,
        "deciding": deciding,
        "warnings": list(dict.fromkeys(warnings)),
        "deadlines": deadlines(ev),
        "obligations": _obligations(ev, plan.obligations),
        "questions": list(ev.questions),
    }


def compact_json(ev: Evaluation) -> bytes:
    """The compact decision as JSON bytes (UTF-8, no spaces)."""
    return orjson.dumps(compact_data(ev), default=_default)


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)  # as pydantic writes a Decimal in the full decision
    raise TypeError(f"not JSON: {type(value).__name__}")


class _Plan:
    """Plan positions of the rules the compact decision reads (computed once per epoch)."""

    __slots__ = ("deadlines", "deciding", "obligations", "warnings")

    def __init__(self, epoch: Epoch) -> None:
        effects = [(i, step.rule.effect) for i, step in enumerate(epoch.steps)]
        self.deciding = tuple(
            (i, epoch.steps[i].rule.group, e.value if isinstance(e, SetVariable) else None)
            for i, e in effects
            if epoch.steps[i].rule.group != "effects"
        )
        self.warnings = tuple((i, e.code) for i, e in effects if isinstance(e, Warning))
        self.deadlines = tuple((i, e) for i, e in effects if isinstance(e, Deadline))
        self.obligations = tuple((i, e) for i, e in effects if isinstance(e, Obligation))


_PLANS: dict[int, tuple[Epoch, _Plan]] = {}


def _plan(epoch: Epoch) -> _Plan:
    cached = _PLANS.get(id(epoch))
    if cached is None or cached[0] is not epoch:
        cached = _PLANS[id(epoch)] = (epoch, _Plan(epoch))
    return cached[1]


def _applies(ev: Evaluation, i: int) -> bool | None:
    a, d = ev.applicable[i], ev.defeated[i]
    if a is False or d is True:
        return False
    return True if a is True and d is False else None


def _obligations(ev: Evaluation, steps: tuple[tuple[int, Obligation], ...]) -> list[dict[str, Any]]:
    """As the decision lists them: applied (certain), undetermined (not certain), and, when the
    outcome is undetermined, the ones that would follow if the goods were returnable."""
    out = []
    for i, o in steps:
        status = _applies(ev, i)
        if_outcome = None
        if status is False:
            if ev.if_returnable is None:
                continue
            first, a, d = ev.if_returnable
            aj, dj = a[i - first], d[i - first]
            if aj is False or dj is True:
                continue
            status, if_outcome = (aj is True and dj is False) or None, "returnable"
        amount = o.amount(ev.scenario) if o.amount else None
        out.append(
            {"party": o.party, "duty": o.duty, "amount": amount, "certain": status is True, "if_outcome": if_outcome}
        )
    return out


def deadlines(ev: Evaluation) -> dict[str, dt.date | None]:
    """One date per deadline name; like the decision, a certain deadline wins, then one with a date."""
    best: dict[str, tuple[tuple[bool, bool], dt.date | None]] = {}
    for i, effect in _plan(ev.epoch).deadlines:
        a, d = ev.applicable[i], ev.defeated[i]
        if a is False or d is True:
            continue
        day = deadline_day(ev, effect)
        rank = (a is True and d is False, day is not None)
        if effect.name not in best or rank > best[effect.name][0]:
            best[effect.name] = (rank, day)
    names = ev.book.vocabulary.deadlines
    return {name: best[name][1] if name in best else None for name in names}


def deadline_day(ev: Evaluation, effect: Deadline) -> dt.date | None:
    start = FACTS[effect.start_fact].get(ev.scenario)
    days = effect.days(ev.scenario)
    if start is None or not days:
        return None
    # None while a holiday arrangement not in the data leaves the last day open (see the decision's band)
    end = period_span(start, days, ev.readings.counting).resolve(ev.readings.unpublished_holidays)  # type: ignore[arg-type]
    return end.date() if isinstance(end, dt.datetime) else end


def warning_steps(epoch: Epoch) -> tuple[tuple[int, str], ...]:
    return _plan(epoch).warnings


__all__ = ["COMPACT_FIELDS", "compact_data", "compact_json", "deadline_day", "deadlines", "warning_steps"]
