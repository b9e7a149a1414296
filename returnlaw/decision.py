"""The decision: outcome, reasons rule by rule with citations, deadlines, obligations, warnings,
questions, the as-of date and the readings. Its JSON form is a public contract: keys are stable
and documented in ``docs/decision-json.md``; ``schema_version`` changes when they do.
"""

from __future__ import annotations

import bisect
import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from .calendar_pending import calendar_pending
from .conditions import UNKNOWN, Tri
from .evaluator import Evaluation, and_not
from .facts import FACTS
from .grounds import GROUNDS_FILE
from .periods import period_span, within_period
from .readings import READING_NAMES, Readings
from .rulebook import Citation, Deadline, Note, Obligation, Presume, Rule, RuleBook, SetVariable, Warning
from .scenario import day_of

SCHEMA_VERSION = "2.0"
Outcome = Literal["returnable", "not_returnable", "out_of_scope", "undetermined"]
Status = Literal["applied", "defeated", "not_applicable", "undetermined"]
IfOutcome = Literal["returnable"] | None  # "returnable": holds only if the outcome turns out returnable


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
    # The band of possible last days while a holiday arrangement not in the data decides (equal
    # to ``date`` otherwise); ``pending_years`` names those arrangements.
    earliest: dt.date | None
    latest: dt.date | None
    pending_years: list[int]
    met: bool | None
    certain: bool  # False: the deadline depends on facts still unknown (see depends_on)
    depends_on: list[str]
    if_outcome: IfOutcome
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
    if_outcome: IfOutcome
    rule: str
    cite: list[str]
    zh: str
    en: str


class WarningOut(_Out):
    code: str
    if_outcome: IfOutcome
    rule: str
    cite: list[str]
    zh: str
    en: str


class RemarkOut(_Out):
    """An explanation (``rules/vocabulary.yaml`` ``notes``); ``rule`` is None for one the engine adds."""

    code: str
    if_outcome: IfOutcome
    rule: str | None
    cite: list[str]
    zh: str
    en: str


class Presumption(_Out):
    """A fact the scenario did not state, filled by a rule (``fact``, ``value``); or, with
    ``kind: out_of_issue``, a rule taken out of issue while its facts are unknown (``out_of_issue``)."""

    fact: str | None
    value: str | bool | None
    rule: str
    kind: Literal["derived", "not_in_issue", "presumed", "out_of_issue"]
    out_of_issue: str | None  # the rule taken out of issue (kind out_of_issue only)
    basis: list[str]  # the provisions of ``rule`` in force on the as-of date
    zh: str  # why, in the rule's words
    en: str


class CalendarPendingOut(_Out):
    """A period test whose result waits for a holiday arrangement that is not in the data."""

    years: list[int]  # the years whose annual arrangement (节假日安排) would settle it
    earliest: dt.date  # the period's earliest and latest possible last day
    latest: dt.date
    start: str  # the facts the period runs between, and its length
    event: str
    days: int
    rules: list[str]  # the rules whose result it leaves open (or that the reading decided)
    resolved_by: str | None  # the reading unpublished_holidays that decided it; null: undetermined
    zh: str
    en: str


class Decision(_Out):
    schema_version: str = SCHEMA_VERSION
    outcome: Outcome
    as_of: dt.date | None
    law_in_force: list[str]
    readings: Readings
    variables: dict[str, str | None]
    reasons: list[Reason]
    citations: dict[str, CitationOut]  # the provisions cited by reasons that are not not_applicable
    deadlines: list[DeadlineOut]
    obligations: list[ObligationOut]
    warnings: list[WarningOut]
    remarks: list[RemarkOut]
    questions: list[str]
    presumptions: list[Presumption]
    calendar_pending: list[CalendarPendingOut]
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
    """The decision as a validated pydantic model (for Python callers)."""
    return Decision.model_validate(_decision_data(ev))


def decision_json(ev: Evaluation) -> bytes:
    """The decision JSON, byte for byte what ``build_decision(ev).model_dump_json()`` gives,
    without building the models (the fast path for services and batch runs)."""
    from .decision_bytes import encode_decision  # the shared reasons and citations pre-encoded

    return encode_decision(_decision_data(ev), _cache(ev.book))


