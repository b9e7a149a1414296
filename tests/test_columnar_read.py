"""The columnar reader (``returnlaw.columnar_read``) against the row path (``batch._scenario``).

A row the reader takes must be one the row path accepts, and every column must hold the
encoding of that row's Scenario (the raw field for facts read with a getter, the derived value
for derived facts), written here independently and simply. Rows are generated scenarios
(tests/strategies.py), some with facts forgotten, written as JSON and then damaged: a key given
twice, a wrong type, an unknown field, a bad or future date, values that contradict each other
(any value of any choice put in any field), huge integers, ``true`` or ``1.0`` as the id, moments
with a time of day, and the damage of tests/test_fastread.py. Valid rows without a time of day
must all be taken, and so must nearly all of the benchmark mix.
``RETURNLAW_COLREAD_EXAMPLES`` sets the number of hypothesis examples (default 150).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from decimal import Decimal
from enum import StrEnum
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from returnlaw import batch, columnar_read
from returnlaw.batch import BatchOptions, _scenario
from returnlaw.columnar_read import Columns, column_kinds, model_validators, read_lines
from returnlaw.facts import _READ_WITH, FACTS
from returnlaw.inputs import InputError
from returnlaw.scenario import Gift, PaymentPart, ReturnHistory, Scenario, read_path
from tests.strategies import GENOME_SIZE, forget, from_genome
from tests.test_fastread import damage

EXAMPLES = int(os.environ.get("RETURNLAW_COLREAD_EXAMPLES", "150"))
TODAY = dt.date(2030, 1, 1)
OPTS = BatchOptions(today=TODAY)
GENOME = st.binary(min_size=GENOME_SIZE, max_size=GENOME_SIZE)
TYPED = columnar_read.TYPED


@pytest.fixture(autouse=True, scope="module", params=["msgspec", "orjson"])
def decoder(request: pytest.FixtureRequest) -> Any:
    """Every test of this module runs with each decoder: msgspec's structs (the default where
    msgspec is installed) and orjson's dicts (without it)."""
    if request.param == "msgspec" and TYPED is None:
        pytest.skip("msgspec is not installed")
    columnar_read.TYPED = TYPED if request.param == "msgspec" else None
    yield request.param
    columnar_read.TYPED = TYPED


def read_both(lines: list[Any]) -> tuple[Columns, Columns]:
    saved = columnar_read.TYPED
    try:
        columnar_read.TYPED = TYPED
        typed = read_lines(lines, TODAY)
        columnar_read.TYPED = None
        parsed = read_lines(lines, TODAY)
    finally:
        columnar_read.TYPED = saved
    return typed, parsed


# -- the expected columns, encoded simply ----------------------------------------------------------


def expected(scenario: Scenario, path: str) -> Any:
    """The encoding of the row path's value of ``path`` (columnar_read's docstring)."""
    spec = FACTS[path]
    value = read_path(scenario, path) if path in _READ_WITH or not spec.derived else spec.get(scenario)
    if spec.kind == "bool":
        return -1 if value is None else int(value)
    if spec.kind == "enum":
        return -1 if value is None else spec.values.index(value.value)
    if spec.kind == "set":
        return -1 if value is None else sum(1 << spec.values.index(m.value) for m in value)
    if spec.kind in ("date", "moment"):
        assert not isinstance(value, dt.datetime), f"{path}: a moment with a time of day was taken"
        return 0 if value is None else value.toordinal()
    assert spec.kind == "number", path
    return math.nan if value is None else float(value)


def check_taken(lines: list[Any], columns: Columns) -> int:
    """Every taken row is accepted by the row path, with the same id and facts; returns how many."""
    assert sorted(columns.values) == sorted(column_kinds())
    assert all(len(column) == len(lines) for column in columns.values.values())
    for i in np.flatnonzero(columns.taken).tolist():
        scenario, ident = _scenario(lines[i], OPTS)  # raises InputError if the row path refuses it
        assert columns.ident[i] == (None if ident is None else str(ident)), lines[i]
        for path, column in columns.values.items():
            want, got = expected(scenario, path), column[i].item()
            same = math.isnan(got) if isinstance(want, float) and math.isnan(want) else got == want
            assert same, (path, want, got, lines[i])
    return int(columns.taken.sum())


