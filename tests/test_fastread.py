"""The fast reader (``returnlaw.fastread``) and the careful reader (``load_data`` +
``parse_scenario``) accept and refuse the same inputs, with the same scenario or the same message.

Inputs are valid scenarios (from the differential genome) written as JSON and then damaged the
ways the careful reader is there for: a key given twice (in an object at any depth, with spaces
before the colon), an unknown field, a wrong type (``true`` for a number, ``1.0`` for a whole
number, a number for text), a huge integer, deep nesting, a date that does not exist, a date in
the future, ``NaN``, a byte order mark, a string holding ``":``, YAML; or given odd values that may
be valid (money as text or as numbers, moments with offsets, escaped quotes) or spaced out. The
scenarios are compared exactly: the fields given and every value's type and repr, not ``==``.
``RETURNLAW_FASTREAD_EXAMPLES`` sets the number of examples (default 1,500).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import typing
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from returnlaw.facts import FACTS
from returnlaw.fastread import counted_scenario, fast_object, read_scenario
from returnlaw.inputs import InputError, load_data, parse_scenario
from returnlaw.scenario import Scenario
from tests.test_differential import GENOME, TODAY, from_genome

EXAMPLES = int(os.environ.get("RETURNLAW_FASTREAD_EXAMPLES", "1500"))


def careful(raw: str | bytes) -> tuple[str, Any]:
    try:
        return "ok", exactly(parse_scenario(load_data(raw), today=TODAY))
    except InputError as err:
        return "error", str(err)


def fast(raw: str | bytes) -> tuple[str, Any]:
    try:
        return "ok", exactly(read_scenario(raw, today=TODAY))
    except InputError as err:
        return "error", str(err)


def exactly(value: Any) -> Any:
    """A model as everything that tells two apart: its class, the fields given, and every value
    with its type and repr (``==`` takes Decimal("1.10") for Decimal("1.1"), 233 for 233.0)."""
    if isinstance(value, BaseModel):
        fields = tuple((name, exactly(v)) for name, v in value.__dict__.items())
        return type(value).__name__, frozenset(value.model_fields_set), fields
    if type(value) is tuple:
        return tuple(exactly(v) for v in value)
    return type(value).__name__, repr(value)


def as_json(data: dict[str, Any]) -> str:
    return json.dumps(data, default=str, ensure_ascii=False)


def damage(text: str, data: dict[str, Any], how: int, where: int) -> str | bytes:
    sections = [k for k, v in data.items() if isinstance(v, dict) and v]
    section = sections[where % len(sections)]
    field = sorted(data[section])[where % len(data[section])]
    body = dict(data[section])
    if how == 0:  # a key given twice, inside a section
        inner = as_json(body)[:-1] + f', "{field}" : {json.dumps(body[field], default=str)}}}'
        return text.replace(as_json(body), inner, 1) if as_json(body) in text else text[:-1] + f', "{section}": {{}}}}'
    if how == 1:  # a section given twice at the top
        return text[:-1] + f', "{section}": {as_json(body)}}}'
    if how == 2:  # an unknown field
        return as_json({**data, section: {**body, field + "_x": 1}})
    if how == 3:  # a wrong type: true, 1.0, a number for text, a list
        wrong = [True, 1.0, 7, [1], "7", None, 1e300][where % 7]
        return as_json({**data, section: {**body, field: wrong}})
    if how == 4:  # a huge integer
        return as_json({**data, section: {**body, field: 10 ** (19 + where % 30)}})
    if how == 5:  # nesting
        nested: Any = 1
        for _ in range(15 + where % 10):
            nested = {"a": nested}
        return as_json({**data, section: {**body, field: nested}})
    if how == 6:  # a date that does not exist, or one in the future
        bad = ["2023-02-29", "2024-13-01", "2031-01-01", "2024-02-29", "2029-12-31T23:59:00"][where % 5]
        return as_json({**data, "purchase": {**data["purchase"], "date": bad}})
    if how == 7:  # a string that holds '":' (counts as a key end but is not one)
        if where % 2:
            return as_json({**data, "id_note": 'a":b'})
        return as_json({**data, section: {**body, field: 'x": 1'}})
    if how == 8:  # NaN, Infinity, a byte order mark, YAML
        odd = [text.replace("}", ', "x": NaN}', 1), "\ufeff" + text, text.encode("utf-8-sig"), "purchase: {}"]
        return odd[where % 4]
    if how == 9:  # a value that is odd but may be valid: numbers as text and text as numbers, escapes
        values = ODD_VALUES["other"]
        if where % 4:  # a fact of a kind with odd values of its own
            spec = FACTS[ODD_FACTS[where % len(ODD_FACTS)]]
            section, _, field = spec.path.partition(".")
            body, values = dict(data.get(section, {})), ODD_VALUES[spec.kind]
        value = values[(where // 4) % len(values)]
        return as_json({**data, section: {**body, field: value}}).replace("QUOTE", "\\u0022")
    if how == 10:  # spaces and line breaks where JSON allows them
        return json.dumps(data, default=str, indent=where % 4, separators=(", ", " : ") if where % 2 else None)
    return text.encode()


ODD_VALUES: dict[str, list[Any]] = {  # by the kind of fact (returnlaw.facts) they are put in
    "number": [
        "12.10", 12.1, 12, 0, "0.00", "00.5", " 1.5", "1e3", "1_000", "-0", -0.0, 1e6, 1e6 + 1, 2**63, 2**64, 233,
        233.0, 7, 3650, "\uff11\uff12", 0.1, "0.10", 999999999999.99, "1000000000000.00", "1000000000000.01",
    ],
    "date": ["2024-02-29", "2024-02-29T00:00:00", "2024-02-29T00:00+08:00", "20240229", "2024-W09-4", "2024-2-9"],
    "moment": [
        "2024-02-29T10:00+08:00", "2024-02-29T23:30:00Z", "2024-02-29 10:00", "2024-02-29T10:00:00.5", "20240229",
        "2024-02-29T10:00-05:00", "2024-02-29",
    ],
    "text": ["QUOTE:", 'a" : b', "\u00e9\u4e2d", "x" * 2001, "", "a\\"],
    "set": [[], ["not_intact"], ["abuse", "abuse"], ["defect"], ["custom_made", "out_of_time"]],
    "other": [
        True, None, "12.10", 12.1, "QUOTE:", [], ["not_intact"], {}, {"orders": 1, "returns": 2},
        [{"method": "wallet", "amount": 1}], [{"method": "wallet", "amount": "1.10"}], [{"returned": False}],
    ],
}  # fmt: skip
ODD_FACTS = sorted(p for p, spec in FACTS.items() if not spec.derived and spec.kind in ODD_VALUES)


@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(GENOME, st.integers(0, 11), st.integers(0, 1000))
def test_both_readers_accept_and_refuse_the_same_inputs_alike(genome, how, where):
    data, _ = from_genome(genome)
    text = as_json(data)
    raw = damage(text, json.loads(text), how, where)
    assert fast(raw) == careful(raw), raw


def test_the_fast_reader_itself_reads_ordinary_scenarios():
    """Not everything falls back: a plain scenario, with or without spaces, is read by orjson."""
    data, _ = from_genome(bytes(300))
    text = as_json(data)
    assert fast_reads(text) and fast_reads(text.encode())
    assert fast_reads(json.dumps(json.loads(text), indent=2))


def fast_reads(raw: str | bytes) -> bool:
    """Whether the fast reader reads ``raw`` itself (without the careful reader)."""
    data = fast_object(raw)
    return data is not None and counted_scenario(data, raw) is not None


def test_what_the_fast_reader_leaves_to_the_careful_one():
    assert not fast_reads('{"item": {"custom_made": true}, "item": {}}')  # a key given twice
    assert not fast_reads('{"item": {"custom_made": true, "custom_made" :false}}')
    assert not fast_reads('{"dispute": {"hours_held": 123456789012345678901234}}')  # orjson makes it a float
    assert not fast_reads('{"dispute": {"hours_held": NaN}}')
    assert not fast_reads("purchase: {date: 2024-01-01}")  # YAML
    deep: Any = 1
    for _ in range(25):
        deep = [deep]
    assert not fast_reads(json.dumps({"promise": {"conditions": deep}}))
    assert not fast_reads('{"item": {"description": "x\\":"}}')  # a string holding '":': the careful reader decides
    assert fast_reads('{"item": {"description": "x"}}') and fast_reads('{"dispute": {"hours_held": 12.5}}')


def test_a_date_in_the_future_is_refused_alike():
    data, _ = from_genome(bytes(300))
    data["purchase"]["date"] = TODAY + dt.timedelta(days=30)
    raw = as_json(data)
    assert fast(raw)[0] == "error" and fast(raw) == careful(raw)


def test_a_key_given_twice_is_the_careful_readers_even_where_validation_would_accept_it():
    """orjson keeps the last value: the fast reader counts the models' given fields against the
    places in the text where a key can end, so each of these is refused as the careful reader
    refuses it (and none reaches pydantic's result unnoticed)."""
    twice = [
        '{"item": {"custom_made": true, "custom_made": true}}',  # the same value twice
        '{"item": {"custom_made": true}, "item": {"custom_made": true}}',
        '{"item": {"description": "\\u0022:", "description": "\\u0022:"}}',  # '":' written as an escape
        '{"payment": {"parts": [{"method": "wallet", "amount": "1.00", "amount": "1.00"}]}}',
        '{"conduct": {"return_history": {"orders": 2, "orders": 2}}}',
        '{"gifts": [{"returned": true, "returned" :true}]}',
    ]
    for raw in twice:
        assert fast(raw)[0] == "error" and "given twice" in fast(raw)[1], raw
        assert fast(raw) == careful(raw) and fast(raw.encode()) == careful(raw), raw


def test_the_fast_reader_accepts_what_it_counts_exactly():
    """Ordinary scenarios, compact or spaced, text or bytes, with a string holding '":', and the
    section ``return`` under its field name ``return_``: the same scenario as the careful reader."""
    data, _ = from_genome(bytes(300))
    text = as_json(data)
    odd = {**data, "item": {**data.get("item", {}), "description": 'a "quoted": word'}}
    for raw in (text, text.encode(), json.dumps(data, indent=2, default=str), as_json(odd)):
        assert fast(raw)[0] == "ok" and fast(raw) == careful(raw)
    renamed = as_json({("return_" if k == "return" else k): v for k, v in data.items()})
    assert fast(renamed) == careful(renamed)
    both = '{"return": {}, "return_": {}}'
    assert fast(both) == careful(both)


def _models(model: type[BaseModel]) -> set[type[BaseModel]]:
    """``model`` and every model its fields hold (through unions and tuples)."""
    found = {model}
    stack = [field.annotation for field in model.model_fields.values()]
    while stack:
        annotation = stack.pop()
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation not in found:
            found |= _models(annotation)
        stack.extend(typing.get_args(annotation))
    return found


def test_no_float_orjson_makes_of_a_long_integer_fits_any_field():
    """The fast reader validates orjson's data without the careful reader's walk for numbers:
    orjson reads an integer past 64 bits as a float, which must then be refused wherever it
    stands (so the careful reader, which keeps the integer, words it)."""
    models = _models(Scenario)
    assert len(models) > 10
    for model in models:
        for name, field in model.model_fields.items():
            key = field.alias or name
            for huge in (orjson.loads(str(2**64)), orjson.loads(str(-(2**63) - 1))):
                assert type(huge) is float
                with pytest.raises(ValidationError) as err:
                    model.model_validate({key: huge})
                assert any(tuple(e["loc"])[:1] == (key,) for e in err.value.errors()), (model, key)
