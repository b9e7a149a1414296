"""What a decision means for the parties, in one language: the outcome, the few reasons that
decided it, the burden of proof, the deadlines with the days remaining, who does what (and which
duty turns on which fact), the readings and notes. Shared by the terminal (:mod:`returnlaw.render`)
and the document for the parties (:mod:`returnlaw.report`).

Everything is read from the decision's fields, with the words from the vocabulary, the questions'
wording and the i18n data, so that new fields of the decision need only new words. Citations
are kept as references: the output cites them in its own order, naming each instrument in full
on its first mention.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .citations import parse_ref
from .conditions import condition_nodes
from .decision import DeadlineOut, Decision, ObligationOut, Reason
from .evaluator import evaluate
from .facts import FACTS
from .grounds import GROUNDS_FILE, not_produced_facts, raised_ground
from .i18n import money, note_text, reading_name, reading_value, rmb_upper, show_date, t, words
from .interview.probes import assign
from .questions import Wording, default_wording
from .readings import DEFAULT_READINGS, READING_NAMES
from .rulebook import RuleBook
from .scenario import Scenario
from .tables import CATEGORIES_FILE

OUT_OF_SCOPE, UNDETERMINED = "out_of_scope", "undetermined"
_OUTCOME_GROUPS = ("scope", "right", "intact", "presumptions")


def reference_day() -> dt.date:
    """The day "days remaining" count from when the caller gives no ``today`` (``--today``)."""
    return dt.date.today()


@dataclass(frozen=True)
class Line:
    """A sentence with the provisions it rests on (cited by the output, in its order)."""

    text: str
    refs: tuple[str, ...] = ()
    rule: str = ""


@dataclass(frozen=True)
class DeadlineLine:
    name: str
    label: str
    day: dt.date | None
    when: str  # the date (and time) as the language writes it, or why there is none
    status: str  # met · missed · open · unknown_start · pending (awaits a holiday arrangement)
    state: str  # the status in words, with the days remaining or passed for an open one
    days_left: int | None  # negative: passed
    refs: tuple[str, ...]
    depends: tuple[str, ...]  # labels of the facts it still depends on


@dataclass(frozen=True)
class Duty:
    party: str  # the party's name in the language
    party_code: str
    text: str
    amount: Decimal | None
    amount_text: str
    refs: tuple[str, ...]
    depends: tuple[str, ...]
    if_returnable: bool = False  # owed only if the open outcome turns out returnable


@dataclass(frozen=True)
class Alternative:
    """One duty owed by one party or the other depending on a fact (return shipping and a
    free-shipping promise): each answer, and who then owes it."""

    topic: str  # the duty, without a party
    fact: str  # the fact's label
    options: tuple[tuple[str, str, str], ...]  # (answer, party, duty)
    refs: tuple[str, ...]


@dataclass(frozen=True)
class Burden:
    rules: tuple[Line, ...]  # the burden-of-proof rules that decided, the presumption last
    against: str | None  # the party's name
    presumed: tuple[tuple[str, str], ...]  # (fact label, value)


@dataclass(frozen=True)
class Settled:
    """What the goods' category settles (rules/categories.yaml), in one paragraph."""

    items: tuple[str, ...]  # each in its rule's words
    refs: tuple[str, ...]  # the provisions they rest on, each once


@dataclass(frozen=True)
class NotRaised:
    """The grounds and claims nobody raised: not in issue (rules/grounds.yaml)."""

    seller: tuple[str, ...]  # the seller's grounds not raised, by their labels
    consumer: tuple[str, ...]  # the consumer's claims not raised
    refs: tuple[str, ...]  # the provisions of procedure they rest on
    # the scenario says the seller raised no ground, the consumer no claim: said in a word
    seller_none: bool = False
    consumer_none: bool = False


