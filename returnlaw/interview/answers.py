"""Reading answers: what a mediator types (or an answers file holds) as the fact's value."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from pydantic import ValidationError

from ..facts import FACTS
from ..inputs import InputError, closest
from ..questions import Wording
from ..scenario import Scenario


class Special(StrEnum):
    """Answers that are not a value of the fact."""

    UNKNOWN = "unknown"
    DISPUTED = "disputed"


def parse_answer(wording: Wording, fact: str, answer: object) -> object:
    """An answer as typed or read from a file -> the fact's value, or a :class:`Special` answer.

    Raises :class:`InputError` naming the fact when the answer does not fit it."""
    if isinstance(answer, Special):
        return answer
    if isinstance(answer, str):
        keyword = wording.keywords.match(answer)
        if keyword in ("unknown", "disputed"):
            return Special(keyword)
        if keyword is not None:
            raise InputError(f"{answer!r} is a command, not an answer", fact)
    kind = FACTS[fact].kind
    if answer is None:
        return Special.UNKNOWN
    if kind == "bool":
        return _yes_no(wording, fact, answer)
    if kind == "enum":
        return _choice(wording, fact, answer)
    if kind == "number":
        return _number(fact, answer)
    if kind in ("date", "moment"):
        return _date(fact, answer)
    if not isinstance(answer, str):
        raise InputError(f"expected text, got {answer!r:.60}", fact)
    return answer.strip()


def _yes_no(wording: Wording, fact: str, answer: object) -> bool:
    if isinstance(answer, bool):
        return answer
    text = str(answer).strip().casefold()
    for position, key in enumerate(("yes", "no"), start=1):
        label = wording.yes_no[key]
        if text in {w.casefold() for w in (*label.words, label.zh, label.en, str(position))}:
            return key == "yes"
    raise InputError(f"{wording.ui('bad_yes_no', 'en')}, got {answer!r:.60}", fact)


def _choice(wording: Wording, fact: str, answer: object) -> str:
    values = FACTS[fact].values
    text = str(answer).strip()
    if text.isdigit() and 1 <= int(text) <= len(values):
        return values[int(text) - 1]
    labels = wording.facts[fact].choices
    for value in values:
        if text.casefold() in {value.casefold(), labels[value].zh.casefold(), labels[value].en.casefold()}:
            return value
    hint = closest(text, list(values))
    suggestion = f"; did you mean {hint!r}?" if hint else f"; allowed: {', '.join(values)}"
    raise InputError(f"{text!r:.60} is not one of the choices{suggestion}", fact)


_INTEGER = re.compile(r"[+-]?\d+")


def _number(fact: str, answer: object) -> object:
    if isinstance(answer, bool) or not isinstance(answer, int | float | Decimal | str):
        raise InputError(f"expected a number, got {answer!r:.60}", fact)
    if not isinstance(answer, str):
        return answer
    text = answer.strip().replace(",", "").removeprefix("¥").removesuffix("元")
    if _INTEGER.fullmatch(text):
        return int(text)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise InputError(f"expected a number, got {answer!r:.60}", fact) from None
    return _fitting_number(fact, number)


def _fitting_number(fact: str, number: Decimal) -> object:
    """A decimal as text for money fields (exact), else as a float (e.g. hours held)."""
    section, _, name = fact.partition(".")
    model = type(getattr(Scenario(), "return_" if section == "return" else section))
    for value in (str(number), float(number)):
        try:
            model.model_validate({name: value})
            return value
        except ValidationError:
            continue
    return float(number)  # let the scenario's own validation name the problem


def _date(fact: str, answer: object) -> object:
    if isinstance(answer, dt.date):
        return answer
    if not isinstance(answer, str):
        raise InputError(f"expected a date as YYYY-MM-DD, got {answer!r:.60}", fact)
    return answer.strip()
