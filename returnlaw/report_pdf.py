"""The document for the parties as PDF, with fpdf2 (``pip install 'returnlaw[report]'``) and a
Chinese font the system provides: Debian's ``fonts-wqy-microhei`` (or ``fonts-wqy-zenhei``,
``fonts-arphic-uming``), or any TrueType font named by ``RETURNLAW_CJK_FONT``. Lines are broken
as :mod:`returnlaw.layout` breaks them (never a closing mark at a line's start, never a date cut).
"""

from __future__ import annotations

import os
from pathlib import Path

from .inputs import InputError
from .layout import atoms
from .report import Report, Section
from .report_timeline import LANE_HEIGHT, WIDTH, extent, layout

FONT_ENV = "RETURNLAW_CJK_FONT"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
_MARGIN, _BODY, _SMALL, _LINE = 18.0, 10.5, 9.0, 1.55


def cjk_font() -> Path | None:
    """The Chinese font to embed: ``RETURNLAW_CJK_FONT``, else the first known system font."""
    named = os.environ.get(FONT_ENV)
    if named:
        return Path(named) if Path(named).is_file() else None
    return next((Path(p) for p in FONT_CANDIDATES if Path(p).is_file()), None)


def check_pdf_support() -> Path:
    """The font to use; a clear error when fpdf2 or a Chinese font is missing."""
    try:
        import fpdf  # noqa: F401
    except ModuleNotFoundError:
        raise InputError("PDF needs fpdf2: pip install 'returnlaw[report]' (or use --format html)") from None
    font = cjk_font()
    if font is None:
        where = os.environ.get(FONT_ENV)
        if where:
            raise InputError(f"{FONT_ENV}={where}: no such font file")
        raise InputError(
            f"PDF needs a Chinese font: apt-get install fonts-wqy-microhei, or set {FONT_ENV} to a TrueType font "
            "(or use --format html)"
        )
    return font


def to_pdf(report: Report) -> bytes:
    from fpdf import FPDF

    font = check_pdf_support()
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=_MARGIN + 4)
    pdf.add_font("cjk", fname=str(font))
    pdf.set_title(report.title)
    pdf.add_page()
    writer = _Writer(pdf)
    writer.text(report.organisation, 12, align="C")
    writer.text(report.title, 20, align="C", gap=2)
    writer.text(report.number, _SMALL, align="R")
    writer.text(report.banner, _SMALL, colour=(122, 31, 31), gap=3)
    colon = "：" if report.lang == "zh" else ": "
    for role, name in report.parties:
        writer.text(f"{role}{colon}{name}", _BODY)
    for section in report.sections:
        writer.section(section, report)
    writer.heading(_annex_title(report.lang))
    for cite, text in report.provisions:
        writer.text(cite, _SMALL, gap=0.5)
        writer.text(text, _SMALL, indent=6, gap=1.5)
    writer.text(report.closing, _BODY, gap=6)
    for line in report.signatures:
        writer.text(line, _BODY, gap=5)
    return bytes(pdf.output())


def _annex_title(lang: str) -> str:
    from .i18n import words

    return words("report")["provisions"][lang]


