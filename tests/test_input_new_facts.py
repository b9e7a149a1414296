"""Bad input in the facts the second pass added (issue #11) gets one clear line naming the fields:
contradictions between the confirmation's form and the older flags, a delivery status next to a
signing date, unknown values, wrong types."""

from __future__ import annotations

import pytest

from returnlaw import parse_scenario
from returnlaw.inputs import InputError


@pytest.mark.parametrize(
    ("listing", "other"),
    [
        ({"confirmation_form": "checkout_step", "consumer_confirmed": False}, "listing.consumer_confirmed"),
        ({"confirmation_form": "express_acknowledgement", "consumer_confirmed": False}, "listing.consumer_confirmed"),
        ({"confirmation_form": "page_text_only", "consumer_confirmed": True}, "listing.consumer_confirmed"),
        (
            {"confirmation_form": "continued_after_oral_notice", "consumer_confirmed": True},
            "listing.consumer_confirmed",
        ),
        (
            {"confirmation_form": "checkout_step", "confirmation_in_checkout_flow": False},
            "listing.confirmation_in_checkout_flow",
        ),
        (
            {"confirmation_form": "express_acknowledgement", "confirmation_in_checkout_flow": True},
            "listing.confirmation_in_checkout_flow",
        ),
        (
            {"confirmation_form": "preselected_box", "confirmation_preselected": False},
            "listing.confirmation_preselected",
        ),
        ({"confirmation_form": "checkout_step", "confirmation_preselected": True}, "listing.confirmation_preselected"),
        ({"confirmation_form": "none", "confirmation_preselected": True}, "listing.confirmation_preselected"),
    ],
)
def test_a_confirmation_form_that_contradicts_an_older_flag_names_both(listing, other):
    with pytest.raises(InputError) as err:
        parse_scenario({"listing": listing})
    message = str(err.value)
    assert message.startswith("listing.confirmation_form: "), message
    assert other in message and len(message.splitlines()) == 1, message


@pytest.mark.parametrize(
    "listing",
    [
        {"confirmation_form": "checkout_step", "consumer_confirmed": True, "confirmation_in_checkout_flow": True},
        {"confirmation_form": "preselected_box", "consumer_confirmed": True, "confirmation_in_checkout_flow": True},
        {"confirmation_form": "preselected_box", "consumer_confirmed": False, "confirmation_preselected": True},
        {"confirmation_form": "express_acknowledgement", "confirmation_in_checkout_flow": False},
        {"confirmation_form": "after_payment", "consumer_confirmed": False},
    ],
)
def test_consistent_combinations_are_accepted(listing):
    assert parse_scenario({"listing": listing}).listing.confirmation_form == listing["confirmation_form"]


@pytest.mark.parametrize("status", ["not_shipped", "in_transit", "refused_at_door"])
def test_a_signing_date_next_to_a_status_that_denies_it_names_both(status):
    with pytest.raises(InputError) as err:
        parse_scenario({"delivery": {"status": status, "signed_at": "2024-08-03"}})
    message = str(err.value)
    assert message.startswith("delivery.status: ") and "delivery.signed_at" in message, message


def test_signed_goods_may_have_a_signing_date():
    assert parse_scenario({"delivery": {"status": "signed", "signed_at": "2024-08-03"}}).delivery.status == "signed"


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"listing": {"confirmation_form": "ticked"}}, "listing.confirmation_form", "checkout_step"),
        ({"delivery": {"status": "delivered"}}, "delivery.status", "signed"),
        ({"dispute": {"seller_grounds": "unsealed_or_inspected"}}, "dispute.seller_grounds", "expected a list"),
        ({"dispute": {"seller_grounds": ["abus"]}}, "dispute.seller_grounds.0", "did you mean 'abuse'"),
        ({"dispute": {"seller_grounds": ["abuse", "abuse"]}}, "dispute.seller_grounds", "given twice"),
        ({"dispute": {"condition_verified_at_pickup": "yes"}}, "dispute.condition_verified_at_pickup", "true or false"),
        ({"item": {"nonconformity_established": 1}}, "item.nonconformity_established", "true or false"),
    ],
)
def test_bad_values_of_the_new_facts_name_the_field(data, field, words):
    with pytest.raises(InputError) as err:
        parse_scenario(data)
    message = str(err.value)
    assert message.startswith(f"{field}: ") and words in message, message


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("unsealed_or_inspected", ("unsealed_or_inspected",)),
        ("abuse, not_intact", ("abuse", "not_intact")),
        ("超过七日、滥用退货权利", ("out_of_time", "abuse")),
        (["8", "abuse"], ("unsealed_or_inspected", "abuse")),
        ("", ()),
        ([], ()),
    ],
)
def test_the_interview_reads_any_number_of_grounds(answer, expected):
    from returnlaw.interview import parse_answer
    from returnlaw.questions import default_wording

    assert parse_answer(default_wording(), "dispute.seller_grounds", answer) == expected


def test_a_ground_that_is_not_one_of_the_choices_names_the_fact():
    from returnlaw.interview import parse_answer
    from returnlaw.questions import default_wording

    with pytest.raises(InputError, match=r"^dispute\.seller_grounds: 'rain'"):
        parse_answer(default_wording(), "dispute.seller_grounds", "abuse, rain")


def test_a_listing_audit_flags_a_nature_the_category_cannot_have():
    import datetime as dt

    from returnlaw.audit import audit_listing

    shirt = {
        "category": "clothing",
        "statutory_natures": [],
        "exclusion_nature": "loses_value_once_activated_or_tried",
        "exclusion_trigger": "once_tried",
        "marking": {"shown": True, "placement": "near_price"},
        "confirmation": {"step": "per_purchase_checkout", "preselected": False},
        "promise": {},
    }
    audit = audit_listing(shirt, as_of=dt.date(2025, 3, 3))
    assert {f.code for f in audit.breaches} == {"over_broad_exclusion"}
    assert {f.code for f in audit.penalties} == {"penalty_over_broad_exclusion"}
