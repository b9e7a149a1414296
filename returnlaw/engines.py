"""Evaluation engines by name, for ``--engine`` (``check``, ``replay``) and for cross-checking.

- ``native`` (default): :func:`returnlaw.evaluate`, the package's own evaluator: pure Python,
  thread-safe, a few microseconds per decision.
- ``durable``: :mod:`returnlaw.durable_backend`, the same rule files translated into durable_rules
  rulesets and run by its C engine: an *independent* implementation for checking the native one,
  hundreds of times slower, one evaluation at a time per process. Needs ``returnlaw[durable]``
  (durable-rules 2.0.28, Python < 3.13).

Every engine is ``engine(book, scenario, *, as_of=None, readings=DEFAULT_READINGS) -> Evaluation``
with the same fields, so explanations, JSON and rendering are identical whichever decided.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .conditions import UNKNOWN
from .evaluator import Evaluation, evaluate

ENGINES = ("native", "durable")
Engine = Callable[..., Evaluation]  # (book, scenario, *, as_of=..., readings=...) -> Evaluation


class EngineError(RuntimeError):
    """An engine could not give a decision (unavailable, or failed); never an outcome."""


def get_engine(name: str) -> Engine:
    """The engine called ``name``; :class:`EngineError` if unknown or not usable here."""
    if name == "native":
        return evaluate
    if name == "durable":
        from . import durable_backend

        durable_backend.check_available()
        return durable_backend.evaluate
    raise EngineError(f"unknown engine {name!r}; available: {', '.join(ENGINES)}")


_TRI = {True: "T", False: "F", None: "U"}


def summary(ev: Evaluation) -> dict[str, Any]:
    """What two engines must agree on, as plain data: the outcome, the rules that applied, every
    rule's (applicable, defeated) status, the legal variables, the presumptions and notes, and the
    consequences as if returnable when the outcome is undetermined."""
    steps = ev.epoch.steps
    conditional = None
    if ev.if_returnable is not None:
        first, a, d = ev.if_returnable
        conditional = {steps[first + k].rule.id: _TRI[x] + _TRI[y] for k, (x, y) in enumerate(zip(a, d, strict=True))}
    return {
        "outcome": ev.outcome,
        "applied": sorted(steps[i].rule.id for i in range(len(steps)) if ev.applies(i) is True),
        "status": {s.rule.id: _TRI[a] + _TRI[d] for s, a, d in zip(steps, ev.applicable, ev.defeated, strict=True)},
        "variables": {k: "?" if v is UNKNOWN else v for k, v in ev.variables.items()},
        "presumed": [list(p) for p in ev.presumed],
        "as_of": ev.as_of,
        "law_from": ev.epoch.start,
        "notes": list(ev.notes),
        "extra_questions": list(ev.extra_questions),
        "if_returnable": conditional,
    }


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """One line per key on which two summaries differ (rule statuses rule by rule)."""
    out = []
    for key in a.keys() | b.keys():
        x, y = a.get(key), b.get(key)
        if x == y:
            continue
        if key in ("status", "if_returnable") and isinstance(x, dict) and isinstance(y, dict):
            for rule in sorted(x.keys() | y.keys()):
                if x.get(rule) != y.get(rule):
                    out.append(f"{key} of {rule}: {x.get(rule)} vs {y.get(rule)} (applicable, defeated)")
        else:
            out.append(f"{key}: {x!r} vs {y!r}")
    return sorted(out)
