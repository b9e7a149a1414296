"""`--as-of` before any seven-day rule (issue #11 point 13): the decision says that no seven-day rule
was in force, in Chinese and in English, instead of an outcome with no reason."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
from pathlib import Path

import pytest

from returnlaw import decide, read_scenario_file
from returnlaw.cli import main

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "downjacket.yaml"


def test_the_decision_carries_the_remark_in_both_languages():
    decision = decide(read_scenario_file(EXAMPLE), as_of=dt.date(2013, 1, 1))
    (remark,) = decision.remarks
    assert (decision.outcome, remark.code, remark.rule) == ("out_of_scope", "no_seven_day_rule_in_force", None)
    assert "2014年3月15日" in remark.zh and "2014-03-15" in remark.en


@pytest.mark.parametrize(
    ("lang", "words"),
    [("zh", "该日期尚无七日无理由退货的规定施行"), ("en", "No seven-day no-reason return rule was in force")],
)
def test_check_prints_it(lang, words):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["check", str(EXAMPLE), "--as-of", "2013-06-01", "--lang", lang])
    text = re.sub(r"[\s│]+", "" if lang == "zh" else " ", out.getvalue())  # undo the panel's line wrapping
    assert words in text


def test_a_date_after_the_amendment_has_no_such_remark():
    decision = decide(read_scenario_file(EXAMPLE), as_of=dt.date(2014, 3, 15))
    assert not [r for r in decision.remarks if r.code == "no_seven_day_rule_in_force"]
