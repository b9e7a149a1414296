"""Citations as a court writes them (spec/zh-style.md §2-§3), and the words every Chinese output
needs (facts, readings, notes, amounts) — each must exist in the i18n data, so that a new fact or
reading without its words fails here rather than printing a code in a Chinese decision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from returnlaw import Readings, default_rulebook, evaluate, parse_scenario
from returnlaw.citations import Citer, citation_style, parse_ref, provision_zh, zh_number
from returnlaw.facts import FACTS
from returnlaw.i18n import money, note_text, reading_name, reading_value, rmb_upper, zh_date
from returnlaw.questions import default_wording
from returnlaw.readings import choice_values, number_bounds
from returnlaw.summary import Words
from tests.zhcheck import english_words

BOOK = default_rulebook()


def zh(ref: str) -> str:
    parsed = parse_ref(ref)
    assert parsed is not None
    return provision_zh(parsed)


@pytest.mark.parametrize(
    ("ref", "text"),
    [
        ("cpl 25(1)(1)", "第二十五条第一款第（一）项"),  # three paragraphs: 款 is named
        ("cpl 25(3)", "第二十五条第三款"),
        ("measures 6(1)(2)", "第六条第（二）项"),  # one paragraph with items: no 款
        ("measures 6(1)", "第六条"),
        ("measures 7(1)(3)", "第七条第（三）项"),
        ("measures 9(1)(2)", "第九条第（二）项"),
        ("measures 31(1)(1)", "第三十一条第（一）项"),
        ("penalty_measures 9(1)(4)", "第九条第（四）项"),
        ("civil_code 497(1)(2)", "第四百九十七条第（二）项"),
        ("spc 1(1)(5)", "第一条第（五）项"),
        ("cpl 56(1)(8)", "第五十六条第一款第（八）项"),  # two paragraphs
        ("civil_code 203(1)", "第二百零三条第一款"),
        ("measures 13", "第十三条"),
    ],
)
def test_provisions_are_numbered_as_a_court_numbers_them(ref, text):
    assert zh(ref) == text


def test_every_article_cited_as_paragraph_one_only_has_its_paragraphs_recorded():
    """An article the rule book cites only as paragraph 1 might have one paragraph (then 款 is
    wrong) or several: citation_style.yaml must say which, from law.md's text."""
    style = citation_style()
    paragraphs: dict[tuple[str, int], set[int]] = {}
    for ref in BOOK.provisions:
        parsed = parse_ref(ref)
        if parsed is not None and parsed.paragraph is not None:
            paragraphs.setdefault((parsed.instrument, parsed.article), set()).add(parsed.paragraph)
    unplaced = sorted(k for k, paras in paragraphs.items() if paras == {1} and not style.placed(*k))
    assert unplaced == []
    for (instrument, article), paras in paragraphs.items():  # a single paragraph has no paragraph 2
        if style.is_single_paragraph(instrument, article):
            assert paras == {1}, (instrument, article)


def test_the_first_mention_names_the_official_title_then_the_short_form():
    citer = Citer(BOOK.instruments, "zh")
    first = citer.cite("cpl 25(1)")
    assert first == "《中华人民共和国消费者权益保护法》（以下简称《消费者权益保护法》）第二十五条第一款"
    assert citer.cite("cpl 25(3)") == "《消费者权益保护法》第二十五条第三款"
    assert citer.cite("regs 19(2)").startswith(
        "《中华人民共和国消费者权益保护法实施条例》（以下简称《消费者权益保护法实施条例》）"
    )
    # cited in full every time, never shortened
    assert (
        citer.cite("measures 8(3)")
        == citer.cite("measures 8(3)")
        == "《网络购买商品七日无理由退货暂行办法》第八条第三款"
    )
    assert citer.cite("penalty_measures 9(1)(3)") == "《侵害消费者权益行为处罚办法》第九条第（三）项"
    spc = citer.cite("spc 3")
    assert spc.endswith("（以下简称《网络消费纠纷规定（一）》）第三条")


