"""What a listing settles for every purchase made from it, and the scenario that keeps only that.

A listing audit (:mod:`returnlaw.audit`) and the replay of a regulator's decision on a listing
(a case that ``decides: listing``) both judge the listing "for every possible purchase": they
evaluate a scenario in which the listing's facts are known and the facts of any one purchase
(its date, the buyer, delivery, the return, the goods' condition, the dispute) are unknown. A
warning rule that applies there holds whatever those facts are.
"""

from __future__ import annotations

from typing import Any

from .facts import FACTS
from .scenario import Scenario

# The same for every purchase from one listing: how and where it is sold, by whom, what the goods
# are, what the page says and asks, and what the seller promises.
LISTING_FACTS: frozenset[str] = frozenset(
    {
        "purchase.channel",
        "purchase.venue",
        *(p for p in FACTS if p.startswith(("seller.", "promise.")) and not FACTS[p].derived),
        "item.subject",
        "item.category",
        "item.description",
        "item.custom_made",
        "item.perishable",
        "item.downloaded",
        "item.sold_condition",
        "item.price",
        "listing.nature_exclusion",
        "listing.exclusion_trigger",
        "listing.marked_not_returnable",
        "listing.marking_prominent",
        "listing.statutory_exclusion_labelled",
        "listing.confirmation_in_checkout_flow",
        "listing.confirmation_preselected",
    }
)

# Facts of one purchase that a listing can still rule out for all of them: goods that are no
# sealed medium are never unsealed, and where the page asks for no confirmation no buyer gave one.
RULED_OUT_BY_LISTING: frozenset[str] = frozenset({"item.media_unsealed", "listing.consumer_confirmed"})

_SECTIONS = ("purchase", "seller", "item", "listing", "promise")


def settled_by_listing(path: str, value: Any) -> bool:
    """Whether a known fact is one the listing settles for every purchase."""
    return path in LISTING_FACTS or (path in RULED_OUT_BY_LISTING and value is False)


def purchase_facts_in(scenario: Scenario) -> list[str]:
    """The facts ``scenario`` gives that belong to one purchase, not to the listing (as given:
    a fact read off another field, such as the confirmation form, is not counted)."""
    found: list[str] = []
    for section, field in Scenario.model_fields.items():
        public, model = field.alias or section, getattr(scenario, section)
        if isinstance(model, tuple):  # gifts
            found.extend([public] if model else [])
            continue
        for name in type(model).model_fields:
            value = getattr(model, name)
            if value not in (None, ()) and not settled_by_listing(f"{public}.{name}", value):
                found.append(f"{public}.{name}")
    return found


def listing_view(scenario: Scenario) -> Scenario:
    """``scenario`` with every fact of one purchase unknown (the listing's facts kept)."""
    sections: dict[str, Any] = {}
    for section in _SECTIONS:
        model = getattr(scenario, section)
        drop = {
            name: None
            for name in type(model).model_fields
            if f"{section}.{name}" in FACTS and not settled_by_listing(f"{section}.{name}", getattr(model, name))
        }
        sections[section] = model.model_copy(update=drop)
    return Scenario(**sections)