def _decision_data(ev: Evaluation) -> dict[str, Any]:
    """The decision as plain data in the key order of :class:`Decision`. Some parts are shared,
    memoised entries: private, so that no caller can change them."""
    found: dict[str, list[dict[str, Any]]] = {"deadlines": [], "obligations": [], "warnings": [], "remarks": []}
    citations: dict[str, dict[str, Any]] = {}
    cache = _cache(ev.book)
    refs = step_refs(ev)
    shared = _shared_reasons(ev)
    missing = _Missing(ev.scenario)
    steps = ev.epoch.steps
    # Every rule's status and its shared entry, if it has one, in two passes at C speed; most
    # rules then need nothing more (see _quiet).
    statuses = list(map(_STATUS.__getitem__, zip(ev.applicable, ev.defeated, strict=True)))
    reasons: list[dict[str, Any]] = list(map(dict.get, shared, statuses))
    quiet = _quiet(ev)
    for i, status in enumerate(statuses):
        entry = reasons[i]
        if entry is not None and status == "not_applicable" and quiet[i]:
            continue
        step = steps[i]
        rule = step.rule
        cites = refs[i]
        if entry is None:
            reasons[i] = _reason(cache, ev, i, status, cites, missing)
            # the shared entry (see _reason) of a rule that is not undetermined and that no
            # exception beats: one without exceptions, or one that applies (then none of its
            # exceptions does)
            if status != "undetermined" and (not step.defeaters or status == "applied"):
                shared[i][status] = reasons[i]
        listed = False  # a conditional consequence of a rule that does not apply as decided
        if status == "applied" or status == "undetermined":
            certain = status == "applied"
            _consequence(ev, rule, cites, certain, [] if certain else _depends_on(ev, i, missing), None, found)
        elif rule.group == "effects" and ev.if_returnable is not None and (holds := _if_returnable(ev, i)) is not None:
            depends = [] if holds else _unknown_facts(rule, missing)  # the outcome's own: see questions
            listed = _consequence(ev, rule, cites, holds, depends, "returnable", found)
        if status == "not_applicable" and not listed:
            continue  # its provisions are cited by reference only (see docs/decision-json.md)
        for ref in cites:
            if ref not in citations:
                citations[ref] = _citation_data(cache, ev.book.provisions[ref])
    return {
        "schema_version": SCHEMA_VERSION,
        "outcome": ev.outcome,
        "as_of": ev.as_of,
        "law_in_force": _law_in_force(ev),
        "readings": {name: getattr(ev.readings, name) for name in READING_NAMES},
        "variables": {k: (None if v is UNKNOWN else v) for k, v in ev.variables.items()},
        "reasons": reasons,
        "citations": citations,
        "deadlines": _unique_deadlines(found["deadlines"]),
        "obligations": found["obligations"],
        "warnings": found["warnings"],
        "remarks": [*found["remarks"], *_engine_remarks(ev)],
        "questions": list(ev.questions),
        "presumptions": _presumptions(ev),
        "calendar_pending": calendar_pending(ev),
        "notes": list(ev.notes),
    }


def _quiet(ev: Evaluation) -> tuple[bool, ...]:
    """Per step, whether the rule, when it does not apply and has its shared entry, adds nothing
    to the decision: not a consequence the outcome "returnable" could bring (when the outcome is
    undetermined). Once per epoch, in the rule book's memo as _shared_reasons."""
    if_returnable = ev.if_returnable is not None
    key = ("quiet", id(ev.epoch), if_returnable)
    cache = _cache(ev.book)
    found = cache.get(key)
    if found is None or found[0] is not ev.epoch:
        flags = tuple(not (if_returnable and step.rule.group == "effects") for step in ev.epoch.steps)
        found = cache[key] = (ev.epoch, flags)
    return found[1]


