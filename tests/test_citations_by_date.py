"""A decision cites the provisions in force on its as-of date (issue #11 points 7, 9 and 11): the
civil law then in force for good faith and the counting of days, the burden-of-proof provisions
from their documented dates, and texts whose in-force dates law.md could not verify not before a
documented date. The provision texts themselves are law.md's (checked where law.md is at hand)."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
import yaml

from returnlaw import decide, default_rulebook
from tests.lawcases import base_scenario, merge

BOOK = default_rulebook()
RULES = Path(__file__).resolve().parent.parent / "rules"
LAW_MD = Path(os.environ.get("RETURNLAW_LAW_MD", "/work/shared/law.md"))


def cited(rule: str, day: dt.date, change: dict) -> set[str]:
    decision = decide(merge(base_scenario(day), change))
    (reason,) = [r for r in decision.reasons if r.rule == rule]
    assert reason.status == "applied", (rule, day, reason.status)
    return set(reason.cite)


ABUSE = {"conduct": {"abuse_established": True}}


@pytest.mark.parametrize(
    ("day", "present", "absent"),
    [
        (
            dt.date(2016, 5, 3),
            {"cpl 4", "gpcl 4"},
            {"measures 4", "gpl 7", "civil_code 7", "civil_code 132", "regs 19(4)"},
        ),
        (dt.date(2018, 5, 3), {"cpl 4", "gpcl 4", "gpl 7", "measures 4"}, {"civil_code 7", "civil_code 132"}),
        (
            dt.date(2022, 5, 3),
            {"cpl 4", "civil_code 7", "civil_code 132", "measures 4"},
            {"gpcl 4", "gpl 7", "regs 19(4)"},
        ),
        (dt.date(2024, 8, 3), {"cpl 4", "civil_code 132", "measures 4", "regs 19(4)"}, {"gpcl 4"}),
    ],
)
def test_good_faith_cites_the_civil_law_then_in_force(day, present, absent):
    refs = cited("cpl-4-abuse-of-right", day, ABUSE)
    assert present <= refs and not absent & refs, sorted(refs)


def _late(day: dt.date) -> dict:
    signed = day + dt.timedelta(days=2)
    return {"delivery": {"signed_at": signed}, "return": {"notice_sent_at": signed + dt.timedelta(days=20)}}


@pytest.mark.parametrize(
    ("day", "present", "absent"),
    [
        (dt.date(2016, 5, 3), {"gpcl 154(2)", "gpcl 154(3)"}, {"gpl 201(1)", "civil_code 201(1)", "civil_code 203(1)"}),
        (dt.date(2019, 5, 3), {"gpcl 154(3)", "gpl 200", "gpl 201(1)"}, {"civil_code 203(1)"}),
        (dt.date(2022, 5, 3), {"civil_code 201(1)", "civil_code 203(1)"}, {"gpcl 154(3)", "gpl 201(1)"}),
    ],
)
def test_counting_days_cites_the_civil_law_then_in_force(day, present, absent):
    refs = cited("cpl-25-1-late-notice", day, _late(day))
    assert present <= refs and not absent & refs, sorted(refs)


ALLEGED = {
    "condition": {"quality_function_preserved": None},
    "dispute": {"seller_grounds": ["not_intact"], "seller_evidence": "insufficient"},
}


@pytest.mark.parametrize(
    ("day", "present", "absent"),
    [
        (dt.date(2016, 5, 3), {"cpl 25(3)"}, {"civpro 64(1)", "civpro 67(1)", "civpro_interp 90(2)", "ecl 62"}),
        (dt.date(2019, 5, 3), {"civpro 64(1)"}, {"civpro 67(1)", "civpro_interp 90(2)", "ecl 62"}),
        (dt.date(2022, 2, 3), {"civpro 67(1)"}, {"civpro 64(1)", "civpro_interp 90(2)"}),
        (dt.date(2022, 5, 3), {"civpro 67(1)", "civpro_interp 90(2)", "civpro_interp 91(1)(2)"}, {"ecl 62"}),
    ],
)
def test_the_burden_of_proof_cites_the_provisions_that_allocate_it_from_their_documented_dates(day, present, absent):
    refs = cited("burden-seller-unproven-damage", day, ALLEGED)
    assert present <= refs and not absent & refs, sorted(refs)


@pytest.mark.parametrize(
    ("ref", "first_day"),
    [
        ("cpl 4", dt.date(2014, 3, 15)),
        ("cpl 28", dt.date(2014, 3, 15)),
        ("cpl 44(1)", dt.date(2014, 3, 15)),
        ("cpl 44(2)", dt.date(2014, 3, 15)),
        ("measures 23", dt.date(2020, 10, 23)),
        ("measures 32", dt.date(2020, 10, 23)),
        ("measures 37", dt.date(2020, 10, 23)),
        ("civpro 64(1)", dt.date(2017, 7, 1)),
        ("civpro 67(1)", dt.date(2022, 1, 1)),
        ("civpro_interp 108(1)", dt.date(2022, 4, 10)),
        ("evidence 10(1)(4)", dt.date(2020, 5, 1)),
        ("gpl 7", dt.date(2017, 10, 1)),
    ],
)
def test_provisions_take_effect_on_their_documented_dates(ref, first_day):
    citation = BOOK.provisions[ref]
    assert citation.in_force(first_day) and not citation.in_force(first_day - dt.timedelta(days=1))


@pytest.mark.parametrize(
    ("ref", "last_day"), [("gpcl 154(3)", dt.date(2020, 12, 31)), ("civpro 64(1)", dt.date(2021, 12, 31))]
)
def test_repealed_and_renumbered_provisions_stop_on_their_documented_dates(ref, last_day):
    citation = BOOK.provisions[ref]
    assert citation.in_force(last_day) and not citation.in_force(last_day + dt.timedelta(days=1))


def test_texts_law_md_marks_unverified_are_not_encoded():
    for ref in ("gpl 132", "gpl 203(1)", "gpl 204", "contract_law 40"):
        assert ref not in BOOK.provisions


def _normal(text: str) -> str:
    text = text.replace(":", "：").replace(",", "，").replace(";", "；")
    return re.sub(r"\s+", "", text)


@pytest.mark.skipif(not LAW_MD.is_file(), reason=f"law.md not found at {LAW_MD} (set RETURNLAW_LAW_MD)")
def test_every_provision_text_is_quoted_verbatim_from_law_md():
    """Each provision's Chinese text (or each part of an excerpt around ……) is a substring of a
    block quote in law.md, after normalising spaces and ASCII punctuation as law.md §8 item 13 says."""
    quotes = _normal(
        "\n".join(line[1:].strip() for line in LAW_MD.read_text(encoding="utf-8").splitlines() if line.startswith(">"))
    )
    missing = []
    for path in sorted(RULES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for provision in (data or {}).get("provisions", []) if isinstance(data, dict) else []:
            for part in (p for p in provision["zh"].split("……") if p.strip()):
                if _normal(part) not in quotes:
                    missing.append(f"{path.name}: {provision['ref']}: {part[:40]}")
    assert not missing, missing
