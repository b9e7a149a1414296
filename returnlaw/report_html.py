"""The document for the parties as one self-contained HTML page: inline CSS (with print rules for
A4), the timeline as inline SVG, no script and no external reference, so that it opens and
prints anywhere offline."""

from __future__ import annotations

import re
from html import escape

from .report import Report, Section
from .report_timeline import svg

# Dates, amounts and citations' numbers are never broken across lines (spec/zh-style.md §1).
_KEEP = re.compile(
    r"\d{4}年\d{1,2}月\d{1,2}日(?:\d{1,2}时(?:\d{1,2}分)?)?|\d{4}-\d{2}-\d{2}|[¥￥]?\d[\d,.]*(?:元|日|小时)"
)

CSS = """
@page { size: A4; margin: 20mm 18mm 22mm; }
:root { --ink: #1b1b1b; --muted: #5b5b5b; --rule: #b9b9b9; --accent: #7a1f1f; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 186mm; padding: 12mm 6mm; color: var(--ink);
  font-family: "Noto Serif CJK SC", "Source Han Serif SC", "Songti SC", "SimSun", "Noto Sans CJK SC",
    "WenQuanYi Micro Hei", serif;
  font-size: 11pt; line-height: 1.75; line-break: strict; word-break: normal; overflow-wrap: anywhere; }
.nobr { white-space: nowrap; }
header { text-align: center; margin-bottom: 6mm; }
header .org { font-size: 12pt; letter-spacing: .15em; }
h1 { font-size: 20pt; letter-spacing: .4em; margin: 2mm 0; }
header .number { text-align: right; font-size: 10pt; color: var(--muted); }
.banner { border: 1px solid var(--accent); color: var(--accent); padding: 2mm 4mm; margin: 4mm 0; font-size: 10pt; }
.parties p { margin: 1mm 0; }
h2 { font-size: 13pt; margin: 7mm 0 2mm; border-bottom: 1px solid var(--rule); padding-bottom: 1mm; }
p { margin: 1.5mm 0; text-indent: 2em; }
.parties p, .sign p, li p { text-indent: 0; }
ol { margin: 1mm 0 1mm 0; padding-left: 2.2em; }
li { margin: .8mm 0; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0; font-size: 10pt; }
th, td { border: 1px solid var(--rule); padding: 1.2mm 2mm; text-align: left; vertical-align: top; }
th { background: #f1f0ec; font-weight: 600; }
figure { margin: 3mm 0; }
figcaption { font-size: 9.5pt; color: var(--muted); }
svg.timeline { display: block; width: 100%; height: auto; }
svg .axis { stroke: var(--ink); stroke-width: 1.4; }
svg .rest { fill: #e6e2d8; }
svg .stem { stroke: var(--rule); stroke-width: 1; }
svg .stem.deadline { stroke: var(--accent); stroke-dasharray: 3 2; }
svg .marker.fact { fill: var(--ink); }
svg .marker.deadline { fill: #fff; stroke: var(--accent); stroke-width: 1.6; }
svg .marker.today { fill: #1f5f9e; }
svg text { font-size: 13px; fill: var(--ink); font-family: inherit;
  paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
svg text .when { fill: var(--muted); font-size: 11.5px; }
svg text.deadline { fill: var(--accent); }
svg text.today { fill: #1f5f9e; }
.legend { font-size: 9.5pt; color: var(--muted); }
.legend span { margin-right: 4mm; }
.sign { margin-top: 10mm; }
.sign p { margin: 5mm 0; }
.closing { margin-top: 6mm; }
.provisions dt { font-weight: 600; margin-top: 2mm; }
.provisions dd { margin: 0 0 1mm 2em; font-size: 10pt; }
tr, li, figure, .sign, .banner, dt, dd { break-inside: avoid; }
h2, dt { break-after: avoid; }
thead { display: table-header-group; }
p { orphans: 2; widows: 2; }
@media print {
  body { padding: 0; max-width: none; font-size: 10.5pt; line-height: 1.6; }
  th, td { padding: .6mm 1.6mm; }
  a { color: inherit; }
}
"""


def _t(text: str) -> str:
    """Text escaped for HTML, with dates and amounts kept on one line."""
    out, last = [], 0
    for m in _KEEP.finditer(text):
        out.append(escape(text[last : m.start()]))
        out.append(f'<span class="nobr">{escape(m.group())}</span>')
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out)


def to_html(report: Report) -> str:
    lang = report.lang
    html = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(report.title)}</title><style>{CSS}</style></head><body>",
        f'<header><div class="org">{_t(report.organisation)}</div><h1>{_t(report.title)}</h1>',
        f'<div class="number">{_t(report.number)}</div></header>',
        f'<div class="banner">{_t(report.banner)}</div>',
        '<section class="parties">',
    ]
    colon = "：" if lang == "zh" else ": "
    html += [f"<p><strong>{_t(role)}</strong>{colon}{_t(name)}</p>" for role, name in report.parties]
    html.append("</section>")
    for section in report.sections:
        html.append(_section(section, report))
    html.append(f'<section class="provisions"><h2>{_t(_provisions_title(lang))}</h2><dl>')
    html += [f"<dt>{_t(cite)}</dt><dd>{_t(text)}</dd>" for cite, text in report.provisions]
    html.append("</dl></section>")
    html.append(f'<p class="closing">{_t(report.closing)}</p><section class="sign">')
    html += [f"<p>{_t(line)}</p>" for line in report.signatures]
    html.append("</section></body></html>")
    return "\n".join(html) + "\n"


def _provisions_title(lang: str) -> str:
    from .i18n import words

    return words("report")["provisions"][lang]


def _section(section: Section, report: Report) -> str:
    out = [f"<section><h2>{_t(section.title)}</h2>"]
    out += [f"<p>{_t(p)}</p>" for p in section.paragraphs]
    if section.table is not None:
        head, rows = section.table
        out.append("<table><thead><tr>" + "".join(f"<th>{_t(h)}</th>" for h in head) + "</tr></thead><tbody>")
        out += ["<tr>" + "".join(f"<td>{_t(c)}</td>" for c in row) + "</tr>" for row in rows]
        out.append("</tbody></table>")
    if section.timeline and report.timeline.events:
        out.append(_figure(report))
    if section.items:
        out.append("<ol>" + "".join(f"<li>{_t(item)}</li>" for item in section.items) + "</ol>")
    out += [f"<p>{_t(p)}</p>" for p in section.after]
    out.append("</section>")
    return "\n".join(out)


def _figure(report: Report) -> str:
    legend = {
        "zh": ("● 已发生的事实", "◇ 期限", "▲ 今日", "灰色：法定休假日"),
        "en": ("● facts", "◇ deadlines", "▲ today", "grey: statutory rest days"),
    }[report.lang]
    caption = escape(report.timeline.title) + (f"（{_t(report.timeline.note)}）" if report.timeline.note else "")
    if report.lang != "zh" and report.timeline.note:
        caption = escape(report.timeline.title) + f" ({_t(report.timeline.note)})"
    spans = "".join(f"<span>{escape(x)}</span>" for x in legend)
    return f'<figure>{svg(report.timeline)}<figcaption>{caption}</figcaption><div class="legend">{spans}</div></figure>'
