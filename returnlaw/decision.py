"""The decision: outcome, reasons rule by rule with citations, deadlines, obligations, warnings,
questions, the as-of date and the readings. Its JSON form is a public contract: keys are stable
and documented in ``docs/decision-json.md``; ``schema_version`` changes when they do.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .conditions import UNKNOWN
from .evaluator import Evaluation
from .facts import FACTS
from .periods import period_end, within_period
from .readings import Readings
from .rulebook import Citation, Deadline, Obligation, Rule, SetVariable, Warning

SCHEMA_VERSION = "1.0"
Outcome = Literal["returnable", "not_returnable", "out_of_scope", "undetermined"]
Status = Literal["applied", "defeated", "not_applicable", "undetermined"]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class CitationOut(_Out):
    ref: str
    instrument: str
    instrument_zh: str
    instrument_en: str
    article: int
    paragraph: int | None
    item: int | None
    zh: str
    en: str


class Reason(_Out):
    rule: str
    status: Status
    group: str
    conclusion: str | None
    title_zh: str
    title_en: str
    cite: list[str]  # keys of Decision.citations: the rule's provisions in force on the as-of date
    defeated_by: list[str]
    unknown_facts: list[str]


class DeadlineOut(_Out):
    name: str
    date: dt.date | None
    ends_at: dt.datetime | None
    days: int | None
    met: bool | None
    certain: bool  # False: the deadline depends on facts still unknown (see depends_on)
    depends_on: list[str]
    rule: str
    cite: list[str]
    zh: str
    en: str


class ObligationOut(_Out):
    party: str
    duty: str
    amount: Decimal | None
    certain: bool  # False: the obligation depends on facts still unknown (see depends_on)
    depends_on: list[str]
    rule: str
    cite: list[str]
    zh: str
    en: str


class WarningOut(_Out):
    code: str
    rule: str
    cite: list[str]
    zh: str
    en: str


class Presumption(_Out):
    fact: str
    value: str | bool
    rule: str


class Decision(_Out):
    schema_version: str = SCHEMA_VERSION
    outcome: Outcome
    as_of: dt.date | None
    law_in_force: list[str]
    readings: Readings
    variables: dict[str, str | None]
    reasons: list[Reason]
    citations: dict[str, CitationOut]
    deadlines: list[DeadlineOut]
    obligations: list[ObligationOut]
    warnings: list[WarningOut]
    questions: list[str]
    presumptions: list[Presumption]
    notes: list[str]


def cite_out(c: Citation) -> CitationOut:
    m = _parse_ref(c.ref)
    return CitationOut(
        ref=c.ref,
        instrument=c.instrument.id,
        instrument_zh=c.instrument.title_zh,
        instrument_en=c.instrument.title_en,
        article=m[0],
        paragraph=m[1],
        item=m[2],
        zh=c.provision.zh,
        en=c.provision.en,
    )


def _parse_ref(ref: str) -> tuple[int, int | None, int | None]:
    from .ruleschema import REF_PATTERN

    m = REF_PATTERN.match(ref)
    assert m is not None
    para, item = m.group("para"), m.group("item")
    return int(m.group("art")), int(para) if para else None, int(item) if item else None


def citations_in_force(rule: Rule, day: dt.date | None) -> list[Citation]:
    """The rule's citations that were in force on the day (all of them when the day is unknown)."""
    return [c for c in rule.citations if day is None or c.in_force(day)]


def build_decision(ev: Evaluation) -> Decision:
    reasons, deadlines, obligations, warnings = [], [], [], []
    citations: dict[str, CitationOut] = {}
    vocab = ev.book.vocabulary
    for i, step in enumerate(ev.epoch.steps):
        rule = step.rule
        status = _status(ev, i)
        cites = citations_in_force(rule, ev.as_of)
        for c in cites:
            if c.ref not in citations:
                citations[c.ref] = cite_out(c)
        reasons.append(_reason(ev, i, status, cites))
        if status not in ("applied", "undetermined"):
            continue
        certain = status == "applied"
        depends = [] if certain else _depends_on(ev, i)
        refs = [c.ref for c in cites]
        effect = rule.effect
        if isinstance(effect, Obligation):
            duty = vocab.duties[effect.duty]
            amount = effect.amount(ev.scenario) if effect.amount else None
            obligations.append(
                ObligationOut(
                    party=effect.party,
                    duty=effect.duty,
                    amount=amount,
                    certain=certain,  # type: ignore[arg-type]
                    depends_on=depends,
                    rule=rule.id,
                    cite=refs,
                    zh=duty.zh,
                    en=duty.en,
                )
            )
        elif isinstance(effect, Warning) and certain:
            w = vocab.warnings[effect.code]
            warnings.append(WarningOut(code=effect.code, rule=rule.id, cite=refs, zh=w.zh, en=w.en))
        elif isinstance(effect, Deadline):
            deadlines.append(_deadline(ev, rule, effect, refs, certain, depends))
    return Decision(
        outcome=ev.outcome,  # type: ignore[arg-type]
        as_of=ev.as_of,
        law_in_force=sorted({c.instrument for c in citations.values()}),
        readings=ev.readings,
        variables={k: (None if v is UNKNOWN else v) for k, v in ev.variables.items()},  # type: ignore[misc]
        reasons=reasons,
        citations=citations,
        deadlines=_unique_deadlines(deadlines),
        obligations=obligations,
        warnings=warnings,
        questions=list(ev.questions),
        presumptions=[Presumption(fact=f, value=v, rule=r) for f, v, r in ev.presumed],  # type: ignore[arg-type]
        notes=list(ev.notes),
    )


