"""Audit the timeline of one return: which deadlines were met or missed, by how many days, and which
15-day penalty thresholds (Measures Art. 31; Penalty Measures Art. 9) were crossed.

Pure: the deadlines come from the rule book's deadline rules through an ordinary decision, and
"now" is a parameter (``today``), never the system clock. The platform schedules; returnlaw
computes. Without ``today`` an event that has not happened leaves its deadline ``open``.

A timeline alone rarely decides whether the return was valid (the goods' condition is unknown), and
the consequence rules (refund, processing) only run for a ``returnable`` outcome. So when the
outcome is ``undetermined`` the consequence rules are evaluated *as if* it were ``returnable``:
those deadlines are reported with ``certain: false`` and the facts that would settle the outcome
in ``depends_on``. A decided outcome is never overridden.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .api import default_rulebook
from .decision import CitationOut, DeadlineOut, Decision
from .evaluator import RETURNABLE, UNDETERMINED, Evaluation, evaluate
from .inputs import OFF_THE_CALENDAR, InputError, explain, parse_date, parse_readings, parse_scenario
from .readings import DEFAULT_READINGS, Readings
from .rulebook import Deadline, RuleBook
from .scenario import Moment, Scenario, day_of, parse_day, parse_moment, read_path

PENALTY_PREFIX = "penalty_"  # vocabulary convention: a deadline whose crossing engages a penalty provision
_NO_CLOCK = dt.date(9000, 1, 1)  # stands in for "today" when the caller gives none (no clock is read)

# pending: the last day awaits a holiday arrangement that is not in the data, and the event (or
# today) falls between its earliest and latest possible last day.
Status = Literal["met", "missed", "open", "unknown", "pending"]


class Timeline(BaseModel):
    """The dated events of one return; signing and the notice may carry a time of day."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    purchase_date: dt.date | None = Field(default=None, description="picks the law in force")
    signed_at: Moment | None = None
    notice_sent_at: Moment | None = None
    address_given_at: dt.date | None = None
    shipped_at: dt.date | None = None
    received_by_seller_at: dt.date | None = None
    refunded_at: dt.date | None = None

    # The same text forms as the scenario's dates: a plain date stays a date (no time is known).
    _moment = field_validator("signed_at", "notice_sent_at", mode="before")(parse_moment)
    _day = field_validator(
        "purchase_date", "address_given_at", "shipped_at", "received_by_seller_at", "refunded_at", mode="before"
    )(parse_day)


# Timeline field -> scenario fact it records.
EVENT_FACTS: Mapping[str, str] = {
    "purchase_date": "purchase.date",
    "signed_at": "delivery.signed_at",
    "notice_sent_at": "return.notice_sent_at",
    "address_given_at": "return.address_given_at",
    "shipped_at": "return.shipped_at",
    "received_by_seller_at": "return.received_by_seller_at",
    "refunded_at": "return.refunded_at",
}