# -- writing rows --------------------------------------------------------------------------------


def as_json(data: Any, money_as_numbers: bool = False) -> str:
    def default(value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return float(value) if money_as_numbers else str(value)
        raise TypeError(value)

    return json.dumps(data, default=default, ensure_ascii=False)


def has_time_of_day(data: dict[str, Any]) -> bool:
    moments = (data.get("delivery", {}).get("signed_at"), data.get("return", {}).get("notice_sent_at"))
    return any(isinstance(m, dt.datetime) for m in moments)


def row_path_accepts(line: Any) -> bool:
    try:
        _scenario(line, OPTS)
    except InputError:
        return False
    return True


# Values put into any field: every value of every choice (so that facts contradict each other),
# and values of the wrong type or out of bounds.
CHOICES = sorted({v for spec in FACTS.values() for v in spec.values})
ODD = [
    True, False, None, 0, 1, -1, 1.0, 7, 7.5, 3650, 3651, 10**9, 10**9 + 1, 2**63, 10**30, 1e6, 1e6 + 1, 0.001,
    "", "yes", "7", "12.34", "12.345", "-1.00", "1e2", " 1.5", "00.5", "1000000000000.00", "1000000000000.01",
    "2024-02-29", "2023-02-29", "2024-2-9", "20240229", "2024-03-01T10:00", "2024-03-01T00:00:00",
    "2024-03-01T00:00+08:00", "2031-05-05", "x" * 2001, 'a":', [], ["not_intact"], ["abuse", "abuse"],
    ["defect", "longer_period"], ["x"] * 51, {}, {"orders": 1, "returns": 2}, {"orders": 3, "returns": 2},
    [{"method": "wallet", "amount": "1.10"}], [{"method": "points", "amount": 2}, {"method": "wallet", "amount": 1}],
    [{"amount": "1.00"}], [{"returned": False}], [{"returned": False, "marked_price": "2.50"}, {"kind": "coupon"}],
]  # fmt: skip
SECTION_FIELDS = {
    (field.alias or name): list(field.annotation.model_fields)
    for name, field in Scenario.model_fields.items()
    if name != "gifts"
}
SECTIONS = [key for key in columnar_read._TOP_KEYS if key not in ("id", "gifts")]
FIELDS = {  # the fields of every object a row may hold, and one no model has
    "top": ["not_a_field"],
    "gifts": [*Gift.model_fields, "not_a_field"],
    "payment.parts": [*PaymentPart.model_fields, "not_a_field"],
    "conduct.return_history": [*ReturnHistory.model_fields, "not_a_field"],
    **{key: [*fields, "not_a_field"] for key, fields in SECTION_FIELDS.items()},
}


@st.composite
def rows(draw: st.DrawFn) -> tuple[dict[str, Any], list[Any]]:
    """A generated scenario (facts forgotten at random) and rows of it: as is, and damaged."""
    data, _ = from_genome(draw(GENOME))
    if draw(st.booleans()):
        data = forget(data, draw(st.lists(st.booleans(), min_size=120, max_size=120)))
    out: list[Any] = [as_json(data), as_json(data, money_as_numbers=True).encode()]
    for _ in range(draw(st.integers(1, 4))):
        out.append(draw(damaged(data)))
    return data, out


@st.composite
def damaged(draw: st.DrawFn, data: dict[str, Any]) -> Any:
    how = draw(st.integers(0, 5))
    if how == 0:  # any value in any field (a section's, a gift's, a payment part's) or in a new one
        copy = json.loads(as_json(data))
        section = draw(st.sampled_from(sorted(FIELDS)))
        value = draw(st.sampled_from(CHOICES) | st.sampled_from(ODD))
        holder = _holder(copy, section) if section != "top" else copy
        holder[draw(st.sampled_from(FIELDS[section]))] = value
        return as_json(copy)
    if how == 1:  # the id
        ident = draw(st.sampled_from(["o-1", 12, -(10**39), 10**39, 10**40, 2**64, True, 1.0, None, [], "1"]))
        return (
            as_json({"id": ident, **data})
            if not isinstance(ident, int) or abs(ident) < 2**64
            else ('{"id": ' + str(ident) + ", " + as_json(data)[1:])
        )
    if how == 2:  # a key given twice, at the top or in a section, with the same or another value
        text = as_json(data)
        section = draw(st.sampled_from(SECTIONS))
        return (
            text[:-1] + f', "{section}": {{}}}}'
            if draw(st.booleans())
            else text.replace(
                f'"{section}": {{', f'"{section}": {{"{draw(st.sampled_from(_names(data, section)))}" : null, ', 1
            )
        )
    if how == 3:  # a section null, a list or not there; the section return as return_
        copy = json.loads(as_json(data))
        section = draw(st.sampled_from(SECTIONS))
        change = draw(st.integers(0, 3))
        if change == 3:
            copy = {("return_" if k == "return" else k): v for k, v in copy.items()}
        else:
            copy[section] = [None, [], "x"][change]
        return as_json(copy)
    if how == 4:  # a date moved: before another, into the future, with a time of day
        copy = json.loads(as_json(data))
        path = draw(
            st.sampled_from(["purchase.date", "delivery.signed_at", "return.notice_sent_at", "return.shipped_at"])
        )
        section, _, name = path.partition(".")
        day = TODAY + dt.timedelta(days=draw(st.integers(-6000, 5)))
        copy.setdefault(section, {})[name] = day.isoformat() + draw(st.sampled_from(["", "T10:00", "T00:00"]))
        return as_json(copy)
    text = as_json(data)  # tests/test_fastread.py's damage
    return damage(text, json.loads(text), draw(st.integers(0, 11)), draw(st.integers(0, 1000)))


def _holder(data: dict[str, Any], section: str) -> dict[str, Any]:
    if section == "gifts":
        gifts = data.setdefault("gifts", [])
        if not gifts:
            gifts.append({"kind": "item"})
        return gifts[0]
    if section == "conduct.return_history":
        return data.setdefault("conduct", {}).setdefault("return_history", {})
    if section == "payment.parts":
        parts = data.setdefault("payment", {}).setdefault("parts", [{"method": "wallet", "amount": "1.00"}])
        return parts[0] if parts else data["payment"]
    return data.setdefault(section, {})


def _names(data: dict[str, Any], section: str) -> list[str]:
    return sorted(data.get(section) or {"x": 1})


# -- the properties ------------------------------------------------------------------------------


@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(rows())
def test_a_taken_row_is_the_row_paths_with_the_same_facts(case):
    data, lines = case
    columns = read_lines(lines, TODAY)
    check_taken(lines, columns)
    # valid rows with no time of day are all taken: a reader that takes nothing fails here
    for i in (0, 1):
        if not has_time_of_day(data) and row_path_accepts(lines[i]):
            assert columns.taken[i], lines[i]


@settings(max_examples=max(10, EXAMPLES // 3), deadline=None, database=None)
@given(st.lists(GENOME, min_size=5, max_size=20))
def test_valid_generated_scenarios_are_nearly_all_taken(genomes):
    datas = [from_genome(g)[0] for g in genomes]
    lines = [as_json(d).encode() for d in datas]
    columns = read_lines(lines, TODAY)
    plain = [i for i, d in enumerate(datas) if not has_time_of_day(d)]
    assert all(columns.taken[i] for i in plain)
    assert not any(columns.taken[i] for i, d in enumerate(datas) if has_time_of_day(d))
    check_taken(lines, columns)


def test_the_benchmark_mix_is_nearly_all_taken():
    from benchmarks import mix

    lines = [f'{{"id":"order-{i}",{mix.to_json(d)[1:]}'.encode() for i, d in enumerate(mix.scenarios(2000, 1))]
    columns = read_lines(lines, TODAY)
    assert columns.taken.mean() > 0.95
    sample = list(range(0, len(lines), 10))
    check_taken([lines[i] for i in sample], read_lines([lines[i] for i in sample], TODAY))
    assert columns.ident[3] == "order-3"


# -- examples ------------------------------------------------------------------------------------------


PLAIN = '{"purchase": {"date": "2024-03-01"}, "delivery": {"signed_at": "2024-03-02"}}'


@pytest.mark.parametrize(
    "line",
    [
        '{"id": true, "purchase": {"date": "2024-03-01"}}',
        '{"id": 1.0, "purchase": {"date": "2024-03-01"}}',
        '{"purchase": {"date": "2024-03-01", "date": "2024-03-02"}}',
        '{"purchase": {"date": "2024-03-01"}, "purchase": {}}',
        '{"delivery": {"signed_at": "2024-03-02T10:00"}}',
        '{"promise": {"return_days": 7.0}}',
        '{"promise": {"return_days": 100000000000000000000000}}',
        '{"purchase": {"date": "2023-02-29"}}',
        '{"purchase": {"date": "2030-01-03"}}',
        '{"item": {"category": "furniture", "perishable": true}}',
        '{"dispute": {"seller_alleges_not_intact": true, "seller_grounds": []}}',
        '{"delivery": {"signed_at": "2024-03-02", "status": "in_transit"}}',
        '{"listing": {"confirmation_form": "checkout_step", "consumer_confirmed": false}}',
        '{"conduct": {"return_history": {"orders": 1, "returns": 2}}}',
        '{"payment": {"parts": [{"amount": "1.00"}]}}',
        '{"gifts": [{"returned": false, "returned": false}]}',
        '{"item": {"price": "1.005"}}',
        '{"return_": {"shipped_at": "2024-03-01"}}',
        '{"item": {"colour": "red"}}',
        '{"colour": "red"}',
        '{"dispute": {"seller_grounds": ["abuse", "abuse"]}}',
        '{"dispute": {"consumer_claims": ["defect", "none"]}}',
        '{"dispute": {"hours_held": -1}}',
        '{"dispute": {"hours_held": 1000000.5}}',
        '{"dispute": {"hours_held": true}}',
        '{"promise": {"return_days": 6}}',
        '{"promise": {"return_days": 3651}}',
        '{"conduct": {"return_history": {"orders": 1000000001}}}',
        '{"item": {"description": "%s"}}' % ("x" * 2001),
        '{"purchase": {"order_id": "%s"}}' % ("x" * 201),
        '{"promise": {"conditions": ["x", 1]}}',
        '{"item": {"price": "1000000000000.01"}}',
        '{"item": {"price": -1}}',
        '{"item": {"price": "1e2"}}',
        '{"purchase": {"channel": "Online"}}',
        '{"purchase": null}',
        '{"gifts": null}',
        '{"payment": {"parts": [{"method": "wallet", "amount": "1.00"}], "parts": null}}',
    ],
)
def test_rows_left_to_the_row_path(line):
    assert not read_lines([line, PLAIN], TODAY).taken[0]
    assert read_lines([line, PLAIN], TODAY).taken[1]


def test_ids_and_odd_lines():
    lines: list[Any] = [
        '{"id": 12, "item": {"price": 12.5}}',
        b'{"id": "a", "gifts": [{"returned": false, "marked_price": "0.10"}, {"returned": false, "marked_price": 0.2}]}',  # noqa: E501
        "{}",
        batch.LongLine(2_000_000),
        b"\xef\xbb\xbf{}",
        "[1]",
        "not json",
        '{"gifts": [{"returned": false}, {"returned": true, "marked_price": "1.00"}, {"kind": "points"}]}',
        '{"gifts": [{"returned": null}], "payment": {"parts": []}}',
    ]
    columns = read_lines(lines, TODAY)
    assert columns.taken.tolist() == [True, True, True, False, False, False, False, True, True]
    assert math.isnan(columns.values["gifts.unreturned_marked_price"][7])
    assert columns.values["gifts.any_in_kind"][7] == 1 and columns.values["gifts.any_unreturned"][8] == -1
    assert columns.values["payment.paid_in_kind"][8] == 0 and columns.values["payment.several_methods"][8] == 0
    assert columns.ident[:3] == ["12", "a", None]
    assert columns.values["item.price"][0] == 12.5
    assert columns.values["gifts.unreturned_marked_price"][1] == 0.3  # 0.1 + 0.2 summed exactly
    assert columns.values["gifts.any_unreturned"][1] == 1 and columns.values["gifts.any_unreturned"][2] == 0
    assert columns.values["payment.paid_in_kind"][2] == -1
    check_taken(lines, columns)


def test_the_reader_knows_every_validator_and_the_batch_id_bound():
    assert model_validators() <= columnar_read._KNOWN_VALIDATORS
    assert columnar_read._ENABLED
    assert columnar_read._ID_BOUND == batch._ID_BOUND
    assert set(column_kinds()) == {p for p, spec in FACTS.items() if spec.kind != "text"}
    dtypes = {"bool": np.int8, "enum": np.int16, "set": np.int64, "date": np.int32, "moment": np.int32}
    columns = read_lines([PLAIN], TODAY)
    for path, kind in column_kinds().items():
        assert columns.values[path].dtype == dtypes.get(kind, np.float64), path


def test_choices_are_indexed_as_the_facts_list_them():
    for path, spec in FACTS.items():
        if spec.kind == "enum":
            assert spec.enum is not None and issubclass(spec.enum, StrEnum)
            assert spec.values == tuple(m.value for m in spec.enum), path


@pytest.mark.skipif(TYPED is None, reason="msgspec is not installed")
@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.lists(rows(), min_size=1, max_size=8))
def test_msgspec_and_orjson_take_the_same_rows_with_the_same_columns(cases):
    """The two decoders are two ways to the same columns: the rows orjson takes msgspec takes too,
    with the same ids and the same value in every column; msgspec may take more (a whole number past
    64 bits, which orjson cannot parse), and each of those the row path accepts with those facts."""
    lines = [line for _, pair in cases for line in pair]
    typed, parsed = read_both(lines)
    both = parsed.taken
    assert not (both & ~typed.taken).any()
    assert [i for i, t in zip(typed.ident, both, strict=True) if t] == [
        i for i, t in zip(parsed.ident, both, strict=True) if t
    ]
    for path, column in typed.values.items():
        assert np.array_equal(column[both], parsed.values[path][both], equal_nan=True), path
    check_taken(lines, typed)


MONEY_FIELDS = sorted(
    {
        (f.name, f.low, f.high, f.places): f
        for fields in (*(s[2] for s in columnar_read._SECTIONS), *columnar_read._OBJECTS.values())
        for f in fields
        if f.kind == "money"
    }.values(),
    key=lambda f: f.name,
)
MONEY_TEXT = st.one_of(
    st.from_regex(r"-?[0-9]{0,15}(\.[0-9]{0,4})?", fullmatch=True),
    st.text(alphabet="0123456789.\n -e+٣１", max_size=10),
)
MONEY_VALUE = st.one_of(
    st.none(), MONEY_TEXT, MONEY_TEXT, st.integers(-(10**16), 10**16), st.floats(), st.booleans(), st.just([])
)


@settings(max_examples=EXAMPLES * 2, deadline=None, database=None)
@given(st.sampled_from(MONEY_FIELDS), st.lists(MONEY_VALUE, max_size=30))
def test_a_money_column_reads_as_each_value_read_alone(f, column):
    """The column's texts are read together off their bytes; each value must come out as the
    one-value reader (_cents) reads it: the same cents, refused where it refuses."""
    ok = np.ones(len(column), bool)
    out = columnar_read._money(column, f, ok)
    for i, value in enumerate(column):
        cents = columnar_read._cents(value, f)
        if cents is columnar_read._BAD:
            assert not ok[i], (value, out[i])
        else:
            assert ok[i], value
            assert math.isnan(out[i]) if cents is None else out[i] == cents / 100, (value, out[i])


def test_money_texts_of_a_whole_column():
    """The usual column (texts with two decimals, unknowns), with the edges of the shape."""
    f = next(f for f in MONEY_FIELDS if f.places == 2)
    column = ["0.00", None, "12.5", "1999.99", "007", "0.5", "1.", ".5", "1.234", "1e3", "", " 1", "10"]
    ok = np.ones(len(column), bool)
    out = columnar_read._money(column, f, ok)
    assert ok.tolist() == [True, True, True, True, False, True, False, False, False, False, False, False, True]
    assert out[[0, 2, 3, 5, 12]].tolist() == [0.0, 12.5, 1999.99, 0.5, 10.0]
    assert math.isnan(out[1])


def test_ids_read_off_an_object_array_are_the_ids():
    column = [None, True, False, "a", 10**40, 1.5, [1, 2], {"a": 1}, (), TYPED]
    assert columnar_read._ids(column).tolist() == [id(v) for v in column]
    assert columnar_read._ids([]).tolist() == []
    cells = np.fromiter(column * 2, object, 20).reshape(2, 10)
    assert columnar_read._addresses(cells).tolist() == [[id(v) for v in column]] * 2