@dataclass
class Summary:
    lang: str
    outcome: str
    outcome_label: str
    verdict: str  # the key of the outcome sentence (i18n ``outcomes``)
    verdict_reason: Line | None  # the one reason a not_returnable or out_of_scope outcome rests on
    law: str
    reasons: list[Line] = field(default_factory=list)
    burden: Burden | None = None
    by_category: Settled | None = None
    not_raised: NotRaised | None = None
    not_produced: list[Line] = field(default_factory=list)  # rules out of issue: evidence not in the record
    open_questions: list[str] = field(default_factory=list)
    deadlines: list[DeadlineLine] = field(default_factory=list)
    duties: list[Duty] = field(default_factory=list)  # owed whatever the facts still unknown
    conditional: list[Duty] = field(default_factory=list)  # owed only if facts still unknown say so
    alternatives: list[Alternative] = field(default_factory=list)
    warnings: list[Line] = field(default_factory=list)
    remarks: list[Line] = field(default_factory=list)  # what the law adds (not accusations)
    readings: list[tuple[str, str, str]] = field(default_factory=list)  # (name, why, in a few words)
    # The readings this decision turns on (the compact view names only these; --full all of them).
    readings_that_matter: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    provisions: dict[str, str] = field(default_factory=dict)  # ref -> the provision's text
    today: dt.date | None = None


class Words:
    """Facts and values in a language: a fact by its short label, a value as 是/否, a choice's
    label, a date 2024年1月12日, an amount 899.00元."""

    def __init__(self, wording: Wording, lang: str) -> None:
        self.wording, self.lang = wording, lang

    def fact(self, path: str) -> str:
        entry = self.wording.facts.get(path)
        if entry is not None:
            return entry.name(self.lang)
        derived = words("derived_facts").get(path)
        return derived[self.lang] if derived else path

    def question(self, path: str) -> str:
        entry = self.wording.facts.get(path)
        return entry.text(self.lang) if entry else self.fact(path)

    def value(self, path: str, value: object) -> str:
        if value is None:
            return t("unknown", self.lang)
        if isinstance(value, bool):
            return t("yes" if value else "no", self.lang)
        entry = self.wording.facts.get(path)
        if isinstance(value, dt.date):
            return show_date(value, self.lang)
        if entry is not None and entry.choices and str(value) in entry.choices:
            return entry.choices[str(value)](self.lang)
        if entry is not None and entry.choices and isinstance(value, tuple):  # a set of choices
            picked = [entry.choices[str(v)](self.lang) for v in value if str(v) in entry.choices]
            return ("、" if self.lang == "zh" else ", ").join(picked) or t("none_chosen", self.lang)
        if entry is not None and entry.unit is not None:
            if entry.unit.zh == "元":
                return money(Decimal(str(value)), self.lang)
            unit = entry.unit(self.lang)
            return f"{_number(value)}{unit}" if self.lang == "zh" else f"{_number(value)} {unit}"
        return str(value)


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def summarise(
    decision: Decision,
    book: RuleBook,
    lang: str,
    *,
    today: dt.date | None = None,
    scenario: Scenario | None = None,
    wording: Wording | None = None,
    open_facts: Sequence[str] | None = None,
) -> Summary:
    """The summary of ``decision`` in ``lang``. ``scenario`` (the facts decided) lets it say
    which duty turns on which answer; ``open_facts`` (the facts that could still change the
    outcome, e.g. from :func:`returnlaw.interview.next_questions`) replaces the decision's own
    list of questions for an undetermined outcome."""
    words = Words(wording or default_wording(), lang)
    text = _texts(lang)
    outcome = decision.outcome
    label = book.vocabulary.variables["outcome"].values[outcome]
    summary = Summary(
        lang=lang,
        outcome=outcome,
        outcome_label=label.zh if lang == "zh" else label.en,
        verdict=outcome,
        verdict_reason=None,
        law=_law(decision, scenario, lang),
        today=today,
    )
    deciding = _deciding(decision)
    summary.reasons = [
        Line(text(r.title_zh, r.title_en), tuple(r.cite), r.rule)
        for r in _in_order(deciding, book)
        if r.group != "presumptions" and not _settles(book, r.rule)
    ]
    if outcome in ("not_returnable", OUT_OF_SCOPE):
        summary.verdict_reason = _verdict_reason(decision, deciding, text)
        if summary.verdict_reason is None and outcome == OUT_OF_SCOPE:
            summary.verdict = "out_of_scope_no_rule"
    burden_rules = [r for r in deciding if r.group == "presumptions" and not _settles(book, r.rule)]
    summary.burden = _burden(decision, book, words, burden_rules)
    summary.by_category = _by_category(decision, text)
    summary.not_raised = _not_raised(decision, book, words, scenario)
    summary.not_produced = _not_produced(decision, book, text)
    if outcome == UNDETERMINED:
        facts = list(open_facts) if open_facts is not None else list(decision.questions)
        # A holiday arrangement not in the data first: when it is there, it is what decides.
        awaited = [text(p.zh, p.en) for p in decision.calendar_pending if p.resolved_by is None]
        summary.open_questions = awaited + [words.question(p) for p in facts]
    summary.deadlines = [_deadline(d, words, today) for d in decision.deadlines]
    duties, summary.alternatives = _duties(decision, book, words, scenario)
    summary.duties = [d for d in duties if not d.depends]
    summary.conditional = [d for d in duties if d.depends]
    summary.warnings = [Line(_if(w, lang) + text(w.zh, w.en), tuple(w.cite), w.rule) for w in decision.warnings]
    summary.remarks = [Line(_if(r, lang) + text(r.zh, r.en), tuple(r.cite), r.rule or "") for r in decision.remarks]
    summary.readings = [
        (reading_name(name, lang), reading_value(name, str(value), lang), reading_value(name, str(value), lang, True))
        for name, value in decision.readings.model_dump(mode="json").items()
    ]
    matter = readings_that_matter(decision, book)
    named = zip(READING_NAMES, summary.readings, strict=True)
    summary.readings_that_matter = [r for name, r in named if name in matter]
    summary.notes = [note_text(n, lang, words.fact) for n in decision.notes]
    summary.provisions = {ref: text(c.zh, c.en) for ref, c in decision.citations.items()}
    return summary