class DeadlineCheck(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    zh: str
    en: str
    due: dt.date | None  # the last day (ending 24:00)
    ends_at: dt.datetime | None  # the exact end under the platform_168h reading
    due_earliest: dt.date | None  # the band of possible last days while an arrangement is missing
    due_latest: dt.date | None
    pending_years: list[int]  # the years whose holiday arrangement (not in the data) would settle it
    event: str | None  # the fact that meets it, e.g. return.refunded_at
    event_at: Moment | None
    status: Status
    days_late: int | None  # missed: days after the last day (of the event, or of today if it has not happened)
    days_to_spare: int | None  # met, or open with today known: days left before the last day
    penalty_threshold: bool
    certain: bool  # False: whether the deadline applies at all turns on facts in depends_on
    depends_on: list[str]
    rule: str
    cite: list[str]


class TimelineAudit(BaseModel):
    model_config = ConfigDict(frozen=True)

    as_of: dt.date | None  # the date whose law applied
    today: dt.date | None
    readings: Readings
    outcome: str
    assumed_outcome: str | None  # "returnable" when the consequences were evaluated as if it were
    questions: list[str]  # the facts that would settle an undetermined outcome
    deadlines: list[DeadlineCheck]
    missed: list[str]
    penalty_thresholds_crossed: list[str]
    citations: dict[str, CitationOut]
    notes: list[str]


def parse_timeline(data: Any) -> Timeline:
    if isinstance(data, Timeline):
        return data
    if not isinstance(data, Mapping):
        raise InputError(f"a timeline must be a mapping of event dates, got {type(data).__name__}")
    try:
        return Timeline.model_validate(data)
    except ValidationError as err:
        raise explain(err, root=Timeline) from None


def audit_timeline(
    timeline: Timeline | Mapping[str, Any],
    *,
    scenario: Scenario | Mapping[str, Any] | None = None,
    today: dt.date | None = None,
    as_of: dt.date | None = None,
    readings: Readings = DEFAULT_READINGS,
    book: RuleBook | None = None,
) -> TimelineAudit:
    """Check a return's events against its deadlines. ``scenario`` adds the other facts (its dates
    are replaced by the timeline's); ``today`` turns unmet deadlines whose day has passed into misses.
    ``today`` and ``as_of`` may be dates or ``YYYY-MM-DD`` text; anything else is an InputError."""
    today, as_of = parse_date(today, "today"), parse_date(as_of, "as_of")
    readings = parse_readings(readings)
    events = parse_timeline(timeline)
    book = book or default_rulebook()
    try:
        facts = parse_scenario(_merge(events, scenario), today=today or _NO_CLOCK)
    except InputError as err:
        raise _in_timeline_terms(err, events) from None
    try:
        return _audit(facts, book, today, as_of, readings)
    except OverflowError:  # a period counted from a date in 9999 ends past the last date there is
        raise InputError(OFF_THE_CALENDAR) from None


def _audit(
    facts: Scenario, book: RuleBook, today: dt.date | None, as_of: dt.date | None, readings: Readings
) -> TimelineAudit:
    ev = evaluate(book, facts, as_of=as_of, readings=readings)
    assumed = RETURNABLE if ev.outcome == UNDETERMINED else None
    decision = (as_if(ev, assumed) if assumed else ev).decision()
    questions = list(ev.questions)
    checks = [_check(d, facts, book, today, questions if assumed else None) for d in decision.deadlines]
    return _report(ev, decision, checks, today, assumed, questions)


def as_if(ev: Evaluation, outcome: str) -> Evaluation:
    """Re-evaluate only the consequence rules (group ``effects``) with the outcome taken as given.

    Mirrors the evaluator's pass over one group: a rule applies when its condition holds and no
    exception to it applies (exceptions come earlier in the plan). Legal variables are untouched."""
    variables = {**ev.variables, "outcome": outcome}
    applicable, defeated = list(ev.applicable), list(ev.defeated)
    for group, first, end in ev.epoch.groups:
        if group != "effects":
            continue
        for i in range(first, end):
            step = ev.epoch.steps[i]
            applicable[i] = step.rule.condition.fn(ev.scenario, variables, ev.readings)
            defeated[i] = _defeated(step.defeaters, applicable, defeated)
    return ev._replace(applicable=tuple(applicable), defeated=tuple(defeated), variables=variables, outcome=outcome)


def _defeated(defeaters: tuple[int, ...], applicable: list, defeated: list) -> bool | None:
    result: bool | None = False
    for j in defeaters:
        if applicable[j] is False or defeated[j] is True:
            continue
        if applicable[j] is True and defeated[j] is False:
            return True
        result = None
    return result


def _merge(events: Timeline, scenario: Scenario | Mapping[str, Any] | None) -> dict[str, Any]:
    if scenario is None:
        data: dict[str, Any] = {}
    elif isinstance(scenario, Scenario):
        data = scenario.model_dump(by_alias=True, exclude_none=True)
    elif isinstance(scenario, Mapping):
        data = {k: dict(v) if isinstance(v, Mapping) else v for k, v in scenario.items()}
    else:
        raise InputError(f"a scenario must be a mapping of sections, got {type(scenario).__name__}", "scenario")
    for name, path in EVENT_FACTS.items():
        value = getattr(events, name)
        if value is not None:
            section, _, fact = path.partition(".")
            data.setdefault(section, {})[fact] = value
    return data


def _in_timeline_terms(err: InputError, events: Timeline) -> InputError:
    """Name the timeline's field for a date that came from the timeline, else the scenario's."""
    if err.field is None:
        return err
    reason = str(err).removeprefix(f"{err.field}: ")
    names = {path: name for name, path in EVENT_FACTS.items()}
    name = names.get(err.field)
    if name is not None and getattr(events, name) is not None:
        return InputError(reason, name)
    return InputError(reason, f"scenario.{err.field}")


def _check(
    d: DeadlineOut, facts: Scenario, book: RuleBook, today: dt.date | None, assumed_on: list[str] | None
) -> DeadlineCheck:
    effect = book.rules[d.rule].effect
    event = effect.event_fact if isinstance(effect, Deadline) else None
    event_at = read_path(facts, event) if event else None
    status, late, spare = _status(d, event_at, today)
    return DeadlineCheck(
        name=d.name,
        zh=d.zh,
        en=d.en,
        due=d.date,
        ends_at=d.ends_at,
        due_earliest=d.earliest,
        due_latest=d.latest,
        pending_years=d.pending_years,
        event=event,
        event_at=event_at,
        status=status,
        days_late=late,
        days_to_spare=spare,
        penalty_threshold=d.name.startswith(PENALTY_PREFIX),
        certain=d.certain and assumed_on is None,
        depends_on=sorted({*d.depends_on, *(assumed_on or ())}),
        rule=d.rule,
        cite=d.cite,
    )


def _status(d: DeadlineOut, event_at: Any, today: dt.date | None) -> tuple[Status, int | None, int | None]:
    """Status, days late, days to spare. The rule book's ``met`` decides when the event is known.
    While the last day is a band (an arrangement not in the data), days are counted from its
    earliest end when in time and from its latest end when late."""
    if d.earliest is None or d.latest is None:
        return "unknown", None, None
    first, last = d.date or d.earliest, d.date or d.latest
    if event_at is not None:
        day = day_of(event_at)
        if d.met is True:
            return "met", None, max((first - day).days, 0)  # type: ignore[operator]
        if d.met is False:
            return "missed", max((day - last).days, 0), None  # type: ignore[operator]
        # platform_168h: the event's day is the last day and its time is unknown; or inside the band
        return ("unknown" if d.date else "pending"), None, None
    if today is None:
        return "open", None, None
    if today > last:
        return "missed", (today - last).days, None
    if today <= first:
        return "open", None, (first - today).days
    return "pending", None, None


def _report(
    ev: Evaluation,
    decision: Decision,
    checks: list[DeadlineCheck],
    today: dt.date | None,
    assumed: str | None,
    questions: list[str],
) -> TimelineAudit:
    refs = {ref for c in checks for ref in c.cite}
    notes = list(ev.notes)
    if assumed:
        notes.append(f"the outcome is undetermined: the deadlines shown are those that run if it is {assumed}")
    return TimelineAudit(
        as_of=decision.as_of,
        today=today,
        readings=decision.readings,
        outcome=ev.outcome,
        assumed_outcome=assumed,
        questions=questions,
        deadlines=checks,
        missed=[c.name for c in checks if c.status == "missed"],
        penalty_thresholds_crossed=[c.name for c in checks if c.status == "missed" and c.penalty_threshold],
        citations={ref: c for ref, c in decision.citations.items() if ref in refs},
        notes=notes,
    )
