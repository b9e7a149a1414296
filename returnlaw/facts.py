"""The closed vocabulary of facts rules may read: every scenario field, plus a few derived facts.

Each fact has a getter (fast: ``operator.attrgetter``) and a kind that the rule loader uses to
check literals (an enum fact only compares with its own values, a date with dates, ...).
Derived facts only summarise lists (gifts, payment parts); they never encode a legal conclusion.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter

from pydantic import BaseModel

from .scenario import GiftKind, PaymentMethod, Scenario

# Sections whose fields are not facts of their own (lists and nested records).
_NOT_FACTS = {"gifts", "payment.parts", "conduct.return_history", "promise.conditions"}


@dataclass(frozen=True, slots=True)
class FactSpec:
    path: str
    kind: str  # bool | enum | date | moment | number | text
    values: tuple[str, ...] = ()  # allowed values of an enum fact
    get: Callable[[Scenario], object] = lambda s: None
    derived: bool = False


def _kind_of(annotation: object) -> tuple[str, tuple[str, ...]]:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    base = args[0] if len(args) == 1 else annotation
    if typing.get_origin(base) is typing.Annotated:
        base = typing.get_args(base)[0]
    if isinstance(annotation, types.UnionType) and {dt.date, dt.datetime} <= set(args):
        return "moment", ()
    if base is bool:
        return "bool", ()
    if isinstance(base, type) and issubclass(base, StrEnum):
        return "enum", tuple(m.value for m in base)
    if base is dt.date:
        return "date", ()
    if base in (int, float, Decimal):
        return "number", ()
    return "text", ()


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
            kind, values = _kind_of(sub.annotation)
            facts[path] = FactSpec(path, kind, values, attrgetter(f"{section}.{name}"))
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


_DERIVED = (
    FactSpec("gifts.any_unreturned", "bool", get=_any_gift_unreturned, derived=True),
    FactSpec("gifts.unreturned_marked_price", "number", get=_unreturned_gift_price, derived=True),
    FactSpec("gifts.any_in_kind", "bool", get=_gift_in_kind, derived=True),
    FactSpec("payment.paid_in_kind", "bool", get=_paid_in_kind, derived=True),
    FactSpec("payment.several_methods", "bool", get=_paid_by_several_methods, derived=True),
)

FACTS: dict[str, FactSpec] = {**_section_facts(), **{f.path: f for f in _DERIVED}}
