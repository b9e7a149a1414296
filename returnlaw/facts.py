"""The closed vocabulary of facts rules may read: every scenario field, plus a few derived facts.

Each fact has a getter (fast: ``operator.attrgetter``) and a kind that the rule loader uses to
check literals (an enum fact only compares with its own values, a date with dates, a set fact is
only asked whether it contains a value, ...). Derived facts only summarise lists (gifts, payment
parts); they never encode a legal conclusion. A few facts can also be read off the other fields
that describe the same thing (:func:`_confirmation_form`, :func:`_in_checkout_flow`,
:func:`_delivery_status`): a description of what happened, never whether it counts in law — that
is for the rules.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter

from pydantic import BaseModel

from .scenario import ConfirmationForm, DeliveryStatus, GiftKind, PaymentMethod, Scenario, SellerGround

# Sections whose fields are not facts of their own (lists and nested records).
_NOT_FACTS = {"gifts", "payment.parts", "conduct.return_history", "promise.conditions"}


@dataclass(frozen=True, slots=True)
class FactSpec:
    path: str
    kind: str  # bool | enum | set | date | moment | number | text
    values: tuple[str, ...] = ()  # allowed values of an enum fact, or of the members of a set fact
    get: Callable[[Scenario], object] = lambda s: None
    derived: bool = False
    enum: type[StrEnum] | None = None  # the enum class of a choice fact


def _kind_of(annotation: object) -> tuple[str, tuple[str, ...], type[StrEnum] | None]:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    base = args[0] if len(args) == 1 else annotation
    if typing.get_origin(base) is typing.Annotated:
        base = typing.get_args(base)[0]
    if typing.get_origin(base) is tuple:  # tuple[SomeEnum, ...]: a set of choices
        member = typing.get_args(base)[0]
        if isinstance(member, type) and issubclass(member, StrEnum):
            return "set", tuple(m.value for m in member), None
        return "text", (), None
    if isinstance(annotation, types.UnionType) and {dt.date, dt.datetime} <= set(args):
        return "moment", (), None
    if base is bool:
        return "bool", (), None
    if isinstance(base, type) and issubclass(base, StrEnum):
        return "enum", tuple(m.value for m in base), base
    if base is dt.date:
        return "date", (), None
    if base in (int, float, Decimal):
        return "number", (), None
    return "text", (), None


def _section_facts() -> dict[str, FactSpec]:
    facts: dict[str, FactSpec] = {}
    for section, field in Scenario.model_fields.items():
        model = field.annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        public = field.alias or section
        for name, sub in model.model_fields.items():
            path = f"{public}.{name}"
            if path in _NOT_FACTS:
                continue
            kind, values, enum = _kind_of(sub.annotation)
            facts[path] = FactSpec(path, kind, values, attrgetter(f"{section}.{name}"), enum=enum)
    return facts


def _any_gift_unreturned(s: Scenario) -> bool | None:
    flags = [g.returned for g in s.gifts]
    if False in flags:
        return True
    return None if None in flags else False


def _unreturned_gift_price(s: Scenario) -> Decimal | None:
    prices = [g.marked_price for g in s.gifts if g.returned is False]
    return None if None in prices else sum(prices, Decimal(0))  # type: ignore[arg-type]


_IN_KIND = {PaymentMethod.POINTS, PaymentMethod.COUPON, PaymentMethod.VOUCHER}


def _paid_in_kind(s: Scenario) -> bool | None:
    parts = s.payment.parts
    return None if parts is None else any(p.method in _IN_KIND for p in parts)


def _paid_by_several_methods(s: Scenario) -> bool | None:
    parts = s.payment.parts
    return None if parts is None else len({p.method for p in parts}) > 1


def _gift_in_kind(s: Scenario) -> bool:
    return any(g.kind not in (None, GiftKind.ITEM) for g in s.gifts)


def _confirmation_form(s: Scenario) -> ConfirmationForm | None:
    """The form given, else the one the older flags describe (None when they leave it open)."""
    listing = s.listing
    if listing.confirmation_form is not None:
        return listing.confirmation_form
    if listing.confirmation_preselected is True:
        return ConfirmationForm.PRESELECTED_BOX
    if listing.consumer_confirmed is False:
        return ConfirmationForm.NONE
    if listing.consumer_confirmed is True and listing.confirmation_preselected is False:
        checkout = listing.confirmation_in_checkout_flow
        if checkout is not None:
            return ConfirmationForm.CHECKOUT_STEP if checkout else ConfirmationForm.EXPRESS_ACKNOWLEDGEMENT
    return None


def _in_checkout_flow(s: Scenario) -> bool | None:
    """The flag given, else what the confirmation form says (a pre-ticked box may be either)."""
    listing = s.listing
    if listing.confirmation_in_checkout_flow is not None:
        return listing.confirmation_in_checkout_flow
    form = listing.confirmation_form
    if form is None or form is ConfirmationForm.PRESELECTED_BOX:
        return None
    return form is ConfirmationForm.CHECKOUT_STEP


def _delivery_status(s: Scenario) -> DeliveryStatus | None:
    """The status given, else signed where a signing date is known (validation refuses any other)."""
    delivery = s.delivery
    if delivery.status is not None:
        return delivery.status
    return DeliveryStatus.SIGNED if delivery.signed_at is not None else None


def _alleges_not_intact(s: Scenario) -> bool | None:
    """The flag given, else whether the seller's stated grounds include not_intact (the same
    statement twice; validation refuses the two when they disagree)."""
    dispute = s.dispute
    if dispute.seller_alleges_not_intact is not None:
        return dispute.seller_alleges_not_intact
    grounds = dispute.seller_grounds
    return None if grounds is None else SellerGround.NOT_INTACT in grounds


# Scenario fields read through a getter that also understands the fields describing the same thing.
_READ_WITH = {
    "listing.confirmation_form": _confirmation_form,
    "listing.confirmation_in_checkout_flow": _in_checkout_flow,
    "delivery.status": _delivery_status,
    "dispute.seller_alleges_not_intact": _alleges_not_intact,
}


_DERIVED = (
    FactSpec("gifts.any_unreturned", "bool", get=_any_gift_unreturned, derived=True),
    FactSpec("gifts.unreturned_marked_price", "number", get=_unreturned_gift_price, derived=True),
    FactSpec("gifts.any_in_kind", "bool", get=_gift_in_kind, derived=True),
    FactSpec("payment.paid_in_kind", "bool", get=_paid_in_kind, derived=True),
    FactSpec("payment.several_methods", "bool", get=_paid_by_several_methods, derived=True),
)


def _with_readers(facts: dict[str, FactSpec]) -> dict[str, FactSpec]:
    for path, get in _READ_WITH.items():
        spec = facts[path]
        facts[path] = replace(spec, get=get)
    return facts


FACTS: dict[str, FactSpec] = {**_with_readers(_section_facts()), **{f.path: f for f in _DERIVED}}


def as_member(path: str, value: object) -> object:
    """A choice fact's value as its enum member (rule files and probes give the text), so that a
    scenario written without validation holds what validation would have made of it."""
    spec = FACTS.get(path)
    enum = spec.enum if spec is not None else None
    return enum(value) if enum is not None and isinstance(value, str) else value
