"""The shape of rule files (``rules/*.yaml``), validated with pydantic.

A rule file holds one legal instrument: its metadata, the provisions it contains (Chinese text
and English gloss, the law's words next to the rules that encode them) and the rules that cite
them. ``rules/vocabulary.yaml`` declares the closed vocabulary of conclusions: legal variables
and their values, duties, warnings and deadlines, each with Chinese and English text.
Conditions (``when``) are parsed by :mod:`returnlaw.conditions`, which names the exact spot of
any error.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, NoReturn

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

REF_PATTERN = re.compile(r"^(?P<inst>[a-z][a-z0-9_]*) (?P<art>\d+)(\((?P<para>\d+)\))?(\((?P<item>\d+)\))?$")
RULE_ID = r"^[a-z0-9][a-z0-9_.-]*$"


class FrozenDict(dict):
    """A dict that refuses changes once built: the vocabulary is shared by every thread that
    evaluates against the rule book, so nothing may alter it after loading."""

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("the rule book's vocabulary is read-only")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type, tuple[dict]]:  # copy and pickle without __setitem__
        return type(self), (dict(self),)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Amendment(_Strict):
    date: dt.date
    in_force: dt.date | None = None
    number: str | None = None
    note_en: str | None = None


class Instrument(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")  # digits for a version: holidays_2013, gpl2017
    title_zh: str
    title_en: str
    short_zh: str
    short_en: str
    rank: Literal["law", "administrative_regulation", "departmental_rule", "judicial_interpretation"]
    issuer_zh: str
    issuer_en: str
    number: str | None = None
    number_note: str | None = None
    promulgated: dt.date
    in_force_from: dt.date
    in_force_to: dt.date | None = None
    amendments: tuple[Amendment, ...] = ()
    source: str


class Provision(_Strict):
    ref: str
    zh: str
    en: str
    in_force_from: dt.date | None = None
    in_force_to: dt.date | None = None
    note_en: str | None = None

    @field_validator("ref")
    @classmethod
    def _ref_syntax(cls, ref: str) -> str:
        if not REF_PATTERN.match(ref):
            raise ValueError(f"citation {ref!r} is not of the form 'cpl 25(1)(3)'")
        return ref


class InForce(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: dt.date | None = Field(default=None, alias="from")
    to: dt.date | None = None


class RuleSpec(_Strict):
    id: str = Field(pattern=RULE_ID)
    cite: tuple[str, ...] = Field(min_length=1)
    title_zh: str
    title_en: str
    in_force: InForce = InForce()
    labels: tuple[str, ...] = ()
    exception_to: tuple[str, ...] = ()
    when: Any = None
    then: dict[str, Any] | None = None
    note_en: str | None = None

    @field_validator("cite", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value


class RuleFile(_Strict):
    instrument: Instrument
    provisions: tuple[Provision, ...] = ()
    rules: tuple[RuleSpec, ...] = ()


class Term(_Strict):
    """A vocabulary entry: a code with its Chinese and English text. ``implies`` marks a warning or
    note that says what the outcome is (a test checks that it never sits next to another outcome)."""

    zh: str
    en: str
    cite: tuple[str, ...] = ()
    implies: Literal["returnable", "not_returnable"] | None = None


class Variable(_Strict):
    zh: str
    en: str
    values: Annotated[dict[str, Term], AfterValidator(FrozenDict)]


class Vocabulary(_Strict):
    variables: Annotated[dict[str, Variable], AfterValidator(FrozenDict)]
    duties: Annotated[dict[str, Term], AfterValidator(FrozenDict)]
    warnings: Annotated[dict[str, Term], AfterValidator(FrozenDict)]
    notes: Annotated[dict[str, Term], AfterValidator(FrozenDict)] = FrozenDict()
    deadlines: Annotated[dict[str, Term], AfterValidator(FrozenDict)]
    parties: Annotated[dict[str, Term], AfterValidator(FrozenDict)]
