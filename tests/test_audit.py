"""Listing audit: breaches and penalty provisions from the rule book's warning rules, judged before
any purchase; and the `returnlaw audit` command."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from returnlaw import InputError, Readings, decide, parse_scenario
from returnlaw.audit import (
    ConfirmationStep,
    Nature,
    Placement,
    StatutoryNature,
    audit_listing,
    listing_facts,
    parse_listing,
)
from returnlaw.cli import main
from returnlaw.listing_scope import listing_view, purchase_facts_in
from returnlaw.scenario import Category, Trigger
from tests.strategies import consistent, scenarios

AUG_2024, JUL_2023 = dt.date(2024, 8, 1), dt.date(2023, 7, 1)

PLAIN_BAG = {
    "id": "bag-1",
    "category": "bags",
    "statutory_natures": [],
    "exclusion_nature": "none",
    "marking": {"shown": True, "placement": "title"},
    "confirmation": {"step": "none"},
    "promise": {"return_days": 7},
}
BLIND_BOX = {
    "id": "box-1",
    "category": "blind_box",
    "statutory_natures": [],
    "exclusion_nature": "contents_revealed",
    "exclusion_trigger": "once_opened_online",
    "marking": {"shown": True, "placement": "near_price"},
    "confirmation": {"step": "per_purchase_checkout", "preselected": False},
    "promise": {},
}


def listing(base: dict, **changes) -> dict:
    out = copy.deepcopy(base)
    out.update(changes)
    return out


def codes(audit) -> tuple[set[str], set[str]]:
    return {f.code for f in audit.breaches}, {f.code for f in audit.penalties}


def test_an_ordinary_bag_marked_not_returnable_is_over_broad_and_punishable():
    audit = audit_listing(PLAIN_BAG, as_of=AUG_2024)
    breaches, penalties = codes(audit)
    assert audit.compliant is False
    assert breaches == {"over_broad_exclusion"}
    assert penalties == {"penalty_over_broad_exclusion"}
    penalty = audit.penalties[0]
    assert {"measures 30", "cpl 56(1)(8)", "regs 50(1)"} <= set(penalty.cite)
    assert audit.citations["cpl 56(1)(8)"].item == 8  # the cited text travels with the audit


def test_the_law_in_force_on_the_as_of_date_decides_which_provisions_apply():
    buried = listing(PLAIN_BAG, category="fresh_food", statutory_natures=["perishable"])
    buried["marking"] = {"shown": True, "placement": "page_bottom"}
    _, penalties_2024 = codes(audit_listing(buried, as_of=AUG_2024))
    breaches_2023, penalties_2023 = codes(audit_listing(buried, as_of=JUL_2023))
    assert penalties_2024 == {"penalty_marking_not_prominent"}  # Regs Arts 19(2), 50(1) from 2024-07-01
    assert "marking_not_prominent" not in breaches_2023 and not penalties_2023


def test_the_listing_as_of_wins_over_the_callers():
    audit = audit_listing(listing(PLAIN_BAG, as_of="2023-07-01"), as_of=AUG_2024)
    assert audit.as_of == JUL_2023
    assert "regs 50(1)" not in audit.citations


def test_an_unlabelled_statutory_exclusion():
    fruit = listing(PLAIN_BAG, category="fresh_food", statutory_natures=["perishable"], marking={"shown": False})
    breaches, penalties = codes(audit_listing(fruit, as_of=AUG_2024))
    assert breaches == {"statutory_exclusion_not_labelled"}
    assert penalties == {"penalty_statutory_exclusion_not_labelled"}


@pytest.mark.parametrize(
    ("confirmation", "breach", "penalty"),
    [
        (
            {"step": "account_terms", "preselected": False},
            "confirmation_not_in_checkout_flow",
            "penalty_confirmation_not_prompted",
        ),
        (
            {"step": "after_payment", "preselected": False},
            "confirmation_not_in_checkout_flow",
            "penalty_confirmation_not_prompted",
        ),
        (
            {"step": "per_purchase_checkout", "preselected": True},
            "confirmation_preselected",
            "penalty_confirmation_preselected",
        ),
        ({"step": "none"}, "confirmation_missing", "penalty_confirmation_not_prompted"),
    ],
)
def test_an_exclusion_by_nature_needs_a_prominent_unticked_per_purchase_confirmation(confirmation, breach, penalty):
    breaches, penalties = codes(audit_listing(listing(BLIND_BOX, confirmation=confirmation), as_of=AUG_2024))
    assert breach in breaches
    assert penalty in penalties


def test_a_lawful_exclusion_by_nature_is_compliant():
    audit = audit_listing(BLIND_BOX, as_of=AUG_2024)
    assert (audit.compliant, audit.breaches, audit.penalties, audit.questions) == (True, [], [], [])


def test_a_listing_that_says_nothing_is_not_called_compliant():
    audit = audit_listing({"id": "blank"}, as_of=AUG_2024)
    assert audit.compliant is None
    assert {"marking", "statutory_natures", "exclusion_nature"} <= set(audit.questions)


def test_purchase_facts_never_become_questions():
    """A sealed CD may lawfully be refused once unsealed: whether it will be is up to the buyer."""
    cd = listing(PLAIN_BAG, category="audio_video", statutory_natures=["sealed_media"])
    audit = audit_listing(cd, as_of=AUG_2024)
    assert audit.breaches == [] and audit.questions == []
    assert audit.compliant is True


def test_a_prominence_left_open_by_the_placement_is_asked():
    other = listing(PLAIN_BAG, category="fresh_food", statutory_natures=["perishable"])
    other["marking"] = {"shown": True, "placement": "other"}
    assert audit_listing(other, as_of=AUG_2024).questions == ["marking.prominent"]
    other["marking"]["prominent"] = False
    assert codes(audit_listing(other, as_of=AUG_2024))[0] == {"marking_not_prominent"}


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"catgory": "bags"}, "catgory", "did you mean 'category'"),
        ({"category": "handbags"}, "category", "handbags"),
        ({"marking": {"shown": "yes"}}, "marking.shown", "true or false"),
        (
            {"marking": {"shown": True, "placement": "page_bottom", "prominent": True}},
            "marking.prominent",
            "contradicts",
        ),
        ({"channel": "in_store"}, "channel", "distance sales"),
        ({"statutory_natures": ["custom_made"] * 5}, "statutory_natures", "at most"),
    ],
)
def test_bad_listings_name_the_field_and_the_reason(data, field, words):
    with pytest.raises(InputError) as caught:
        parse_listing(data)
    assert caught.value.field == field
    assert words in str(caught.value)


def test_a_listing_must_be_a_mapping():
    with pytest.raises(InputError, match="mapping"):
        audit_listing(["bags"])  # type: ignore[arg-type]


# -- the audit's promise: a finding holds for every purchase made from the listing -------------------

listings = st.fixed_dictionaries(
    {
        "category": st.sampled_from([c.value for c in Category]),
        "statutory_natures": st.lists(st.sampled_from([n.value for n in StatutoryNature]), max_size=2),
        "exclusion_nature": st.sampled_from([n.value for n in Nature]),
        "exclusion_trigger": st.sampled_from([t.value for t in Trigger]),
        "marking": st.fixed_dictionaries(
            {"shown": st.booleans(), "placement": st.sampled_from([p.value for p in Placement if p != "other"])}
        ),
        "confirmation": st.fixed_dictionaries(
            {"step": st.sampled_from([s.value for s in ConfirmationStep]), "preselected": st.booleans()}
        ),
    }
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(listings, scenarios())
def test_every_finding_holds_for_every_purchase_from_the_listing(data, purchase):
    item = parse_listing(data)
    day = purchase["purchase"]["date"]
    facts, _ = listing_facts(item)
    try:
        audit = audit_listing(item, as_of=day)
    except InputError as err:  # a statutory nature its category cannot have (issue #12): refused, named
        assert "contradicts item.category" in str(err), err
        return
    completed = copy.deepcopy(purchase)
    if {"consumer_confirmed", "confirmation_in_checkout_flow"} & set(facts.get("listing", {})):
        completed["listing"].pop("confirmation_form", None)  # the listing's confirmation replaces the purchase's
    for section, values in facts.items():
        completed.setdefault(section, {}).update(values)
    try:  # the purchase's facts made to fit the listing's category (issue #12)
        scenario = parse_scenario(consistent(completed), today=dt.date(2030, 1, 1))
    except InputError as err:  # then the listing's own facts contradict its category
        assert "contradicts item.category" in str(err) and facts.get("item"), err
        return
    decision = decide(scenario, as_of=day, readings=Readings(counting="calendar_only"))
    found = {w.code for w in decision.warnings}
    assert {f.code for f in [*audit.breaches, *audit.penalties]} <= found


@settings(max_examples=100, deadline=None)
@given(listings)
def test_a_listing_settles_only_facts_the_same_for_every_purchase(data):
    """What the audit reads from a listing is what a listing settles (returnlaw.listing_scope), so
    a regulator's decision on a listing replays (decides: listing) as the audit would judge it."""
    facts, _ = listing_facts(parse_listing(data))
    try:
        scenario = parse_scenario(facts)
    except InputError as err:  # a nature the category cannot have: refused before any judging
        assert "contradicts item.category" in str(err), err
        return
    assert purchase_facts_in(scenario) == []
    assert listing_view(scenario) == scenario


