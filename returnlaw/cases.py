"""Reported court and regulator decisions as replayable cases (``cases/*.yaml``).

A case file records what a report says — who decided, when, where it was reported and how
reliable the report is, the facts in our own words, the court's holding and the provisions it
relied on — and the structured :class:`~returnlaw.scenario.Scenario` the engine replays. Facts
the report does not give stay unknown. The few facts a decision presupposes without stating them
(a court that applied the consumer law treated the buyer as a consumer) are listed in
``implied`` with the reason, so a researcher can see them and replay without them
(``reported_only``). The format is documented in ``docs/case-format.md``; ``returnlaw schema case``
prints its JSON Schema.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

from .echo import one_line
from .facts import FACTS
from .files import FileError, read_bounded
from .inputs import InputError, closest, load_data, parse_scenario
from .listing_scope import purchase_facts_in
from .rulebook import RuleBook
from .scenario import Scenario, read_path

CASE_ID = r"^[a-z0-9][a-z0-9-]{2,79}$"
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
MAX_NOTICE_DAYS = 7  # beyond this, whether a notice was in time depends on the calendar dates


def _partial_date(value: Any) -> Any:
    """Any precision as text: YAML gives a full date as a date and a year as an int."""
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date (YYYY, YYYY-MM or YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or _PARTIAL_DATE.match(value) is None:
        raise ValueError(f"expected YYYY, YYYY-MM or YYYY-MM-DD, got {value!r:.40}")
    try:
        earliest(value), latest(value)
    except ValueError as err:
        raise ValueError(f"{value!r} is not a real date ({err})") from None
    return value


PartialDate = Annotated[
    str,
    BeforeValidator(_partial_date),
    Field(pattern=_PARTIAL_DATE.pattern, examples=["2024", "2024-06", "2024-06-18"]),
]
"""A date as precise as the report: a year, a month or a day."""


def earliest(value: str) -> dt.date:
    """The first day a partial date can mean: ``2024-06`` -> 2024-06-01."""
    year, month, day = _PARTIAL_DATE.match(value).groups()  # type: ignore[union-attr]
    return dt.date(int(year), int(month or 1), int(day or 1))


def latest(value: str) -> dt.date:
    """The last day a partial date can mean: ``2024-06`` -> 2024-06-30."""
    year, month, day = _PARTIAL_DATE.match(value).groups()  # type: ignore[union-attr]
    y, m = int(year), int(month or 12)
    return dt.date(y, m, int(day) if day else calendar.monthrange(y, m)[1])


Text = Annotated[StrictStr, Field(min_length=1, max_length=4000)]
ShortText = Annotated[StrictStr, Field(min_length=1, max_length=300)]


class _Model(BaseModel):
    # Scalars are strict (StrictStr, StrictInt, StrictBool: "yes" is not true, 7 is not "7"); lists
    # from YAML become tuples and text becomes enum members, as data files need.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Outcome(StrEnum):
    """What the court or regulator held about a return, in the engine's vocabulary (never
    ``undetermined``)."""

    RETURNABLE = "returnable"  # the consumer could return and be refunded under the rule
    NOT_RETURNABLE = "not_returnable"  # the claim under the rule failed
    OUT_OF_SCOPE = "out_of_scope"  # the rule did not govern the dispute


class Authority(StrEnum):
    COURT = "court"
    REGULATOR = "regulator"


class Grade(StrEnum):
    """Reliability of a source, as graded in shared/cases.md §1."""

    A = "A"  # court, government or state media text
    B = "B"  # reputable secondary: law firm, regional paper, faithful translation
    C = "C"  # mirror, self-media or aggregator; plausible but not independently verified


class Topic(StrEnum):
    """What the case is about, for the researcher statistics."""

    SCOPE = "scope"
    STATUTORY_EXCLUSION = "statutory_exclusion"
    CONFIRMED_EXCLUSION = "confirmed_exclusion"
    LABELLING = "labelling"
    INTACTNESS = "intactness"
    BURDEN_OF_PROOF = "burden_of_proof"
    TIME_WINDOW = "time_window"
    GOOD_FAITH = "good_faith"
    ADJACENT = "adjacent"


class Bilingual(_Model):
    zh: ShortText | None = None
    en: ShortText


class Source(_Model):
    url: Annotated[StrictStr, Field(pattern=r"^https?://\S+$", max_length=500)]
    grade: Grade
    note: ShortText | None = None


class Implied(_Model):
    """Facts recorded although the report does not state them, because the decision presupposes them."""

    facts: Annotated[tuple[StrictStr, ...], Field(min_length=1, max_length=60)]
    because: Text


class Interval(_Model):
    """A time between receipt and the return notice, as the report gives it."""

    days: Annotated[StrictInt, Field(ge=0)] | None = None
    hours: Annotated[StrictInt, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _one_unit(self) -> Interval:
        if (self.days is None) == (self.hours is None):
            raise ValueError("give exactly one of days or hours")
        if (self.days or 0) > MAX_NOTICE_DAYS or (self.hours or 0) > 24 * MAX_NOTICE_DAYS:
            raise ValueError(
                "more than seven days: whether the notice was in time then depends on the calendar "
                "(rest days); give delivery.signed_at and return.notice_sent_at in the scenario instead"
            )
        return self


class Timing(_Model):
    """The notice was sent at most ``notice_within`` after receipt; the calendar dates are not reported.

    Replay places receipt on the purchase day (or the first day of each version of the law it
    tries) and the notice that long after it. Within seven days the notice is in time under every
    counting reading wherever the dates fall, so the placement cannot change an outcome; longer
    intervals are refused because there the calendar decides.
    """

    notice_within: Interval
    basis: Literal["reported", "implied"]
    note: Text


class PurchaseWindow(_Model):
    """When the purchase happened, as far as the report tells (only when the exact day is unknown)."""

    from_: PartialDate | None = Field(default=None, alias="from")
    to: PartialDate | None = None
    because: Text

    @model_validator(mode="after")
    def _ordered(self) -> PurchaseWindow:
        if self.from_ is None and self.to is None:
            raise ValueError("give from, to or both")
        if self.from_ and self.to and earliest(self.from_) > latest(self.to):
            raise ValueError(f"from ({self.from_}) is after to ({self.to})")
        return self


class ListingVerdict(StrEnum):
    """What a regulator held about a listing (a case that ``decides: listing``)."""

    COMPLIANT = "compliant"  # the listing breaks no rule of the return law
    NON_COMPLIANT = "non_compliant"  # it breaks one for every purchase made from it


class Expected(_Model):
    outcome: Outcome | None = None  # a case that decides a return
    listing: ListingVerdict | None = None  # a case that decides a listing
    warnings: tuple[Annotated[StrictStr, Field(pattern=r"^[a-z_]+$")], ...] = ()
    provisions: Annotated[tuple[ShortText, ...], Field(min_length=1)]  # as the court cited them


class Case(_Model):
    """One reported decision and the scenario that replays it."""

    id: Annotated[StrictStr, Field(pattern=CASE_ID)]
    digest_no: Annotated[StrictInt, Field(ge=1)] | None = None  # the case's number in shared/cases.md
    title: Bilingual
    authority: Authority
    # What was decided: one buyer's return, or a listing for every purchase made from it (a
    # regulator's decision on a "not returnable" label), which replay judges as the audit does.
    decides: Literal["return", "listing"] = "return"
    court: Bilingual
    decided: PartialDate | None = None
    reported: PartialDate | None = None
    case_number: ShortText | None = None
    sources: Annotated[tuple[Source, ...], Field(min_length=1, max_length=10)]
    reliability: Grade
    topics: Annotated[tuple[Topic, ...], Field(min_length=1)]
    facts: Text  # in our own words
    holding: Text  # what the court or regulator decided and why, in our own words
    expected: Expected
    uncertain: Text | None = None  # where the report is unsure
    scenario: Scenario
    implied: tuple[Implied, ...] = ()
    timing: Timing | None = None
    purchased: PurchaseWindow | None = None
    judgement_call: StrictBool = False
    judgement_reason: Text | None = None
    known_disagreement: Text | None = None  # the engine is expected to differ, and why

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        _check_flags(self)
        _check_expected(self)
        _check_implied(self)
        _check_dates(self)
        return self

    @property
    def implied_facts(self) -> tuple[str, ...]:
        return tuple(p for group in self.implied for p in group.facts)

    def upper_bound(self) -> dt.date | None:
        """The last day the purchase can have been: the window's end, else the decision or report."""
        if self.purchased and self.purchased.to:
            return latest(self.purchased.to)
        known = [latest(d) for d in (self.decided, self.reported) if d]
        return min(known) if known else None


