"""Scenarios for the property, fuzz, differential and other hypothesis tests.

Every generated scenario is read from bytes by a :class:`Genome`: each fact takes its *ordinary*
value (the first of a choice; the flags of an intact, properly sold item) unless the genome says
it *strays*, so the all-zero genome is a complete, in-scope, returnable purchase and a few strays
perturb a few facts. Dates run from 2013 to 2026 (every version of the law), signing and notice
times carry a time of day a third of the time (so ``platform_168h`` differs from
``calendar_only``). Shrinking zeroes bytes, which moves each fact back to its ordinary value, so a
counterexample keeps only the facts that matter.

- :func:`from_genome` (the differential test's generator): how far a purchase strays is set by the
  genome's first byte (no fact, one in 32, in 8, in 2, almost every fact), or forced fact by fact.
- :func:`scenarios`: the ordinary purchase with up to six facts forced to stray, for the tests
  that need "some scenario" (audit, batch, JSON, interview).
- :class:`Bytes`: choices read from bytes, for the property tests' own perturbations
  (``tests/properties.py``), so that the mutation score can replay them without hypothesis.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from returnlaw.category_facts import settled_by_category
from returnlaw.periods import Counting
from returnlaw.readings import BurdenOfProof, Issues, OralNoticeConfirmation, Readings, ReturnLegRisk
from returnlaw.scenario import (
    Category,
    Channel,
    ConfirmationForm,
    ConsumerClaim,
    ConsumerEvidence,
    Nature,
    Purpose,
    SellerEvidence,
    SellerGround,
    SoldCondition,
    Subject,
    Trigger,
    Venue,
)

FIRST_DAY, LAST_DAY = dt.date(2013, 6, 1), dt.date(2026, 10, 31)
CONDITION_FLAGS = (
    "packaging_opened",
    "inspection_only",
    "tried",
    "opened_online",
    "quality_function_preserved",
    "appearance_preserved",
    "accessories_complete",
    "labels_complete",
    "seal_broken",
    "unauthorised_repair",
    "marks_damaged",
    "wear_hard_to_restore",
    "activated",
    "personal_data_left",
    "tags_removed",
    "soiled",
    "damaged",
    "used_beyond_inspection",
)
# Facts whose True makes the goods worse (for "more damage never helps").
DAMAGE_TRUE = (
    "seal_broken",
    "unauthorised_repair",
    "marks_damaged",
    "wear_hard_to_restore",
    "personal_data_left",
    "tags_removed",
    "soiled",
    "damaged",
    "used_beyond_inspection",
)
DAMAGE_FALSE = ("quality_function_preserved", "appearance_preserved", "accessories_complete", "labels_complete")
# Flags that are true in an ordinary, properly sold purchase of intact goods.
ORDINARY_TRUE = set(DAMAGE_FALSE) | {
    "is_operator",
    "marking_prominent",
    "confirmation_in_checkout_flow",
    "statutory_exclusion_labelled",
    "returned",
}
GENOME_SIZE = 300
# #11's facts: the ordinary purchase was signed for and confirmed (if at all) by the older flags.
DELIVERY_STATUSES = ("signed", "not_shipped", "in_transit", "refused_at_door")
OLDER_FLAGS = "(older flags)"
SHORT_HOLD_HOURS = (24, 12, 48, 1)  # the default first


class Bytes:
    """Choices read from a byte string; past its end every byte is 0 (the first choice)."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def byte(self) -> int:
        self.at += 1
        return self.data[self.at - 1] if self.at <= len(self.data) else 0

    def int(self, low: int, high: int) -> int:
        return low + (self.byte() * 256 + self.byte()) % (high - low + 1)

    def choice(self, options: Sequence[Any]) -> Any:
        return options[self.byte() % len(options)]

    def chance(self, share: float) -> bool:
        """True with probability ``share`` (in 1/256 steps); a zero byte says no."""
        return self.byte() >= 256 - round(share * 256)

    def money(self) -> Decimal:
        return Decimal(self.int(0, 65535)) / 100


class Genome(Bytes):
    """Reads a scenario's facts from bytes. The first byte sets how far the purchase strays from
    an ordinary one (no fact, one in 32, in 8, in 2, almost every fact) unless ``level`` is given;
    each fact then takes its ordinary value unless its byte says it strays or it is one of
    ``strays``. A fact uses the same bytes whether or not it strays, so forcing one fact never
    moves the others."""

    LEVELS = (0, 8, 32, 128, 255)

    def __init__(self, data: bytes, strays: Iterable[str] = (), level: int | None = None) -> None:
        super().__init__(data)
        first = self.byte()
        self.level = self.LEVELS[first % len(self.LEVELS)] if level is None else level
        self.forced = frozenset(strays)
        self.names: list[str] = []

    def strays(self, name: str) -> bool:
        self.names.append(name)
        return self.byte() >= 256 - self.level or name in self.forced

    def flag(self, name: str, ordinary: bool = False) -> bool:
        return not ordinary if self.strays(name) else ordinary

    def pick(self, name: str, options: Any) -> Any:
        values = [getattr(o, "value", o) for o in options]
        strays, choice = self.strays(name), self.byte()
        return values[1 + choice % (len(values) - 1)] if strays else values[0]

    def moment(self, day: dt.date) -> dt.date | dt.datetime:
        """A date, or a date and time (a third of the time: for the 168-hour reading)."""
        if self.byte() % 3 != 2:
            return day
        return dt.datetime.combine(day, dt.time(self.int(0, 23), self.int(0, 59)))