_PERIOD_READINGS = ("counting",)  # the arrangement reading matters only while one is awaited


def readings_that_matter(decision: Decision, book: RuleBook) -> set[str]:
    """The readings a decision turns on: one set to other than its default, one read by a rule
    that applied or was defeated (or is open, while the outcome is), the counting when a deadline is dated, and the
    holiday-arrangement reading when a period awaits an arrangement."""
    readers = _reading_readers(book)
    open_too = decision.outcome == UNDETERMINED  # an open rule matters only while the outcome is open
    live = {
        r.rule
        for r in decision.reasons
        if r.status in ("applied", "defeated") or (open_too and r.status == "undetermined")
    }
    chosen = {n for n, v in decision.readings.model_dump().items() if v != getattr(DEFAULT_READINGS, n)}
    chosen |= {name for name, rules in readers.items() if rules & live}
    if decision.deadlines:
        chosen.add("counting")
    if decision.calendar_pending or any(d.pending_years for d in decision.deadlines):
        chosen.add("unpublished_holidays")
    return chosen


_READERS: dict[int, tuple[RuleBook, dict[str, frozenset[str]]]] = {}  # by id, with the book itself


def _reading_readers(book: RuleBook) -> dict[str, frozenset[str]]:
    """{reading: ids of the rules whose condition reads it}, once per rule book."""
    cached = _READERS.get(id(book))
    if cached is not None and cached[0] is book:
        return cached[1]
    if len(_READERS) > 32:  # rule books are few; tests that build many must not grow this
        _READERS.clear()
    readers: dict[str, set[str]] = {}
    for rule in book.rules.values():
        for node in condition_nodes(rule.when_data):
            names = [node["reading"]] if isinstance(node.get("reading"), str) else []
            names += [b["reading"] for b in node.values() if isinstance(b, Mapping) and "reading" in b]
            names += list(_PERIOD_READINGS) if "within_period" in node else []
            for name in names:
                readers.setdefault(name, set()).add(rule.id)
    result = {name: frozenset(ids) for name, ids in readers.items()}
    _READERS[id(book)] = (book, result)
    return result


