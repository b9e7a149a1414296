"""Laying out Chinese text: never wider than asked, never a closing mark at a line's start or an
opening one at its end, never a date, amount or word cut in two; nothing lost."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from returnlaw.layout import NO_LINE_END, NO_LINE_START, Doc, wrap
from tests.zhcheck import layout_problems

WORDS = ["消费者", "经营者", "应当", "退货", "《消费者权益保护法》", "第二十五条第一款第（一）项", "down jacket", " "]
MARKS = ["，", "。", "、", "；", "：", "（", "）", "“", "”"]
NUMBERS = ["于2024年1月12日", "至2024-01-19止", "共5,999.00元", "持有17小时"]
PIECES = st.sampled_from(WORDS + MARKS + NUMBERS)


def _text(pieces: list[str]) -> str:
    return "".join(pieces)


# Text as Chinese prose has it: at most two marks in a row ("）。"). A date followed by more
# closing marks than a line holds cannot be laid out without breaking one rule or another.
TEXTS = (
    st.lists(PIECES, min_size=1, max_size=60)
    .map(_text)
    .filter(lambda text: not re.search(f"[{re.escape(''.join(NO_LINE_START | NO_LINE_END))}]{{3}}", text))
)


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.integers(min_value=24, max_value=90))
def test_wrapped_lines_obey_chinese_line_breaking(text, width):
    lines = [line.plain for line in wrap(text, width, "  ", "    ")]
    body = [line.strip() for line in lines]
    assert "".join(body).replace(" ", "") == text.replace(" ", "")  # nothing lost or added
    for number, (line, stripped) in enumerate(zip(lines, body, strict=True)):
        assert cell_len(line) <= width
        if stripped and number > 0:  # the text's own first character may be a closing mark
            assert stripped[0] not in NO_LINE_START, lines
        if stripped and number < len(lines) - 1:
            assert stripped[-1] not in NO_LINE_END, lines
    inner = lines if text.strip() and text.strip()[0] not in NO_LINE_START else lines[1:]
    assert layout_problems("\n".join(inner).rstrip("".join(NO_LINE_END) + " "), width) == []


def test_a_date_and_an_amount_move_whole_to_the_next_line():
    lines = [x.plain for x in wrap("退款期限为2024年1月22日，金额为5,999.00元。", 24)]
    assert lines == ["退款期限为", "2024年1月22日，金额为", "5,999.00元。"]


def test_a_doc_is_laid_out_at_the_width_it_is_printed_in():
    doc = Doc().add("结论：消费者有权依照《消费者权益保护法》第二十五条退货，经营者不得拒绝。", hanging="  ")
    narrow, wide = doc.plain(30).splitlines(), doc.plain(100).splitlines()
    assert len(narrow) > len(wide) == 1
    assert all(cell_len(line) <= 30 for line in narrow) and narrow[1].startswith("  ")