def _depends_on(ev: Evaluation, i: int) -> list[str]:
    """Unknown facts that an undecided rule, or the undecided exceptions to it, turn on."""
    steps = ev.epoch.steps
    pending = [i, *(d for d in steps[i].defeaters if ev.applies(d) is None)]
    facts = {p for k in pending for p in steps[k].rule.condition.facts if FACTS[p].get(ev.scenario) is None}
    return sorted(facts)


def _status(ev: Evaluation, i: int) -> Status:
    applies = ev.applies(i)
    if applies is True:
        return "applied"
    if ev.applicable[i] is False:
        return "not_applicable"
    if ev.defeated[i] is True:
        return "defeated"
    return "undetermined"


def _reason(ev: Evaluation, i: int, status: Status, cites: list[Citation]) -> Reason:
    step = ev.epoch.steps[i]
    rule = step.rule
    unknown = (
        sorted(p for p in rule.condition.facts if FACTS[p].get(ev.scenario) is None) if status == "undetermined" else []
    )
    beaten = [ev.epoch.steps[d].rule.id for d in step.defeaters if ev.applies(d) is True]
    return Reason(
        rule=rule.id,
        status=status,
        group=rule.group,
        conclusion=_conclusion(rule),
        title_zh=rule.title_zh,
        title_en=rule.title_en,
        cite=[c.ref for c in cites],
        defeated_by=beaten,
        unknown_facts=unknown,
    )


def _conclusion(rule: Rule) -> str | None:
    e = rule.effect
    if isinstance(e, SetVariable):
        return f"{e.variable} = {e.value}"
    if isinstance(e, Obligation):
        return f"obligation: {e.party} {e.duty}"
    if isinstance(e, Warning):
        return f"warning: {e.code}"
    if isinstance(e, Deadline):
        return f"deadline: {e.name}"
    if e is None:
        return "defeats: " + ", ".join(rule.exception_to)
    return "presume: " + ", ".join(f"{p} = {v}" for p, v in e.facts)


def _deadline(
    ev: Evaluation, rule: Rule, d: Deadline, refs: list[str], certain: bool, depends: list[str]
) -> DeadlineOut:
    term = ev.book.vocabulary.deadlines[d.name]
    start = FACTS[d.start_fact].get(ev.scenario)
    days = d.days(ev.scenario)
    end = period_end(start, days, ev.readings.counting) if start is not None and days else None  # type: ignore[arg-type]
    event = FACTS[d.event_fact].get(ev.scenario) if d.event_fact else None
    met = within_period(start, event, days, ev.readings.counting) if end is not None and event is not None else None  # type: ignore[arg-type]
    as_datetime = isinstance(end, dt.datetime)
    return DeadlineOut(
        name=d.name,
        date=end.date() if as_datetime else end,  # type: ignore[union-attr]
        ends_at=end if as_datetime else None,  # type: ignore[arg-type]
        days=days,
        met=met,
        certain=certain,
        depends_on=depends,
        rule=rule.id,
        cite=refs,
        zh=term.zh,
        en=term.en,
    )


def _unique_deadlines(items: list[DeadlineOut]) -> list[DeadlineOut]:
    """One entry per deadline name: a certain one first, else one whose date is known."""
    seen: dict[str, DeadlineOut] = {}
    for d in items:
        if d.name not in seen or _rank(d) > _rank(seen[d.name]):
            seen[d.name] = d
    return list(seen.values())


def _rank(d: DeadlineOut) -> tuple[bool, bool]:
    return d.certain, d.date is not None
