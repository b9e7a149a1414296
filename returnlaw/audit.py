"""Audit a product listing before it goes live: every breach of the return law, with its provision,
and the penalty provisions the breach engages.

A listing is judged with the same rule book as a return: it is mapped onto a :class:`Scenario` in
which everything about the listing is known and everything about a purchase (delivery, return,
condition, dispute, the buyer) is unknown. A warning rule that *applies* therefore holds for every
purchase made from the listing: that is a finding. Rules that turn on purchase facts stay
undetermined and are not findings. Listing facts the platform did not give become ``questions``.

Which findings exist is decided by the warning rules in ``rules/*.yaml``; this module only maps
facts and sorts the rule book's warnings into breaches and penalties (codes named ``penalty_*``).

The as-of date: a listing has no purchase date, so the law in force on ``as_of`` applies — the
listing's own ``as_of``, else the caller's, else the day of the audit (the listing is live now).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, field_validator

from .api import default_rulebook
from .decision import CitationOut, Decision
from .evaluator import evaluate
from .inputs import InputError, explain, parse_date, parse_scenario
from .rulebook import RuleBook, Warning
from .scenario import Category, Channel, Nature, Promise, Subject, Trigger, parse_day

PENALTY_PREFIX = "penalty_"  # vocabulary convention: a warning that names the penalty provision engaged


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StatutoryNature(StrEnum):
    """What the goods are, in the terms of the statutory exclusions (CPL Art. 25(1); Measures Art. 6)."""

    CUSTOM_MADE = "custom_made"  # made to the consumer's order, 25(1)(1)
    PERISHABLE = "perishable"  # fresh, live or perishable, 25(1)(2)
    DOWNLOADED = "downloaded"  # digital goods delivered by online download, 25(1)(3)
    SEALED_MEDIA = "sealed_media"  # audio-visual or software on a sealed medium: excluded once unsealed, 25(1)(3)


class Placement(StrEnum):
    """Where the "not returnable" marking is shown."""

    TITLE = "title"
    NEAR_PRICE = "near_price"
    CHECKOUT = "checkout"
    PAGE_BOTTOM = "page_bottom"
    TERMS_ONLY = "terms_only"
    AFTER_PAYMENT = "after_payment"
    OTHER = "other"


# Facts, not law: where a marking is shown settles whether it is prominent (spec/facts.md §2: "buried at
# page bottom or shown only after payment = false"). OTHER is left to the platform's ``prominent``.
PROMINENT_PLACEMENT: Mapping[Placement, bool] = {
    Placement.TITLE: True,
    Placement.NEAR_PRICE: True,
    Placement.CHECKOUT: True,
    Placement.PAGE_BOTTOM: False,
    Placement.TERMS_ONLY: False,
    Placement.AFTER_PAYMENT: False,
}


class Marking(_Model):
    """The seller's "not returnable" (不支持七天无理由退货) marking."""

    shown: StrictBool
    placement: Placement | None = None
    prominent: StrictBool | None = Field(default=None, description="for placement 'other', or to confirm one")


class ConfirmationStep(StrEnum):
    """How the buyer is asked to confirm an exclusion by nature (Measures Art. 20(2))."""

    PER_PURCHASE_CHECKOUT = "per_purchase_checkout"  # a prominent step in the mandatory checkout flow, each purchase
    ACCOUNT_TERMS = "account_terms"  # accepted once, in shop or platform terms
    AFTER_PAYMENT = "after_payment"
    NONE = "none"


class Confirmation(_Model):
    step: ConfirmationStep
    preselected: StrictBool | None = Field(default=None, description="the box is ticked by default")