class _Writer:
    def __init__(self, pdf) -> None:
        self.pdf = pdf
        self.width = pdf.w - 2 * _MARGIN

    def lines(self, text: str, size: float, width: float) -> list[str]:
        """``text`` broken into lines no wider than ``width`` mm, between the layout's pieces."""
        self.pdf.set_font("cjk", size=size)
        out, line = [], ""
        for piece in atoms(text):
            trial = line + piece
            if line and self.pdf.get_string_width(trial.rstrip()) > width:
                out.append(line.rstrip())
                line = piece.lstrip()
            else:
                line = trial
        if line.strip() or not out:
            out.append(line.rstrip())
        return out

    def text(
        self,
        text: str,
        size: float,
        *,
        align: str = "L",
        indent: float = 0,
        gap: float = 1.0,
        colour: tuple[int, int, int] = (27, 27, 27),
    ) -> None:
        pdf = self.pdf
        pdf.set_text_color(*colour)
        height = size * 0.3528 * _LINE
        for line in self.lines(text, size, self.width - indent):
            pdf.set_x(_MARGIN + indent)
            pdf.cell(self.width - indent, height, line, align=align, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    def heading(self, title: str) -> None:
        self.pdf.ln(3)
        self.text(title, 12.5, gap=0.5)
        y = self.pdf.get_y()
        self.pdf.set_draw_color(185, 185, 185)
        self.pdf.line(_MARGIN, y, _MARGIN + self.width, y)
        self.pdf.ln(2)

    def section(self, section: Section, report: Report) -> None:
        self.heading(section.title)
        for p in section.paragraphs:
            self.text(p, _BODY)
        if section.table is not None:
            self.table(*section.table)
        if section.timeline and report.timeline.events:
            self.timeline(report)
        for i, item in enumerate(section.items, start=1):
            self.text(f"{i}. {item}", _BODY, indent=2)
        for p in section.after:
            self.text(p, _BODY)

    def table(self, head: list[str], rows: list[list[str]]) -> None:
        pdf = self.pdf
        share = [1.0] * len(head) if len(head) != 2 else [0.45, 0.55]
        if len(head) == 4:
            share = [0.34, 0.2, 0.16, 0.3]
        widths = [self.width * s / sum(share) for s in share]
        height = _SMALL * 0.3528 * _LINE
        pdf.set_draw_color(185, 185, 185)
        for index, row in enumerate([head, *rows]):
            cells = [self.lines(c, _SMALL, w - 2) for c, w in zip(row, widths, strict=True)]
            tall = max(len(c) for c in cells) * height + 1.5
            if pdf.get_y() + tall > pdf.h - _MARGIN - 4:
                pdf.add_page()
            y, x = pdf.get_y(), _MARGIN
            for lines, w in zip(cells, widths, strict=True):
                if index == 0:
                    pdf.set_fill_color(241, 240, 236)
                    pdf.rect(x, y, w, tall, style="DF")
                else:
                    pdf.rect(x, y, w, tall)
                for n, line in enumerate(lines):
                    pdf.set_xy(x + 1, y + 0.75 + n * height)
                    pdf.cell(w - 2, height, line)
                x += w
            pdf.set_xy(_MARGIN, y + tall)
        pdf.ln(2)

    def timeline(self, report: Report) -> None:
        """The same picture as the HTML's SVG, drawn with the PDF's own lines and text."""
        pdf = self.pdf
        scale = self.width / WIDTH
        placed, *_ = layout(report.timeline)
        above, below = extent(placed)
        tall = ((above + below) * LANE_HEIGHT + 80) * scale
        if pdf.get_y() + tall > pdf.h - _MARGIN - 4:
            pdf.add_page()
        top = pdf.get_y()
        axis = top + (above * LANE_HEIGHT + 40) * scale
        pdf.set_draw_color(27, 27, 27)
        pdf.line(_MARGIN, axis, _MARGIN + self.width, axis)
        pdf.set_font("cjk", size=7)
        for p in placed:
            x = _MARGIN + p.x * scale
            y = axis - (p.lane * LANE_HEIGHT + (8 if p.lane > 0 else -8)) * scale
            pdf.set_draw_color(185, 185, 185)
            pdf.line(x, min(y, axis), x, max(y, axis))
            colour = {"deadline": (122, 31, 31), "today": (31, 95, 158)}.get(p.event.kind, (27, 27, 27))
            pdf.set_fill_color(*colour)
            pdf.ellipse(x - 1.2, axis - 1.2, 2.4, 2.4, style="F")
            pdf.set_text_color(*colour)
            for n, text in enumerate((p.event.label, p.event.when)):
                width = pdf.get_string_width(text)
                ty = y - (6 - n * 2.8) if p.lane > 0 else y + 1 + n * 2.8
                left = {"start": x, "end": x - width}.get(p.anchor, x - width / 2)
                pdf.set_xy(left, ty)
                pdf.cell(width, 2.8, text)
        pdf.set_text_color(27, 27, 27)
        pdf.set_y(top + tall)
        if report.timeline.note:
            self.text(report.timeline.note, _SMALL)
