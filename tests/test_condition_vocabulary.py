"""The parts of the rule vocabulary added by the second pass of the rule book (issue #11): set
facts and ``contains``, number readings as comparison bounds, notes, amounts read from the first
known of several facts, and the consequences of an undetermined outcome shown as conditional."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from returnlaw import Readings, decide, evaluate, parse_scenario
from returnlaw.conditions import ConditionError, Context, compile_condition
from returnlaw.loader import load_rulebook
from returnlaw.readings import DEFAULT_READINGS, READING_NAMES, choice_values, parse_reading_assignments

GOOD = Path(__file__).parent / "rules_good"
CTX = Context(
    variables={},
    readings={name: None if choice_values(name) is None else frozenset(choice_values(name)) for name in READING_NAMES},
)


def holds(condition: dict, data: dict, readings: Readings = DEFAULT_READINGS) -> bool | None:
    return compile_condition(condition, CTX).fn(parse_scenario(data), {}, readings)


# -- a set fact: the seller's stated grounds of refusal ---------------------------------------------


@pytest.mark.parametrize(
    ("grounds", "expected"),
    [
        (["unsealed_or_inspected"], True),
        (["not_intact", "unsealed_or_inspected"], True),
        (["not_intact"], False),
        ([], False),  # the seller raised no ground
        (None, None),  # not stated: unknown
    ],
)
def test_contains_asks_whether_the_stated_grounds_hold_one(grounds, expected):
    data = {} if grounds is None else {"dispute": {"seller_grounds": grounds}}
    assert holds({"fact": "dispute.seller_grounds", "contains": "unsealed_or_inspected"}, data) is expected


def test_not_contains_on_unknown_grounds_stays_unknown():
    condition = {"not": {"fact": "dispute.seller_grounds", "contains": "abuse"}}
    assert holds(condition, {}) is None
    assert holds(condition, {"dispute": {"seller_grounds": []}}) is True


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"fact": "dispute.seller_grounds", "eq": "abuse"}, "'contains' is for a set fact"),
        ({"fact": "item.custom_made", "contains": True}, "'contains' is for a set fact"),
        ({"fact": "dispute.seller_grounds", "contains": "rain"}, "'rain' is not a member"),
    ],
)
def test_contains_is_checked_when_the_rule_is_loaded(condition, message):
    with pytest.raises(ConditionError, match=message):
        compile_condition(condition, CTX)


def test_a_ground_given_twice_is_an_input_error_naming_the_field():
    from returnlaw.inputs import InputError

    with pytest.raises(InputError, match=r"dispute\.seller_grounds: .*abuse given twice"):
        parse_scenario({"dispute": {"seller_grounds": ["abuse", "abuse"]}})


# -- a number reading as the bound of a comparison --------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "threshold", "expected"), [(17, 24, True), (24, 24, True), (25, 24, False), (40, 48, True)]
)
def test_a_fact_compared_with_a_number_reading_follows_the_reading(hours, threshold, expected):
    condition = {"fact": "dispute.hours_held", "le": {"reading": "short_hold_hours"}}
    data = {"dispute": {"hours_held": float(hours)}}
    assert holds(condition, data, Readings(short_hold_hours=threshold)) is expected
    assert holds(condition, {}, Readings(short_hold_hours=threshold)) is None


def test_a_number_reading_is_not_a_choice_and_a_choice_reading_is_not_a_bound():
    with pytest.raises(ConditionError, match="is a number"):
        compile_condition({"reading": "short_hold_hours", "eq": 24}, CTX)
    with pytest.raises(ConditionError, match="is not a number reading"):
        compile_condition({"fact": "dispute.hours_held", "le": {"reading": "counting"}}, CTX)
    with pytest.raises(ConditionError, match="is not a number"):
        compile_condition({"fact": "purchase.date", "le": {"reading": "short_hold_hours"}}, CTX)


@pytest.mark.parametrize(
    "bad", ["short_hold_hours=0", "short_hold_hours=721", "short_hold_hours=1.5", "short_hold_hours=x"]
)
def test_the_cli_refuses_a_number_reading_out_of_range(bad):
    with pytest.raises(ValueError, match=r"short_hold_hours: .* is not a whole number from 1 to 720"):
        parse_reading_assignments([bad])


def test_the_cli_reads_a_number_reading():
    assert parse_reading_assignments(["short_hold_hours=48"]).short_hold_hours == 48


# -- notes and first-known amounts, in a mini rule book ---------------------------------------------


def _mini_book(tmp_path: Path, extra_rules: str, extra_vocabulary: str) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(GOOD, folder)
    cpl = folder / "cpl.yaml"
    cpl.write_text(cpl.read_text(encoding="utf-8") + extra_rules, encoding="utf-8")
    vocab = folder / "vocabulary.yaml"
    vocab.write_text(vocab.read_text(encoding="utf-8") + extra_vocabulary, encoding="utf-8")
    return folder


def test_an_obligation_amount_takes_the_first_known_fact_and_a_note_is_a_remark(tmp_path):
    folder = _mini_book(
        tmp_path,
        "  - id: refund-first-known\n    cite: [cpl 25(3)]\n    title_zh: 退款\n    title_en: refund\n"
        "    when: {var: outcome, eq: returnable}\n"
        "    then: {obligation: {party: seller, duty: pay_return_shipping,"
        " amount: {first_known: [payment.amount_paid, payment.invoice_price]}}}\n"
        "  - id: a-note\n    cite: [cpl 25(3)]\n    title_zh: 说明\n    title_en: a note\n"
        "    when: {fact: item.custom_made, is: false}\n    then: {note: custom}\n",
        "\nnotes:\n  custom: {zh: 说明, en: a remark}\n",
    )
    book = load_rulebook(folder)
    base = {"purchase": {"date": "2024-08-01", "channel": "online"}, "item": {"custom_made": False}}
    for payment, amount in (({"invoice_price": 90}, 90), ({"invoice_price": 90, "amount_paid": 80}, 80), ({}, None)):
        d = decide({**base, "payment": payment}, book=book)
        (o,) = [o for o in d.obligations if o.rule == "refund-first-known"]
        assert (o.amount, d.outcome) == (amount, "returnable")
    (remark,) = decide(base, book=book).remarks
    assert (remark.code, remark.rule, remark.en, remark.if_outcome) == ("custom", "a-note", "a remark", None)


# -- consequences of an undetermined outcome ---------------------------------------------------------


def test_consequences_of_an_open_outcome_are_listed_as_if_returnable():
    d = decide({"purchase": {"date": "2024-08-01", "channel": "online"}, "item": {"category": "clothing"}})
    assert d.outcome == "undetermined"
    refund = next(dl for dl in d.deadlines if dl.name == "refund_due")
    assert (refund.if_outcome, refund.certain) == ("returnable", True)
    assert {(o.party, o.duty) for o in d.obligations if o.if_outcome == "returnable"} >= {
        ("consumer", "return_goods_accessories_gifts"),
        ("seller", "give_return_address_promptly"),
    }
    assert all(o.if_outcome in (None, "returnable") for o in d.obligations)


def test_a_decided_outcome_has_no_conditional_consequences():
    ev = evaluate(
        __import__("returnlaw").default_rulebook(),
        parse_scenario({"purchase": {"date": "2024-08-01", "channel": "in_store"}}),
    )
    assert ev.outcome == "out_of_scope" and ev.if_returnable is None
    d = ev.decision()
    assert not [x for x in (*d.deadlines, *d.obligations, *d.warnings, *d.remarks) if x.if_outcome]