def consistent(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` made to say one thing once (in place, and returned): a fact the goods' category
    settles takes the category's value, and the allegation that the goods are not intact follows
    the seller's stated grounds (issue #12: the scenario refuses either contradiction)."""
    item = data.get("item") or {}
    for fact, value in settled_by_category().get(item.get("category"), {}).items():
        name = fact.split(".", 1)[1]
        if item.get(name) is not None:
            item[name] = value
    dispute = data.get("dispute") or {}
    grounds = dispute.get("seller_grounds")
    if grounds is not None and dispute.get("seller_alleges_not_intact") is not None:
        dispute["seller_alleges_not_intact"] = "not_intact" in grounds
    return data


money = st.decimals(min_value=0, max_value=20000, places=2, allow_nan=False, allow_infinity=False)


def from_genome(data: bytes, strays: Iterable[str] = (), level: int | None = None) -> tuple[dict[str, Any], Readings]:
    """A complete scenario (every fact known, dates consistent) and readings."""
    return _read(Genome(data, strays, level))


def _read(g: Genome) -> tuple[dict[str, Any], Readings]:
    def flags(section: str, *names: str) -> dict[str, bool]:
        return {n: g.flag(f"{section}.{n}", n in ORDINARY_TRUE) for n in names}

    r = Readings(
        counting=g.pick("reading.counting", Counting),
        burden_of_proof=g.pick("reading.burden_of_proof", BurdenOfProof),
        short_hold_hours=g.pick("reading.short_hold_hours", SHORT_HOLD_HOURS),
        oral_notice_confirmation=g.pick("reading.oral_notice_confirmation", OralNoticeConfirmation),
        return_leg_risk=g.pick("reading.return_leg_risk", ReturnLegRisk),
    )
    purchase = FIRST_DAY + dt.timedelta(days=g.int(0, (LAST_DAY - FIRST_DAY).days))
    signed = purchase + dt.timedelta(days=g.int(0, 10))
    late = g.strays("return.notice_sent_at")
    notice = max(purchase, signed + dt.timedelta(days=g.int(-2, 20) if late else g.int(0, 6)))
    address = notice + dt.timedelta(days=g.int(0, 20))
    shipped = max(signed, address)
    received = max(shipped, notice + dt.timedelta(days=g.int(0, 10)))
    refunded = received + dt.timedelta(days=g.int(0, 25))
    signed_at, notice_at = g.moment(signed), g.moment(notice)
    if isinstance(signed_at, dt.datetime) and isinstance(notice_at, dt.datetime) and notice == signed:
        notice_at = max(notice_at, signed_at)
    status = g.pick("delivery.status", DELIVERY_STATUSES)
    form = g.pick("listing.confirmation_form", [OLDER_FLAGS, *ConfirmationForm])
    grounds = [ground.value for ground in SellerGround if g.flag(f"dispute.seller_grounds.{ground.value}")]
    claims = [claim.value for claim in ConsumerClaim if g.flag(f"dispute.consumer_claims.{claim.value}")]
    data = {
        "purchase": {
            "date": purchase,
            "channel": g.pick("purchase.channel", Channel),
            "venue": g.pick("purchase.venue", Venue),
        },
        "seller": flags("seller", "is_operator"),
        "buyer": {"purpose": g.pick("buyer.purpose", Purpose)},
        "item": {
            "subject": g.pick("item.subject", Subject),
            "category": g.pick("item.category", Category),
            **flags("item", "custom_made", "perishable", "downloaded", "media_unsealed", "defect_claimed"),
            **flags("item", "nonconformity_established"),
            "sold_condition": g.pick("item.sold_condition", SoldCondition),
        },
        "listing": {
            "nature_exclusion": g.pick("listing.nature_exclusion", Nature),
            "exclusion_trigger": g.pick("listing.exclusion_trigger", Trigger),
            **flags(
                "listing",
                "marked_not_returnable",
                "marking_prominent",
                "consumer_confirmed",
                "confirmation_in_checkout_flow",
                "confirmation_preselected",
                "statutory_exclusion_labelled",
            ),
        },
        "promise": {"return_days": g.int(7, 30), **flags("promise", "covers_excluded_goods", "free_return_shipping")},
        "delivery": {"signed_at": signed_at, **flags("delivery", "split_delivery")},
        "return": {
            "notice_sent_at": notice_at,
            "address_given_at": address,
            "shipped_at": shipped,
            "received_by_seller_at": received,
            "refunded_at": refunded,
        },
        "condition": flags("condition", *CONDITION_FLAGS),
        "dispute": {
            **flags("dispute", "seller_alleges_not_intact"),
            "seller_evidence": g.pick("dispute.seller_evidence", SellerEvidence),
            "consumer_evidence": g.pick("dispute.consumer_evidence", ConsumerEvidence),
            **flags(
                "dispute", "seller_controlled_pickup", "seller_inspected_on_arrival", "condition_verified_at_pickup"
            ),
            "hours_held": float(g.int(0, 400)),
            "seller_grounds": grounds,
            "consumer_claims": claims,
        },
        "gifts": [
            {"kind": "item", **flags("gifts", "returned"), "marked_price": g.money()} for _ in range(g.byte() % 3)
        ],
        "shipping": {**flags("shipping", "free_threshold_lost"), "outbound_fee": g.money()},
        "payment": {
            "amount_paid": g.money(),
            "card_fee": g.money() if g.flag("payment.card_fee") else Decimal(0),
            **flags("payment", "card_fee_waived_by_seller", "bundle_discount_lost"),
            "repriced_refund": g.money(),
            "parts": [
                {"method": g.pick("payment.parts", ["wallet", "credit_card", "points", "coupon"]), "amount": g.money()}
            ],
        },
        "conduct": flags("conduct", "abuse_established"),
    }
    if status != "signed":  # a cancellation before shipment, a notice in transit, a refusal at the door
        del data["delivery"]["signed_at"]
    data["delivery"]["status"] = status
    if form != OLDER_FLAGS:  # the form of the confirmation instead of the older flags
        for old_flag in ("consumer_confirmed", "confirmation_in_checkout_flow", "confirmation_preselected"):
            del data["listing"][old_flag]
        data["listing"]["confirmation_form"] = form
    return consistent(data), r


def _stray_names() -> tuple[str, ...]:
    g = Genome(bytes([0, *([255] * GENOME_SIZE)]))  # every fact strays: every name is read
    g.level = 255
    _read(g)
    return tuple(n for n in dict.fromkeys(g.names) if not n.startswith("reading."))


# The facts a genome can make stray, in reading order (the readings are drawn on their own).
STRAYABLE = _stray_names()
READING_VALUES: dict[str, list[Any]] = {
    "counting": [c.value for c in Counting],
    "burden_of_proof": [b.value for b in BurdenOfProof],
    "short_hold_hours": list(SHORT_HOLD_HOURS),
    "oral_notice_confirmation": [o.value for o in OralNoticeConfirmation],
    "return_leg_risk": [x.value for x in ReturnLegRisk],
    "issues": [i.value for i in Issues],
}


def readings_from(choices: Bytes) -> Readings:
    """Every reading drawn uniformly (not only the default, as a genome's ordinary value would)."""
    return Readings(**{name: choices.choice(values) for name, values in READING_VALUES.items()})


def perturbed(choices: Bytes, genome: bytes, *, most: int = 3, focus: Sequence[str] = (), share: float = 0.0):
    """The ordinary purchase with up to ``most`` random facts straying, and each of ``focus``
    straying with probability ``share``; readings drawn uniformly. Returns (data, readings)."""
    strays = {choices.choice(STRAYABLE) for _ in range(choices.byte() % (most + 1))}
    strays |= {name for name in focus if choices.chance(share)}
    data, _ = from_genome(genome, strays, level=0)
    return data, readings_from(choices)


CHOICES = 64
raw_cases = st.binary(min_size=CHOICES + GENOME_SIZE, max_size=CHOICES + GENOME_SIZE)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A complete scenario: the ordinary purchase with up to six facts perturbed."""
    raw = draw(raw_cases)
    data, _ = perturbed(Bytes(raw[:CHOICES]), raw[CHOICES:], most=6)
    return data


readings = st.builds(Readings, **{name: st.sampled_from(values) for name, values in READING_VALUES.items()})


def forget(data: dict[str, Any], mask: list[bool]) -> dict[str, Any]:
    """Make facts unknown: ``mask`` says, fact by fact in a stable order, which to drop."""
    out: dict[str, Any] = {}
    i = 0
    for section, body in data.items():
        if not isinstance(body, dict):
            out[section] = body
            continue
        kept = {}
        for key, value in body.items():
            if i < len(mask) and mask[i]:
                kept[key] = None
            else:
                kept[key] = value
            i += 1
        out[section] = kept
    return out


def fact_paths(data: dict[str, Any]) -> list[str]:
    """The facts of a generated scenario, in the order :func:`forget` counts them."""
    return [f"{s}.{k}" for s, body in data.items() if isinstance(body, dict) for k in body]


def forget_paths(data: dict[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """Make the named facts unknown."""
    wanted = set(paths)
    return forget(data, [p in wanted for p in fact_paths(data)])
