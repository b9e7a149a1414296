"""Laying out mixed Chinese and English text in a terminal's columns, as Chinese typesetting does.

A line may break between any two Chinese characters, but never inside a date (``2024年1月12日``,
``2024-01-12``), an amount (``5,999.00元``), a count with its unit (``17小时``), an English word
or a citation's numbers; a line never starts with ``、，。；：`` or a closing bracket and never
ends with an opening one (spec/zh-style.md §1). Widths are terminal cells (a Chinese character
takes two).

:class:`Doc` is a rich renderable made of blocks (a paragraph with its indent and hanging
indent, a blank line); it lays them out at the width of the console it is printed on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

NO_LINE_START = set("、，。；：！？）》」』】〉”’…,.;:!?)]}%·")
NO_LINE_END = set("（《「『【〈“‘([{")

# Units that may never be separated from the number before them.
_ATOM = re.compile(
    r"\d{4}年\d{1,2}月\d{1,2}日(?:\d{1,2}时(?:\d{1,2}分)?)?"  # 2024年1月12日18时30分
    r"|\d{1,2}月\d{1,2}日"
    r"|\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2})?"  # 2024-01-12, 2024-01-12 18:30
    r"|[¥￥]?\d[\d,.:/]*(?:元|日|小时|天|分钟|分|时|个|件|项|%)?"  # 5,999.00元, 17小时
    r"|[A-Za-z][A-Za-z0-9_.'/\-]*"  # an English word or an id
    r"|\s+"
    r"|."
)


def atoms(text: str) -> list[str]:
    """``text`` cut into the pieces a line may break between, with punctuation glued to its
    neighbour so that no line starts with a closing mark or ends with an opening one."""
    pieces = _ATOM.findall(text)
    glued: list[str] = []
    carry = ""
    for piece in pieces:
        if (len(piece) == 1 and piece in NO_LINE_END) or (carry and piece.isspace()):
            carry += piece  # an opening mark goes with what follows it, across a space
            continue
        piece = carry + piece
        carry = ""
        if glued and not piece.isspace() and piece[0] in NO_LINE_START:
            if glued[-1].isspace() and len(glued) > 1:  # "word ，": keep the mark with the word
                space = glued.pop()
                glued[-1] += space
            glued[-1] += piece
        else:
            glued.append(piece)
    if carry:  # opening marks at the very end: keep them on the last line, spaces apart
        mark = carry.rstrip()
        if glued and not glued[-1].isspace():
            glued[-1] += mark
        else:
            glued.append(mark)
        if len(carry) > len(mark):
            glued.append(carry[len(mark) :])
    return glued


def break_points(text: str, width: int, first: int = 0, rest: int = 0) -> list[tuple[int, int]]:
    """(start, end) offsets of each line of ``text`` laid out in ``width`` cells, the first line
    indented by ``first`` cells and the others by ``rest``; spaces at a break are dropped."""
    lines: list[tuple[int, int]] = []
    start = pos = 0
    used, room = 0, max(1, width - first)
    line_end = 0
    for piece in atoms(text):
        size = cell_len(piece)
        if piece.isspace():
            pos += len(piece)
            if used:
                used += size
            else:
                start = pos  # no space at the start of a line
            continue
        if used and used + size > room:
            lines.append((start, line_end))
            start, used, room = pos, 0, max(1, width - rest)
        while size > room and not used:  # longer than a whole line (a URL): cut it by cells
            cut = _fit(piece, room)
            lines.append((pos, pos + cut))
            pos, piece, start = pos + cut, piece[cut:], pos + cut
            size = cell_len(piece)
            room = max(1, width - rest)
        pos += len(piece)
        used += size
        line_end = pos
    if used or not lines:
        lines.append((start, line_end if used else start))
    return lines


def _fit(piece: str, room: int) -> int:
    """Where to cut a piece wider than a line: the last cut within ``room`` that leaves no
    closing mark at the next line's start and no opening one at this line's end, preferring
    one outside a number; the plain cut by cells when there is none."""
    widths = [cell_len(ch) for ch in piece]
    limit = 0
    while limit < len(piece) and sum(widths[: limit + 1]) <= room:
        limit += 1
    limit = max(1, limit)
    allowed = (
        [cut for cut in range(limit, 0, -1) if piece[cut] not in NO_LINE_START and piece[cut - 1] not in NO_LINE_END]
        if limit < len(piece)
        else [limit]
    )
    for cut in allowed:
        if not (piece[cut - 1].isdigit() or piece[cut - 1] in "年月,.-") or not (
            piece[cut].isdigit() or piece[cut] in "年月日元时分-"
        ):
            return cut
    return allowed[0] if allowed else limit


def wrap(text: str | Text, width: int, indent: str = "", hanging: str | None = None) -> list[Text]:
    """``text`` laid out in ``width`` cells: the first line after ``indent``, the others after
    ``hanging`` (default: the same). Styles of a :class:`Text` are kept."""
    rich = text if isinstance(text, Text) else Text(text)
    hanging = indent if hanging is None else hanging
    lines = []
    for i, (start, end) in enumerate(break_points(rich.plain, width, cell_len(indent), cell_len(hanging))):
        line = Text(indent if i == 0 else hanging)
        line.append_text(rich[start:end])
        lines.append(line)
    return lines


@dataclass(frozen=True)
class Block:
    text: Text
    indent: str = ""
    hanging: str | None = None


class Doc:
    """Paragraphs laid out at the console's width when printed (see the module docstring)."""

    def __init__(self) -> None:
        self.blocks: list[Block | None] = []

    def add(self, text: str | Text, indent: str = "", hanging: str | None = None, style: str = "") -> Doc:
        rich = Text(text, style=style) if isinstance(text, str) else text
        self.blocks.append(Block(rich, indent, hanging))
        return self

    def gap(self) -> Doc:
        if self.blocks and self.blocks[-1] is not None:
            self.blocks.append(None)
        return self

    def extend(self, other: Doc) -> Doc:
        self.blocks.extend(other.blocks)
        return self

    def lines(self, width: int) -> Iterator[Text]:
        blocks = list(self.blocks)
        while blocks and blocks[-1] is None:
            blocks.pop()
        for block in blocks:
            if block is None:
                yield Text("")
            else:
                yield from wrap(block.text, width, block.indent, block.hanging)

    def plain(self, width: int = 80) -> str:
        return "\n".join(line.plain.rstrip() for line in self.lines(width))

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        """Narrowest: the widest piece that cannot be broken; widest: the longest paragraph."""
        widest = narrowest = 1
        for block in self.blocks:
            if block is None:
                continue
            lead = max(cell_len(block.indent), cell_len(block.hanging or block.indent))
            widest = max(widest, cell_len(block.indent) + cell_len(block.text.plain))
            pieces = [cell_len(p) for p in atoms(block.text.plain) if not p.isspace()]
            narrowest = max(narrowest, lead + min(max(pieces, default=1), 12))
        return Measurement(min(narrowest, options.max_width), min(widest, options.max_width))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines(options.max_width):
            line.no_wrap = True
            yield line


def join_lines(lines: Iterable[Text]) -> Text:
    return Text("\n").join(lines)