class ProductListing(_Model):
    """A product listing as a platform holds it. Every field may be omitted (unknown)."""

    id: Annotated[str, Field(max_length=200)] | None = None
    as_of: dt.date | None = Field(default=None, description="judge under the law in force on this day")
    channel: Channel = Channel.ONLINE
    subject: Subject = Subject.GOODS
    category: Category | None = None
    statutory_natures: tuple[StatutoryNature, ...] | None = Field(
        default=None, max_length=4, description="[] when the goods have none of the statutory natures"
    )
    exclusion_nature: Nature | None = Field(default=None, description="the Art. 7 nature the seller relies on")
    exclusion_trigger: Trigger | None = None
    marking: Marking | None = None
    confirmation: Confirmation | None = None
    promise: Promise | None = None

    _day = field_validator("as_of", mode="before")(parse_day)  # YYYY-MM-DD text, never a number

    @field_validator("channel")
    @classmethod
    def _distance_sale(cls, value: Channel) -> Channel:
        if value is Channel.IN_STORE:
            raise ValueError("a listing audit is for distance sales (online, tv, phone, mail_order)")
        return value


class Finding(_Model):
    code: str
    kind: Literal["breach", "penalty"]
    rule: str
    cite: list[str]
    zh: str
    en: str


class ListingAudit(_Model):
    """The audit of one listing. ``compliant`` is None when no breach was found but facts are missing."""

    id: str | None
    as_of: dt.date
    compliant: bool | None
    breaches: list[Finding]
    penalties: list[Finding]
    questions: list[str]  # listing fields that would settle a possible breach
    citations: dict[str, CitationOut]


def parse_listing(data: Any) -> ProductListing:
    """Validate plain data into a :class:`ProductListing`; problems become an :class:`InputError`."""
    if isinstance(data, ProductListing):
        listing = data
    elif isinstance(data, Mapping):
        try:
            listing = ProductListing.model_validate(data)
        except ValidationError as err:
            raise explain(err, root=ProductListing) from None
    else:
        raise InputError(f"a listing must be a mapping (JSON object), got {type(data).__name__}")
    _check_marking(listing.marking)
    return listing


def _check_marking(marking: Marking | None) -> None:
    if marking is None or marking.placement is None or marking.prominent is None:
        return
    settled = PROMINENT_PLACEMENT.get(marking.placement)
    if settled is not None and settled != marking.prominent:
        raise InputError(f"contradicts placement {marking.placement.value!r}", "marking.prominent")


def audit_listing(
    listing: ProductListing | Mapping[str, Any],
    *,
    as_of: dt.date | None = None,
    book: RuleBook | None = None,
    today: dt.date | None = None,
) -> ListingAudit:
    """Report every breach a listing commits on the as-of date, and the penalty provisions engaged.
    ``as_of`` and ``today`` may be dates or ``YYYY-MM-DD`` text; anything else is an InputError."""
    as_of, today = parse_date(as_of, "as_of"), parse_date(today, "today")
    item = parse_listing(listing)
    book = book or default_rulebook()
    day = item.as_of or as_of or today or dt.date.today()
    data, asks = listing_facts(item)
    scenario = parse_scenario(data, today=day)
    decision = evaluate(book, scenario, as_of=day).decision()
    return _report(item, day, decision, asks, book)


def listing_facts(item: ProductListing) -> tuple[dict[str, Any], dict[str, str]]:
    """The scenario a listing describes, and for each fact left unknown only because the listing
    is silent, the listing field that would supply it. Purchase facts stay unknown."""
    asks: dict[str, str] = {}
    item_facts = _natures(item, asks)
    listing = {**_marking(item.marking, asks), **_confirmation(item.confirmation, asks)}
    listing["nature_exclusion"] = _known(item.exclusion_nature, "listing.nature_exclusion", "exclusion_nature", asks)
    listing["exclusion_trigger"] = _known(
        item.exclusion_trigger, "listing.exclusion_trigger", "exclusion_trigger", asks
    )
    category = _known(item.category, "item.category", "category", asks)
    data: dict[str, Any] = {
        "purchase": {"channel": item.channel.value},
        "item": {"subject": item.subject.value, "category": category, **item_facts},
        "listing": listing,
    }
    if item.promise is not None:
        data["promise"] = item.promise.model_dump(exclude_none=True)
    else:
        for name in Promise.model_fields:
            asks[f"promise.{name}"] = "promise"
    return _drop_none(data), asks


def _known(value: Any, path: str, field: str, asks: dict[str, str]) -> Any:
    if value is None:
        asks[path] = field
        return None
    return value.value if isinstance(value, StrEnum) else value


