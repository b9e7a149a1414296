"""Wording questions: a relevant fact as the mediator sees it, in Chinese and English."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from ..facts import FACTS
from ..questions import Kind, Wording, choice_labels
from ..rulebook import RuleBook
from .probes import Probe

if TYPE_CHECKING:
    from .relevance import Finding


class Choice(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: bool | str
    zh: str
    en: str

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Question(BaseModel):
    """One question for the mediator, with the evidence that its answer matters."""

    model_config = ConfigDict(frozen=True)

    fact: str
    kind: Kind
    zh: str
    en: str
    help_zh: str  # ends with the provisions it serves, cited the Chinese way
    help_en: str
    cite: tuple[str, ...]
    choices: tuple[Choice, ...] = ()
    with_time: bool = False  # a date that may also carry a time of day (YYYY-MM-DD HH:MM)
    depth: int  # 0: its answer alone can change the outcome; 1: together with ``given``
    given: dict[str, Any] = {}
    outcome_now: str  # the outcome before it is answered (with ``given``)
    probes: tuple[Probe, ...]  # answers tried and their outcomes: at least one differs from outcome_now
    share: float  # share of the probes that change the outcome
    reads: int  # undecided rules that read the fact

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def help(self, lang: str) -> str:
        return self.help_zh if lang == "zh" else self.help_en


def question_for(finding: Finding, wording: Wording, book: RuleBook) -> Question:
    entry = wording.facts[finding.fact]
    choices: tuple[Choice, ...] = ()
    if entry.kind in ("yes_no", "choice", "choices"):
        labels = choice_labels(wording, finding.fact)
        choices = tuple(
            Choice(value=_choice_value(key, entry.kind), zh=label.zh, en=label.en) for key, label in labels.items()
        )
    return Question(
        fact=finding.fact,
        kind=entry.kind,
        zh=entry.zh,
        en=entry.en,
        help_zh=wording.help_line(finding.fact, "zh", book),
        help_en=wording.help_line(finding.fact, "en", book),
        cite=entry.cite,
        choices=choices,
        with_time=FACTS[finding.fact].kind == "moment",
        depth=finding.depth,
        given=finding.given,
        outcome_now=finding.base,
        probes=finding.probes,
        share=round(finding.share, 4),
        reads=finding.reads,
    )


def _choice_value(key: str, kind: str) -> bool | str:
    return key == "true" if kind == "yes_no" else key
