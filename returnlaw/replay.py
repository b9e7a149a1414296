"""Replay reported cases against the rule book, under the law in force on each purchase date.

The engine is pluggable: anything that maps (scenario, as-of date, readings) to an
:class:`~returnlaw.evaluator.Evaluation` can replay the corpus (``ENGINES`` names them for
``--engine``; the native evaluator is the default). Where a report gives no purchase date, the case
is replayed under every version of the law in force in the window the report allows; the outcome
stands only if they agree. Where it gives only the interval between receipt and the return notice,
the dates are placed as :class:`~returnlaw.cases.Timing` explains.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .api import default_rulebook
from .audit import listing_findings, open_warning_facts
from .cases import Case, Timing, earliest
from .decision import Decision, Reason
from .evaluator import OUT_OF_SCOPE, UNDETERMINED, Evaluation, evaluate
from .inputs import InputError, closest, parse_scenario
from .listing_scope import LISTING_FACTS, listing_view, purchase_facts_in
from .readings import DEFAULT_READINGS, Readings
from .rulebook import RuleBook
from .scenario import Scenario


class Engine(Protocol):
    """Decides one scenario under the law of ``as_of`` (default: its purchase date)."""

    def __call__(self, scenario: Scenario, *, as_of: dt.date | None = ..., readings: Readings = ...) -> Evaluation: ...


def native_engine(book: RuleBook | None = None) -> Engine:
    """The package's own evaluator over ``book`` (default: the bundled rule book)."""
    rules = book or default_rulebook()

    def run(scenario: Scenario, *, as_of: dt.date | None = None, readings: Readings = DEFAULT_READINGS) -> Evaluation:
        return evaluate(rules, scenario, as_of=as_of, readings=readings)

    return run


# Engines selectable by name (``--engine``): "module:factory", the factory taking the rule book.
# A second engine registers itself here with one line.
ENGINES: dict[str, str] = {
    "native": "returnlaw.replay:native_engine",
    "durable": "returnlaw.durable_backend:durable_engine",
}


def get_engine(name: str, book: RuleBook | None = None) -> Engine:
    """The engine registered under ``name``, built over ``book``."""
    if name not in ENGINES:
        raise ValueError(f"--engine {name!r}: unknown engine; available: {', '.join(sorted(ENGINES))}")
    module, _, attr = ENGINES[name].partition(":")
    try:
        factory = getattr(importlib.import_module(module), attr)
    except ImportError as err:
        raise ValueError(f"--engine {name!r} is not available here: {err}") from None
    return factory(book)


# -- one case -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListingResult:
    """A listing judged for every purchase made from it, as the listing audit judges it."""

    verdict: str  # compliant | non_compliant | undetermined
    findings: tuple[str, ...]  # warning codes that hold for every purchase (breaches and penalties)
    questions: tuple[str, ...]  # listing facts that would settle a possible breach
    unread: tuple[str, ...] = ()  # facts of one purchase the scenario gave (a what-if): not read


@dataclass(frozen=True)
class Run:
    """One case replayed: the engine's evaluation next to the court's holding."""

    case: Case
    evaluation: Evaluation  # under the latest version of the law tried
    law_dates: tuple[dt.date, ...]  # the as-of dates tried (the purchase date when it is known)
    placed: tuple[str, ...]  # date facts replay placed from the case's timing
    reported_only: bool
    decision: Decision = field(repr=False, compare=False)  # the explanation of ``evaluation``
    listing: ListingResult | None = None  # for a case that decides a listing

    @property
    def expected(self) -> str:
        held = self.case.expected.listing if self.listing is not None else self.case.expected.outcome
        return held.value  # type: ignore[union-attr]  # the case's own check ties each to `decides`

    @property
    def actual(self) -> str:
        return self.listing.verdict if self.listing is not None else self.evaluation.outcome

    @property
    def questions(self) -> tuple[str, ...]:
        """The facts that would settle what the engine left open."""
        return self.listing.questions if self.listing is not None else self.evaluation.questions

    @property
    def missing_warnings(self) -> tuple[str, ...]:
        listing = self.listing
        have = set(listing.findings) if listing is not None else {w.code for w in self.decision.warnings}
        return tuple(w for w in self.case.expected.warnings if w not in have)

    @property
    def agrees(self) -> bool:
        return self.actual == self.expected and not self.missing_warnings

    @property
    def counted(self) -> bool:
        """Whether the case counts in the agreement rate (judgement calls are reported apart)."""
        return not self.case.judgement_call

    @property
    def kind(self) -> str:
        """agrees | judgement_call | undetermined | different_outcome | warning_missing."""
        if self.agrees:
            return "agrees"
        if self.case.judgement_call:
            return "judgement_call"
        if self.actual == UNDETERMINED:
            return "undetermined"
        return "different_outcome" if self.actual != self.expected else "warning_missing"

    @property
    def deciding(self) -> tuple[Reason, ...]:
        if self.listing is not None:  # the warning rules that found the breaches
            rules = {w.rule for w in self.decision.warnings if w.code in self.listing.findings}
            return tuple(r for r in self.decision.reasons if r.rule in rules and r.status == "applied")
        return deciding_reasons(self.decision)

    @property
    def deciding_provisions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(ref for r in self.deciding for ref in r.cite))

    def reason(self) -> str:
        """Why the engine and the court differ, in one line (empty when they agree)."""
        if self.agrees:
            return ""
        if self.case.judgement_call:
            return f"judgement call: {self.case.judgement_reason}"
        if self.actual == UNDETERMINED:
            why = f"engine needs {', '.join(self.questions[:4]) or 'the purchase date'}"
        elif self.actual != self.expected:
            rules = ", ".join(r.rule for r in self.deciding) or "no rule in force"
            why = f"engine decides {self.actual} by {rules}"
        else:
            why = f"expected warning(s) not raised: {', '.join(self.missing_warnings)}"
        known = self.case.known_disagreement
        return f"{why}; {known}" if known else f"{why}; not explained in the case file"