def _if(item: Any, lang: str) -> str:
    """如可以退货： before a consequence that holds only if the open outcome turns out returnable."""
    if getattr(item, "if_outcome", None) != "returnable":
        return ""
    return t("if_returnable", lang) + ("：" if lang == "zh" else ": ")


def _texts(lang: str):
    return (lambda zh, en: zh) if lang == "zh" else (lambda zh, en: en)


def _law(decision: Decision, scenario: Scenario | None, lang: str) -> str:
    if decision.as_of is None:
        return t("as_of_unknown", lang)
    day = show_date(decision.as_of, lang)
    purchase = scenario.purchase.date if scenario is not None else None
    return t("law_of_purchase" if purchase == decision.as_of else "law_of_day", lang, day=day)


def _deciding(decision: Decision) -> list[Reason]:
    """The applied rules that settle the outcome (for an undetermined one: those already settled)."""
    from .replay import deciding_reasons  # the same notion replay reports as "deciding"

    if decision.outcome != UNDETERMINED:
        return list(deciding_reasons(decision))
    # an exception whose every rule it could defeat does not apply has nothing to say yet
    idle = {d for r in decision.reasons if r.status == "not_applicable" for d in r.defeated_by}
    idle -= {d for r in decision.reasons if r.status != "not_applicable" for d in r.defeated_by}
    return [
        r
        for r in decision.reasons
        if r.status == "applied" and r.group in _OUTCOME_GROUPS and not (r.rule in idle and _only_defeats(r))
    ]


def _only_defeats(reason: Reason) -> bool:
    return reason.conclusion is None or reason.conclusion.startswith("defeats")


def _in_order(reasons: list[Reason], book: RuleBook) -> list[Reason]:
    """Scope, the right, intactness; within each, the conclusion before the exceptions that
    cleared its way."""
    rank = {g: i for i, g in enumerate(_OUTCOME_GROUPS)}

    def key(r: Reason) -> tuple[int, bool]:
        rule = book.rules.get(r.rule)
        return rank.get(r.group, len(rank)), bool(rule.exception_to) if rule else True

    return sorted(reasons, key=key)


def _verdict_reason(decision: Decision, deciding: list[Reason], text) -> Line | None:
    wanted = "scope = out" if decision.outcome == OUT_OF_SCOPE else "right = not_returnable"
    for r in deciding:
        if r.conclusion == wanted:
            return Line(text(r.title_zh, r.title_en), tuple(r.cite), r.rule)
    intact = [r for r in deciding if r.conclusion == "intact = no"]
    if intact:
        r = intact[0]
        return Line(text(r.title_zh, r.title_en), tuple(r.cite), r.rule)
    return None


def _settles(book: RuleBook, rule_id: str) -> bool:
    """A rule the category table or the issues table stands for: shown in its own paragraph."""
    rule = book.rules.get(rule_id)
    return rule is not None and rule.file in (CATEGORIES_FILE, GROUNDS_FILE)


def _in_citation_order(refs: Iterable[str]) -> tuple[str, ...]:
    """Provisions gathered from several rules, each once: an instrument's together (in the order
    the instruments first appear), by article, paragraph and item within it."""
    refs = list(dict.fromkeys(refs))
    first: dict[str, int] = {}
    for ref in refs:
        first.setdefault(ref.split(" ", 1)[0], len(first))

    def key(ref: str) -> tuple[int, int, int, int]:
        parsed = parse_ref(ref)
        if parsed is None:
            return first[ref.split(" ", 1)[0]], 0, 0, 0
        return first[parsed.instrument], parsed.article, parsed.paragraph or 0, parsed.item or 0

    return tuple(sorted(refs, key=key))


def _by_category(decision: Decision, text) -> Settled | None:
    derived = [p for p in decision.presumptions if p.kind == "derived"]
    if not derived:
        return None
    refs = _in_citation_order(ref for p in derived for ref in p.basis)
    return Settled(tuple(text(p.zh, p.en).rstrip("。.") for p in derived), refs)


