"""The fast JSON writer and the pydantic model are one contract: byte-identical output."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from returnlaw import decide_json, default_rulebook, evaluate, parse_scenario
from returnlaw.decision import Decision, decision_json
from tests.strategies import forget, readings, scenarios

BOOK = default_rulebook()


@settings(max_examples=150, deadline=None)
@given(scenarios(), readings, st.lists(st.booleans(), min_size=80, max_size=80))
def test_fast_json_equals_the_models_json(data, r, mask):
    partial = forget(data, mask)
    partial["purchase"]["date"] = data["purchase"]["date"]
    ev = evaluate(BOOK, parse_scenario(partial, today=dt.date(2030, 1, 1)), readings=r)
    assert decision_json(ev) == ev.decision().model_dump_json().encode()


def test_decide_json_round_trips_through_the_model():
    text = decide_json(b'{"purchase": {"date": "2024-08-01", "channel": "in_store"}}')
    decision = Decision.model_validate_json(text)
    assert decision.outcome == "out_of_scope"
    assert json.loads(text)["reasons"][0]["rule"]


def test_every_reason_that_applied_has_its_provision_texts():
    ev = evaluate(BOOK, parse_scenario({"purchase": {"date": "2024-08-01", "channel": "in_store"}}))
    data = json.loads(decision_json(ev))
    for reason in data["reasons"]:
        if reason["status"] != "not_applicable":
            assert all(ref in data["citations"] for ref in reason["cite"]), reason["rule"]