def _presumptions(ev: Evaluation) -> list[dict[str, Any]]:
    """Every fact a rule filled (derived from the category, not in issue, presumed), then every
    rule the issues table took out of issue."""
    out = []
    for fact, value, rid in ev.presumed:
        rule = ev.book.rules[rid]
        kind = rule.effect.kind if isinstance(rule.effect, Presume) else "presumed"
        out.append(_presumption(ev, rule, kind, fact, value, None))
    for i, step in enumerate(ev.epoch.steps):
        rule = step.rule
        if rule.file == GROUNDS_FILE and rule.effect is None and ev.applies(i) is True:
            for target in rule.exception_to:
                out.append(_presumption(ev, rule, "out_of_issue", None, None, target))
    return out


def _presumption(
    ev: Evaluation, rule: Rule, kind: str, fact: str | None, value: object, target: str | None
) -> dict[str, Any]:
    return {
        "fact": fact,
        "value": value,
        "rule": rule.id,
        "kind": kind,
        "out_of_issue": target,
        "basis": list(_refs_in_force(ev.book, rule, ev.as_of)),
        "zh": rule.title_zh,
        "en": rule.title_en,
    }


def _if_returnable(ev: Evaluation, i: int) -> Tri | None:
    """Whether an effects rule that does not apply as decided would apply if the outcome were
    returnable: True, or False for unknown; None when it would not apply either."""
    assert ev.if_returnable is not None
    first, applicable, defeated = ev.if_returnable
    applies = and_not(applicable[i - first], defeated[i - first])
    if applies is False:
        return None
    return applies is True


def _consequence(
    ev: Evaluation,
    rule: Rule,
    cites: tuple[str, ...],
    certain: bool,
    depends: list[str],
    if_outcome: str | None,
    found: dict[str, list[dict[str, Any]]],
) -> bool:
    """Add what a rule concludes to the decision's lists; False when it adds nothing (a warning or
    remark is listed only when it holds)."""
    effect = rule.effect
    if isinstance(effect, Obligation):
        found["obligations"].append(_obligation(ev, rule, effect, list(cites), certain, depends, if_outcome))
    elif isinstance(effect, Deadline):
        found["deadlines"].append(_deadline(ev, rule, effect, list(cites), certain, depends, if_outcome))
    elif isinstance(effect, Warning | Note) and certain:
        kind, terms = (
            ("warnings", ev.book.vocabulary.warnings)
            if isinstance(effect, Warning)
            else (
                "remarks",
                ev.book.vocabulary.notes,
            )
        )
        term = terms[effect.code]
        found[kind].append(
            {
                "code": effect.code,
                "if_outcome": if_outcome,
                "rule": rule.id,
                "cite": list(cites),
                "zh": term.zh,
                "en": term.en,
            }
        )
    else:
        return False
    return True


NO_SEVEN_DAY_RULE = "no_seven_day_rule_in_force"


def _engine_remarks(ev: Evaluation) -> list[dict[str, Any]]:
    """Remarks no rule draws: before 2014-03-15 no rule of the book settles the scope at all."""
    if "scope" in ev.variables or NO_SEVEN_DAY_RULE not in ev.book.vocabulary.notes:
        return []
    term = ev.book.vocabulary.notes[NO_SEVEN_DAY_RULE]
    return [{"code": NO_SEVEN_DAY_RULE, "if_outcome": None, "rule": None, "cite": [], "zh": term.zh, "en": term.en}]


def _law_in_force(ev: Evaluation) -> list[str]:
    """The instruments cited by the rules in force on the as-of date."""
    key = ("law", id(ev.epoch), _citation_period(ev.book, ev.as_of))
    cache = _cache(ev.book)
    law = cache.get(key)
    if law is None:
        refs = {r for s in ev.epoch.steps for r in _refs_in_force(ev.book, s.rule, ev.as_of)}
        law = cache[key] = sorted({r.split(" ")[0] for r in refs})
    return law


def _citation_period(book: RuleBook, day: dt.date | None) -> int | None:
    """Which stretch between two citation cut dates ``day`` falls in (same citations within)."""
    return None if day is None else bisect.bisect_right(book.citation_cuts, day)  # type: ignore[attr-defined]