def deciding_reasons(decision: Decision) -> tuple[Reason, ...]:
    """The applied rules that settle the outcome: the conclusion it rests on, the exceptions that
    cleared its way, and the presumptions that supplied facts."""
    outcome = decision.outcome
    if outcome == UNDETERMINED:
        return ()
    if outcome == OUT_OF_SCOPE:
        wanted = {"scope = out"}
    else:
        wanted = {f"right = {outcome}"}
        if decision.variables.get("intact"):
            wanted.add(f"intact = {decision.variables['intact']}")
    groups = {c.split(" = ")[0] for c in wanted}
    # the exceptions that actually defeated a rule (defeated_by also lists those that could have)
    defeating = {d for r in decision.reasons if r.status == "defeated" for d in r.defeated_by}
    return tuple(
        r
        for r in decision.reasons
        if r.status == "applied"
        and (
            r.conclusion in wanted
            or (r.group in groups and r.rule in defeating)
            or (r.group == "presumptions" and outcome != OUT_OF_SCOPE)
        )
    )


def run_case(
    case: Case,
    *,
    engine: Engine | None = None,
    readings: Readings = DEFAULT_READINGS,
    book: RuleBook | None = None,
    reported_only: bool = False,
    scenario: Scenario | None = None,
) -> Run:
    """Replay one case (optionally with another ``scenario``, as the what-if does)."""
    book = book or default_rulebook()
    engine = engine or native_engine(book)
    base = scenario if scenario is not None else case.scenario
    if reported_only:
        base = with_facts(base, dict.fromkeys(case.implied_facts), validate=False)
    if case.decides == "listing":
        return _run_listing(case, base, engine, readings, book, reported_only)
    timing = case.timing if not (reported_only and case.timing and case.timing.basis == "implied") else None
    days = law_dates(case, base, book)
    runs: list[Evaluation] = []
    placed: tuple[str, ...] = ()
    for day in days:
        anchor = base.purchase.date or day
        current, placed = place_timing(base, timing, anchor) if timing and anchor else (base, ())
        runs.append(engine(current, as_of=None if base.purchase.date else day, readings=readings))
    final = _combine(runs, days, base)
    law = (base.purchase.date,) if base.purchase.date else tuple(d for d in days if d)
    if placed and timing is not None:
        final = final._replace(notes=(*final.notes, _placed_note(timing, placed)))
    return Run(case, final, law, placed, reported_only, final.decision())


def _run_listing(
    case: Case, scenario: Scenario, engine: Engine, readings: Readings, book: RuleBook, reported_only: bool
) -> Run:
    """A regulator's decision on a listing, judged as the listing audit judges one: the listing's
    facts known, those of any one purchase unknown, under each version of the law in the window."""
    view, unread = listing_view(scenario), purchase_facts_in(scenario)
    days = law_dates(case, view, book)
    runs = [engine(view, as_of=day, readings=readings) for day in days]
    results = [listing_result(r.decision(), book) for r in runs]
    final, result = runs[-1], results[-1]
    if len({r.verdict for r in results}) > 1:
        by_day = ", ".join(f"{d}: {r.verdict}" for d, r in zip(days, results, strict=True))
        note = f"purchase date not reported: the versions of the law in the window judge the listing apart ({by_day})"
        everywhere = tuple(c for c in result.findings if all(c in r.findings for r in results))
        result = ListingResult(UNDETERMINED, everywhere, ("purchase.date",))  # only what every version finds
        final = final._replace(notes=(*final.notes, note))
    if unread:  # a what-if that set facts of one purchase: shown as not read, never dropped silently
        result = dataclasses.replace(result, unread=tuple(unread))
    law = tuple(d for d in days if d)
    return Run(case, final, law, (), reported_only, final.decision(), result)


