"""The compact decision (``returnlaw.compact``) says what the full decision says about the same
things: outcome, the rules that settle the legal variables and their provisions, warnings,
obligations, questions, deadlines; and ``decide_compact_json`` / ``decide_json_bytes`` keep the
contracts of ``decide_json``."""

from __future__ import annotations

import json
import random

import orjson
import pytest

import returnlaw
from returnlaw.compact import COMPACT_FIELDS, compact_data, compact_json
from returnlaw.decision import decision_json
from returnlaw.evaluator import evaluate
from returnlaw.inputs import InputError
from tests.test_differential_compiled import BOOK, case

SAMPLES = 400


def evaluations():
    rng = random.Random(1515)
    for i in range(SAMPLES):
        built = case(rng.randbytes(300), rng.randbytes(120) if i % 3 == 0 else b"", rng.choice([0, 0, 800]), None)
        if built is not None:
            yield evaluate(BOOK, built[0], readings=built[1])


def test_the_compact_decision_agrees_with_the_full_decision():
    seen = {"deciding": 0, "warnings": 0, "obligations": 0, "questions": 0, "if_returnable": 0}
    for ev in evaluations():
        compact = json.loads(compact_json(ev))
        full = json.loads(decision_json(ev))
        assert tuple(compact) == COMPACT_FIELDS
        assert compact["outcome"] == full["outcome"] and compact["as_of"] == full["as_of"]
        applied = {r["rule"]: r for r in full["reasons"] if r["status"] == "applied" and r["group"] != "effects"}
        assert [d["rule"] for d in compact["deciding"]] == list(applied)
        for d in compact["deciding"]:
            assert d["cite"] == applied[d["rule"]]["cite"] and d["group"] == applied[d["rule"]]["group"]
            if d["value"] is not None:  # the value it sets is the variable's value, or an earlier rule's
                assert d["group"] in full["variables"]
        assert compact["warnings"] == list(
            dict.fromkeys(w["code"] for w in full["warnings"] if w["if_outcome"] is None)
        )
        keys = ("party", "duty", "amount", "certain", "if_outcome")
        assert compact["obligations"] == [{k: o[k] for k in keys} for o in full["obligations"]]
        assert compact["questions"] == full["questions"]
        certain = {d["name"]: d for d in full["deadlines"] if d["certain"] and d["if_outcome"] is None}
        for name, day in compact["deadlines"].items():
            if name in certain and certain[name].get("last_day") is not None:
                assert day == certain[name]["last_day"]
        seen["deciding"] += bool(compact["deciding"])
        seen["warnings"] += bool(compact["warnings"])
        seen["obligations"] += bool(compact["obligations"])
        seen["questions"] += bool(compact["questions"])
        seen["if_returnable"] += any(o["if_outcome"] for o in compact["obligations"])
    assert all(n >= 10 for n in seen.values()), seen  # the sample exercises every part


def test_compact_and_bytes_variants_read_json_as_decide_json_does():
    text = json.dumps({"purchase": {"date": "2024-03-01", "channel": "online"}, "item": {"category": "clothing"}})
    assert returnlaw.decide_json_bytes(text.encode()) == returnlaw.decide_json(text).encode()
    compact = orjson.loads(returnlaw.decide_compact_json(text.encode()))
    assert compact["outcome"] == json.loads(returnlaw.decide_json(text))["outcome"]
    for bad in (b'{"purchase": {"date": "2024-03-01"}, "purchase": {}}', b'{"item": {"category": "no such"}}'):
        with pytest.raises(InputError) as compact_err:
            returnlaw.decide_compact_json(bad)
        with pytest.raises(InputError) as full_err:
            returnlaw.decide_json(bad)
        assert str(compact_err.value) == str(full_err.value)


def test_compact_data_has_no_explanation():
    ev = next(iter(evaluations()))
    data = compact_data(ev)
    assert "reasons" not in data and "citations" not in data
    assert len(compact_json(ev)) < len(decision_json(ev)) / 5
