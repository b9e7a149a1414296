"""Bad scenario input through every entry point: one clear line naming the field and the reason,
exit code 2 in the CLI, nothing on stdout, never a traceback."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import returnlaw
from returnlaw.cli import main
from returnlaw.inputs import MAX_INPUT_BYTES, InputError, load_data, parse_scenario

TODAY = dt.date(2025, 1, 1)
ROOT = Path(__file__).resolve().parent.parent
GOOD = '{"purchase": {"date": "2024-08-01", "channel": "online"}, "item": {"category": "clothing"}}'


@dataclass(frozen=True)
class Bad:
    id: str
    raw: str | bytes
    field: str | None  # the dotted field the message must name (None: a problem of the whole file)
    reason: str  # a fragment the message must contain


def nested(depth: int) -> str:
    return '{"item": {"description": ' + "[" * depth + "]" * depth + "}}"


LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{b}: &{b} [{', '.join(['*' + a] * 10)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)

BAD = [
    # malformed text
    Bad(
        "json-missing-comma",
        '{"purchase": {"date": "2024-08-01" "channel": "tv"}}',
        None,
        "invalid JSON at line 1, column 36",
    ),
    Bad("json-unclosed", '{"purchase": {"date": "2024-08-01"}', None, "invalid JSON at line 1"),
    Bad("yaml-bad-indent", "purchase:\n  date: 2024-08-01\n channel: online\n", None, "invalid YAML at line 3"),
    Bad("yaml-tab", "item:\n\tcustom_made: true\n", None, "invalid YAML at line 2, column 1"),
    Bad("yaml-two-documents", "item: {}\n---\nitem: {}\n", None, "but found another document"),
    Bad(
        "yaml-python-tag", "item: !!python/object/apply:os.system ['true']\n", None, "could not determine a constructor"
    ),
    Bad("yaml-python-name", "item:\n  description: !!python/name:os.system ''\n", None, "python/name:os.system"),
    Bad(
        "json-duplicate-key",
        '{"item": {"custom_made": true, "custom_made": false}}',
        None,
        "'custom_made' is given twice",
    ),
    Bad(
        "yaml-duplicate-key",
        "item:\n  custom_made: true\n  custom_made: false\n",
        None,
        "given twice (first at line 2)",
    ),
    Bad("yaml-nul-byte", b"item: {description: a\x00b}\n", None, "character #x0000 is not allowed"),
    Bad("yaml-unhashable-key", "? [a]\n: 1\n", None, "unhashable key"),
    # encodings and empty files
    Bad("non-utf8", "item: {description: café}\n".encode("latin-1"), None, "not UTF-8 text (byte 0xe9 at line 1"),
    Bad("utf16", GOOD.encode("utf-16"), None, "UTF-16 text; save it as UTF-8"),
    Bad("empty", b"", None, "is empty"),
    Bad("blank", b"  \n\n\t\n", None, "is empty"),
    Bad("only-comments", "# nothing here\n", None, "holds no data"),
    Bad("null-document", "null\n", None, "holds no data"),
    # absurd sizes and nesting
    Bad("too-large", b"#" * (MAX_INPUT_BYTES + 1), None, "the limit is 1000000"),
    Bad("deep-json", nested(50), None, "nested too deeply (the limit is 20 levels)"),
    Bad("very-deep-json", "[" * 100_000 + "]" * 100_000, None, "nested too deeply"),
    Bad("very-deep-yaml", "a: " + "[" * 100_000 + "\n", None, "nested too deeply"),
    Bad("billion-laughs", LAUGHS, None, "more than 50000 values"),
    Bad("huge-integer-json", '{"item": {"price": ' + "9" * 5000 + "}}", "item.price", "5000 digits is too long"),
    Bad("huge-integer-yaml", "item: {price: " + "9" * 5000 + "}\n", "item.price", "5000 digits is too long"),
    Bad("too-many-gifts", json.dumps({"gifts": [{}] * 101}), "gifts", "at most 100 items"),
    Bad("long-text", json.dumps({"item": {"description": "x" * 2001}}), "item.description", "at most 2000 characters"),
    # the shape of a scenario
    Bad("top-level-list", "[1, 2]", None, "must be a mapping"),
    Bad("top-level-text", "just a sentence\n", None, "must be a mapping"),
    Bad("section-not-mapping", '{"item": 5}', "item", "expected a mapping of fields, got int"),
    Bad("section-null", "item: null\n", "item", "expected a mapping of fields, got null"),
    Bad("gifts-not-list", '{"gifts": {"kind": "item"}}', "gifts", "expected a list, got a mapping"),
    Bad("non-text-key", "1: {}\n", None, "field names must be text, got 1"),
    Bad(
        "payment-part-missing-amount",
        '{"payment": {"parts": [{"method": "wallet"}]}}',
        "payment.parts.0.amount",
        "required",
    ),
    # unknown fields, with a suggestion
    Bad("unknown-section", '{"purchse": {}}', "purchse", "unknown field; did you mean 'purchase'?"),
    Bad("unknown-field", '{"item": {"categry": "clothing"}}', "item.categry", "did you mean 'category'?"),
    Bad("unknown-field-in-list", '{"gifts": [{"retruned": true}]}', "gifts.0.retruned", "did you mean 'returned'?"),
    Bad("unknown-field-far-off", '{"item": {"zzz": 1}}', "item.zzz", "allowed: subject, category"),
    Bad("enum-typo", '{"item": {"category": "clothes"}}', "item.category", "did you mean 'clothing'?"),
    Bad("enum-wrong-type", '{"purchase": {"channel": 3}}', "purchase.channel", "allowed: online, tv, phone"),
    # wrong types are refused, never coerced
    Bad("bool-as-text", '{"item": {"custom_made": "yes"}}', "item.custom_made", "expected true or false, got 'yes'"),
    Bad("bool-as-number", '{"item": {"custom_made": 1}}', "item.custom_made", "expected true or false, got 1"),
    Bad("int-as-text", '{"promise": {"return_days": "10"}}', "promise.return_days", "expected a whole number"),
    Bad("int-as-float", '{"promise": {"return_days": 10.5}}', "promise.return_days", "expected a whole number"),
    Bad("number-as-bool", '{"dispute": {"hours_held": true}}', "dispute.hours_held", "expected a number, got True"),
    Bad("money-as-bool", '{"item": {"price": true}}', "item.price", "expected a number, got True"),
    Bad("text-as-number", '{"item": {"description": 5}}', "item.description", "expected text, got int"),
    Bad("text-as-binary", "item: {description: !!binary aGVsbG8=}\n", "item.description", "expected text, got bytes"),
    # numbers out of range
    Bad("negative-price", '{"item": {"price": -3}}', "item.price", "must be at least 0, got -3"),
    Bad("negative-fee", '{"shipping": {"outbound_fee": -0.01}}', "shipping.outbound_fee", "must be at least 0"),
    Bad("nan-price", '{"item": {"price": NaN}}', "item.price", "must be a finite number"),
    Bad("infinite-hours", '{"dispute": {"hours_held": Infinity}}', "dispute.hours_held", "must be a finite number"),
    Bad("absurd-price", '{"item": {"price": 1e15}}', "item.price", "too large: at most 14 digits before the point"),
    Bad("absurd-price-with-cents", '{"item": {"price": 1000000000000.01}}', "item.price", "at most 1000000000000,"),
    Bad("price-fractions-of-a-fen", '{"item": {"price": 1.234}}', "item.price", "2 decimal places"),
    Bad("return-days-below-seven", '{"promise": {"return_days": 3}}', "promise.return_days", "must be at least 7"),
    Bad(
        "negative-orders",
        '{"conduct": {"return_history": {"orders": -1}}}',
        "conduct.return_history.orders",
        "at least 0",
    ),
    Bad(
        "more-returns-than-orders",
        '{"conduct": {"return_history": {"orders": 3, "returns": 5}}}',
        "conduct.return_history.returns",
        "5 is more than orders (3)",
    ),
    # impossible dates
    Bad("date-not-real", '{"purchase": {"date": "2024-02-30"}}', "purchase.date", "not a real date"),
    Bad("yaml-date-not-real", "purchase: {date: 2024-02-30}\n", "purchase.date", "not a real date"),
    Bad("date-as-number", '{"purchase": {"date": 20240801}}', "purchase.date", "expected a date as YYYY-MM-DD"),
    Bad("date-as-unix-time", '{"delivery": {"signed_at": "1722470400"}}', "delivery.signed_at", "expected a date"),
    Bad(
        "date-with-time", '{"purchase": {"date": "2024-08-01T10:00"}}', "purchase.date", "expected a date as YYYY-MM-DD"
    ),
    Bad("date-short-form", "purchase: {date: 2024-8-1}\n", "purchase.date", "expected a date as YYYY-MM-DD"),
    Bad("hour-24", '{"delivery": {"signed_at": "2024-08-02T24:00"}}', "delivery.signed_at", "not a real date or time"),
    Bad(
        "notice-before-purchase",
        '{"purchase": {"date": "2024-08-01"}, "return": {"notice_sent_at": "2024-07-30"}}',
        "return.notice_sent_at",
        "is before purchase.date (2024-08-01)",
    ),
    Bad(
        "signed-before-purchase",
        '{"purchase": {"date": "2024-08-01"}, "delivery": {"signed_at": "2024-07-31T23:00"}}',
        "delivery.signed_at",
        "is before purchase.date",
    ),
    Bad(
        "shipped-before-signed",
        '{"delivery": {"signed_at": "2024-08-03"}, "return": {"shipped_at": "2024-08-02"}}',
        "return.shipped_at",
        "is before delivery.signed_at",
    ),
    Bad(
        "address-before-purchase",
        '{"purchase": {"date": "2024-08-01"}, "return": {"address_given_at": "2024-07-01"}}',
        "return.address_given_at",
        "is before purchase.date",
    ),
    Bad("purchase-in-future", '{"purchase": {"date": "2099-01-01"}}', "purchase.date", "is in the future"),
    Bad("signed-in-future", '{"delivery": {"signed_at": "2099-01-01T10:00"}}', "delivery.signed_at", "in the future"),
    Bad("notice-in-future", '{"return": {"notice_sent_at": "2099-01-01"}}', "return.notice_sent_at", "in the future"),
    Bad("refund-in-future", '{"return": {"refunded_at": "2099-01-01"}}', "return.refunded_at", "in the future"),
]


def parse(raw: str | bytes) -> returnlaw.Scenario:
    return parse_scenario(load_data(raw), today=TODAY)


@pytest.mark.parametrize("bad", BAD, ids=lambda b: b.id)
def test_the_parser_names_the_field_and_the_reason(bad: Bad):
    with pytest.raises(InputError) as caught:
        parse(bad.raw)
    message = str(caught.value)
    assert "\n" not in message
    assert caught.value.field == bad.field
    assert bad.reason in message


@pytest.mark.parametrize("bad", BAD, ids=lambda b: b.id)
def test_decide_json_raises_the_same_input_error(bad: Bad):
    with pytest.raises(InputError) as caught:
        returnlaw.decide_json(bad.raw)
    assert bad.reason in str(caught.value)


@pytest.mark.parametrize("bad", BAD, ids=lambda b: b.id)
def test_check_exits_2_with_one_line_and_prints_nothing_else(bad: Bad, tmp_path, capsys):
    path = tmp_path / "scenario.txt"
    path.write_bytes(bad.raw if isinstance(bad.raw, bytes) else bad.raw.encode())
    code = main(["check", str(path), "--json"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith("returnlaw: error: ") and err.count("\n") == 1
    assert bad.reason in err
    assert bad.field is None or bad.field in err


def test_decide_refuses_data_that_is_not_a_mapping():
    with pytest.raises(InputError, match="must be a mapping of sections, got a list"):
        returnlaw.decide([{"purchase": {}}])  # type: ignore[arg-type]


def test_decide_refuses_a_self_referencing_mapping_instead_of_recursing():
    data: dict = {"item": {}}
    data["item"]["description"] = data
    with pytest.raises(InputError, match="nested too deeply"):
        returnlaw.decide(data)


def test_a_good_scenario_still_passes():
    assert parse(GOOD).purchase.date == dt.date(2024, 8, 1)


def test_yaml_flow_style_is_read_as_yaml_not_refused_as_json():
    assert parse("{purchase: {date: 2024-08-01}, item: {custom_made: true}}").item.custom_made is True


def test_a_byte_order_mark_is_ignored():
    assert parse(b"\xef\xbb\xbf" + GOOD.encode()).purchase.date == dt.date(2024, 8, 1)


def test_money_may_be_a_decimal_string_and_stays_exact():
    assert str(parse('{"item": {"price": "19.90"}}').item.price) == "19.90"


def test_a_plain_date_stays_a_date_in_json_as_in_yaml():
    """A date without a time must not become midnight: under platform_168h that moves the deadline."""
    as_json = '{"purchase": {"date": "2024-08-01", "channel": "online"}, "delivery": {"signed_at": "2024-08-02"}}'
    as_yaml = "purchase: {date: 2024-08-01, channel: online}\ndelivery: {signed_at: 2024-08-02}\n"
    readings = returnlaw.Readings(counting="platform_168h")
    decisions = [returnlaw.decide(parse(raw), readings=readings) for raw in (as_json, as_yaml)]
    assert parse(as_json).delivery.signed_at == dt.date(2024, 8, 2)
    assert decisions[0].model_dump_json() == decisions[1].model_dump_json()
    assert decisions[0].deadlines[0].ends_at == dt.datetime(2024, 8, 10)


def test_a_time_with_an_offset_is_converted_to_china_time():
    utc = parse('{"delivery": {"signed_at": "2024-08-02T02:30:00Z"}}').delivery.signed_at
    china = parse('{"delivery": {"signed_at": "2024-08-02T10:30:00+08:00"}}').delivery.signed_at
    assert utc == china == dt.datetime(2024, 8, 2, 10, 30)


def test_an_aware_datetime_from_python_is_converted_too():
    moment = dt.datetime(2024, 8, 1, 20, 0, tzinfo=dt.UTC)
    scenario = parse_scenario({"delivery": {"signed_at": moment}}, today=TODAY)
    assert scenario.delivery.signed_at == dt.datetime(2024, 8, 2, 4, 0)


def test_a_notice_before_signing_is_possible_and_accepted():
    data = {"purchase": {"date": "2024-08-01"}, "delivery": {"signed_at": "2024-08-05"}}
    data["return"] = {"notice_sent_at": "2024-08-03"}
    assert parse(json.dumps(data)).return_.notice_sent_at == dt.date(2024, 8, 3)


def test_tomorrow_is_tolerated_for_platforms_ahead_in_time():
    assert parse_scenario({"purchase": {"date": "2025-01-02"}}, today=TODAY).purchase.date == dt.date(2025, 1, 2)


def test_unreadable_file(tmp_path, capsys):
    code = main(["check", str(tmp_path / "missing.yaml")])
    _, err = capsys.readouterr()
    assert code == 2
    assert "cannot read" in err and "No such file" in err


def test_a_directory_is_not_a_scenario(tmp_path, capsys):
    code = main(["check", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 2
    assert "cannot read" in err


def test_bad_reading_is_one_line_exit_2(capsys):
    code = main(["check", str(ROOT / "examples" / "downjacket.yaml"), "--reading", "counting=lunar"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert "'lunar' is not one of civil_code" in err


def test_bad_as_of_is_refused_by_the_argument_parser(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["check", str(ROOT / "examples" / "downjacket.yaml"), "--as-of", "2024-13-01"])
    assert caught.value.code == 2
    assert "'2024-13-01' is not a date (YYYY-MM-DD)" in capsys.readouterr().err


SUBPROCESS_CASES = [
    ("malformed yaml", b"purchase: [\n", "invalid YAML"),
    ("non-utf8", b"item: {description: \xff\xfe}\n", "not UTF-8 text"),
    ("unknown field", b'{"itme": {}}', "itme: unknown field; did you mean 'item'?"),
    ("empty stdin", b"", "stdin is empty"),
    (
        "notice before purchase",
        b"purchase: {date: 2024-08-01}\nreturn: {notice_sent_at: 2024-07-01}\n",
        "cannot happen",
    ),
]


@pytest.mark.parametrize(("name", "raw", "reason"), SUBPROCESS_CASES, ids=[c[0] for c in SUBPROCESS_CASES])
def test_a_real_process_prints_one_line_and_no_traceback(name, raw, reason):
    proc = subprocess.run(
        [sys.executable, "-m", "returnlaw", "check", "-", "--json"],
        input=raw,
        capture_output=True,
        timeout=60,
        cwd=ROOT,
    )
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert proc.stdout == b""
    assert "Traceback" not in err
    assert err.count("\n") == 1 and reason in err


def test_decide_refuses_an_as_of_that_is_not_a_date():
    with pytest.raises(InputError, match=r"^as_of: expected a date \(YYYY-MM-DD\), got 'next week'"):
        returnlaw.decide(json.loads(GOOD), as_of="next week")  # type: ignore[arg-type]


def test_decide_reads_an_as_of_given_as_text_or_datetime():
    for as_of in ("2013-01-01", dt.datetime(2013, 1, 1, 12, 0)):
        assert returnlaw.decide(json.loads(GOOD), as_of=as_of).as_of == dt.date(2013, 1, 1)  # type: ignore[arg-type]


def test_decide_refuses_an_unknown_reading_value_with_a_suggestion():
    with pytest.raises(
        InputError, match=r"^readings.counting: 'civil' is not an allowed value; did you mean 'civil_code'"
    ):
        returnlaw.decide(json.loads(GOOD), readings={"counting": "civil"})  # type: ignore[arg-type]


def test_decide_json_refuses_data_that_is_not_text():
    with pytest.raises(InputError, match="input must be text or bytes, got a mapping"):
        returnlaw.decide_json({"purchase": {}})  # type: ignore[arg-type]
