"""Running a session: the answers given so far, going back, disputes and the burden of proof."""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..api import default_rulebook
from ..evaluator import Evaluation, evaluate
from ..facts import FACTS
from ..i18n import zh_date
from ..inputs import InputError, closest, parse_scenario
from ..questions import Wording, default_wording
from ..readings import DEFAULT_READINGS, Readings
from ..rulebook import RuleBook
from ..scenario import Scenario
from .answers import AnswerError, Special, parse_answer
from .relevance import is_settled, next_questions
from .shape import shape_of
from .wording import Question


@dataclass(frozen=True)
class Step:
    """One answer: the fact, its value or a :class:`Special` answer, and what a dispute records."""

    fact: str
    answer: object
    recorded: tuple[tuple[str, object], ...] = ()


class BurdenNote(BaseModel):
    """A burden-of-proof presumption that decided disputed facts, and whom it went against."""

    model_config = ConfigDict(frozen=True)

    rule: str
    title_zh: str
    title_en: str
    cite: tuple[str, ...]
    facts: tuple[tuple[str, Any], ...]
    reading: str  # the burden_of_proof reading in use
    against: str | None  # the party the disputed facts go against, once the rules settle it


class Interview:
    """One mediation: a starting scenario, the answers given so far, and what to ask next.

    Pure state, no input or output: ``returnlaw ask`` drives it from a terminal or an answers
    file, and platforms can drive it from their own interfaces."""

    def __init__(
        self,
        start: Scenario | Mapping[str, Any] | None = None,
        *,
        book: RuleBook | None = None,
        as_of: dt.date | None = None,
        readings: Readings = DEFAULT_READINGS,
        wording: Wording | None = None,
        ask_unknown_again: bool = False,
        today: dt.date | None = None,
    ) -> None:
        """``start``: the facts known so far; a fact given as null (``is_operator: null``) was
        answered "unknown" in an earlier session and is not asked again unless
        ``ask_unknown_again``. ``today``: the reference day for dates in the future (default:
        the system date)."""
        self.book = book or default_rulebook()
        self.wording = wording or default_wording()
        self.as_of, self.readings, self.today = as_of, readings, today
        self._base = scenario_data(start) if isinstance(start, Scenario) else copy.deepcopy(dict(start or {}))
        self._unknown_before = frozenset() if ask_unknown_again else unknown_facts(self._base)
        self._steps: list[Step] = []
        self._scenario = parse_scenario(copy.deepcopy(self._base), today=today)

    @property
    def scenario(self) -> Scenario:
        return self._scenario

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(self._steps)

    @property
    def skip(self) -> frozenset[str]:
        """Facts whose latest answer is "unknown" or "disputed" (in this session or, given as
        null, in the starting scenario): asked once, never again."""
        latest: dict[str, object] = dict.fromkeys(self._unknown_before, Special.UNKNOWN)
        latest.update((s.fact, s.answer) for s in self._steps)
        return frozenset(fact for fact, answer in latest.items() if isinstance(answer, Special))

    def pending(self) -> list[Question]:
        """The facts the outcome still depends on, asked or not: when nothing is left to ask,
        these are the facts answered "unknown" that could still change it."""
        return next_questions(
            self._scenario, as_of=self.as_of, readings=self.readings, book=self.book, wording=self.wording
        )

    def evaluation(self) -> Evaluation:
        return evaluate(self.book, self._scenario, as_of=self.as_of, readings=self.readings)

    def questions(self, limit: int | None = None) -> list[Question]:
        return next_questions(
            self._scenario,
            as_of=self.as_of,
            readings=self.readings,
            book=self.book,
            skip=self.skip,
            wording=self.wording,
            limit=limit,
        )

    def next_question(self) -> Question | None:
        questions = self.questions(limit=1)
        return questions[0] if questions else None

    def settled(self) -> bool:
        return is_settled(self._scenario, as_of=self.as_of, readings=self.readings, book=self.book, skip=self.skip)

    def presumable(self, fact: str) -> bool:
        """Whether a burden-of-proof rule can decide a dispute over ``fact``."""
        return fact in shape_of(self.book).presumable

    def answer(self, fact: str, answer: object) -> Step:
        """Record an answer (a value, text as typed, "unknown" or "disputed").

        Raises :class:`InputError` naming the fact if the answer does not fit it or contradicts
        the facts known (e.g. a notice before the purchase); the session is then unchanged."""
        spec = FACTS.get(fact)
        if spec is None or spec.derived:
            hint = closest(fact, [p for p, s in FACTS.items() if not s.derived])
            raise InputError("not a fact the interview can ask" + (f"; did you mean {hint!r}?" if hint else ""), fact)
        value = parse_answer(self.wording, fact, answer, self._scenario.purchase.date)
        recorded = self._dispute_records(fact) if value is Special.DISPUTED else ()
        step = Step(fact, value, recorded)
        try:
            self._scenario = self._build([*self._steps, step])
        except AnswerError:
            raise
        except InputError as err:
            raise contradiction(self.wording, fact, err) from None
        self._steps.append(step)
        return step

    def preview(self, answers: Mapping[str, object]) -> Scenario:
        """The scenario these answers would give on top of the present one, without recording
        them: checks a whole answers file at once (raises :class:`InputError` naming the fact)."""
        steps = [*self._steps]
        for fact, answer in answers.items():
            if FACTS.get(fact) is None or FACTS[fact].derived:
                raise InputError("not a fact the interview can ask", fact)
            value = parse_answer(self.wording, fact, answer, _purchase_date(self._scenario, answers, self.wording))
            steps.append(Step(fact, value, self._dispute_records(fact) if value is Special.DISPUTED else ()))
        return self._build(steps)

    def back(self) -> Step | None:
        """Undo the last answer (and what a dispute recorded with it)."""
        if not self._steps:
            return None
        step = self._steps.pop()
        self._scenario = self._build(self._steps)
        return step

    def burden(self) -> tuple[BurdenNote, ...]:
        """The presumptions that filled disputed facts, each with whom it goes against."""
        ev = self.evaluation()
        risk = self.wording.dispute.risk
        settled = ev.variables.get(risk.variable)
        against = risk.values.get(settled) if isinstance(settled, str) else None
        by_rule: dict[str, list[tuple[str, Any]]] = {}
        for path, value, rule in ev.presumed:
            by_rule.setdefault(rule, []).append((path, value))
        return tuple(
            BurdenNote(
                rule=rule_id,
                title_zh=self.book.rules[rule_id].title_zh,
                title_en=self.book.rules[rule_id].title_en,
                cite=tuple(c.ref for c in self.book.rules[rule_id].citations),
                facts=tuple(facts),
                reading=str(self.readings.burden_of_proof),
                against=against,
            )
            for rule_id, facts in by_rule.items()
        )

    def data(self) -> dict[str, Any]:
        """The scenario built so far, as plain data (for ``--save``); a fact answered "unknown"
        or "disputed" and still unknown is kept as null, so that a resumed interview does not
        ask it again."""
        data = scenario_data(self._scenario)
        latest = {s.fact: s.answer for s in self._steps}
        for path in sorted(self.skip, key=list(FACTS).index):
            if FACTS[path].get(self._scenario) is None and latest.get(path) is not Special.NOT_GIVEN:
                section, _, name = path.partition(".")
                data.setdefault(section, {})[name] = None
        return data

    def _dispute_records(self, fact: str) -> tuple[tuple[str, object], ...]:
        if not self.presumable(fact):
            return ()
        return tuple(self.wording.dispute.records.items())

    def _build(self, steps: Sequence[Step]) -> Scenario:
        data = copy.deepcopy(self._base)
        for step in steps:
            if not isinstance(step.answer, Special):
                _put(data, step.fact, step.answer)
            for path, value in step.recorded:
                _put(data, path, value)
        return parse_scenario(data, today=self.today)


