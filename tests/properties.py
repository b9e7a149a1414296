"""Properties of the law as plain functions over a rule book, shared by the hypothesis tests
(``tests/test_properties.py``) and the rule-book mutation score (``tests/mutation_suite.py``).

Each property reads everything it needs from bytes (:mod:`tests.strategies`): ``build`` turns
them into parsed scenarios (independent of the rule book, so the mutation score builds them once);
``check`` decides them under a rule book, asserts the property where its premise holds and says
what it saw (:class:`Seen`): whether it reached its assertion, and events — the outcome, each
reading, the version of the law, and whether the perturbation changed the outcome ("bites").
Generation is targeted (a returnable purchase perturbed a few facts at a time, with the facts
a property is about perturbed more often), so most examples reach the assertion.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from returnlaw.api import default_rulebook
from returnlaw.category_facts import settled_by_category
from returnlaw.decision import citations_in_force, decision_json
from returnlaw.evaluator import evaluate, outcome_of
from returnlaw.facts import FACTS
from returnlaw.inputs import parse_scenario
from returnlaw.periods import CalendarCoverageError
from returnlaw.readings import Readings
from returnlaw.rulebook import Presume, RuleBook
from returnlaw.scenario import Scenario
from tests.strategies import (
    CHOICES,
    DAMAGE_FALSE,
    DAMAGE_TRUE,
    READING_VALUES,
    Bytes,
    fact_paths,
    forget_paths,
    perturbed,
)

TODAY = dt.date(2030, 1, 1)  # generated dates reach into 2027
OUT, UNDETERMINED = "out_of_scope", "undetermined"
# How good an in-scope outcome is for the consumer; undetermined lies between the decided two.
RANK = {"not_returnable": 0, "undetermined": 1, "returnable": 2}
BITES = "bites: the change moved the outcome"


@dataclass(frozen=True)
class Seen:
    reached: bool
    events: tuple[str, ...]


@dataclass(frozen=True)
class Property:
    name: str
    build: Callable[[bytes], Any]
    check: Callable[[RuleBook, Any], Seen]
    bites: bool = True  # the perturbation must change the outcome in some examples
    law: bool = True  # a property of the law (part of the mutation score's slice)

    def run(self, book: RuleBook, raw: bytes) -> Seen:
        try:
            return self.check(book, self.build(raw))
        except CalendarCoverageError:  # documented refusal for years the holiday data lacks
            return Seen(False, ("no holiday calendar for the year",))


@dataclass
class Tally:
    """What the examples of one property showed."""

    examples: int = 0
    reached: int = 0
    events: Counter[str] = field(default_factory=Counter)

    def add(self, seen: Seen) -> None:
        self.examples += 1
        self.reached += seen.reached
        self.events.update(seen.events)

    @property
    def share(self) -> float:
        return self.reached / self.examples if self.examples else 0.0


def parse(data: dict[str, Any]) -> Scenario:
    return parse_scenario(data, today=TODAY)


def changed(data: dict[str, Any], section: str, **facts: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    out[section].update(facts)
    return out


def law_label(book: RuleBook, day: dt.date | None) -> str:
    """Which version of the law a date falls in, named by the day it took effect."""
    if day is None:
        return "law: purchase date unknown"
    start = book.epoch_for(day).start
    return f"law: from {start}" if start else "law: before any seven-day rule"


def described(book: RuleBook, s: Scenario, r: Readings, outcome: str, day: dt.date | None = None) -> tuple[str, ...]:
    return (
        f"outcome: {outcome}",
        *(f"{name}: {getattr(getattr(r, name), 'value', getattr(r, name))}" for name in READING_VALUES),
        law_label(book, day or s.purchase.date),
    )


def no_worse(book: RuleBook, base: Scenario, other: Scenario, r: Readings, what: str) -> Seen:
    """``other`` is never better for the consumer than ``base``: the same scope, and in scope
    an outcome no higher in RANK. Reached when ``base`` is in scope (a change could then bite)."""
    a, b = outcome_of(book, base, readings=r), outcome_of(book, other, readings=r)
    events = described(book, base, r, a)
    assert (a == OUT) == (b == OUT), f"{what} changed the scope: {a} -> {b}"
    if a == OUT:
        return Seen(False, events)
    assert RANK[b] <= RANK[a], f"{what} helped the consumer: {a} -> {b}"
    return Seen(True, events + ((BITES,) if b != a else ()))


# -- the properties ------------------------------------------------------------------------------

WORSE = (
    *((f, True) for f in (*DAMAGE_TRUE, "packaging_opened", "tried", "opened_online", "activated")),
    *((f, False) for f in (*DAMAGE_FALSE, "inspection_only")),
)


def _build_damage(raw: bytes) -> Any:
    c = Bytes(raw[:CHOICES])
    data, r = perturbed(c, raw[CHOICES:], focus=("item.category",), share=0.6)
    fact, value = c.choice(WORSE)
    return parse(data), parse(changed(data, "condition", **{fact: value})), r, f"condition.{fact}={value}"


def _check_no_worse(book: RuleBook, inputs: Any) -> Seen:
    base, other, r, what = inputs
    return no_worse(book, base, other, r, what)


def _build_later_notice(raw: bytes) -> Any:
    c = Bytes(raw[:CHOICES])
    data, r = perturbed(c, raw[CHOICES:])
    extra = dt.timedelta(days=c.int(1, 30))
    later = copy.deepcopy(data)
    for key in ("notice_sent_at", "address_given_at", "shipped_at", "received_by_seller_at", "refunded_at"):
        later["return"][key] += extra
    return parse(data), parse(later), r, f"a notice {extra.days} days later"


NATURE_FOCUS = (
    "listing.nature_exclusion",
    "listing.exclusion_trigger",
    "condition.packaging_opened",
    "condition.activated",
    "condition.tried",
    "condition.opened_online",
)


CONFIRMING = ("checkout_step", "express_acknowledgement")
NOT_CONFIRMING = ("none", "page_text_only", "after_payment", "preselected_box", "continued_after_oral_notice")
OLDER_CONFIRMATION_FLAGS = ("consumer_confirmed", "confirmation_in_checkout_flow", "confirmation_preselected")


def _confirmation(data: dict[str, Any], form: str, **facts: Any) -> dict[str, Any]:
    """``data`` with the confirmation given in ``form`` (instead of any older flags)."""
    out = copy.deepcopy(data)
    listing = {k: v for k, v in out["listing"].items() if k not in OLDER_CONFIRMATION_FLAGS}
    out["listing"] = {**listing, "confirmation_form": form, **facts}
    return out


def _build_confirmation(raw: bytes) -> Any:
    c = Bytes(raw[:CHOICES])
    data, r = perturbed(c, raw[CHOICES:], focus=NATURE_FOCUS, share=0.6)
    without = _confirmation(data, c.choice(NOT_CONFIRMING))
    valid = _confirmation(data, c.choice(CONFIRMING), marking_prominent=True)
    # the confirmed purchase must be no better than the unconfirmed one
    return parse(without), parse(valid), r, f"a valid confirmation ({valid['listing']['confirmation_form']})"


PROMISES = {
    "covers": ({"covers_excluded_goods": True}, ("item.custom_made", "item.perishable", "item.downloaded")),
    "days": ({"return_days": 30}, ("return.notice_sent_at",)),
    "shipping": ({"free_return_shipping": True}, ()),
}


def _build_promise(raw: bytes) -> Any:
    c = Bytes(raw[:CHOICES])
    kind = c.choice(sorted(PROMISES))
    promise, focus = PROMISES[kind]
    data, r = perturbed(c, raw[CHOICES:], focus=(*focus, "item.media_unsealed"), share=0.5)
    # the purchase without the promise must be no better than the one with it
    return parse(changed(data, "promise", **promise)), parse(data), r, f"withdrawing the promise ({kind})"


EXCLUDING = (
    ("item", "custom_made"),
    ("item", "perishable"),
    ("item", "downloaded"),
    ("item", "media_unsealed"),
    ("conduct", "abuse_established"),
)


def _build_exclusion(raw: bytes) -> Any:
    c = Bytes(raw[:CHOICES])
    data, r = perturbed(c, raw[CHOICES:], focus=("promise.covers_excluded_goods",), share=0.3)
    section, fact = c.choice(EXCLUDING)
    if f"{section}.{fact}" in settled_by_category().get(data["item"].get("category"), {}):
        # the goods' category settles it otherwise (a sofa is never perishable): goods it does not
        data = changed(data, "item", category="other")
    return parse(data), parse(changed(data, section, **{fact: True})), r, f"{section}.{fact}=True"


def _build_citations(raw: bytes) -> Any:
    c = Bytes(raw[:CHOICES])
    data, r = perturbed(c, raw[CHOICES:], most=5)
    as_of = dt.date(2010, 1, 1) + dt.timedelta(days=c.int(0, (dt.date(2026, 6, 30) - dt.date(2010, 1, 1)).days))
    return parse(data), r, as_of


def _check_citations(book: RuleBook, inputs: Any) -> Seen:
    s, r, as_of = inputs
    ev = evaluate(book, s, readings=r, as_of=as_of)
    epoch = ev.epoch
    assert (epoch.start is None or epoch.start <= as_of) and (epoch.end is None or as_of < epoch.end), as_of
    applied = 0
    for i, step in enumerate(epoch.steps):
        if ev.applies(i):
            applied += 1
            assert step.rule.in_force(as_of), f"{step.rule.id} applied on {as_of}, outside its dates"
            assert citations_in_force(step.rule, as_of), f"{step.rule.id} cites nothing in force on {as_of}"
    cited = ev.decision().citations
    for ref, citation in cited.items():
        assert book.provisions[ref].in_force(as_of), f"{ref} is cited on {as_of}, before or after its force"
        assert citation.ref == ref
    return Seen(True, (*described(book, s, r, ev.outcome, as_of), *((BITES,) if applied else ())))


# Facts that rules often read: forgotten a third of the time, so that an unknown is often one that
# matters (a return's dates, the goods' condition, the exclusions).
OFTEN_READ = (
    "delivery.signed_at",
    "return.notice_sent_at",
    "item.custom_made",
    "item.perishable",
    "listing.nature_exclusion",
    "listing.consumer_confirmed",
    *(f"condition.{f}" for f in ("quality_function_preserved", "appearance_preserved", "accessories_complete")),
)


def _forgetting(c: Bytes, data: dict[str, Any], most: int) -> dict[str, Any]:
    paths = [p for p in fact_paths(data) if p != "purchase.date" or c.chance(0.25)]
    pool = lambda: OFTEN_READ if c.chance(0.3) else paths  # noqa: E731
    return forget_paths(data, {c.choice(pool()) for _ in range(1 + c.byte() % most)})


def presumable(book: RuleBook) -> frozenset[str]:
    """The facts some rule of ``book`` may presume when they are unknown."""
    return frozenset(
        p for rule in book.rules.values() if isinstance(rule.effect, Presume) for p, _ in rule.effect.facts
    )


def _build_knowing_more(raw: bytes, dispute: bool = True) -> Any:
    c = Bytes(raw[:CHOICES])
    data, r = perturbed(c, raw[CHOICES:])
    if not dispute:
        # no dispute: nothing alleged, and no list of grounds or claims (which would put the rest
        # out of issue under the issues reading)
        data = changed(data, "dispute", seller_alleges_not_intact=False, seller_grounds=None, consumer_claims=None)
    partial = _forgetting(c, data, most=2)
    if not dispute:
        # A presumption stands in for an unknown fact (a seller who does not allege damage leaves
        # the goods' condition out of issue), so learning that fact may change the outcome: those
        # facts stay known here.
        partial["dispute"]["seller_alleges_not_intact"] = False
        for path in PRESUMABLE:
            section, name = path.split(".")
            partial[section][name] = data[section][name]
    return parse(partial), parse(data), r


def _check_decided_stays_decided(book: RuleBook, inputs: Any) -> Seen:
    partial, full, r = inputs
    before = outcome_of(book, partial, readings=r)
    events = described(book, full, r, before)
    if before == UNDETERMINED:
        return Seen(False, events)
    after = outcome_of(book, full, readings=r)
    assert after != UNDETERMINED, f"knowing more turned {before} into undetermined"
    return Seen(True, events)


def _check_decided_stays_the_same(book: RuleBook, inputs: Any) -> Seen:
    """Kleene monotonicity: without presumptions, the condition of every rule that settles the
    outcome, once the known facts decide it, keeps its value when more is known, and so does a
    decided outcome. (Consequence rules read the outcome itself, and "undetermined" is a value.)"""
    partial, full, r = inputs
    before, after = evaluate(book, partial, readings=r), evaluate(book, full, readings=r)
    if before.epoch is after.epoch:  # the same version of the law (the purchase date was kept)
        for step, a, b in zip(before.epoch.steps, before.applicable, after.applicable, strict=True):
            if step.rule.group != "effects":
                assert a is None or a == b, f"{step.rule.id}: its condition was {a} with less known, {b} with more"
    events = described(book, full, r, before.outcome)
    if before.outcome == UNDETERMINED:
        return Seen(False, events)
    assert after.outcome == before.outcome, (
        f"without a dispute, knowing more changed {before.outcome} into {after.outcome}"
    )
    return Seen(True, events)


PRESUMABLE = presumable(default_rulebook())  # the bundled book's, so the built inputs do not depend on a mutant
CONDITION = [p for p in FACTS if p.startswith("condition.")]


def _build_presumption(raw: bytes) -> Any:
    c = Bytes(raw[:CHOICES])
    focus = ("dispute.seller_evidence", "dispute.consumer_evidence", "dispute.seller_inspected_on_arrival")
    data, r = perturbed(c, raw[CHOICES:], focus=focus, share=0.5)
    data = changed(data, "dispute", seller_alleges_not_intact=True)
    if data["dispute"].get("seller_grounds") is not None:  # the allegation is one of the grounds
        data["dispute"]["seller_grounds"] = sorted({*data["dispute"]["seller_grounds"], "not_intact"})
    data = forget_paths(data, [p for p in CONDITION if c.chance(0.5)])
    return parse(data), r


def _check_presumption(book: RuleBook, inputs: Any) -> Seen:
    s, r = inputs
    ev = evaluate(book, s, readings=r)
    events = described(book, s, r, ev.outcome)
    for path, value, rule in ev.presumed:
        assert FACTS[path].get(s) is None, f"{rule} presumed {path}={value} over the known {FACTS[path].get(s)!r}"
        assert FACTS[path].get(ev.scenario) == value, f"{rule}: {path} is not the presumed {value}"
    for path, spec in FACTS.items():
        known = spec.get(s)
        if known is not None and not spec.derived:
            assert spec.get(ev.scenario) == known, f"{path} was known as {known!r} and changed"
    decided = ev.presumed and ev.outcome != UNDETERMINED  # the presumptions settled what the facts left open
    return Seen(bool(ev.presumed), events + ((BITES,) if decided else ()))


def _build_fast_path(raw: bytes) -> Any:
    c = Bytes(raw[:CHOICES])
    data, r = perturbed(c, raw[CHOICES:], most=5)
    return parse(_forgetting(c, data, most=4) if c.chance(0.5) else data), r


def _check_fast_path(book: RuleBook, inputs: Any) -> Seen:
    s, r = inputs
    ev = evaluate(book, s, readings=r)
    assert outcome_of(book, s, readings=r) == ev.outcome, "the outcome-only path disagrees with evaluate"
    assert decision_json(ev) == ev.decision().model_dump_json().encode(), "the fast JSON differs from the model's"
    return Seen(True, described(book, s, r, ev.outcome))


PROPERTIES: Sequence[Property] = (
    Property("more damage never helps the consumer", _build_damage, _check_no_worse),
    Property("a later notice never helps the consumer", _build_later_notice, _check_no_worse),
    Property("a valid confirmation never helps the consumer", _build_confirmation, _check_no_worse),
    Property("a seller's promise never hurts the consumer", _build_promise, _check_no_worse),
    Property("a statutory exclusion or abuse never helps the consumer", _build_exclusion, _check_no_worse),
    Property("knowing more never undoes a decision", _build_knowing_more, _check_decided_stays_decided, bites=False),
    Property(
        "without a dispute, knowing more never changes a decision",
        lambda raw: _build_knowing_more(raw, dispute=False),
        _check_decided_stays_the_same,
        bites=False,
    ),
    Property("presumptions never override a known fact", _build_presumption, _check_presumption),
    Property("applied rules cite the law in force", _build_citations, _check_citations),
    Property("the fast paths give the full decision", _build_fast_path, _check_fast_path, bites=False, law=False),
)
BY_NAME = {p.name: p for p in PROPERTIES}
TALLY: dict[str, Tally] = {}
