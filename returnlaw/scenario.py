"""The purchase scenario: every fact the seven-day return law turns on.

Names follow ``shared/spec/facts.md``. Every fact is optional: ``None`` means *unknown*, never
"no" — an unknown fact that could change the outcome makes the decision ``undetermined`` and
becomes a question. Validation is strict: unknown fields are rejected and values are not coerced
(``"yes"`` is not a boolean), so a platform's data errors surface instead of being guessed at.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

Money = Annotated[Decimal, Field(ge=0, le=Decimal("1e12"), max_digits=16, decimal_places=2)]
# Dates are ISO strings in JSON; a datetime carries a time of day (used by ``platform_168h``).
Moment = dt.datetime | dt.date
ShortText = Annotated[str, Field(max_length=2000)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, validate_default=False)


class Channel(StrEnum):
    ONLINE = "online"
    TV = "tv"
    PHONE = "phone"
    MAIL_ORDER = "mail_order"
    IN_STORE = "in_store"


class Venue(StrEnum):
    PLATFORM_SHOP = "platform_shop"
    PLATFORM_SELF_OPERATED = "platform_self_operated"
    OWN_SITE = "own_site"
    LIVESTREAM = "livestream"
    SOCIAL_GROUP = "social_group"
    OTHER = "other"


class Purpose(StrEnum):
    PERSONAL_CONSUMPTION = "personal_consumption"
    BUSINESS = "business"
    SPECULATIVE = "speculative"


class Subject(StrEnum):
    GOODS = "goods"
    SERVICE = "service"
    TICKET = "ticket"
    DIGITAL_CONTENT = "digital_content"


class Category(StrEnum):
    """A closed taxonomy that maps onto the classes the law names (Measures Arts 6, 7, 9)."""

    CLOTHING = "clothing"
    SHOES_HATS = "shoes_hats"
    BAGS = "bags"
    TOYS = "toys"
    HOME_TEXTILES = "home_textiles"
    HOUSEHOLD = "household"
    FURNITURE = "furniture"
    FOOD = "food"
    HEALTH_FOOD = "health_food"
    COSMETICS = "cosmetics"
    MEDICAL_DEVICE = "medical_device"
    FAMILY_PLANNING = "family_planning"
    ELECTRONICS = "electronics"
    APPLIANCE = "appliance"
    JEWELLERY = "jewellery"
    WATCHES = "watches"
    AUDIO_VIDEO = "audio_video"
    SOFTWARE = "software"
    EBOOK_OR_DOWNLOAD = "ebook_or_download"
    BOOKS = "books"
    NEWSPAPER = "newspaper"
    PERIODICAL = "periodical"
    FRESH_FOOD = "fresh_food"
    LIVE_ANIMAL = "live_animal"
    PLANT = "plant"
    BLIND_BOX = "blind_box"
    COLLECTIBLE_CARDS = "collectible_cards"
    PET_SUPPLIES = "pet_supplies"
    SPORTS = "sports"
    VEHICLE = "vehicle"
    PERSONAL_PROTECTIVE = "personal_protective"
    OTHER = "other"


class SoldCondition(StrEnum):
    NEW = "new"
    USED = "used"
    SAMPLE = "sample"


class Nature(StrEnum):
    """The Measures Art. 7 nature a seller relies on to exclude returns (with confirmation)."""

    NONE = "none"
    UNSAFE_OR_DEGRADES_ONCE_UNSEALED = "unsafe_or_degrades_once_unsealed"  # Art. 7(1)
    LOSES_VALUE_ONCE_ACTIVATED_OR_TRIED = "loses_value_once_activated_or_tried"  # Art. 7(2)
    CONTENTS_REVEALED = "contents_revealed"  # blind box opened: read as Art. 7(2)
    NEAR_EXPIRY_DISCLOSED = "near_expiry_disclosed"  # Art. 7(3)
    DEFECT_DISCLOSED = "defect_disclosed"  # Art. 7(3)


class Trigger(StrEnum):
    ALWAYS = "always"
    ONCE_UNSEALED = "once_unsealed"
    ONCE_ACTIVATED = "once_activated"
    ONCE_TRIED = "once_tried"
    ONCE_OPENED_ONLINE = "once_opened_online"


class SellerEvidence(StrEnum):
    NONE = "none"
    INSUFFICIENT = "insufficient"
    SUFFICIENT = "sufficient"


class ConsumerEvidence(StrEnum):
    NONE = "none"
    SOME = "some"
    STRONG = "strong"


class GiftKind(StrEnum):
    ITEM = "item"
    POINTS = "points"
    COUPON = "coupon"
    VOUCHER = "voucher"


class PaymentMethod(StrEnum):
    BANK_CARD = "bank_card"
    CREDIT_CARD = "credit_card"
    WALLET = "wallet"
    BANK_TRANSFER = "bank_transfer"
    CASH_ON_DELIVERY = "cash_on_delivery"
    POINTS = "points"
    COUPON = "coupon"
    VOUCHER = "voucher"


class Purchase(_Section):
    date: dt.date | None = None
    channel: Channel | None = None
    venue: Venue | None = None
    order_id: Annotated[str, Field(max_length=200)] | None = None


class Seller(_Section):
    is_operator: bool | None = None
    name: Annotated[str, Field(max_length=500)] | None = None


class Buyer(_Section):
    purpose: Purpose | None = None


class Item(_Section):
    subject: Subject | None = None
    category: Category | None = None
    description: ShortText | None = None
    custom_made: bool | None = None
    perishable: bool | None = None
    downloaded: bool | None = None
    media_unsealed: bool | None = None
    defect_claimed: bool | None = None
    sold_condition: SoldCondition | None = None
    price: Money | None = None


class Listing(_Section):
    nature_exclusion: Nature | None = None
    exclusion_trigger: Trigger | None = None
    marked_not_returnable: bool | None = None
    marking_prominent: bool | None = None
    consumer_confirmed: bool | None = None
    confirmation_in_checkout_flow: bool | None = None
    confirmation_preselected: bool | None = None
    statutory_exclusion_labelled: bool | None = None


class Promise(_Section):
    return_days: Annotated[int, Field(ge=7, le=3650)] | None = None
    covers_excluded_goods: bool | None = None
    free_return_shipping: bool | None = None
    conditions: tuple[ShortText, ...] | None = Field(default=None, max_length=50)


class Delivery(_Section):
    signed_at: Moment | None = None
    split_delivery: bool | None = None


class Return(_Section):
    notice_sent_at: Moment | None = None
    address_given_at: dt.date | None = None
    shipped_at: dt.date | None = None
    received_by_seller_at: dt.date | None = None
    refunded_at: dt.date | None = None


class Condition(_Section):
    packaging_opened: bool | None = None
    inspection_only: bool | None = None
    tried: bool | None = None
    opened_online: bool | None = None
    quality_function_preserved: bool | None = None
    appearance_preserved: bool | None = None
    accessories_complete: bool | None = None
    labels_complete: bool | None = None
    seal_broken: bool | None = None
    unauthorised_repair: bool | None = None
    marks_damaged: bool | None = None
    wear_hard_to_restore: bool | None = None
    activated: bool | None = None
    personal_data_left: bool | None = None
    tags_removed: bool | None = None
    soiled: bool | None = None
    damaged: bool | None = None
    used_beyond_inspection: bool | None = None


class Dispute(_Section):
    seller_alleges_not_intact: bool | None = None
    seller_evidence: SellerEvidence | None = None
    consumer_evidence: ConsumerEvidence | None = None
    seller_controlled_pickup: bool | None = None
    seller_inspected_on_arrival: bool | None = None
    hours_held: Annotated[float, Field(ge=0, le=1e6)] | None = None


class Gift(_Section):
    description: ShortText | None = None
    kind: GiftKind | None = None
    returned: bool | None = None
    marked_price: Money | None = None


class Shipping(_Section):
    outbound_fee: Money | None = None
    free_threshold_lost: bool | None = None


class PaymentPart(_Section):
    method: PaymentMethod
    amount: Money


class Payment(_Section):
    amount_paid: Money | None = None
    invoice_price: Money | None = None
    parts: tuple[PaymentPart, ...] | None = Field(default=None, max_length=20)
    card_fee: Money | None = None
    card_fee_waived_by_seller: bool | None = None
    bundle_discount_lost: bool | None = None
    repriced_refund: Money | None = None


class ReturnHistory(_Section):
    orders: Annotated[int, Field(ge=0, le=10**9)] | None = None
    returns: Annotated[int, Field(ge=0, le=10**9)] | None = None


class Conduct(_Section):
    abuse_established: bool | None = None
    return_history: ReturnHistory | None = None


class Scenario(_Section):
    """One purchased item and its return. Split deliveries: one scenario per item (Measures 10)."""

    purchase: Purchase = Purchase()
    seller: Seller = Seller()
    buyer: Buyer = Buyer()
    item: Item = Item()
    listing: Listing = Listing()
    promise: Promise = Promise()
    delivery: Delivery = Delivery()
    return_: Return = Field(default=Return(), alias="return")
    condition: Condition = Condition()
    dispute: Dispute = Dispute()
    gifts: tuple[Gift, ...] = Field(default=(), max_length=100)
    shipping: Shipping = Shipping()
    payment: Payment = Payment()
    conduct: Conduct = Conduct()

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _dates_in_order(self) -> Scenario:
        _check_order(self)
        return self


def day_of(moment: Moment | None) -> dt.date | None:
    """The calendar date of a date or datetime."""
    if isinstance(moment, dt.datetime):
        return moment.date()
    return moment


# Pairs (earlier, later) that cannot be in the other order in any real return.
_ORDER = (
    ("purchase.date", "delivery.signed_at"),
    ("purchase.date", "return.notice_sent_at"),
    ("delivery.signed_at", "return.shipped_at"),
    ("return.notice_sent_at", "return.address_given_at"),
    ("return.shipped_at", "return.received_by_seller_at"),
    ("purchase.date", "return.received_by_seller_at"),
    ("purchase.date", "return.refunded_at"),
)


def _check_order(scenario: Scenario) -> None:
    for earlier, later in _ORDER:
        first, second = day_of(read_path(scenario, earlier)), day_of(read_path(scenario, later))
        if first is not None and second is not None and second < first:
            raise ValueError(f"{later} ({second}) is before {earlier} ({first})")


def read_path(scenario: Scenario, path: str) -> object:
    """Read a dotted fact path such as ``item.category`` (``return`` is the section ``return_``)."""
    section, _, name = path.partition(".")
    obj = getattr(scenario, "return_" if section == "return" else section)
    return getattr(obj, name) if name else obj
