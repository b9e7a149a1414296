"""The purchase scenario: every fact the seven-day return law turns on.

Names follow ``shared/spec/facts.md``. Every fact is optional: ``None`` means *unknown*, never
"no" — an unknown fact that could change the outcome makes the decision ``undetermined`` and
becomes a question. Validation is strict: unknown fields are rejected and values are not coerced
(``"yes"`` is not a boolean, ``0`` is not a date), so a platform's data errors surface instead of
being guessed at. Dates are ``YYYY-MM-DD``; a moment may add a time of day. Times are China local
time: one given with a UTC offset is converted to UTC+8, so that the same instant gives the same
decision whatever zone a platform's system writes in.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator, model_validator

from .category_facts import check_against_category
from .echo import echo

# Strict scalars: pydantic's lax mode would read "yes", 1 or "1" as true and "10" as 10.
Flag = Annotated[bool, Strict()]
Money = Annotated[Decimal, Field(ge=0, le=Decimal("1e12"), max_digits=16, decimal_places=2)]
# Dates are ISO strings in JSON; a datetime carries a time of day (used by ``platform_168h``).
Moment = dt.datetime | dt.date
ShortText = Annotated[str, Strict(), Field(max_length=2000)]
CHINA = dt.timezone(dt.timedelta(hours=8))  # no daylight saving since 1991
_DAY_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_MOMENT_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?", re.ASCII)


def parse_day(value: Any) -> Any:
    """A date from ``YYYY-MM-DD`` text or a date; never from a number (pydantic would read a Unix time)."""
    if isinstance(value, str):
        if not _DAY_TEXT.fullmatch(value):
            raise ValueError(f"expected a date as YYYY-MM-DD, got {_show(value)}")
        try:  # inline: every date of every scenario comes through here
            return dt.date.fromisoformat(value)
        except ValueError:
            return _fromisoformat(dt.date.fromisoformat, value)  # raises, worded
    if isinstance(value, dt.datetime):
        value = _china_time(value)
        if value.time() != dt.time():
            raise ValueError(f"expected a date without a time of day, got {value.isoformat()}")
        return value.date()
    if isinstance(value, dt.date) or value is None:
        return value
    raise ValueError(f"expected a date as YYYY-MM-DD, got {_show(value)}")


def parse_moment(value: Any) -> Any:
    """A date (``YYYY-MM-DD``) or a date and time (``YYYY-MM-DDTHH:MM[:SS][offset]``, China time)."""
    if isinstance(value, str):
        if _DAY_TEXT.fullmatch(value):  # a plain date stays a date: no time is known
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                return _fromisoformat(dt.date.fromisoformat, value)  # raises, worded
        if not _MOMENT_TEXT.fullmatch(value):
            raise ValueError(f"expected a date (YYYY-MM-DD) or date and time (YYYY-MM-DDTHH:MM), got {_show(value)}")
        value = _fromisoformat(dt.datetime.fromisoformat, value)
    if isinstance(value, dt.datetime):
        return _china_time(value)
    if isinstance(value, dt.date) or value is None:
        return value
    raise ValueError(f"expected a date (YYYY-MM-DD) or date and time (YYYY-MM-DDTHH:MM), got {_show(value)}")


def _fromisoformat(parse: Any, text: str) -> Any:
    try:
        return parse(text)
    except ValueError as err:
        raise ValueError(f"{text!r} is not a real date or time ({err})") from None


def _china_time(moment: dt.datetime) -> dt.datetime:
    """Naive China local time; an aware datetime is converted, so the instant is kept."""
    if moment.utcoffset() is None:
        return moment
    try:
        return moment.astimezone(CHINA).replace(tzinfo=None)
    except OverflowError:
        raise ValueError(f"{moment.isoformat()} is outside the supported range of dates") from None


def _show(value: Any) -> str:
    """A value for an error message: short and on one line (returnlaw.echo)."""
    return echo(value)


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


class ConfirmationForm(StrEnum):
    """How the consumer's agreement to an exclusion by nature was obtained (CPL Art. 25(2);
    Measures Art. 20(2); Regulations Art. 19(2)). Whether it counts is decided by the rules."""

    CHECKOUT_STEP = "checkout_step"  # a prominent per-purchase step in the mandatory checkout flow
    EXPRESS_ACKNOWLEDGEMENT = "express_acknowledgement"  # e.g. said or typed "agreed" on a live stream or in chat
    CONTINUED_AFTER_ORAL_NOTICE = "continued_after_oral_notice"  # only carried on buying after an oral notice
    PAGE_TEXT_ONLY = "page_text_only"  # only a text on the product page or in the terms
    AFTER_PAYMENT = "after_payment"  # shown or asked only after payment
    PRESELECTED_BOX = "preselected_box"  # a pre-ticked, default-agreed option
    NONE = "none"  # nothing was asked or given


class Trigger(StrEnum):
    ALWAYS = "always"
    ONCE_UNSEALED = "once_unsealed"
    ONCE_ACTIVATED = "once_activated"
    ONCE_TRIED = "once_tried"
    ONCE_OPENED_ONLINE = "once_opened_online"


class DeliveryStatus(StrEnum):
    """How far delivery had got: for a cancellation, when the consumer cancelled."""

    NOT_SHIPPED = "not_shipped"
    IN_TRANSIT = "in_transit"
    REFUSED_AT_DOOR = "refused_at_door"
    SIGNED = "signed"


class SellerGround(StrEnum):
    """A ground the seller gave for refusing the return."""

    CUSTOM_MADE = "custom_made"
    PERISHABLE = "perishable"
    DOWNLOADED = "downloaded"
    MEDIA_UNSEALED = "media_unsealed"
    NEWSPAPER_PERIODICAL = "newspaper_periodical"
    CONFIRMED_EXCLUSION = "confirmed_exclusion"
    NOT_INTACT = "not_intact"
    UNSEALED_OR_INSPECTED = "unsealed_or_inspected"
    OUT_OF_TIME = "out_of_time"
    NOT_CONSUMER = "not_consumer"
    NOT_OPERATOR = "not_operator"
    NOT_DISTANCE_SALE = "not_distance_sale"
    ABUSE = "abuse"


class ConsumerClaim(StrEnum):
    """A point the consumer put in issue beyond the bare return (each the consumer's to prove)."""

    DEFECT = "defect"  # the goods are defective (CPL Art. 24; the consumer's claim, Art. 25 still runs)
    PROMISE_COVERS_EXCLUDED = "promise_covers_excluded"  # the seller promised returns of excluded goods
    LONGER_PERIOD = "longer_period"  # the seller promised a period longer than seven days
    FREE_RETURN_SHIPPING = "free_return_shipping"  # the seller promised to pay the return shipping


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


# Forms in which the consumer did something to agree (ticked, clicked, said or typed yes) ...
_ACTIVE_FORMS = {ConfirmationForm.CHECKOUT_STEP, ConfirmationForm.EXPRESS_ACKNOWLEDGEMENT}
# ... and forms in which the consumer did nothing of the kind.
_PASSIVE_FORMS = {
    ConfirmationForm.CONTINUED_AFTER_ORAL_NOTICE,
    ConfirmationForm.PAGE_TEXT_ONLY,
    ConfirmationForm.AFTER_PAYMENT,
    ConfirmationForm.NONE,
}


def _check_confirmation(listing: Listing) -> None:
    """The older flags (consumer_confirmed, confirmation_in_checkout_flow, confirmation_preselected)
    may accompany confirmation_form, but must not contradict it."""
    form = listing.confirmation_form
    if form is None:
        return
    clashes = []
    if form in _ACTIVE_FORMS and listing.consumer_confirmed is False:
        clashes.append(("consumer_confirmed", False, "the consumer did confirm"))
    if form in _PASSIVE_FORMS and listing.consumer_confirmed is True:
        clashes.append(("consumer_confirmed", True, "the consumer did nothing to confirm"))
    if form is ConfirmationForm.CHECKOUT_STEP and listing.confirmation_in_checkout_flow is False:
        clashes.append(("confirmation_in_checkout_flow", False, "the step was in the checkout flow"))
    if form not in (ConfirmationForm.CHECKOUT_STEP, ConfirmationForm.PRESELECTED_BOX) and (
        listing.confirmation_in_checkout_flow is True
    ):
        clashes.append(("confirmation_in_checkout_flow", True, "there was no confirmation step at checkout"))
    if form is ConfirmationForm.PRESELECTED_BOX and listing.confirmation_preselected is False:
        clashes.append(("confirmation_preselected", False, "the box was ticked in advance"))
    if form is not ConfirmationForm.PRESELECTED_BOX and listing.confirmation_preselected is True:
        clashes.append(("confirmation_preselected", True, "the confirmation was not a pre-ticked box"))
    if clashes:
        name, value, why = clashes[0]
        raise ValueError(
            f"confirmation_form: {form.value} contradicts listing.{name} = {str(value).lower()} "
            f"({form.value} means {why}); give one of them"
        )


class Purchase(_Section):
    date: dt.date | None = None
    channel: Channel | None = None
    venue: Venue | None = None
    order_id: Annotated[str, Strict(), Field(max_length=200)] | None = None

    _day = field_validator("date", mode="before")(parse_day)


class Seller(_Section):
    is_operator: Flag | None = None
    name: Annotated[str, Strict(), Field(max_length=500)] | None = None


class Buyer(_Section):
    purpose: Purpose | None = None


class Item(_Section):
    subject: Subject | None = None
    category: Category | None = None
    description: ShortText | None = None
    custom_made: Flag | None = None
    perishable: Flag | None = None
    downloaded: Flag | None = None
    media_unsealed: Flag | None = None
    defect_claimed: Flag | None = None  # the consumer says the goods are defective
    # A non-conformity with quality requirements is established (found, or admitted by the seller).
    nonconformity_established: Flag | None = None
    sold_condition: SoldCondition | None = None
    price: Money | None = None


class Listing(_Section):
    nature_exclusion: Nature | None = None
    exclusion_trigger: Trigger | None = None
    marked_not_returnable: Flag | None = None
    marking_prominent: Flag | None = None
    consumer_confirmed: Flag | None = None
    confirmation_in_checkout_flow: Flag | None = None
    confirmation_preselected: Flag | None = None
    confirmation_form: ConfirmationForm | None = None
    statutory_exclusion_labelled: Flag | None = None

    @model_validator(mode="after")
    def _confirmation_consistent(self) -> Listing:
        _check_confirmation(self)
        return self


class Promise(_Section):
    return_days: Annotated[int, Strict(), Field(ge=7, le=3650)] | None = None
    covers_excluded_goods: Flag | None = None
    free_return_shipping: Flag | None = None
    conditions: tuple[ShortText, ...] | None = Field(default=None, max_length=50)


class Delivery(_Section):
    signed_at: Moment | None = None
    split_delivery: Flag | None = None
    status: DeliveryStatus | None = None

    _moment = field_validator("signed_at", mode="before")(parse_moment)

    @model_validator(mode="after")
    def _status_fits_signing(self) -> Delivery:
        if self.signed_at is not None and self.status not in (None, DeliveryStatus.SIGNED):
            raise ValueError(
                f"status: {self.status.value} contradicts delivery.signed_at ({self.signed_at}): goods signed for "
                "have been delivered; give status signed, or leave signed_at out"
            )
        return self


class Return(_Section):
    notice_sent_at: Moment | None = None
    address_given_at: dt.date | None = None
    shipped_at: dt.date | None = None
    received_by_seller_at: dt.date | None = None
    refunded_at: dt.date | None = None

    _moment = field_validator("notice_sent_at", mode="before")(parse_moment)
    _day = field_validator("address_given_at", "shipped_at", "received_by_seller_at", "refunded_at", mode="before")(
        parse_day
    )


class Condition(_Section):
    packaging_opened: Flag | None = None
    inspection_only: Flag | None = None
    tried: Flag | None = None
    opened_online: Flag | None = None
    quality_function_preserved: Flag | None = None
    appearance_preserved: Flag | None = None
    accessories_complete: Flag | None = None
    labels_complete: Flag | None = None
    seal_broken: Flag | None = None
    unauthorised_repair: Flag | None = None
    marks_damaged: Flag | None = None
    wear_hard_to_restore: Flag | None = None
    activated: Flag | None = None
    personal_data_left: Flag | None = None
    tags_removed: Flag | None = None
    soiled: Flag | None = None
    damaged: Flag | None = None
    used_beyond_inspection: Flag | None = None


class Dispute(_Section):
    seller_alleges_not_intact: Flag | None = None
    seller_evidence: SellerEvidence | None = None
    consumer_evidence: ConsumerEvidence | None = None
    seller_controlled_pickup: Flag | None = None
    seller_inspected_on_arrival: Flag | None = None
    # The condition was verified or approved when the goods were handed to the seller's carrier.
    condition_verified_at_pickup: Flag | None = None
    # The grounds the seller gave for refusing: [] = none raised; absent = not stated.
    seller_grounds: tuple[SellerGround, ...] | None = Field(
        default=None, max_length=len(SellerGround), json_schema_extra={"uniqueItems": True}
    )
    # The points the consumer put in issue beyond the return itself: [] = none; absent = not stated.
    consumer_claims: tuple[ConsumerClaim, ...] | None = Field(
        default=None, max_length=len(ConsumerClaim), json_schema_extra={"uniqueItems": True}
    )
    hours_held: Annotated[float, Strict(), Field(ge=0, le=1e6, allow_inf_nan=False)] | None = None

    @field_validator("seller_grounds", "consumer_claims")
    @classmethod
    def _grounds_once(cls, grounds: tuple[StrEnum, ...] | None) -> tuple[StrEnum, ...] | None:
        if grounds is not None and len(set(grounds)) != len(grounds):
            twice = sorted({g.value for g in grounds if grounds.count(g) > 1})
            raise ValueError(f"{', '.join(twice)} given twice")
        return grounds

    @model_validator(mode="after")
    def _allegation_is_a_ground(self) -> Dispute:
        """seller_alleges_not_intact and seller_grounds ∋ not_intact say the same thing: the one
        is read off the other (returnlaw.facts), so they must not disagree."""
        said, grounds = self.seller_alleges_not_intact, self.seller_grounds
        if said is not None and grounds is not None and said != (SellerGround.NOT_INTACT in grounds):
            listed = "lists" if not said else "does not list"
            raise ValueError(
                f"seller_alleges_not_intact: {str(said).lower()} contradicts dispute.seller_grounds, which "
                f"{listed} not_intact; give one of them"
            )
        return self


class Gift(_Section):
    description: ShortText | None = None
    kind: GiftKind | None = None
    returned: Flag | None = None
    marked_price: Money | None = None


class Shipping(_Section):
    outbound_fee: Money | None = None
    free_threshold_lost: Flag | None = None


class PaymentPart(_Section):
    method: PaymentMethod
    amount: Money


class Payment(_Section):
    amount_paid: Money | None = None
    invoice_price: Money | None = None
    parts: tuple[PaymentPart, ...] | None = Field(default=None, max_length=20)
    card_fee: Money | None = None
    card_fee_waived_by_seller: Flag | None = None
    bundle_discount_lost: Flag | None = None
    repriced_refund: Money | None = None


class ReturnHistory(_Section):
    orders: Annotated[int, Strict(), Field(ge=0, le=10**9)] | None = None
    returns: Annotated[int, Strict(), Field(ge=0, le=10**9)] | None = None

    @model_validator(mode="after")
    def _returns_within_orders(self) -> ReturnHistory:
        if self.orders is not None and self.returns is not None and self.returns > self.orders:
            raise ValueError(f"returns: {self.returns} is more than orders ({self.orders})")
        return self


class Conduct(_Section):
    abuse_established: Flag | None = None
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
    def _dates_in_order_and_facts_fit_the_category(self) -> Scenario:
        """The checks across sections, in one call from the validator (this order: the first
        that fails is the one reported)."""
        _check_order(self)
        check_against_category(self)  # the table lives in rules/: read on first use
        return self


def day_of(moment: Moment | None) -> dt.date | None:
    """The calendar date of a date or datetime."""
    if isinstance(moment, dt.datetime):
        return moment.date()
    return moment


# Every dated event of a purchase and its return, in the field order of the model.
EVENT_DATES = (
    "purchase.date",
    "delivery.signed_at",
    "return.notice_sent_at",
    "return.address_given_at",
    "return.shipped_at",
    "return.received_by_seller_at",
    "return.refunded_at",
)
# Pairs (earlier, later) that cannot be in the other order in any real return. A notice before
# signing is possible (a consumer may withdraw while the goods are on their way), and so is a
# refund before the goods arrive back; neither is listed.
_ORDER = (
    *(("purchase.date", later) for later in EVENT_DATES[1:]),
    ("delivery.signed_at", "return.shipped_at"),
    ("delivery.signed_at", "return.received_by_seller_at"),
    ("return.notice_sent_at", "return.address_given_at"),
    ("return.shipped_at", "return.received_by_seller_at"),
)


def _check_order(scenario: Scenario) -> None:
    days = {}
    for path, get in _DATE_GETTERS.items():
        moment = get(scenario)
        if moment is not None:
            days[path] = moment.date() if isinstance(moment, dt.datetime) else moment
    if len(days) < 2:
        return
    for earlier, later in _ORDER:
        first, second = days.get(earlier), days.get(later)
        if first is not None and second is not None and second < first:
            raise ValueError(f"{later}: {second} is before {earlier} ({first}), which cannot happen")


def _getter(path: str) -> Any:
    section, _, name = path.partition(".")
    return attrgetter(f"{'return_' if section == 'return' else section}.{name}")


# Each date read once per validation (this check runs on every scenario a platform sends).
_DATE_GETTERS = {path: _getter(path) for pair in _ORDER for path in pair}


def read_path(scenario: Scenario, path: str) -> object:
    """Read a dotted fact path such as ``item.category`` (``return`` is the section ``return_``)."""
    section, _, name = path.partition(".")
    obj = getattr(scenario, "return_" if section == "return" else section)
    return getattr(obj, name) if name else obj
