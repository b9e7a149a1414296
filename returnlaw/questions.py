"""The wording of the mediator's questions (``returnlaw/questions.yaml``), validated when loaded.

Which facts are asked is computed from the rule book (:mod:`returnlaw.interview`); this module only
holds the words: each fact's question in Chinese and English, a help line with the provisions it
serves, its kind of answer and, for choices, a label for every allowed value. Loading refuses a
file that misses a fact, names an unknown one, or whose kinds or choices disagree with the
scenario model, so the wording cannot drift from the facts.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .facts import FACTS
from .files import read_bounded
from .i18n import cite_text
from .rulebook import RuleBook
from .ruleschema import REF_PATTERN

Kind = Literal["yes_no", "choice", "choices", "date", "number", "text"]
# The answer kind of each fact kind in returnlaw.facts ("choices": any number of the choices).
KIND_OF = {
    "bool": "yes_no",
    "enum": "choice",
    "set": "choices",
    "date": "date",
    "moment": "date",
    "number": "number",
    "text": "text",
}


class WordingError(ValueError):
    """``questions.yaml`` is malformed or disagrees with the facts; the message names the entry."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(_Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def __call__(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class YesNoLabel(Label):
    words: tuple[str, ...] = ()


class FactWording(_Strict):
    kind: Kind
    label: Label | None = None  # a short name for the fact in decisions and reports (default: the question)
    unit: Label | None = None  # a number's unit (元, 小时, 日)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    help_zh: str = Field(min_length=1)
    help_en: str = Field(min_length=1)
    cite: tuple[str, ...] = Field(min_length=1)
    choices: dict[str, Label] = {}

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def help(self, lang: str) -> str:
        return self.help_zh if lang == "zh" else self.help_en

    def name(self, lang: str) -> str:
        """The fact's short name: its label, else its question without the question mark."""
        if self.label is not None:
            return self.label(lang)
        return self.text(lang).rstrip("？?")


class Keywords(_Strict):
    unknown: tuple[str, ...] = Field(min_length=1)
    disputed: tuple[str, ...] = Field(min_length=1)
    back: tuple[str, ...] = Field(min_length=1)
    quit: tuple[str, ...] = Field(min_length=1)

    def match(self, text: str) -> str | None:
        """The keyword ``text`` is (``unknown``, ``disputed``, ``back``, ``quit``), if any."""
        word = text.strip().casefold()
        for name in ("unknown", "disputed", "back", "quit"):
            if word in {w.casefold() for w in getattr(self, name)}:
                return name
        return None


class Risk(_Strict):
    variable: str
    values: dict[str, str]  # value of the variable -> party the disputed facts go against


class DisputeWording(_Strict):
    records: dict[str, bool | str]  # what a "disputed" answer records
    zh: str
    en: str
    not_presumable_zh: str
    not_presumable_en: str
    risk: Risk


class Wording(_Strict):
    version: Literal[1]
    keywords: Keywords
    yes_no: dict[Literal["yes", "no"], YesNoLabel]
    dispute: DisputeWording
    interface: dict[str, Label]
    # A case's order: stages, each a list of sections ("item") or facts ("purchase.date").
    order: tuple[dict[str, tuple[str, ...]], ...] = ()
    facts: dict[str, FactWording]

    def ui(self, key: str, lang: str) -> str:
        return self.interface[key](lang)

    def stage_ranks(self) -> dict[str, int]:
        """Each listed fact path, and each listed section as ``"section."``, with its stage's
        place in the order; a fact is placed by its own path first, then by its section."""
        ranks: dict[str, int] = {}
        for rank, stage in enumerate(self.order):
            for members in stage.values():
                ranks.update({(m if "." in m else f"{m}."): rank for m in members})
        return ranks

    def stage_names(self) -> tuple[str, ...]:
        return tuple(name for stage in self.order for name in stage)

    def help_line(self, fact: str, lang: str, book: RuleBook) -> str:
        """The help text followed by its citations, written the way ``lang`` cites law."""
        entry = self.facts[fact]
        cites = ("、" if lang == "zh" else "; ").join(_cite(ref, book, lang) for ref in entry.cite)
        if lang == "zh":
            return f"{entry.help(lang).rstrip('。')}（{cites}）。"
        return f"{entry.help(lang)} ({cites})"


def _cite(ref: str, book: RuleBook, lang: str) -> str:
    return cite_text(ref, book.instruments.get(ref.split(" ")[0]), lang)