def test_several_provisions_of_one_instrument_are_cited_together():
    citer = Citer(BOOK.instruments, "zh", first_in_full=False)
    assert citer.cites(["cpl 25(1)", "cpl 25(3)"]) == "《消费者权益保护法》第二十五条第一款、第三款"
    assert (
        citer.cites(["measures 6(1)(1)", "measures 6(1)(2)"])
        == "《网络购买商品七日无理由退货暂行办法》第六条第（一）项、第（二）项"
    )
    assert citer.cites(["cpl 25(3)", "ecl 62"]) == "《消费者权益保护法》第二十五条第三款、《电子商务法》第六十二条"


def test_a_title_inside_a_title_takes_angle_brackets():
    from returnlaw.ruleschema import Instrument

    inst = BOOK.instruments["cpl"].model_copy(
        update={"id": "civpro_interp", "title_zh": "最高人民法院关于适用《中华人民共和国民事诉讼法》的解释"}
    )
    assert isinstance(inst, Instrument)
    citer = Citer({"civpro_interp": inst}, "zh")
    assert citer.cite("civpro_interp 90") == (
        "《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》（以下简称《民事诉讼法解释》）第九十条"
    )


def test_no_output_cites_the_colloquial_short_title():
    citer = Citer(BOOK.instruments, "zh", first_in_full=False)
    for ref in BOOK.provisions:
        assert "《消法" not in citer.cite(ref), ref


# -- numbers, dates and amounts --------------------------------------------------------------------


@pytest.mark.parametrize(("n", "text"), [(6, "六"), (10, "十"), (25, "二十五"), (101, "一百零一"), (203, "二百零三")])
def test_article_numbers_in_chinese_numerals(n, text):
    assert zh_number(n) == text


@pytest.mark.parametrize(
    ("amount", "upper"),
    [
        ("899.00", "捌佰玖拾玖元整"),
        ("5999.00", "伍仟玖佰玖拾玖元整"),
        ("10005", "壹万零伍元整"),
        ("100000", "壹拾万元整"),
        ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
        ("1000.05", "壹仟元零伍分"),
        ("0.50", "伍角"),
        ("1010", "壹仟零壹拾元整"),
        ("1000100", "壹佰万零壹佰元整"),
    ],
)
def test_amounts_in_capital_numerals(amount, upper):
    assert rmb_upper(Decimal(amount)) == upper


def test_amounts_and_dates_as_chinese_prose_writes_them():
    assert money(Decimal("5999"), "zh") == "5,999.00元"
    assert money(Decimal("899.5"), "en") == "¥899.50"
    assert zh_date(dt.date(2024, 1, 12)) == "2024年1月12日"
    assert zh_date(dt.datetime(2024, 1, 12, 18, 30)) == "2024年1月12日18时30分"


# -- the words every Chinese output needs ----------------------------------------------------------------


def test_every_fact_has_a_chinese_name():
    words = Words(default_wording(), "zh")
    for path in FACTS:
        name = words.fact(path)
        assert name != path and english_words(name) == [], path


def test_every_reading_and_value_has_chinese_words():
    for name in Readings.model_fields:
        assert english_words(reading_name(name, "zh")) == [], name
        values = choice_values(name)
        if values is None:  # a number reading: its sentence carries the number
            low, high = number_bounds(name)
            values = (str(low), str(high))
        for value in values:
            for short in (False, True):
                text = reading_value(name, value, "zh", short)
                assert text != value and english_words(text) == [], (name, value)
                assert choice_values(name) is not None or value in text, (name, value)


@pytest.mark.parametrize(
    "data",
    [
        {"purchase": {"channel": "in_store"}},  # every version of the law agrees
        {"purchase": {"channel": "online"}, "seller": {"is_operator": True}, "item": {"custom_made": True}},
    ],
)
def test_the_evaluators_notes_are_translated(data):
    notes = evaluate(BOOK, parse_scenario(data)).notes
    assert notes
    for note in notes:
        assert english_words(note_text(note, "zh")) == [], note


def test_replays_notes_are_translated():
    from returnlaw.cases import load_cases
    from returnlaw.replay import run_case

    words = Words(default_wording(), "zh")
    seen = {note for case in load_cases() for note in run_case(case, book=BOOK).evaluation.notes}
    assert any(n.startswith("timing:") for n in seen)
    for note in seen:
        assert english_words(note_text(note, "zh", words.fact)) == [], note