# -- returnlaw audit FILE ----------------------------------------------------------------------------


def test_cli_audits_a_list_of_listings_and_fails_on_a_bad_one(tmp_path, capsys):
    path = tmp_path / "listings.json"
    bad = {"id": "bad", "catgory": "bags"}
    path.write_text(json.dumps([PLAIN_BAG, BLIND_BOX, bad]), encoding="utf-8")
    code = main(["audit", str(path), "--as-of", "2024-08-01", "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 2
    assert "bag-1: breaches" in out and "over_broad_exclusion" in out and "CPL Art. 56(1)(8)" in out
    assert "box-1: compliant" in out
    assert "#3: invalid listing: catgory: unknown field" in out


def test_cli_audits_json_lines_as_json(tmp_path, capsys):
    path = tmp_path / "listings.jsonl"
    path.write_text(json.dumps(BLIND_BOX) + "\n" + json.dumps(PLAIN_BAG) + "\n{oops\n", encoding="utf-8")
    code = main(["audit", str(path), "--as-of", "2024-08-01", "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 2
    assert [x.get("id") for x in lines[:2]] == ["box-1", "bag-1"]
    assert lines[0]["compliant"] is True and lines[1]["compliant"] is False
    assert lines[2]["index"] == 2 and "invalid JSON" in lines[2]["error"]


def test_cli_exit_code_1_for_breaches_0_for_compliant(tmp_path, capsys):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(json.dumps(BLIND_BOX), encoding="utf-8")
    bad.write_text(json.dumps(PLAIN_BAG), encoding="utf-8")
    assert main(["audit", str(good), "--as-of", "2024-08-01"]) == 0
    assert main(["audit", str(bad), "--as-of", "2024-08-01", "--lang", "zh"]) == 1
    out = "".join(line.strip() for line in capsys.readouterr().out.splitlines())  # lines joined back
    assert "《消费者权益保护法》第五十六条第一款第（八）项" in out and "《消法》" not in out
    assert "bag-1：存在违规（适用2024年8月1日施行的规定）" in out


def test_cli_missing_file_is_one_line_exit_2(tmp_path, capsys):
    assert main(["audit", str(tmp_path / "nope.json")]) == 2
    err = capsys.readouterr().err
    assert "cannot read" in err and "Traceback" not in err
