"""The decision JSON assembled from pre-encoded fragments (``returnlaw.decision_bytes``) is byte for
byte the JSON of the whole document (``pydantic_core.to_json``, the writer it replaces) and of the
pydantic model, whatever was met before; and only the rule book's shared entries are kept."""

from __future__ import annotations

import datetime as dt

import pydantic_core
from hypothesis import given, settings
from hypothesis import strategies as st

from returnlaw import evaluate, load_rulebook, parse_scenario
from returnlaw.decision import _cache, _decision_data, decision_json
from returnlaw.decision_bytes import _ENCODED, _PAIRS, _is_shared, encode_decision
from tests.strategies import forget, readings, scenarios

BOOK = load_rulebook()  # its own memo: what other test files decided does not warm it


@settings(max_examples=200, deadline=None)
@given(scenarios(), readings, st.lists(st.booleans(), min_size=80, max_size=80), st.booleans())
def test_the_assembled_decision_is_the_whole_documents_json(data, r, mask, keep_date):
    partial = forget(data, mask)
    if keep_date:
        partial["purchase"]["date"] = data["purchase"]["date"]
    ev = evaluate(BOOK, parse_scenario(partial, today=dt.date(2030, 1, 1)), readings=r)
    whole = pydantic_core.to_json(_decision_data(ev))
    assert decision_json(ev) == whole  # first sight or from the memo
    assert decision_json(ev) == whole  # the second time every shared entry is pre-encoded
    assert whole == ev.decision().model_dump_json().encode()


def test_only_shared_entries_are_kept_and_a_changed_entry_is_not_served_stale():
    memo = _cache(BOOK)
    for day in ("2014-06-01", "2018-01-01", "2025-01-01"):
        ev = evaluate(BOOK, parse_scenario({"purchase": {"date": day}, "item": {"category": "clothing"}}))
        decision_json(ev)
    kept = memo[_ENCODED]
    assert kept and all(_is_shared(memo, entry) for entry, _ in kept.values())
    assert all(_is_shared(memo, entry) for entry, _ in memo[_PAIRS].values())
    # a per-call entry equal to a shared one but another object is encoded afresh, never looked up
    data = _decision_data(ev)
    ref = next(iter(data["citations"]))
    copy = {
        **data,
        "reasons": [{**data["reasons"][0], "title_en": "changed"}, *data["reasons"][1:]],
        "citations": {**data["citations"], ref: {**data["citations"][ref], "en": "changed too"}},
    }
    assert b'"title_en":"changed"' in encode_decision(copy, memo)
    assert b'"en":"changed too"' in encode_decision(copy, memo)
    assert encode_decision(copy, memo) == pydantic_core.to_json(copy)