def _check_flags(case: Case) -> None:
    if case.judgement_call != (case.judgement_reason is not None):
        raise ValueError("judgement_call: true needs a judgement_reason, and a judgement_reason needs judgement_call")
    if case.judgement_call and case.known_disagreement:
        raise ValueError("a judgement call is already reported separately; drop known_disagreement")


def _check_expected(case: Case) -> None:
    if case.decides == "return":
        if case.expected.outcome is None or case.expected.listing is not None:
            raise ValueError("a case that decides a return gives expected.outcome (and no expected.listing)")
        return
    if case.expected.listing is None or case.expected.outcome is not None:
        raise ValueError("a case that decides a listing gives expected.listing (and no expected.outcome)")
    if case.timing is not None:
        raise ValueError("timing: a listing is judged for every purchase; the notice's timing belongs to one purchase")
    extra = purchase_facts_in(case.scenario)
    if extra:
        raise ValueError(
            f"scenario.{extra[0]}: a fact of one purchase; a case that decides a listing is replayed for "
            "every purchase made from it, so the scenario gives only what the listing settles"
        )


def _check_implied(case: Case) -> None:
    seen: set[str] = set()
    for i, group in enumerate(case.implied):
        for path in group.facts:
            spec = FACTS.get(path)
            if spec is None or spec.derived:
                hint = closest(path, [p for p, f in FACTS.items() if not f.derived])
                raise ValueError(
                    f"implied[{i}]: {path!r} is not a scenario fact" + (f"; did you mean {hint}?" if hint else "")
                )
            if read_path(case.scenario, path) is None:
                raise ValueError(f"implied[{i}]: {path} is implied but unknown in the scenario; set it or drop it")
            if path in seen:
                raise ValueError(f"implied[{i}]: {path} is listed twice")
            seen.add(path)


