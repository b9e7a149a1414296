"""The mediators' CLI: outcomes, languages, JSON, readings, as-of, exit codes, rule inspection."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from returnlaw.cli import main
from returnlaw.decision import SCHEMA_VERSION

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_prints_a_cited_decision_in_english(capsys):
    code, out, _ = run(capsys, "check", str(EXAMPLES / "downjacket.yaml"), "--lang", "en")
    assert code == 0
    assert "Outcome: The consumer may return the goods under" in out
    assert "CPL Art. 25(3)" in out
    # the presumption that decided it is named, and whom the disputed facts go against
    assert "A seller who alleges damage but does not prove it bears the risk" in out
    assert "The disputed facts go against the seller." in out


def test_check_prints_chinese_citations(capsys):
    code, out, _ = run(capsys, "check", str(EXAMPLES / "custom-made-suit.yaml"), "--lang", "zh")
    assert code == 0
    assert "本次退货不符合七日无理由退货的条件" in out
    assert "《消费者权益保护法》第二十五条第一款第（一）项" in out
    assert "《消法》" not in out


def test_json_output_is_the_decision(capsys):
    code, out, _ = run(capsys, "check", str(EXAMPLES / "blindbox-opened-online.json"), "--json")
    data = json.loads(out)
    assert code == 0
    assert data["outcome"] == "not_returnable"
    assert data["schema_version"] == SCHEMA_VERSION == "2.0"
    applied = {r["rule"] for r in data["reasons"] if r["status"] == "applied"}
    assert "cpl-25-2-contents-revealed" in applied


def test_undetermined_exits_1_and_lists_the_questions(tmp_path, capsys):
    path = tmp_path / "partial.yaml"
    path.write_text("purchase: {date: 2024-08-01, channel: online}\nitem: {subject: goods}\n")
    code, out, _ = run(capsys, "check", str(path), "--lang", "en")
    assert code == 1
    assert "Undetermined: it depends on these facts:" in out
    assert "What did the buyer buy it for?" in out


def test_as_of_applies_the_law_of_another_date(capsys):
    code, out, _ = run(capsys, "check", str(EXAMPLES / "custom-made-suit.yaml"), "--json", "--as-of", "2013-01-01")
    assert code == 0
    assert json.loads(out)["outcome"] == "out_of_scope"


def test_a_reading_changes_the_count(capsys):
    path = str(EXAMPLES / "late-notice-national-day.yaml")
    _, out, _ = run(capsys, "check", path, "--json")
    _, out_calendar, _ = run(capsys, "check", path, "--json", "--reading", "counting=calendar_only")
    assert json.loads(out)["outcome"] == "returnable"
    assert json.loads(out_calendar)["outcome"] == "not_returnable"
    assert json.loads(out_calendar)["readings"]["counting"] == "calendar_only"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "missing.yaml"], "cannot read missing.yaml"),
        (["check", str(EXAMPLES / "downjacket.yaml"), "--reading", "counting=weekly"], "not one of"),
        (["check", str(EXAMPLES / "downjacket.yaml"), "--reading", "speed=fast"], "NAME one of"),
        (["rules", "show", "no-such-rule"], "no rule 'no-such-rule'"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, args, message):
    code, _, err = run(capsys, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2  # one message, possibly wrapped once


def test_rules_commands(capsys):
    code, out, _ = run(capsys, "rules", "lint")
    assert code == 0 and "rules," in out
    code, out, _ = run(capsys, "rules", "show", "cpl-25-1-1-custom-made", "--lang", "zh")
    assert code == 0 and "消费者定作的" in out
    code, out, _ = run(capsys, "rules", "list")
    assert code == 0 and "cpl-25-3-intact" in out


def test_schema_commands_print_json_schemas(capsys):
    for which, key in (("scenario", "purchase"), ("decision", "outcome")):
        code, out, _ = run(capsys, "schema", which)
        assert code == 0
        assert key in json.loads(out)["properties"]


def test_module_entry_point_reads_stdin():
    text = (EXAMPLES / "custom-made-suit.yaml").read_text(encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "returnlaw", "check", "-", "--json"],
        input=text.encode(),
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout)["outcome"] == "not_returnable"
