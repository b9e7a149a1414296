"""Hypothesis strategies for complete and partial purchase scenarios, across all categories,
dates 2013-2026 and readings. Shared by the property, fuzz and differential tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from returnlaw.category_facts import settled_by_category
from returnlaw.periods import Counting
from returnlaw.readings import BurdenOfProof, Issues, OralNoticeConfirmation, Readings, ReturnLegRisk
from returnlaw.scenario import (
    Category,
    Channel,
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


def values(enum: Any) -> st.SearchStrategy[str]:
    return st.sampled_from([m.value for m in enum])


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


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A complete scenario: every fact known, dates consistent."""
    purchase = draw(st.dates(FIRST_DAY, LAST_DAY))
    signed = purchase + dt.timedelta(days=draw(st.integers(0, 10)))
    notice = max(purchase, signed + dt.timedelta(days=draw(st.integers(-2, 20))))
    received = notice + dt.timedelta(days=draw(st.integers(0, 10)))
    refunded = received + dt.timedelta(days=draw(st.integers(0, 25)))
    address = notice + dt.timedelta(days=draw(st.integers(0, 20)))
    shipped = max(signed, address)
    received = max(received, shipped)
    refunded = max(refunded, received)
    return consistent(
        {
            "purchase": {"date": purchase, "channel": draw(values(Channel)), "venue": draw(values(Venue))},
            "seller": {"is_operator": draw(st.booleans())},
            "buyer": {"purpose": draw(values(Purpose))},
            "item": {
                "subject": draw(values(Subject)),
                "category": draw(values(Category)),
                "custom_made": draw(st.booleans()),
                "perishable": draw(st.booleans()),
                "downloaded": draw(st.booleans()),
                "media_unsealed": draw(st.booleans()),
                "defect_claimed": draw(st.booleans()),
                "nonconformity_established": draw(st.booleans()),
                "sold_condition": draw(values(SoldCondition)),
            },
            "listing": {
                "nature_exclusion": draw(values(Nature)),
                "exclusion_trigger": draw(values(Trigger)),
                "marked_not_returnable": draw(st.booleans()),
                "marking_prominent": draw(st.booleans()),
                "consumer_confirmed": draw(st.booleans()),
                "confirmation_in_checkout_flow": draw(st.booleans()),
                "confirmation_preselected": draw(st.booleans()),
                "statutory_exclusion_labelled": draw(st.booleans()),
            },
            "promise": {
                "return_days": draw(st.integers(7, 30)),
                "covers_excluded_goods": draw(st.booleans()),
                "free_return_shipping": draw(st.booleans()),
            },
            "delivery": {"signed_at": signed, "split_delivery": draw(st.booleans()), "status": "signed"},
            "return": {
                "notice_sent_at": notice,
                "address_given_at": address,
                "shipped_at": shipped,
                "received_by_seller_at": received,
                "refunded_at": refunded,
            },
            "condition": {flag: draw(st.booleans()) for flag in CONDITION_FLAGS},
            "dispute": {
                "seller_alleges_not_intact": draw(st.booleans()),
                "seller_evidence": draw(values(SellerEvidence)),
                "consumer_evidence": draw(values(ConsumerEvidence)),
                "seller_controlled_pickup": draw(st.booleans()),
                "seller_inspected_on_arrival": draw(st.booleans()),
                "condition_verified_at_pickup": draw(st.booleans()),
                "seller_grounds": draw(st.none() | st.lists(values(SellerGround), unique=True, max_size=3)),
                "consumer_claims": draw(st.none() | st.lists(values(ConsumerClaim), unique=True, max_size=2)),
                "hours_held": draw(st.integers(0, 400)),
            },
            "gifts": draw(
                st.lists(
                    st.fixed_dictionaries({"kind": st.just("item"), "returned": st.booleans(), "marked_price": money}),
                    max_size=2,
                )
            ),
            "shipping": {"free_threshold_lost": draw(st.booleans()), "outbound_fee": draw(money)},
            "payment": {
                "amount_paid": draw(money),
                "card_fee": draw(money),
                "card_fee_waived_by_seller": draw(st.booleans()),
                "bundle_discount_lost": draw(st.booleans()),
                "repriced_refund": draw(money),
                "parts": [
                    {
                        "method": draw(st.sampled_from(["wallet", "credit_card", "points", "coupon"])),
                        "amount": draw(money),
                    }
                ],
            },
            "conduct": {"abuse_established": draw(st.booleans())},
        }
    )


readings = st.builds(
    Readings,
    counting=values(Counting),
    burden_of_proof=values(BurdenOfProof),
    short_hold_hours=st.sampled_from([24, 12, 48]),
    oral_notice_confirmation=values(OralNoticeConfirmation),
    return_leg_risk=values(ReturnLegRisk),
    issues=values(Issues),
)


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