@dataclass(frozen=True)
class Asked:
    """A question as it was asked: with the scenario and the facts skipped at that point."""

    question: Question
    before: Scenario
    skip: frozenset[str]


def simulate(
    truth: Scenario,
    *,
    start: Scenario | Mapping[str, Any] | None = None,
    book: RuleBook | None = None,
    as_of: dt.date | None = None,
    readings: Readings = DEFAULT_READINGS,
    wording: Wording | None = None,
    max_questions: int = 200,
) -> tuple[Interview, tuple[Asked, ...]]:
    """Run an interview answering every question from ``truth`` (for tests and benchmarks): the
    fact's value when ``truth`` knows it; "disputed" for a fact a burden-of-proof rule can fill
    when ``truth`` records the dispute (``questions.yaml``: ``dispute.records``); else "unknown"."""
    session = Interview(start, book=book, as_of=as_of, readings=readings, wording=wording)
    records = session.wording.dispute.records.items()
    disputed = all(FACTS[path].get(truth) == value for path, value in records)
    asked: list[Asked] = []
    while len(asked) < max_questions and (question := session.next_question()) is not None:
        asked.append(Asked(question, session.scenario, session.skip))
        value = FACTS[question.fact].get(truth)
        if value is None:
            value = Special.DISPUTED if disputed and session.presumable(question.fact) else Special.UNKNOWN
        session.answer(question.fact, value)
    return session, tuple(asked)


