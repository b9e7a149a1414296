"""The library's front door: decide a scenario, from Python objects or JSON, in one call."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from .compact import compact_json
from .decision import Decision, decision_json
from .evaluator import Evaluation, evaluate
from .fastread import read_scenario
from .inputs import InputError, parse_as_of, parse_readings, parse_scenario
from .loader import load_rulebook
from .readings import DEFAULT_READINGS, Readings
from .rulebook import RuleBook
from .scenario import Scenario

_lock = threading.Lock()
_default: RuleBook | None = None


def default_rulebook() -> RuleBook:
    """The bundled rule book, loaded and compiled once per process (thread-safe)."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = load_rulebook()
    return _default


def _today(value: Any) -> dt.date | None:
    """The ``today`` argument: a date, ``YYYY-MM-DD`` text or None (the system date)."""
    try:
        return parse_as_of(value)
    except InputError:
        raise InputError(f"expected a date (YYYY-MM-DD), got {value!r:.60}", "today") from None


def _as_scenario(scenario: Scenario | dict[str, Any], today: dt.date | None = None) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else parse_scenario(scenario, today=today)


def evaluate_scenario(
    scenario: Scenario | dict[str, Any],
    *,
    as_of: dt.date | None = None,
    readings: Readings = DEFAULT_READINGS,
    book: RuleBook | None = None,
    today: dt.date | None = None,
) -> Evaluation:
    """Evaluate without building the explanation (the fast path for pipelines). ``today`` is the
    reference day for dates in the future (default: the system date)."""
    return evaluate(
        book or default_rulebook(),
        _as_scenario(scenario, _today(today)),
        as_of=parse_as_of(as_of),
        readings=parse_readings(readings),
    )


def decide(
    scenario: Scenario | dict[str, Any],
    *,
    as_of: dt.date | None = None,
    readings: Readings = DEFAULT_READINGS,
    book: RuleBook | None = None,
    today: dt.date | None = None,
) -> Decision:
    """Decide a scenario and explain it: outcome, cited reasons, deadlines, obligations."""
    return evaluate_scenario(scenario, as_of=as_of, readings=readings, book=book, today=today).decision()


def decide_json(
    text: str | bytes,
    *,
    as_of: dt.date | None = None,
    readings: Readings = DEFAULT_READINGS,
    book: RuleBook | None = None,
    today: dt.date | None = None,
) -> str:
    """JSON (or YAML) scenario in, decision JSON out. Raises :class:`InputError` on bad input."""
    return decide_json_bytes(text, as_of=as_of, readings=readings, book=book, today=today).decode()


def decide_json_bytes(
    text: str | bytes,
    *,
    as_of: dt.date | None = None,
    readings: Readings = DEFAULT_READINGS,
    book: RuleBook | None = None,
    today: dt.date | None = None,
) -> bytes:
    """:func:`decide_json` without decoding the result: the decision JSON as UTF-8 bytes."""
    return decision_json(_evaluate_text(text, as_of, readings, book, today))


def decide_compact_json(
    text: str | bytes,
    *,
    as_of: dt.date | None = None,
    readings: Readings = DEFAULT_READINGS,
    book: RuleBook | None = None,
    today: dt.date | None = None,
) -> bytes:
    """JSON scenario in, the compact decision (:mod:`returnlaw.compact`) out as UTF-8 JSON bytes:
    outcome, deciding rules and provisions, warning codes, deadlines, obligations, questions."""
    return compact_json(_evaluate_text(text, as_of, readings, book, today))


def _evaluate_text(
    text: str | bytes, as_of: Any, readings: Any, book: RuleBook | None, today: dt.date | None
) -> Evaluation:
    scenario = read_scenario(text, today=_today(today))  # fast reader; the careful one for what it leaves
    return evaluate(book or default_rulebook(), scenario, as_of=parse_as_of(as_of), readings=parse_readings(readings))
