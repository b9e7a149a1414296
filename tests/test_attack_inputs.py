"""Attacks on the shared readers (issue 14 items 1, 6, 7; issue 18 item 1): limits the project
enforces itself, the same on every Python; the field named for a number too long in any base;
no value echoed whole; dates at the ends of the calendar; problem lists capped with a count."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pydantic import ValidationError

import returnlaw
from returnlaw import RuleFileError
from returnlaw.cases import CaseFileError
from returnlaw.cli import main
from returnlaw.echo import MAX_MESSAGE_CHARS, echo
from returnlaw.inputs import (
    MAX_DEPTH,
    OFF_THE_CALENDAR,
    InputError,
    check_json_depth,
    check_shape,
    load_data,
    parse_json,
    parse_scenario,
    yaml_int_digits,
)
from returnlaw.problems import MAX_PROBLEMS, Problem, capped, problems
from returnlaw.scenario import Scenario

BIG_KEY = "k" * 900_000


# -- numbers too long, in any base: the field is named --------------------------------------------


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("dispute:\n  hours_held: 0x" + "f" * 4400 + "\n", 4400),  # the hex integer of the attack
        ("dispute:\n  hours_held: 0b" + "1" * 300 + "\n", 300),
        ("dispute:\n  hours_held: 0" + "7" * 300 + "\n", 301),  # YAML 1.1 octal
        ("dispute:\n  hours_held: 1_000" + "_000" * 20 + "\n", 64),
        ("dispute:\n  hours_held: 1:" + "59:" * 30 + "1\n", 62),  # sexagesimal
        ('{"dispute": {"hours_held": ' + "9" * 5000 + "}}", 5000),
        ('{"dispute": {"hours_held": -' + "9" * 5000 + "}}", 5000),
    ],
    ids=["hex", "binary", "octal", "underscores", "sexagesimal", "json", "json-negative"],
)
def test_a_number_too_long_in_any_base_names_its_field(text, digits):
    with pytest.raises(InputError) as caught:
        load_data(text, "body")
    assert caught.value.field == "dispute.hours_held"
    assert str(caught.value) == f"dispute.hours_held: a number with {digits} digits is too long (the limit is 40)"


def test_a_number_too_long_in_a_list_or_alone_is_placed_too():
    with pytest.raises(InputError, match=r"^gifts\.1\.marked_price: a number with 50 digits"):
        load_data('{"gifts": [{}, {"marked_price": ' + "1" * 50 + "}]}")
    with pytest.raises(InputError, match=r"^row: a number with 5000 digits is too long"):
        parse_json("9" * 5000, "row")


def test_the_digit_count_counts_every_digit_of_every_base():
    assert yaml_int_digits("0xFF_FF") == 4
    assert yaml_int_digits("-0b1010") == 4
    assert yaml_int_digits("+1_000") == 4
    assert yaml_int_digits("190:20:30") == 7


def test_a_number_at_the_limit_is_still_read():
    data = load_data('{"dispute": {"hours_held": ' + "1" * 40 + "}}")
    assert data["dispute"]["hours_held"] == int("1" * 40)
    assert load_data("a: 0x" + "f" * 40 + "\n")["a"] == int("f" * 40, 16)


def test_a_huge_integer_from_python_is_worded_not_crashed_on():
    for data, field in (
        ({"dispute": {"hours_held": 10**5000}}, "dispute.hours_held"),
        ({"purchase": {"date": 10**5000}}, "purchase.date"),
        ({"purchase": {"channel": 10**5000}}, "purchase.channel"),
    ):
        with pytest.raises(InputError) as caught:
            returnlaw.decide(data)
        assert caught.value.field == field
        assert "5001 digits" in str(caught.value)


# -- nesting: the project's own limit, not the standard library's ------------------------------------


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_a_body_nested_thousands_deep_says_nested_too_deeply(depth):
    for text in ("[" * depth, "[" * depth + "]" * depth, '{"a": ' * depth + "1" + "}" * depth):
        with pytest.raises(InputError, match="nested too deeply"):
            load_data(text, "body")
    with pytest.raises(InputError, match="nested too deeply"):
        load_data("a: " + "[" * depth + "\n", "body")  # YAML: the loader's own limit too


def test_the_text_check_and_the_data_check_agree_at_the_limit():
    for depth in range(MAX_DEPTH - 1, MAX_DEPTH + 4):
        text = "[" * depth + "]" * depth
        data = json.loads(text)
        verdicts = [_verdict(check_json_depth, text), _verdict(check_shape, data)]
        assert verdicts[0] == verdicts[1], (depth, verdicts)
        assert verdicts[0] == ("ok" if depth <= MAX_DEPTH + 1 else "deep")


def _verdict(check, value) -> str:
    try:
        check(value)
    except InputError:
        return "deep"
    return "ok"


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = json.dumps({"item": {"description": "[" * 500 + "{" * 500 + '\\"]' * 3}})
    check_json_depth(text)
    assert load_data(text)["item"]["description"].startswith("[[[")


def test_yaml_nesting_is_refused_at_the_same_depth_as_json():
    def yaml_nested(depth: int) -> str:
        return "[" * depth + "]" * depth + "\n"

    deepest_ok = MAX_DEPTH + 1
    assert load_data("a: " + yaml_nested(deepest_ok - 1)) is not None
    with pytest.raises(InputError, match="nested too deeply"):
        load_data("a: " + yaml_nested(deepest_ok + 1))


# -- echoes: never a whole value back -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({BIG_KEY: 1}),
        json.dumps({"purchase": {BIG_KEY: 1}}),
        json.dumps({"purchase": {"channel": BIG_KEY}}),
        json.dumps({"item": {"custom_made": BIG_KEY}}),
        '{"a": 1, "' + "k" * 400_000 + '": 1, "' + "k" * 400_000 + '": 2}',
        ("? " + "k" * 400_000 + "\n: 1\n") * 2,  # YAML's explicit keys: a plain key stops at 1,024
    ],
    ids=["top-level-key", "section-key", "enum-value", "flag-value", "json-dup-key", "yaml-dup-key"],
)
def test_a_900kb_value_never_comes_back_whole(text):
    with pytest.raises(InputError) as caught:
        parse_scenario(load_data(text))
    message = str(caught.value)
    assert len(message) < 400, len(message)
    assert "characters)" in message  # the length is said instead


def test_the_cli_line_for_a_900kb_key_is_short(tmp_path, capsys):
    path = tmp_path / "key.json"
    path.write_text(json.dumps({"purchase": {BIG_KEY: 1}}))
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err) < 400 and "(900000 characters)" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "error",
    [
        InputError("x\n" * 5 * MAX_MESSAGE_CHARS, "field"),
        RuleFileError("cpl.yaml", "x\n" * 5 * MAX_MESSAGE_CHARS, "rule-1"),
        CaseFileError("case.yaml", "x\n" * 5 * MAX_MESSAGE_CHARS, "scenario.item"),
    ],
    ids=["input", "rule-file", "case-file"],
)
def test_no_error_message_is_longer_than_the_cap_or_more_than_one_line(error):
    message = str(error)
    assert len(message) < MAX_MESSAGE_CHARS + 50 and "\n" not in message
    assert message.endswith(" characters in all)")  # the cut is said


def test_echo_describes_what_it_cannot_show():
    assert echo(10**5000) == "a whole number of about 5001 digits"
    assert echo("a" * 100) == repr("a" * 60) + "… (100 characters)"
    assert echo("line\nbreak") == "'line\\nbreak'"
    assert len(echo(list(range(10_000)))) <= 61


# -- dates at the ends of the calendar ---------------------------------------------------------------


def test_today_at_the_end_of_the_calendar_does_not_overflow():
    scenario = parse_scenario({"purchase": {"date": "2024-08-01"}}, today=dt.date.max)
    assert scenario.purchase.date == dt.date(2024, 8, 1)


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01"])
def test_audit_listing_at_the_ends_of_the_calendar(as_of):
    result = returnlaw.audit_listing({"category": "clothing"}, as_of=as_of)
    assert result.as_of == dt.date.fromisoformat(as_of)


def test_audit_listing_refuses_an_as_of_or_today_that_is_not_a_date():
    with pytest.raises(InputError, match=r"^as_of: expected a date \(YYYY-MM-DD\), got 'garbage'$"):
        returnlaw.audit_listing({"category": "clothing"}, as_of="garbage")
    with pytest.raises(InputError, match=r"^today: expected a date"):
        returnlaw.audit_listing({"category": "clothing"}, today=20270110)


def test_audit_timeline_reads_today_given_as_text_and_refuses_garbage():
    text = returnlaw.audit_timeline({"signed_at": "2024-01-05"}, today="2027-01-10")
    as_date = returnlaw.audit_timeline({"signed_at": "2024-01-05"}, today=dt.date(2027, 1, 10))
    assert text == as_date and text.today == dt.date(2027, 1, 10)
    with pytest.raises(InputError, match=r"^today: expected a date"):
        returnlaw.audit_timeline({"signed_at": "2024-01-05"}, today="x" * 100_000)
    with pytest.raises(InputError, match=r"^readings: "):
        returnlaw.audit_timeline({"signed_at": "2024-01-05"}, readings="calendar_only")  # type: ignore[arg-type]


def test_audit_timeline_today_at_the_end_of_the_calendar():
    result = returnlaw.audit_timeline({"signed_at": "2024-01-05"}, today="9999-12-31")
    assert result.missed  # every deadline of 2024 has passed by then


def test_a_deadline_past_9999_is_an_input_error_not_an_overflow():
    with pytest.raises(InputError, match=f"^{OFF_THE_CALENDAR}$"):
        returnlaw.audit_timeline(
            {"signed_at": "9999-12-31"},
            today=dt.date.max,
            readings={"counting": "calendar_only"},
            scenario={"purchase": {"date": "9999-12-30", "channel": "online"}},
        )


def test_audit_cli_as_of_9999_is_no_traceback(tmp_path, capsys):
    path = tmp_path / "listing.json"
    path.write_text('{"id": "a", "category": "clothing"}')
    assert main(["audit", str(path), "--as-of", "9999-12-31"]) == 1  # incomplete, documented exit 1
    assert "law as of 9999-12-31" in capsys.readouterr().out


@pytest.mark.parametrize("day", ["0001-01-01", "0001-01-02"])
def test_what_changes_on_a_purchase_in_year_one(tmp_path, capsys, day):
    path = tmp_path / "old.yaml"
    path.write_text(f"purchase:\n  date: {day}\n  channel: online\nitem:\n  custom_made: false\n")
    assert main(["what-changes", str(path), "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert json.loads(out)["outcome"] in ("out_of_scope", "returnable", "not_returnable", "undetermined")


# -- problem lists: capped, with a count of the rest ----------------------------------------------


def _errors(count: int) -> list:
    with pytest.raises(ValidationError) as caught:
        Scenario.model_validate({"purchase": {f"k{i}": 1 for i in range(count)}})
    return caught.value.errors()


def test_a_problem_list_is_capped_with_a_count_of_the_rest():
    found = problems(_errors(16_000), root=Scenario, limit=MAX_PROBLEMS)
    assert len(found) == MAX_PROBLEMS + 1
    assert found[0].field == "purchase.k0" and "unknown field" in found[0].reason
    assert found[-1] == Problem(field=None, reason=f"and {16_000 - MAX_PROBLEMS:,} more problems not listed")


def test_a_short_problem_list_is_not_touched():
    found = problems(_errors(3), root=Scenario, limit=MAX_PROBLEMS)
    assert [p.field for p in found] == ["purchase.k0", "purchase.k1", "purchase.k2"]
    assert capped(found, limit=3) == found
    assert capped(found, limit=2)[-1].reason == "and 1 more problem not listed"
    assert problems(_errors(80), root=Scenario)[-1].field == "purchase.k79"  # no limit: every problem