def _natures(item: ProductListing, asks: dict[str, str]) -> dict[str, bool | None]:
    paths = ("item.custom_made", "item.perishable", "item.downloaded", "item.media_unsealed")
    if item.statutory_natures is None:
        asks.update(dict.fromkeys(paths, "statutory_natures"))
        return {}
    natures = set(item.statutory_natures)
    return {
        "custom_made": StatutoryNature.CUSTOM_MADE in natures,
        "perishable": StatutoryNature.PERISHABLE in natures,
        "downloaded": StatutoryNature.DOWNLOADED in natures,
        # Whether a sealed medium gets unsealed is up to the buyer: unknown for a listing.
        "media_unsealed": None if StatutoryNature.SEALED_MEDIA in natures else False,
    }


def _marking(marking: Marking | None, asks: dict[str, str]) -> dict[str, bool | None]:
    if marking is None:
        for name in ("marked_not_returnable", "marking_prominent", "statutory_exclusion_labelled"):
            asks[f"listing.{name}"] = "marking"
        return {}
    if not marking.shown:
        return {"marked_not_returnable": False, "statutory_exclusion_labelled": False}
    prominent = marking.prominent
    if prominent is None and marking.placement is not None:
        prominent = PROMINENT_PLACEMENT.get(marking.placement)
    if prominent is None:
        asks["listing.marking_prominent"] = "marking.prominent"
    return {"marked_not_returnable": True, "marking_prominent": prominent, "statutory_exclusion_labelled": True}


def _confirmation(confirmation: Confirmation | None, asks: dict[str, str]) -> dict[str, bool | None]:
    if confirmation is None:
        for name in ("confirmation_in_checkout_flow", "confirmation_preselected", "consumer_confirmed"):
            asks[f"listing.{name}"] = "confirmation"
        return {}
    step = confirmation.step
    if step is not ConfirmationStep.NONE and confirmation.preselected is None:
        asks["listing.confirmation_preselected"] = "confirmation.preselected"
    return {
        "confirmation_in_checkout_flow": step is ConfirmationStep.PER_PURCHASE_CHECKOUT,
        "confirmation_preselected": False if step is ConfirmationStep.NONE else confirmation.preselected,
        # With no step at all no buyer can confirm; otherwise whether this buyer did is a purchase fact.
        "consumer_confirmed": False if step is ConfirmationStep.NONE else None,
    }


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (_drop_none(v) if isinstance(v, dict) else v) for k, v in data.items() if v is not None}


def listing_findings(decision: Decision) -> list[Finding]:
    """The warnings of a listing's evaluation that hold for every purchase, as findings."""
    return [
        Finding(
            code=w.code,
            kind="penalty" if w.code.startswith(PENALTY_PREFIX) else "breach",
            rule=w.rule,
            cite=w.cite,
            zh=w.zh,
            en=w.en,
        )
        for w in decision.warnings
        if w.if_outcome is None  # a listing's breach holds for every purchase, not only a returnable one
    ]


def open_warning_facts(decision: Decision, book: RuleBook) -> list[str]:
    """The unknown facts of the warning rules the evaluation could not decide, in rule order."""
    wanted: dict[str, None] = {}
    for reason in decision.reasons:
        if reason.status == "undetermined" and isinstance(book.rules[reason.rule].effect, Warning):
            wanted.update(dict.fromkeys(reason.unknown_facts))
    return list(wanted)


def _report(
    item: ProductListing, day: dt.date, decision: Decision, asks: dict[str, str], book: RuleBook
) -> ListingAudit:
    findings = listing_findings(decision)
    questions = sorted({asks[path] for path in open_warning_facts(decision, book) if path in asks})
    breaches = [f for f in findings if f.kind == "breach"]
    penalties = [f for f in findings if f.kind == "penalty"]
    refs = {ref for f in findings for ref in f.cite}
    return ListingAudit(
        id=item.id,
        as_of=day,
        compliant=False if breaches else (None if questions else True),
        breaches=breaches,
        penalties=penalties,
        questions=questions,  # listing fields that would settle a possible breach
        citations={ref: c for ref, c in decision.citations.items() if ref in refs},
    )