def _not_raised(decision: Decision, book: RuleBook, words: Words, scenario: Scenario | None) -> NotRaised | None:
    """The grounds and claims nobody raised (each once, however many facts or rules it covers),
    and the provisions of procedure they rest on (a ground's own provision is cited where it is
    raised, not here)."""
    raised: dict[str, dict[str, None]] = {"dispute.seller_grounds": {}, "dispute.consumer_claims": {}}
    refs: dict[str, None] = {}
    for p in decision.presumptions:
        if p.kind not in ("not_in_issue", "out_of_issue"):
            continue
        rule = book.rules.get(p.rule)
        found = raised_ground(rule) if rule is not None else None
        if found is None:
            continue
        raised[found[0]][words.value(found[0], found[1])] = None
        refs.update(dict.fromkeys(p.basis[1:] or p.basis))
    if not refs:
        return None
    seller, consumer = raised["dispute.seller_grounds"], raised["dispute.consumer_claims"]
    dispute = scenario.dispute if scenario is not None else None
    none = (dispute is not None and dispute.seller_grounds == (), dispute is not None and dispute.consumer_claims == ())
    return NotRaised(tuple(seller), tuple(consumer), _in_citation_order(refs), *none)


def not_raised_text(n: NotRaised, citer: Any, lang: str) -> str:
    """The grounds and claims nobody raised, in one sentence with its provisions (no full stop)."""
    items = "、" if lang == "zh" else ", "
    parts = []
    for party, listed, none in (("seller", n.seller, n.seller_none), ("consumer", n.consumer, n.consumer_none)):
        if none:
            parts.append(t(f"not_raised_{party}_none", lang))
        elif listed:
            parts.append(t(f"not_raised_{party}", lang, items=items.join(listed)))
    rule = t("not_raised_rule", lang) + (f"（{citer.cites(n.refs)}）" if lang == "zh" else f" ({citer.cites(n.refs)})")
    if lang == "zh":
        return "；".join(parts) + "，" + rule
    text = "; ".join(parts) + "; " + rule
    return text[0].upper() + text[1:]


def _not_produced(decision: Decision, book: RuleBook, text) -> list[Line]:
    """The rules taken out of issue because the evidence they rest on is not in the record."""
    lines = []
    for p in decision.presumptions:
        rule = book.rules.get(p.rule)
        if p.kind == "out_of_issue" and rule is not None and not_produced_facts(rule):
            said = text(rule.title_zh, rule.title_en)
            lines.append(Line(said[:1].upper() + said[1:], tuple(p.basis), rule.id))
    return lines


def _burden(decision: Decision, book: RuleBook, words: Words, deciding: list[Reason]) -> Burden | None:
    """The burden-of-proof rules that decided, whom the disputed facts go against, and the facts
    the presumption filled (those the category settles or nobody raised have their own paragraphs)."""
    presumed_facts = [p for p in decision.presumptions if p.kind == "presumed"]
    if not presumed_facts and not deciding:
        return None
    risk = words.wording.dispute.risk
    settled = decision.variables.get(risk.variable)
    party = risk.values.get(settled) if isinstance(settled, str) else None
    against = None
    if party is not None and party in book.vocabulary.parties:
        name = book.vocabulary.parties[party]
        against = name.zh if words.lang == "zh" else name.en
    presuming = {p.rule for p in presumed_facts}
    ordered = sorted(deciding, key=lambda r: r.rule in presuming)  # the presumption last
    rules = tuple(Line(r.title_zh if words.lang == "zh" else r.title_en, tuple(r.cite), r.rule) for r in ordered)
    presumed = tuple((words.fact(p.fact), words.value(p.fact, p.value)) for p in presumed_facts if p.fact is not None)
    return Burden(rules, against, presumed)