def _cache(book: RuleBook) -> dict[Any, Any]:
    return book.explain_memo  # type: ignore[attr-defined]


def _shared_reasons(ev: Evaluation) -> tuple[dict[str, dict[str, Any]], ...]:
    """Per step of the plan, its shared reason entries by status (those of ``_reason``'s memo),
    once per epoch and stretch between citation cut dates: the loop over the rules skips the
    memo's key for the common case."""
    key = ("shared reasons", id(ev.epoch), _citation_period(ev.book, ev.as_of))
    cache = _cache(ev.book)
    found = cache.get(key)
    if found is None or found[0] is not ev.epoch:
        found = cache[key] = (ev.epoch, tuple({} for _ in ev.epoch.steps))
    return found[1]


def step_refs(ev: Evaluation) -> tuple[tuple[str, ...], ...]:
    """The provisions in force of every rule of the epoch's plan, in plan order (once per epoch
    and stretch between citation cut dates)."""
    key = ("step refs", id(ev.epoch), _citation_period(ev.book, ev.as_of))
    cache = _cache(ev.book)
    refs = cache.get(key)
    if refs is None or refs[0] is not ev.epoch:
        refs = cache[key] = (ev.epoch, tuple(_refs_in_force(ev.book, s.rule, ev.as_of) for s in ev.epoch.steps))
    return refs[1]


def _refs_in_force(book: RuleBook, rule: Rule, day: dt.date | None) -> tuple[str, ...]:
    key = ("refs", rule.id, _citation_period(book, day))
    cache = _cache(book)
    refs = cache.get(key)
    if refs is None:
        refs = cache[key] = tuple(c.ref for c in citations_in_force(rule, day))
    return refs


def _citation_data(cache: dict[Any, Any], c: Citation) -> dict[str, Any]:
    key = ("cite", c.ref)
    data = cache.get(key)
    if data is None:
        data = cache[key] = cite_out(c).model_dump()
    return data


class _Missing(dict[str, bool]):
    """Per decision: whether a fact is unknown (``missing[path]``), each fact's getter run once
    however many rules read it."""

    __slots__ = ("scenario",)

    def __init__(self, scenario: Any) -> None:
        super().__init__()
        self.scenario = scenario

    def __missing__(self, path: str) -> bool:
        unknown = self[path] = FACTS[path].get(self.scenario) is None
        return unknown


def _unknown_facts(rule: Rule, missing: _Missing) -> list[str]:
    return sorted(p for p in rule.condition.facts if missing[p])


def _depends_on(ev: Evaluation, i: int, missing: _Missing) -> list[str]:
    """Unknown facts that an undecided rule, or the undecided exceptions to it, turn on."""
    steps = ev.epoch.steps
    pending = [i, *(d for d in steps[i].defeaters if ev.applies(d) is None)]
    facts = {p for k in pending for p in steps[k].rule.condition.facts if missing[p]}
    return sorted(facts)


def _status(a: Tri, d: Tri) -> Status:
    """A rule's status from whether its condition holds (``a``) and an exception beats it (``d``)."""
    if a is True and d is False:
        return "applied"
    if a is False:
        return "not_applicable"
    if d is True:
        return "defeated"
    return "undetermined"


# every (applicable, defeated) pair's status: one look-up per rule and decision
_TRI: tuple[Tri, ...] = (True, False, None)
_STATUS: dict[tuple[Tri, Tri], Status] = {(a, d): _status(a, d) for a in _TRI for d in _TRI}


def _reason(
    cache: dict[Any, Any], ev: Evaluation, i: int, status: Status, cites: tuple[str, ...], missing: _Missing
) -> dict[str, Any]:
    step = ev.epoch.steps[i]
    rule = step.rule
    unknown = _unknown_facts(rule, missing) if status == "undetermined" else []
    a, d = ev.applicable, ev.defeated  # (ev.applies inlined)
    beaten = [ev.epoch.steps[j].rule.id for j in step.defeaters if a[j] is True and d[j] is False]
    if not unknown and not beaten:  # the common case: a shared, read-only entry
        key = ("reason", rule.id, status, cites)
        data = cache.get(key)
        if data is None:
            data = cache[key] = _reason_data(cache, rule, status, cites, [], [])
        return data
    return _reason_data(cache, rule, status, cites, beaten, unknown)


