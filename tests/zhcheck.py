"""Checks on Chinese output (spec/zh-style.md): no English word, and lines laid out as Chinese
typesetting requires. Shared by the zh output tests."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

from rich.cells import cell_len

ASCII_WORD = re.compile(r"[A-Za-z]+")
NO_LINE_START = set("、，。；：！？）》」』】〉”’")
NO_LINE_END = set("（《「『【〈“‘")
BOX = "│┃║╭╮╰╯─━┏┓┗┛┡┩└┘┌┐├┤┼╇╈ "


def english_words(text: str, typed: Iterable[str] = ()) -> list[str]:
    """The ASCII words in ``text`` once the strings the user typed (ids, descriptions) are removed."""
    for s in sorted(typed, key=len, reverse=True):
        text = text.replace(s, " ")
    return ASCII_WORD.findall(text)


def content(line: str) -> str:
    """A line without the box drawing of panels and tables around it."""
    return line.strip(BOX)


def layout_problems(text: str, width: int = 80) -> list[str]:
    """Lines wider than ``width``, lines that start with a closing mark or end with an opening
    one, and numbers or dates cut across two lines (``2024-01-`` / ``19``, ``2024年1`` / ``月``)."""
    problems = []
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if cell_len(line) > width:
            problems.append(f"line {number} is {cell_len(line)} cells wide: {line!r}")
        body = content(line)
        if body and body[0] in NO_LINE_START:
            problems.append(f"line {number} starts with {body[0]!r}: {line!r}")
        if body and body[-1] in NO_LINE_END:
            problems.append(f"line {number} ends with {body[-1]!r}: {line!r}")
    for number, (a, b) in enumerate(itertools.pairwise(lines), start=1):
        end, start = content(a), content(b)
        if not end or not start:
            continue
        cut_number = (end[-1].isdigit() or end[-1] in "-,.") and (start[0].isdigit() or start[0] in "年月日元时分-")
        cut_date = end[-1] in "年月" and start[0].isdigit()
        if cut_number or cut_date:
            problems.append(f"lines {number}-{number + 1} cut a number or date: {end[-12:]!r} / {start[:12]!r}")
    return problems