def _put(data: dict[str, Any], path: str, value: object) -> None:
    section, _, name = path.partition(".")
    part = data.setdefault(section, {})
    if not isinstance(part, dict):
        raise InputError(f"expected a mapping of fields, got {type(part).__name__}", section)
    part[name] = value


_BEFORE = re.compile(r"is before (?P<other>[a-z_]+\.[a-z_]+) \((?P<day>[^)]*)\)")
_AT_LEAST = re.compile(r"must be at least (?P<n>\d+)")


def contradiction(wording: Wording, fact: str, err: InputError) -> AnswerError:
    """An answer the scenario refused (a date out of order, a bound), said in both languages."""
    message = str(err).removeprefix(f"{err.field}: ") if err.field else str(err)
    before, at_least = _BEFORE.search(message), _AT_LEAST.search(message)
    if before is not None and before["other"] in wording.facts:
        other = wording.facts[before["other"]].name("zh")
        zh = f"{wording.facts[fact].name('zh')}不能早于{other}（{zh_date(before['day'])}）"
    elif "in the future" in message:
        zh = "这个日期晚于今天"
    elif at_least is not None:
        zh = f"不能小于{at_least['n']}"
    else:
        zh = "这个回答与已记录的事实不符"
    return AnswerError(err.field or fact, message, zh)


def _purchase_date(scenario: Scenario, answers: Mapping[str, object], wording: Wording) -> dt.date | None:
    """The purchase date for reading dates typed without a year: known, or among the answers."""
    if scenario.purchase.date is not None:
        return scenario.purchase.date
    given = answers.get("purchase.date")
    try:
        value = parse_answer(wording, "purchase.date", given) if given is not None else None
        return dt.date.fromisoformat(str(value)) if isinstance(value, str) else value  # type: ignore[return-value]
    except (InputError, ValueError):
        return None


def unknown_facts(data: Mapping[str, Any]) -> frozenset[str]:
    """The facts given as null in scenario data: answered "unknown" in an earlier session."""
    return frozenset(
        f"{section}.{name}"
        for section, part in data.items()
        if isinstance(part, Mapping)
        for name, value in part.items()
        if value is None and f"{section}.{name}" in FACTS and not FACTS[f"{section}.{name}"].derived
    )


def scenario_data(scenario: Scenario) -> dict[str, Any]:
    """A scenario as plain JSON-ready data with the unknown facts left out."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    return {k: v for k, v in data.items() if v not in ({}, [], ())}