def _reason_data(
    cache: dict[Any, Any], rule: Rule, status: Status, cites: tuple[str, ...], beaten: list[str], unknown: list[str]
) -> dict[str, Any]:
    return {
        "rule": rule.id,
        "status": status,
        "group": rule.group,
        "conclusion": _conclusion_of(cache, rule),
        "title_zh": rule.title_zh,
        "title_en": rule.title_en,
        "cite": list(cites),
        "defeated_by": beaten,
        "unknown_facts": unknown,
    }


def _conclusion_of(cache: dict[Any, Any], rule: Rule) -> str | None:
    """_conclusion, worded once per rule (in the rule book's memo): a reason that is not shared
    is built on every call."""
    key = ("conclusion", rule.id)
    if key not in cache:
        cache[key] = _conclusion(rule)
    return cache[key]


def _conclusion(rule: Rule) -> str | None:
    e = rule.effect
    if isinstance(e, SetVariable):
        return f"{e.variable} = {e.value}"
    if isinstance(e, Obligation):
        return f"obligation: {e.party} {e.duty}"
    if isinstance(e, Warning):
        return f"warning: {e.code}"
    if isinstance(e, Note):
        return f"note: {e.code}"
    if isinstance(e, Deadline):
        return f"deadline: {e.name}"
    if e is None:
        return "defeats: " + ", ".join(rule.exception_to)
    return "presume: " + ", ".join(f"{p} = {v}" for p, v in e.facts)


def _obligation(
    ev: Evaluation,
    rule: Rule,
    o: Obligation,
    refs: list[str],
    certain: bool,
    depends: list[str],
    if_outcome: str | None,
) -> dict[str, Any]:
    duty = ev.book.vocabulary.duties[o.duty]
    return {
        "party": o.party,
        "duty": o.duty,
        "amount": o.amount(ev.scenario) if o.amount else None,
        "certain": certain,
        "depends_on": depends,
        "if_outcome": if_outcome,
        "rule": rule.id,
        "cite": refs,
        "zh": duty.zh,
        "en": duty.en,
    }


def _deadline(
    ev: Evaluation,
    rule: Rule,
    d: Deadline,
    refs: list[str],
    certain: bool,
    depends: list[str],
    if_outcome: str | None,
) -> dict[str, Any]:
    term = ev.book.vocabulary.deadlines[d.name]
    start = FACTS[d.start_fact].get(ev.scenario)
    days = d.days(ev.scenario)
    r = ev.readings
    span = period_span(start, days, r.counting) if start is not None and days else None  # type: ignore[arg-type]
    end = span.resolve(r.unpublished_holidays) if span is not None else None
    event = FACTS[d.event_fact].get(ev.scenario) if d.event_fact else None
    met = (
        within_period(start, event, days, r.counting, r.unpublished_holidays)  # type: ignore[arg-type]
        if span is not None and event is not None
        else None
    )
    as_datetime = isinstance(end, dt.datetime)
    return {
        "name": d.name,
        "date": day_of(end),
        "ends_at": end if as_datetime else None,
        "days": days,
        "earliest": day_of(span.earliest) if span else None,
        "latest": day_of(span.latest) if span else None,
        "pending_years": list(span.pending) if span else [],
        "met": met,
        "certain": certain,
        "depends_on": depends,
        "if_outcome": if_outcome,
        "rule": rule.id,
        "cite": refs,
        "zh": term.zh,
        "en": term.en,
    }


def _unique_deadlines(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per deadline name: an unconditional one first, then a certain one, then one
    whose date is known."""
    seen: dict[str, dict[str, Any]] = {}
    for d in items:
        if d["name"] not in seen or _rank(d) > _rank(seen[d["name"]]):
            seen[d["name"]] = d
    return list(seen.values())


def _rank(d: dict[str, Any]) -> tuple[bool, bool, bool]:
    return d["if_outcome"] is None, d["certain"], d["date"] is not None
