"""Reading answers: what a mediator types (or an answers file holds) as the fact's value."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from pydantic import ValidationError

from ..facts import FACTS
from ..inputs import InputError, closest
from ..questions import Wording
from ..scenario import Scenario
from .dates import DateProblem, read_typed_date


class Special(StrEnum):
    """Answers that are not a value of the fact."""

    UNKNOWN = "unknown"
    DISPUTED = "disputed"
    NOT_GIVEN = "not_given"  # an answers file that does not hold the fact: unknown for now, not saved


class AnswerError(InputError):
    """An answer that does not fit its fact: ``str()`` names the fact and says why in English
    (for files and logs); ``zh`` says the same in Chinese for a session held in Chinese."""

    def __init__(self, fact: str, en: str, zh: str) -> None:
        super().__init__(en, fact)
        self.zh = zh


def parse_answer(wording: Wording, fact: str, answer: object, reference: dt.date | None = None) -> object:
    """An answer as typed or read from a file -> the fact's value, or a :class:`Special` answer.

    ``reference``: the purchase date, which gives a date typed without a year (``8月20日``) its
    year. Raises :class:`AnswerError` naming the fact when the answer does not fit it."""
    if isinstance(answer, Special):
        return answer
    if isinstance(answer, str):
        keyword = wording.keywords.match(answer)
        if keyword in ("unknown", "disputed"):
            return Special(keyword)
        if keyword is not None:
            raise AnswerError(fact, f"{answer!r} is a command, not an answer", f"“{answer}”是命令，不是回答")
    kind = FACTS[fact].kind
    if answer is None:
        return Special.UNKNOWN
    if kind == "bool":
        return _yes_no(wording, fact, answer)
    if kind == "enum":
        return _choice(wording, fact, answer)
    if kind == "set":
        return _choices(wording, fact, answer)
    if kind == "number":
        return _number(fact, answer)
    if kind in ("date", "moment"):
        return _date(fact, answer, None if fact == "purchase.date" else reference)
    if not isinstance(answer, str):
        raise AnswerError(fact, f"expected text, got {answer!r:.60}", "请填写文字")
    return answer.strip()


def _yes_no(wording: Wording, fact: str, answer: object) -> bool:
    if isinstance(answer, bool):
        return answer
    text = unicodedata.normalize("NFKC", str(answer)).strip().casefold()
    for position, key in enumerate(("yes", "no"), start=1):
        label = wording.yes_no[key]
        if text in {w.casefold() for w in (*label.words, label.zh, label.en, str(position))}:
            return key == "yes"
    raise AnswerError(
        fact,
        f"{wording.ui('bad_yes_no', 'en')}, got {answer!r:.60}",
        f"{wording.ui('bad_yes_no', 'zh')}（1. 是  2. 否）",
    )


def _choice(wording: Wording, fact: str, answer: object) -> str:
    values = FACTS[fact].values
    text = unicodedata.normalize("NFKC", str(answer)).strip()
    if text.isdigit() and 1 <= int(text) <= len(values):
        return values[int(text) - 1]
    labels = wording.facts[fact].choices
    for value in values:
        if _same(text) in {_same(value), _same(labels[value].zh), _same(labels[value].en)}:
            return value
    by_label = {labels[v].en: v for v in values} | {labels[v].zh: v for v in values} | {v: v for v in values}
    hint = closest(text, list(by_label))
    numbered = list(enumerate(values, start=1))
    listed = {
        lang: sep.join(f"{i}. {labels[v](lang)}" for i, v in numbered) for lang, sep in (("en", "; "), ("zh", "；"))
    }
    if hint is not None:
        value = by_label[hint]
        en = f"{text!r:.60} is not one of the choices; did you mean {labels[value].en!r}?"
        zh = f"“{text:.60}”不是可选的回答；是不是“{labels[value].zh}”？"
    else:
        en = f"{text!r:.60} is not one of the choices: {listed['en']}"
        zh = f"“{text:.60}”不是可选的回答，可选：{listed['zh']}"
    raise AnswerError(fact, en, zh)


_SEPARATORS = re.compile(r"[,，、;；\s]+")
_NONE = {"none", "no", "nothing", "无", "没有", "都没有", "均无"}


def _choices(wording: Wording, fact: str, answer: object) -> tuple[str, ...]:
    """Any number of choices: a list, or text separated by commas or spaces; "none" (没有) or
    nothing at all is the empty set."""
    if isinstance(answer, list | tuple):
        items = [str(a) for a in answer]
    elif isinstance(answer, str):
        items = [t for t in _SEPARATORS.split(answer.strip()) if t]
    else:
        raise AnswerError(fact, f"expected a list of choices, got {answer!r:.60}", "请选择一项或多项，用顿号分隔")
    if len(items) == 1 and _same(items[0]) in _NONE:
        return ()
    return tuple(dict.fromkeys(_choice(wording, fact, item) for item in items))


def _same(text: str) -> str:
    """Text as compared with labels: full-width forms folded (（ and (), case ignored."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


_INTEGER = re.compile(r"[+-]?\d+")
_UNITS = ("元", "块", "小时", "个小时", "天", "日", "个")


def _number(fact: str, answer: object) -> object:
    if isinstance(answer, bool) or not isinstance(answer, int | float | Decimal | str):
        raise AnswerError(fact, f"expected a number, got {answer!r:.60}", "请填写数字")
    if not isinstance(answer, str):
        return answer
    text = unicodedata.normalize("NFKC", answer).strip().replace(",", "").removeprefix("¥").removeprefix("￥")
    for unit in sorted(_UNITS, key=len, reverse=True):
        text = text.removesuffix(unit).strip()
    if _INTEGER.fullmatch(text):
        return int(text)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise AnswerError(
            fact, f"expected a number, got {answer!r:.60}", f"“{answer:.60}”不是数字，请填写数字"
        ) from None
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


_ISO_WITH_OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})", re.ASCII)


def _date(fact: str, answer: object, reference: dt.date | None) -> object:
    if isinstance(answer, dt.date):
        return answer
    if not isinstance(answer, str):
        raise AnswerError(fact, f"expected a date as YYYY-MM-DD, got {answer!r:.60}", "请按 2024-01-12 的格式填写日期")
    if _ISO_WITH_OFFSET.fullmatch(answer.strip()):
        return answer.strip()  # a moment with its time zone: the scenario converts it to China time
    try:
        return read_typed_date(answer, reference)
    except DateProblem as problem:
        raise AnswerError(fact, problem.en, problem.zh) from None