def listing_result(decision: Decision, book: RuleBook) -> ListingResult:
    """The verdict on a listing from its evaluation: in breach when a breach holds for every
    purchase; compliant when no warning rule is left open on a fact the listing could settle."""
    findings = listing_findings(decision)
    open_facts = tuple(p for p in open_warning_facts(decision, book) if p in LISTING_FACTS)
    if any(f.kind == "breach" for f in findings):
        return ListingResult("non_compliant", tuple(f.code for f in findings), ())
    return ListingResult(UNDETERMINED if open_facts else "compliant", tuple(f.code for f in findings), open_facts)


def _combine(runs: list[Evaluation], days: list[dt.date | None], scenario: Scenario) -> Evaluation:
    final = runs[-1]
    if scenario.purchase.date is not None:
        return final
    if len({r.outcome for r in runs}) == 1:
        if len(days) == 1:
            note = f"purchase date not reported: one version of the law was in force in the window (as of {days[0]})"
        else:
            note = f"purchase date not reported: the {len(days)} versions of the law in force from {days[0]} agree"
        return final._replace(notes=(*final.notes, note))
    by_day = ", ".join(f"{d}: {r.outcome}" for d, r in zip(days, runs, strict=True))
    note = f"purchase date not reported: the versions of the law in the window disagree ({by_day})"
    return final._replace(outcome=UNDETERMINED, notes=(*final.notes, note), extra_questions=("purchase.date",))


def law_dates(case: Case, scenario: Scenario, book: RuleBook) -> list[dt.date | None]:
    """One as-of date per version of the law that can apply: the purchase date when known, else
    the first day of each version in force inside the case's purchase window."""
    if scenario.purchase.date is not None:
        return [None]
    low = earliest(case.purchased.from_) if case.purchased and case.purchased.from_ else None
    high = case.upper_bound()
    days: list[dt.date | None] = []
    for epoch in book.epochs:
        if (epoch.end is not None and low is not None and epoch.end <= low) or (
            epoch.start is not None and high is not None and epoch.start > high
        ):
            continue
        starts = [d for d in (epoch.start, low) if d is not None]
        days.append(max(starts) if starts else epoch.end - dt.timedelta(days=1))  # type: ignore[operator]
    return days


