"""Fuzzing the scenario parser and the CLI: whatever comes in, the only exceptions are the
documented ones (InputError, and CalendarCoverageError for years the holiday calendar lacks), and
every accepted input gets one of the four outcomes.

A CI-sized slice runs by default; set ``RETURNLAW_FUZZ_EXAMPLES`` (examples per test) for longer
runs, e.g. ``RETURNLAW_FUZZ_EXAMPLES=10000 pytest tests/test_fuzz.py --hypothesis-show-statistics``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
from decimal import Decimal
from enum import Enum
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from returnlaw import OUTCOMES, CalendarCoverageError, InputError, default_rulebook, evaluate
from returnlaw.cli import main
from returnlaw.inputs import _find, load_data, parse_scenario
from returnlaw.readings import DEFAULT_READINGS
from returnlaw.scenario import Scenario
from tests.strategies import readings, scenarios

EXAMPLES = int(os.environ.get("RETURNLAW_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,  # a long local run must not replay into CI's slice
)
TODAY = dt.date(2030, 1, 1)  # as the property tests: their dates reach into 2027
BOOK = default_rulebook()


def _names_and_values(model: type[BaseModel]) -> tuple[set[str], set[str]]:
    """Every field name and enum value of the scenario model, to steer fuzzing to real shapes."""
    names, values = set(), set()
    for name, field in model.model_fields.items():
        names.add(field.alias or name)
        inner = _find(field.annotation, BaseModel)
        if inner is not None:
            more_names, more_values = _names_and_values(inner)
            names |= more_names
            values |= more_values
        enum = _find(field.annotation, Enum)
        if enum is not None:
            values |= {m.value for m in enum}
    return names, values


NAMES, ENUM_VALUES = _names_and_values(Scenario)
dates = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)) | st.dates(dt.date(2013, 1, 1), dt.date(2027, 1, 1))
date_texts = st.one_of(
    dates.map(str),
    st.datetimes(dt.datetime(2013, 1, 1), dt.datetime(2027, 1, 1)).map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.from_regex(r"\A\d{4}-\d{1,2}-\d{1,2}([T ]\d{1,2}:\d{2}(:\d{2})?)?(Z|[+-]\d{2}:?\d{2})?\Z"),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-10, 10_000),
    st.floats(),
    st.decimals(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(sorted(ENUM_VALUES)),
    date_texts,
    dates,
)
keys = st.sampled_from(sorted(NAMES)) | st.text(max_size=12)
trees = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(keys, children, max_size=8),
    max_leaves=60,
)
sections = st.dictionaries(st.sampled_from(sorted(NAMES)), trees, max_size=10)


REFUSED, NO_CALENDAR = "refused: bad input", "refused: no holiday calendar for the year"


def check_accepted(data: Any, as_of: dt.date | None = None, r: Any = None) -> str:
    """Parse (bytes are loaded first); if accepted, return the outcome, which must be one of four
    and agree with the decision; else which documented error refused it."""
    try:
        scenario = parse_scenario(load_data(data) if isinstance(data, bytes) else data, today=TODAY)
    except InputError as err:
        assert "\n" not in str(err)
        event(REFUSED)
        return REFUSED
    try:
        ev = evaluate(BOOK, scenario, as_of=as_of, readings=r or DEFAULT_READINGS)
        decision = ev.decision()
    except CalendarCoverageError:
        event(NO_CALENDAR)
        return NO_CALENDAR
    assert ev.outcome in OUTCOMES
    assert decision.outcome == ev.outcome
    assert json.loads(decision.model_dump_json())["outcome"] == ev.outcome
    event(f"accepted: {ev.outcome}")
    return ev.outcome


def json_like(data: Any) -> Any:
    """What a platform's JSON would hold: dates and decimals as text."""
    if isinstance(data, dict):
        return {k: json_like(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [json_like(v) for v in data]
    if isinstance(data, dt.date):
        return data.isoformat()
    if isinstance(data, Decimal):
        return float(data)
    return data


IN_SCOPE = {
    "purchase": {"channel": "online"},
    "seller": {"is_operator": True},
    "buyer": {"purpose": "personal_consumption"},
    "item": {"subject": "goods", "defect_claimed": False},
}


def in_scope(data: dict[str, Any]) -> dict[str, Any]:
    """Open the scope gates, so that most scenarios reach the exclusions and the intact rules."""
    for section, facts in IN_SCOPE.items():
        data[section].update(facts)
    return data


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A valid, complete scenario (in scope half of the time) with one to four random changes:
    half of them keep it valid (a fact dropped, or taken from another valid scenario)."""
    data = json_like(draw(scenarios()))
    other = json_like(draw(scenarios()))
    if draw(st.booleans()):
        in_scope(data)
    for _ in range(draw(st.integers(1, 4))):
        section = draw(st.sampled_from(sorted(data)))
        body = data[section]
        action = draw(st.sampled_from(["drop", "swap", "drop", "swap", "retype", "rename", "add", "section", "wrap"]))
        if action == "section":
            data[section] = draw(scalars)
        elif isinstance(body, dict) and body:
            key = draw(st.sampled_from(sorted(body)))
            if action == "drop":
                del body[key]
            elif action == "swap" and isinstance(other.get(section), dict) and key in other[section]:
                body[key] = other[section][key]
            elif action == "retype":
                body[key] = draw(scalars)
            elif action == "rename":
                body[key + draw(st.sampled_from(["", "s", "_", "x"]))] = body.pop(key)
            elif action == "add":
                body[draw(keys)] = draw(trees)
            elif action == "wrap":
                body[key] = [body[key]]
    return data


@FUZZ
@given(sections)
def test_any_tree_of_sections_is_accepted_or_refused_cleanly(data):
    check_accepted(data)


@FUZZ
@given(trees)
def test_any_json_like_value_is_accepted_or_refused_cleanly(data):
    check_accepted(data)


@FUZZ
@given(mutated(), readings, st.none() | st.dates(dt.date(2010, 1, 1), dt.date(2026, 12, 31)))
def test_mutated_scenarios_are_accepted_or_refused_cleanly(data, r, as_of):
    check_accepted(data, as_of, r)


def test_every_valid_scenario_is_accepted_and_decided():
    """The valid scenarios of the property tests, as JSON text, all pass (no false refusals), and
    they reach the law: each decided outcome appears."""
    seen: list[str] = []

    @FUZZ
    @given(scenarios() | scenarios().map(in_scope), readings)
    def accepted(data, r):
        seen.append(check_accepted(json.dumps(json_like(data)).encode(), r=r))
        assert seen[-1] in (*OUTCOMES, NO_CALENDAR)

    accepted()
    assert {"returnable", "not_returnable", "out_of_scope"} <= set(seen), {o: seen.count(o) for o in set(seen)}


@FUZZ
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_any_bytes_are_loaded_or_refused_cleanly(raw):
    check_accepted(raw)


@st.composite
def corrupted_text(draw: st.DrawFn) -> bytes:
    """A valid scenario as JSON or YAML text, with a few bytes overwritten, inserted or cut."""
    data = json_like(draw(scenarios().map(in_scope)))
    text = json.dumps(data) if draw(st.booleans()) else yaml.safe_dump(data, allow_unicode=True)
    raw = bytearray(text.encode())
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(raw) - 1))
        edit = draw(st.sampled_from(["set", "insert", "cut"]))
        if edit == "set":
            raw[at] = draw(st.integers(0, 255))
        elif edit == "insert":
            raw[at:at] = draw(st.binary(min_size=1, max_size=4))
        else:
            del raw[at : at + draw(st.integers(1, 20))]
    return bytes(raw)


@FUZZ
@given(corrupted_text())
def test_corrupted_files_are_loaded_or_refused_cleanly(raw):
    check_accepted(raw)


# -- the CLI -------------------------------------------------------------------------------------

OPTIONS = st.lists(
    st.one_of(
        st.just(["--json"]),
        st.just(["--full-trace"]),
        st.sampled_from(["zh", "en", "fr", ""]).map(lambda v: ["--lang", v]),
        st.sampled_from(["2024-08-01", "2013-01-01", "1999-12-31", "2024-13-01", "yesterday", ""]).map(
            lambda v: ["--as-of", v]
        ),
        st.sampled_from(
            [
                *("counting=calendar_only", "counting=platform_168h", "burden_of_proof=consumer_claiming_return"),
                *("counting=lunar", "counting", "=", "colour=red", ""),
            ]
        ).map(lambda v: ["--reading", v]),
        st.text(max_size=8).map(lambda v: [v]),
    ),
    max_size=4,
).map(lambda parts: [p for part in parts for p in part])


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse: usage errors exit 2, --help/--version exit 0
            code = exit_.code if isinstance(exit_.code, int) else 2
    return code, out.getvalue(), err.getvalue()


@FUZZ
@given(st.one_of(corrupted_text(), mutated().map(lambda d: json.dumps(d, default=str).encode())), OPTIONS)
def test_check_exits_0_1_or_2_and_bad_input_prints_only_one_line(tmp_path_factory, raw, options):
    path = tmp_path_factory.mktemp("fuzz") / "scenario.txt"
    path.write_bytes(raw)
    code, out, err = run_cli(["check", str(path), *options])
    assert code in (0, 1, 2)
    assert "Traceback" not in err
    if code == 2 and err.startswith("returnlaw: error: "):
        assert out == "" and err.count("\n") == 1
    if code in (0, 1) and "--json" in options:
        assert json.loads(out)["outcome"] in OUTCOMES