def _check_dates(case: Case) -> None:
    known = case.scenario.purchase.date is not None
    if case.purchased is not None and known:
        raise ValueError("purchased: the scenario already gives purchase.date; drop the window")
    both = case.scenario.delivery.signed_at is not None and case.scenario.return_.notice_sent_at is not None
    if case.timing is not None and both:
        raise ValueError("timing: the scenario already gives delivery.signed_at and return.notice_sent_at")
    bound = case.upper_bound()
    if known and bound and case.scenario.purchase.date > bound:  # type: ignore[operator]
        raise ValueError(f"scenario.purchase.date is after the decision or report ({bound})")


# -- finding and loading case files ---------------------------------------------------------------


class CaseFileError(InputError):
    """A bad case file: the message names the file, the field and the reason."""

    def __init__(self, file: str, message: str, field: str | None = None) -> None:
        super().__init__(message, field)
        self.file = file
        self.args = (one_line(f"{file}: {field}: {message}" if field else f"{file}: {message}"),)

    def __str__(self) -> str:
        return self.args[0]


def cases_dir() -> Path:
    """The bundled case files: inside the installed package, or ``cases/`` of a checkout."""
    packaged = Path(str(resources.files("returnlaw"))) / "cases"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "cases"


def case_files(paths: list[str | Path] | None = None) -> list[Path]:
    """Case files under the given files or folders (default: the bundled corpus), sorted."""
    found: list[Path] = []
    for p in [Path(x) for x in paths] if paths else [cases_dir()]:
        if p.is_dir():
            found.extend(sorted(q for q in p.glob("*.yaml") if not q.name.startswith(("_", "."))))
        elif p.exists():  # a file, or something the reader will refuse with its reason (a FIFO, a device)
            found.append(p)
        else:
            raise CaseFileError(str(p), "no such file or folder")
    return found