def place_timing(scenario: Scenario, timing: Timing, anchor: dt.date) -> tuple[Scenario, tuple[str, ...]]:
    """Place receipt and notice ``timing.notice_within`` apart; fills only the dates not given."""
    signed, notice = scenario.delivery.signed_at, scenario.return_.notice_sent_at
    hours, days = timing.notice_within.hours, timing.notice_within.days
    placed: dict[str, object] = {}
    if signed is None and notice is None:
        start: dt.date | dt.datetime = dt.datetime.combine(anchor, dt.time()) if hours is not None else anchor
        placed = {"delivery.signed_at": start, "return.notice_sent_at": start + _gap(hours, days)}
    elif signed is None:
        gap = _gap(None, -(-hours // 24)) if hours is not None and not isinstance(notice, dt.datetime) else None
        start = notice - (gap or _gap(hours, days))  # type: ignore[operator]
        bought = scenario.purchase.date
        placed = {"delivery.signed_at": max(start, bought) if bought and type(start) is dt.date else start}
    elif notice is None:
        placed = {"return.notice_sent_at": signed + _gap(hours, days)}
    return with_facts(scenario, placed, validate=False), tuple(placed)


def _gap(hours: int | None, days: int | None) -> dt.timedelta:
    return dt.timedelta(hours=hours) if hours is not None else dt.timedelta(days=days or 0)


def _placed_note(timing: Timing, placed: tuple[str, ...]) -> str:
    unit = timing.notice_within
    span = f"{unit.hours} hours" if unit.hours is not None else f"{unit.days} days"
    return (
        f"timing: the report gives no calendar dates; replay placed {', '.join(placed)} so that the notice "
        f"follows receipt by at most {span} ({timing.basis}); within seven days the placement cannot change "
        "the outcome, but the dates shown are not the real ones"
    )


def with_facts(
    scenario: Scenario, changes: dict[str, Any], *, validate: bool = True, today: dt.date | None = None
) -> Scenario:
    """A copy with facts changed (None makes a fact unknown); ``validate`` checks values and dates
    (``today``: the reference day for dates in the future, default the system date)."""
    if not changes:
        return scenario
    if validate:
        data = scenario.model_dump(by_alias=True)
        for path, value in changes.items():
            section, _, name = path.partition(".")
            data[section][name] = value
        return parse_scenario(data, today=today)
    sections: dict[str, dict[str, Any]] = {}
    for path, value in changes.items():
        section, _, name = path.partition(".")
        sections.setdefault("return_" if section == "return" else section, {})[name] = value
    update = {s: getattr(scenario, s).model_copy(update=v) for s, v in sections.items()}
    return scenario.model_copy(update=update)


# -- the corpus ---------------------------------------------------------------------------------------


def replay(
    cases: Iterable[Case],
    *,
    engine: Engine | None = None,
    readings: Readings = DEFAULT_READINGS,
    book: RuleBook | None = None,
    reported_only: bool = False,
) -> list[Run]:
    """Replay every case; see :class:`Run` for what each result holds."""
    book = book or default_rulebook()
    engine = engine or native_engine(book)
    return [run_case(c, engine=engine, readings=readings, book=book, reported_only=reported_only) for c in cases]


@dataclass(frozen=True)
class Group:
    cases: int = 0
    agree: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)

    def add(self, run: Run) -> Group:
        return Group(self.cases + 1, self.agree + run.agrees, self.outcomes + Counter({run.actual: 1}))


@dataclass(frozen=True)
class Stats:
    """Agreement figures and researcher groupings (category, topic, deciding provision, outcome)."""

    total: int
    counted: int  # cases that are not judgement calls
    agree: int  # of the counted
    judgement_calls: int
    judgement_calls_agreeing: int
    with_implied_facts: int
    disagreements: dict[str, int]  # by kind
    by_category: dict[str, Group]
    by_topic: dict[str, Group]
    by_provision: dict[str, Group]
    by_expected: dict[str, Group]

    @property
    def rate(self) -> float | None:
        """Agreement on the cases that are not judgement calls."""
        return self.agree / self.counted if self.counted else None

    def as_json(self) -> dict[str, Any]:
        def groups(gs: dict[str, Group]) -> dict[str, Any]:
            return {k: {"cases": g.cases, "agree": g.agree, "actual": dict(g.outcomes)} for k, g in gs.items()}

        return {
            "total": self.total,
            "counted": self.counted,
            "agree": self.agree,
            "agreement_rate": self.rate,
            "judgement_calls": self.judgement_calls,
            "judgement_calls_agreeing": self.judgement_calls_agreeing,
            "with_implied_facts": self.with_implied_facts,
            "disagreements": self.disagreements,
            "by_category": groups(self.by_category),
            "by_topic": groups(self.by_topic),
            "by_deciding_provision": groups(self.by_provision),
            "by_expected_outcome": groups(self.by_expected),
        }


def statistics(runs: list[Run]) -> Stats:
    counted = [r for r in runs if r.counted]
    calls = [r for r in runs if not r.counted]
    return Stats(
        total=len(runs),
        counted=len(counted),
        agree=sum(r.agrees for r in counted),
        judgement_calls=len(calls),
        judgement_calls_agreeing=sum(r.agrees for r in calls),
        with_implied_facts=sum(bool(r.case.implied) for r in runs),
        disagreements=dict(Counter(r.kind for r in runs if not r.agrees)),
        by_category=_group(runs, lambda r: [str(r.case.scenario.item.category or "unknown")]),
        by_topic=_group(runs, lambda r: [t.value for t in r.case.topics]),
        by_provision=_group(runs, lambda r: [_primary(x) for x in r.deciding] or ["(none)"]),
        by_expected=_group(runs, lambda r: [r.expected]),
    )


def _primary(reason: Reason) -> str:
    return reason.cite[0] if reason.cite else reason.rule


def _group(runs: list[Run], keys: Callable[[Run], list[str]]) -> dict[str, Group]:
    out: dict[str, Group] = {}
    for run in runs:
        for key in dict.fromkeys(keys(run)):
            out[key] = out.get(key, Group()).add(run)
    return dict(sorted(out.items(), key=lambda kv: (-kv[1].cases, kv[0])))


def find_case(cases: Iterable[Case], case_id: str) -> Case:
    """The case with ``case_id``, or an error naming the closest id."""
    found = {c.id: c for c in cases}
    if case_id in found:
        return found[case_id]
    close = closest(case_id, list(found))
    raise InputError(f"no case with id {case_id!r}" + (f"; did you mean {close}?" if close else ""))