_INTERFACE_KEYS = frozenset(
    (
        "title",
        "hint",
        "question",
        "provisional",
        "settled",
        "no_more",
        "stopped",
        "undone",
        "nothing_to_undo",
        "invalid",
        "unknown",
        "disputed",
        "no_answer",
        "not_asked",
        "burden",
        "risk_on",
        "presumed",
        "reading",
        "saved",
        "depends_on",
        "format_date",
        "format_moment",
        "format_number",
        "format_text",
        "bad_choice",
        "bad_yes_no",
        "bad_date",
        "bad_number",
    )
)


def load_wording(path: str | Path | None = None) -> Wording:
    """Read and check a wording file (default: the bundled ``questions.yaml``)."""
    if path is None:
        return default_wording()
    raw = read_bounded(path)
    try:
        return _parse(raw.decode("utf-8"), str(path))
    except UnicodeDecodeError as err:
        raise WordingError(f"{path}: not UTF-8 text (byte {err.start})") from None


@functools.cache
def default_wording() -> Wording:
    text = resources.files("returnlaw").joinpath("questions.yaml").read_text(encoding="utf-8")
    return _parse(text, "questions.yaml")


def _parse(text: str, source: str) -> Wording:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise WordingError(f"{source}: invalid YAML: {str(err).splitlines()[0]}") from None
    try:
        wording = Wording.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise WordingError(f"{source}: {where}: {first['msg']}") from None
    _check(wording, source)
    return wording


def _check(wording: Wording, source: str) -> None:
    """The wording must cover exactly the scenario's own facts, with matching kinds and choices."""
    wanted = {p for p, spec in FACTS.items() if not spec.derived}
    missing, extra = sorted(wanted - set(wording.facts)), sorted(set(wording.facts) - wanted)
    if missing:
        raise WordingError(f"{source}: no question for fact(s) {', '.join(missing)}")
    if extra:
        raise WordingError(f"{source}: unknown fact(s) {', '.join(extra)}")
    for path, entry in wording.facts.items():
        _check_fact(path, entry, source)
    absent = sorted(_INTERFACE_KEYS - set(wording.interface))
    if absent:
        raise WordingError(f"{source}: interface words missing: {', '.join(absent)}")
    _check_order(wording, source)
    for path, value in wording.dispute.records.items():
        spec = FACTS.get(path)
        if spec is None or (spec.kind == "bool") != isinstance(value, bool):
            raise WordingError(f"{source}: dispute.records: {path}: not a fact, or {value!r} does not fit it")


def _check_order(wording: Wording, source: str) -> None:
    sections = {p.partition(".")[0] for p in wording.facts}
    seen: set[str] = set()
    for stage in wording.order:
        if len(stage) != 1:
            raise WordingError(f"{source}: order: each stage is one 'name: [sections or facts]', got {stage}")
        for member in next(iter(stage.values())):
            if member not in wording.facts and member not in sections:
                raise WordingError(f"{source}: order: {member!r} is neither a section nor a fact")
            if member in seen:
                raise WordingError(f"{source}: order: {member!r} is placed twice")
            seen.add(member)


def _check_fact(path: str, entry: FactWording, source: str) -> None:
    spec = FACTS[path]
    if entry.kind != KIND_OF[spec.kind]:
        raise WordingError(f"{source}: {path}: kind {entry.kind} but the fact is {KIND_OF[spec.kind]}")
    if set(entry.choices) != set(spec.values):
        raise WordingError(
            f"{source}: {path}: choices must label exactly {', '.join(spec.values) or 'nothing'}; "
            f"got {', '.join(entry.choices) or 'none'}"
        )
    for ref in entry.cite:
        if not REF_PATTERN.match(ref):
            raise WordingError(f"{source}: {path}: {ref!r} is not a provision reference like 'cpl 25(1)(1)'")


def check_against(wording: Wording, book: RuleBook) -> None:
    """Cross-checks that need a rule book: cited provisions exist, the dispute's variable and parties do."""
    for path, entry in wording.facts.items():
        unknown = [ref for ref in entry.cite if ref not in book.provisions]
        if unknown:
            raise WordingError(f"questions: {path}: no provision {', '.join(unknown)} in the rule book")
    risk = wording.dispute.risk
    variable = book.vocabulary.variables.get(risk.variable)
    if variable is None or not set(risk.values) <= set(variable.values):
        raise WordingError(f"questions: dispute.risk: {risk.variable} or its values are not in the vocabulary")
    if not set(risk.values.values()) <= set(book.vocabulary.parties):
        raise WordingError("questions: dispute.risk: parties must be among the vocabulary's parties")


def choice_labels(wording: Wording, fact: str) -> Mapping[str, Label]:
    """Labels of the answers to a yes/no or choice fact, keyed by the value as text."""
    entry = wording.facts[fact]
    if entry.kind == "yes_no":
        return {"true": wording.yes_no["yes"], "false": wording.yes_no["no"]}
    return entry.choices