def load_case(path: str | Path, *, book: RuleBook | None = None, today: dt.date | None = None) -> Case:
    """Read and validate one case file; with ``book``, also check warning codes and cited provisions.
    ``today``: the reference day for dates in the future (default: the system date)."""
    p = Path(path)
    try:
        data = load_data(read_bounded(p, regular_only=True, name=p.name), p.name)  # a FIFO in a folder: no wait
    except FileError as err:
        raise CaseFileError(str(p), err.reason) from None
    except InputError as err:
        raise CaseFileError(str(p), str(err).removeprefix(f"{p.name}: ")) from None
    case = parse_case(data, str(p), today=today)
    if case.id != p.stem:
        raise CaseFileError(str(p), f"the id {case.id!r} must match the file name {p.stem!r}", "id")
    if book is not None:
        check_against(case, book, str(p))
    return case


def load_cases(
    paths: list[str | Path] | None = None, *, book: RuleBook | None = None, today: dt.date | None = None
) -> list[Case]:
    """Every case under ``paths`` (default: the bundled corpus); ids must be unique."""
    cases: list[Case] = []
    where: dict[str, Path] = {}
    for path in case_files(paths):
        case = load_case(path, book=book, today=today)
        if case.id in where:
            raise CaseFileError(str(path), f"the id {case.id!r} is also used by {where[case.id]}", "id")
        where[case.id] = path
        cases.append(case)
    return cases


def parse_case(data: Any, source: str = "case", *, today: dt.date | None = None) -> Case:
    """Validate plain data into a :class:`Case`, naming the field of the first problem."""
    if not isinstance(data, dict):
        raise CaseFileError(source, f"a case must be a mapping, got {type(data).__name__}")
    fields = dict(data)
    raw = fields.pop("scenario", None)
    if raw is None:
        raise CaseFileError(source, "missing: every case needs the scenario it replays", "scenario")
    try:
        fields["scenario"] = parse_scenario(raw, today=today)
    except InputError as err:
        sub = getattr(err, "field", None)
        message = str(err).removeprefix(f"{sub}: ") if sub else str(err)
        raise CaseFileError(source, message, f"scenario.{sub}" if sub else "scenario") from None
    try:
        return Case.model_validate(fields)
    except ValidationError as err:
        raise _explain(err, source) from None


def _explain(err: ValidationError, source: str) -> CaseFileError:
    first = err.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or None
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown field"
    elif first["type"] == "missing":
        message = "missing"
    more = err.error_count() - 1
    return CaseFileError(source, message + (f" ({more} more problem(s) after this one)" if more else ""), field)


def check_against(case: Case, book: RuleBook, source: str) -> None:
    """Codes and references that only the rule book can check."""
    for i, code in enumerate(case.expected.warnings):
        if code not in book.vocabulary.warnings:
            known = ", ".join(sorted(book.vocabulary.warnings))
            raise CaseFileError(source, f"unknown warning code {code!r}; known: {known}", f"expected.warnings.{i}")


def _article_known(ref: str, book: RuleBook) -> bool:
    """A court may cite a whole article ("regs 19") whose paragraphs the rule book holds."""
    return any(p.startswith(ref + "(") for p in book.provisions)


def encoded(ref: str, book: RuleBook) -> bool:
    """Whether a provision the court cited is in the rule book (else it is outside what is encoded)."""
    return ref in book.provisions or _article_known(ref, book)
