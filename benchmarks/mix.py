"""A realistic, reproducible mix of purchase scenarios for the benchmarks.

Like ``tests/strategies.py`` but driven by a seeded ``random.Random`` (no hypothesis), so every run
measures the same scenarios: the law's own examples (tests/law), complete scenarios across all
categories, natures and dates since the 2013 amendment took effect, and partial ones with facts
missing, as platforms send them.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from returnlaw.scenario import (  # noqa: E402
    Category,
    Channel,
    ConsumerEvidence,
    Nature,
    Purpose,
    SellerEvidence,
    SoldCondition,
    Subject,
    Trigger,
    Venue,
)
from tests.lawcases import load_cases  # noqa: E402
from tests.strategies import CONDITION_FLAGS  # noqa: E402

FIRST_DAY, LAST_DAY = dt.date(2014, 3, 15), dt.date(2026, 8, 31)
SHARE_LAW, SHARE_PARTIAL = 0.10, 0.40  # the rest are complete scenarios


def _pick(rng: random.Random, enum: Any) -> str:
    return rng.choice([m.value for m in enum])


def _money(rng: random.Random) -> str:
    return f"{rng.randint(0, 2_000_000) / 100:.2f}"


def complete(rng: random.Random) -> dict[str, Any]:
    """Every fact known; dates in a consistent order."""
    purchase = FIRST_DAY + dt.timedelta(days=rng.randint(0, (LAST_DAY - FIRST_DAY).days))
    signed = purchase + dt.timedelta(days=rng.randint(0, 10))
    notice = signed + dt.timedelta(days=rng.randint(0, 12))
    address = notice + dt.timedelta(days=rng.randint(0, 18))
    received = address + dt.timedelta(days=rng.randint(1, 8))
    refunded = received + dt.timedelta(days=rng.randint(0, 20))
    flag = rng.random
    return {
        "purchase": {"date": purchase, "channel": _pick(rng, Channel), "venue": _pick(rng, Venue)},
        "seller": {"is_operator": flag() < 0.95},
        "buyer": {"purpose": rng.choice(["personal_consumption"] * 8 + [_pick(rng, Purpose)])},
        "item": {
            "subject": rng.choice(["goods"] * 8 + [_pick(rng, Subject)]),
            "category": _pick(rng, Category),
            "custom_made": flag() < 0.05,
            "perishable": flag() < 0.05,
            "downloaded": flag() < 0.03,
            "media_unsealed": flag() < 0.03,
            "defect_claimed": flag() < 0.1,
            "sold_condition": _pick(rng, SoldCondition),
        },
        "listing": {
            "nature_exclusion": rng.choice(["none"] * 4 + [_pick(rng, Nature)]),
            "exclusion_trigger": _pick(rng, Trigger),
            "marked_not_returnable": flag() < 0.2,
            "marking_prominent": flag() < 0.7,
            "consumer_confirmed": flag() < 0.5,
            "confirmation_in_checkout_flow": flag() < 0.6,
            "confirmation_preselected": flag() < 0.2,
            "statutory_exclusion_labelled": flag() < 0.8,
        },
        "promise": {
            "return_days": rng.choice([7, 7, 7, 15, 30]),
            "covers_excluded_goods": flag() < 0.1,
            "free_return_shipping": flag() < 0.4,
        },
        "delivery": {"signed_at": signed, "split_delivery": flag() < 0.1},
        "return": {
            "notice_sent_at": notice,
            "address_given_at": address,
            "shipped_at": address,
            "received_by_seller_at": received,
            "refunded_at": refunded,
        },
        "condition": {name: flag() < (0.8 if name in _USUALLY_TRUE else 0.1) for name in CONDITION_FLAGS},
        "dispute": {
            "seller_alleges_not_intact": flag() < 0.2,
            "seller_evidence": _pick(rng, SellerEvidence),
            "consumer_evidence": _pick(rng, ConsumerEvidence),
            "seller_controlled_pickup": flag() < 0.3,
            "seller_inspected_on_arrival": flag() < 0.3,
            "hours_held": rng.randint(1, 300),
        },
        "gifts": [{"kind": "item", "returned": flag() < 0.8, "marked_price": _money(rng)}] if flag() < 0.2 else [],
        "shipping": {"free_threshold_lost": flag() < 0.1, "outbound_fee": _money(rng)},
        "payment": {
            "amount_paid": _money(rng),
            "card_fee": "0.00",
            "card_fee_waived_by_seller": False,
            "bundle_discount_lost": flag() < 0.05,
            "repriced_refund": _money(rng),
            "parts": [{"method": rng.choice(["wallet", "credit_card", "points", "coupon"]), "amount": _money(rng)}],
        },
        "conduct": {"abuse_established": flag() < 0.02},
    }


_USUALLY_TRUE = {
    "inspection_only",
    "quality_function_preserved",
    "appearance_preserved",
    "accessories_complete",
    "labels_complete",
}


def _fit_category(data: dict[str, Any]) -> dict[str, Any]:
    """A fact the goods' category settles takes the category's value (a platform's data would
    not say a sofa is perishable; the scenario refuses it: rules/categories.yaml, settles)."""
    from returnlaw.category_facts import settled_by_category

    item = data.get("item", {})
    for fact, value in settled_by_category().get(item.get("category"), {}).items():
        if item.get(fact.split(".", 1)[1]) is not None:
            item[fact.split(".", 1)[1]] = value
    return data


def partial(rng: random.Random) -> dict[str, Any]:
    """A complete scenario with about a third of its facts unknown (the purchase date kept)."""
    data = _fit_category(complete(rng))
    for section, body in data.items():
        if isinstance(body, dict):
            for key in list(body):
                if (section, key) != ("purchase", "date") and rng.random() < 0.33:
                    del body[key]
    return data


@functools.cache
def _law() -> tuple[dict[str, Any], ...]:
    return tuple(case.data for case in load_cases())


def scenarios(count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` scenarios as plain data (dates as ``datetime.date``), in a fixed order."""
    rng = random.Random(seed)
    law = _law()
    out = []
    for i in range(count):
        roll = rng.random()
        if roll < SHARE_LAW:
            out.append(copy.deepcopy(law[i % len(law)]))
        elif roll < SHARE_LAW + SHARE_PARTIAL:
            out.append(partial(rng))
        else:
            out.append(_fit_category(complete(rng)))
    return out


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, default=lambda v: v.isoformat() if isinstance(v, dt.date) else str(v))


def main(argv: list[str] | None = None) -> int:
    """``python benchmarks/mix.py ROWS [--seed N] > orders.jsonl``: a JSON Lines file of return requests."""
    import argparse

    parser = argparse.ArgumentParser(description="write ROWS scenarios as JSON Lines to stdout")
    parser.add_argument("rows", type=int)
    parser.add_argument("--seed", type=int, default=20240801)
    parser.add_argument("--distinct", type=int, default=5000, help="distinct scenarios, repeated to fill ROWS")
    args = parser.parse_args(argv)
    texts = [to_json(d) for d in scenarios(min(args.rows, args.distinct), args.seed)]
    out = sys.stdout
    for i in range(args.rows):
        out.write(f'{{"id":"order-{i}",{texts[i % len(texts)][1:]}\n')
    return 0


if __name__ == "__main__":
    sys.exit(main())
