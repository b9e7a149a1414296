"""Decisions for people: a rich rendering in Chinese or English (the JSON form is the model itself)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from .decision import Decision, Reason
from .i18n import cite_text, t
from .ruleschema import Instrument, Vocabulary

OUTCOME_STYLE = {
    "returnable": "bold green",
    "not_returnable": "bold red",
    "out_of_scope": "bold yellow",
    "undetermined": "bold magenta",
}
STATUS_MARK = {"applied": "✔", "defeated": "✘", "not_applicable": "·", "undetermined": "?"}
_ARTICLE_PREFIX = re.compile(r"^第[零一二三四五六七八九十百千]+条\s*")  # the citation already names it
GROUP_ORDER = ("scope", "right", "confirmed", "intact", "presumptions", "effects")


class Renderer:
    def __init__(self, instruments: Mapping[str, Instrument], vocabulary: Vocabulary, lang: str) -> None:
        self.instruments, self.vocab, self.lang = instruments, vocabulary, lang

    def cite(self, ref: str) -> str:
        inst = self.instruments[ref.split(" ")[0]]
        return cite_text(ref, inst.short_zh, inst.short_en, self.lang)

    def _text(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh" else en

    def render(self, d: Decision, full_trace: bool = False) -> RenderableType:
        parts: list[RenderableType] = [self.headline(d), self.reasons(d, full_trace)]
        sections = (self.deadlines(d), self.obligations(d), self.warnings(d), self.remarks(d), self.questions(d))
        for section in (*sections, self.notes(d)):
            if section is not None:
                parts.append(section)
        parts.append(Text(t("not_advice", self.lang), style="dim"))
        return Group(*parts)

    def headline(self, d: Decision) -> RenderableType:
        value = self.vocab.variables["outcome"].values[d.outcome]
        title = Text(f"{t('outcome', self.lang)}: ", style="bold") + Text(
            self._text(value.zh, value.en), style=OUTCOME_STYLE[d.outcome]
        )
        as_of = d.as_of.isoformat() if d.as_of else t("as_of_unknown", self.lang)
        readings = ", ".join(f"{k}={v}" for k, v in d.readings.model_dump(mode="json").items())
        meta = Text(f"{t('as_of', self.lang)}: {as_of}   {t('readings', self.lang)}: {readings}", style="dim")
        return Panel(Group(title, meta), expand=False)

    def reasons(self, d: Decision, full_trace: bool) -> RenderableType:
        tree = Tree(Text(t("reasons", self.lang), style="bold"))
        for group in _groups(d):
            shown = [r for r in d.reasons if r.group == group and (full_trace or _worth_showing(r, d))]
            if not shown:
                continue
            label = t(f"group.{group}", self.lang) if f"group.{group}" in _known_groups() else group
            branch = tree.add(Text(label, style="bold cyan"))
            for r in shown:
                self._reason(branch, r, d)
        return tree

    def _reason(self, branch: Tree, r: Reason, d: Decision) -> None:
        style = {"applied": "green", "defeated": "red", "undetermined": "magenta"}.get(r.status, "dim")
        head = Text(f"{STATUS_MARK[r.status]} ", style=style) + Text(self._text(r.title_zh, r.title_en))
        head += Text(f"  [{t(r.status, self.lang)}]", style=style)
        node = branch.add(head)
        for ref in r.cite:
            c = d.citations.get(ref)  # rules that did not apply are cited by reference only
            text = "" if c is None else _ARTICLE_PREFIX.sub("", c.zh) if self.lang == "zh" else c.en
            node.add(Text(self.cite(ref) + (": " if text else ""), style="bold") + Text(text, style="dim"))
        if r.defeated_by:
            node.add(Text(f"{t('defeated_by', self.lang)}: {', '.join(r.defeated_by)}", style="red"))
        if r.unknown_facts:
            node.add(Text(f"{t('unknown_facts', self.lang)}: {', '.join(r.unknown_facts)}", style="magenta"))

    def _table(self, title: str) -> Table:
        table = Table(title=title, title_justify="left", show_header=False, expand=True)
        return table

    def deadlines(self, d: Decision) -> RenderableType | None:
        if not d.deadlines:
            return None
        table = self._table(t("deadlines", self.lang))
        for col in ("name", "when", "status", "cite"):
            table.add_column(col, overflow="fold", ratio=3 if col in ("name", "cite") else 1)
        for item in d.deadlines:
            if item.ends_at:
                when = item.ends_at.isoformat(sep=" ", timespec="minutes")
            else:
                when = item.date.isoformat() if item.date else t("unknown_start", self.lang)
            status = t("open", self.lang) if item.met is None else t("met" if item.met else "missed", self.lang)
            label = self._if(item.if_outcome) + self._text(item.zh, item.en) + self._depends(item.depends_on)
            table.add_row(label, when, status, self._cites(item.cite))
        return table

    def obligations(self, d: Decision) -> RenderableType | None:
        if not d.obligations:
            return None
        table = self._table(t("obligations", self.lang))
        for col, ratio in (("party", 1), ("duty", 4), ("amount", 1), ("cite", 3)):
            table.add_column(col, overflow="fold", ratio=ratio, no_wrap=col in ("party", "amount"))
        for o in d.obligations:
            party = self.vocab.parties[o.party]
            amount = f"¥{o.amount:.2f}" if o.amount is not None else ""
            duty = self._if(o.if_outcome) + self._text(o.zh, o.en) + self._depends(o.depends_on)
            table.add_row(self._text(party.zh, party.en), duty, amount, self._cites(o.cite))
        return table

    def _cites(self, refs: list[str]) -> str:
        return "; ".join(self.cite(c) for c in refs)

    def _if(self, if_outcome: str | None) -> str:
        """The condition a consequence holds under, when the outcome is still open."""
        return f"{t('if_returnable', self.lang)}: " if if_outcome == "returnable" else ""

    def _depends(self, facts: list[str]) -> str:
        return f" ({t('depends_on', self.lang)}: {', '.join(facts)})" if facts else ""

    def warnings(self, d: Decision) -> RenderableType | None:
        if not d.warnings:
            return None
        lines = [
            Text("⚠ ", style="yellow")
            + Text(self._if(w.if_outcome) + self._text(w.zh, w.en))
            + Text(f"  ({self._cites(w.cite)})", style="dim")
            for w in d.warnings
        ]
        return Panel(Group(*lines), title=t("warnings", self.lang), title_align="left", border_style="yellow")

    def remarks(self, d: Decision) -> RenderableType | None:
        if not d.remarks:
            return None
        lines = [
            Text("ℹ ", style="cyan")
            + Text(self._if(r.if_outcome) + self._text(r.zh, r.en))
            + (Text(f"  ({self._cites(r.cite)})", style="dim") if r.cite else Text(""))
            for r in d.remarks
        ]
        return Panel(Group(*lines), title=t("remarks", self.lang), title_align="left", border_style="cyan")

    def questions(self, d: Decision) -> RenderableType | None:
        if not d.questions and not d.presumptions:
            return None
        lines = [Text(f"? {q}", style="magenta") for q in d.questions]
        lines += [
            Text(f"{t('presumptions', self.lang)}: {p.fact} = {p.value} ({p.rule})", style="dim")
            for p in d.presumptions
        ]
        return Panel(Group(*lines), title=t("questions", self.lang), title_align="left", border_style="magenta")

    def notes(self, d: Decision) -> RenderableType | None:
        if not d.notes:
            return None
        return Text(f"{t('notes', self.lang)}: " + "; ".join(d.notes), style="dim")


def _worth_showing(r: Reason, d: Decision) -> bool:
    """By default: what decided the outcome, the consequences that apply, and (only while the
    outcome is open) the rules that still wait for facts."""
    if r.status == "undetermined":
        return d.outcome == "undetermined" and r.group != "effects"
    if r.group == "effects":
        return r.status == "applied"
    return r.status != "not_applicable"


def _known_groups() -> set[str]:
    return {f"group.{g}" for g in GROUP_ORDER}


def _groups(d: Decision) -> list[str]:
    present = list(dict.fromkeys(r.group for r in d.reasons))
    return [g for g in GROUP_ORDER if g in present] + [g for g in present if g not in GROUP_ORDER]