def _deadline(d: DeadlineOut, words: Words, today: dt.date | None) -> DeadlineLine:
    lang = words.lang
    day = d.ends_at.date() if d.ends_at is not None else d.date
    if d.ends_at is not None:
        when = show_date(d.ends_at, lang)
    elif d.date is not None:
        when = show_date(d.date, lang)
    elif d.earliest is not None and d.latest is not None:  # the band while an arrangement is missing
        when = t("between", lang, first=show_date(d.earliest, lang), last=show_date(d.latest, lang))
    else:
        when = t("unknown_start", lang)
    days_left = (day - today).days if day is not None and today is not None else None
    if d.met is not None:
        status = "met" if d.met else "missed"
        state = t(status, lang)
    elif day is None and d.pending_years:
        years = ("、" if lang == "zh" else ", ").join(map(str, d.pending_years))
        status, state = "pending", t("pending_arrangement", lang, years=years)
    elif day is None:
        status, state = "unknown_start", t("unknown_start", lang)
    else:
        status = "open"
        state = t("open", lang) if days_left is None else _days(days_left, lang)
    depends = tuple(words.fact(p) for p in d.depends_on)
    label = _if(d, lang) + _pick(d, lang)
    return DeadlineLine(d.name, label, day, when, status, state, days_left, tuple(d.cite), depends)


def _days(days_left: int, lang: str) -> str:
    if days_left > 0:
        return t("days_left", lang, n=days_left)
    if days_left == 0:
        return t("due_today", lang)
    return t("days_over", lang, n=-days_left)


def _pick(item: Any, lang: str) -> str:
    return item.zh if lang == "zh" else item.en


def _duties(
    decision: Decision, book: RuleBook, words: Words, scenario: Scenario | None
) -> tuple[list[Duty], list[Alternative]]:
    alternatives: list[Alternative] = []
    paired: set[int] = set()
    by_duty: dict[str, list[int]] = {}
    for i, o in enumerate(decision.obligations):
        by_duty.setdefault(o.duty, []).append(i)
    for indexes in by_duty.values():
        owed = [decision.obligations[i] for i in indexes]
        if len({o.party for o in owed}) < 2 or any(o.certain for o in owed):
            continue
        alternative = _alternative(decision, book, words, scenario, owed)
        if alternative is not None:
            alternatives.append(alternative)
            paired.update(indexes)
    duties = [_duty(o, book, words) for i, o in enumerate(decision.obligations) if i not in paired]
    return duties, alternatives


def _duty(o: ObligationOut, book: RuleBook, words: Words) -> Duty:
    party = book.vocabulary.parties.get(o.party)
    name = (party.zh if words.lang == "zh" else party.en) if party else o.party
    amount_text = ""
    if o.amount is not None:
        figure = money(o.amount, words.lang)
        amount_text = t("amount_words", words.lang, figure=figure, words=rmb_upper(o.amount))
    depends = tuple(map(words.fact, o.depends_on))
    return Duty(
        name, o.party, _pick(o, words.lang), o.amount, amount_text, tuple(o.cite), depends, o.if_outcome == "returnable"
    )


def _alternative(
    decision: Decision, book: RuleBook, words: Words, scenario: Scenario | None, owed: list[ObligationOut]
) -> Alternative | None:
    """Which party owes the duty for each answer to the one fact it turns on: found by deciding
    the scenario again with each answer (the rules say it, not this code)."""
    facts = {p for o in owed for p in o.depends_on}
    if scenario is None or len(facts) != 1:
        return None
    (path,) = facts
    spec = FACTS[path]
    answers: Iterable[object] = (True, False) if spec.kind == "bool" else spec.values
    options = []
    for answer in answers:
        changed = assign(scenario, path, answer)
        if changed is None:
            continue
        after = evaluate(book, changed, as_of=decision.as_of, readings=decision.readings).decision()
        for o in after.obligations:
            if o.duty == owed[0].duty and o.certain:
                party = book.vocabulary.parties[o.party]
                name = party.zh if words.lang == "zh" else party.en
                options.append((words.value(path, answer), name, _pick(o, words.lang)))
    if not options:
        return None
    refs = tuple(dict.fromkeys(r for o in owed for r in o.cite))
    return Alternative(_pick(owed[0], words.lang), words.fact(path), tuple(options), refs)


def cited_refs(items: Iterable[Line | Duty | Alternative | DeadlineLine]) -> list[str]:
    return list(dict.fromkeys(r for item in items for r in item.refs))
