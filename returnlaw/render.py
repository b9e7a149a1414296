"""Decisions for people, in Chinese or English (the JSON form is the model itself).

Two views, both laid out by :mod:`returnlaw.layout` at the console's width:

- compact (the default of ``check``, ``ask`` and ``replay --explain``): the outcome in the law's
  words, the few reasons that decided it, each with its provisions and each provision's text
  shown once, the burden of proof, the deadlines with the days remaining, who does what, the
  readings; built from :mod:`returnlaw.summary`.
- full (``--full``): every rule of the trace, group by group, with the same consequences.

In Chinese every word is Chinese: facts by their label, readings by their name, rule ids by the
rule's title; citations as a court writes them, each instrument named in full on first mention.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rich.text import Text

from .citations import Citer, parse_ref, provision_en, provision_zh, without_article_number, zh_number
from .decision import Decision, Reason
from .i18n import fill, note_text, show_date, t, words
from .layout import Doc
from .questions import Wording, default_wording
from .rulebook import RuleBook
from .scenario import Scenario
from .summary import Summary, Words, not_raised_text, reference_day, summarise

OUTCOME_STYLE = {
    "returnable": "bold green",
    "not_returnable": "bold red",
    "out_of_scope": "bold yellow",
    "undetermined": "bold magenta",
}
STATUS_MARK = {"applied": "✔", "defeated": "✘", "not_applicable": "·", "undetermined": "?"}
GROUP_ORDER = ("scope", "right", "confirmed", "intact", "presumptions", "effects")


def ordinal(n: int, lang: str) -> str:
    """一、 二、 … as Chinese documents number their points; 1. 2. … in English."""
    if lang != "zh":
        return f"{n}. "
    return zh_number(n) + "、"


class Renderer:
    def __init__(
        self,
        book: RuleBook,
        lang: str,
        *,
        today: dt.date | None = None,
        wording: Wording | None = None,
    ) -> None:
        self.book, self.lang, self.today = book, lang, today
        self.vocab = book.vocabulary
        self.wording = wording or default_wording()
        self.words = Words(self.wording, lang)

    def _text(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh" else en

    def _t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    def render(
        self,
        d: Decision,
        full_trace: bool = False,
        *,
        scenario: Scenario | None = None,
        open_facts: Sequence[str] | None = None,
    ) -> Doc:
        """The compact view, or with ``full_trace`` every rule of the trace."""
        citer = Citer(self.book.instruments, self.lang)
        summary = summarise(
            d, self.book, self.lang, today=self.today, scenario=scenario, wording=self.wording, open_facts=open_facts
        )
        doc = Doc()
        self._shown: set[str] = set()  # provisions whose text is shown already
        self.headline(doc, summary, citer)
        if full_trace:
            self.trace(doc, d, citer)
        else:
            self.reasons(doc, summary, citer)
        self.burden(doc, summary, citer, full_trace)
        self.settled(doc, summary, citer)
        self.deadlines(doc, summary, citer, full_trace)
        self.duties(doc, summary, citer, full_trace)
        self.warnings(doc, summary, citer)
        self.remarks(doc, summary, citer)
        self.readings(doc, summary, full_trace)
        if summary.notes:
            doc.gap().add(f"{self._t('notes')}{self._colon()}" + self._sep().join(summary.notes), style="dim")
        doc.gap().add(self._t("not_advice"), style="dim")
        return doc

    # -- pieces ------------------------------------------------------------------------------

    def _colon(self) -> str:
        return "：" if self.lang == "zh" else ": "

    def _sep(self) -> str:
        return "；" if self.lang == "zh" else "; "

    def _paren(self, text: str) -> str:
        return f"（{text}）" if self.lang == "zh" else f" ({text})"

    def _end(self, text: str) -> str:
        """A sentence's full stop, once."""
        if self.lang == "zh":
            return text if text.endswith(("。", "：", "？", "……")) else text + "。"
        return text if text.endswith((".", ":", "?")) else text + "."

    def headline(self, doc: Doc, s: Summary, citer: Citer) -> None:
        template = words("outcomes")[s.verdict][self.lang]
        reason = ""
        if s.verdict_reason is not None:  # its provisions are cited with the reasons below
            reason = s.verdict_reason.text
        sentence = fill(template, citer, reason=reason.rstrip("。"))
        line = Text(f"{self._t('outcome')}{self._colon()}", style="bold")
        line.append(sentence, style=OUTCOME_STYLE.get(s.outcome, "bold"))
        doc.add(line)
        for i, question in enumerate(s.open_questions, start=1):
            doc.add(f"{ordinal(i, self.lang)}{question}", indent="  ", hanging="    ", style="magenta")

    def reasons(self, doc: Doc, s: Summary, citer: Citer) -> None:
        if not s.reasons:
            return
        doc.gap().add(self._t("reasons"), style="bold cyan")
        shown = self._shown
        for i, reason in enumerate(s.reasons, start=1):
            line = self._end(reason.text.rstrip("。") + self._paren(citer.cites(reason.refs)))
            doc.add(f"{ordinal(i, self.lang)}{line}", hanging="    ")
            rule = self.book.rules.get(reason.rule)
            if rule is not None and rule.effect is not None:  # a conclusion, not an exception that only defeats
                self._texts(doc, s, reason.refs, shown)

    def _texts(self, doc: Doc, s: Summary, refs: Sequence[str], shown: set[str]) -> None:
        """Each provision's text, the first time it is cited."""
        instruments = {r.split(" ")[0] for r in refs}
        for ref in refs:
            text = s.provisions.get(ref)
            if ref in shown or not text:
                continue
            shown.add(ref)
            label = self._provision_label(ref, len(instruments) > 1)
            body = without_article_number(text) if self.lang == "zh" else text
            quoted = f"{label}：“{body}”" if self.lang == "zh" else f"{label}: “{body}”"
            doc.add(quoted, indent="    ", hanging="    ", style="dim")

    def _provision_label(self, ref: str, with_instrument: bool) -> str:
        parsed = parse_ref(ref)
        if parsed is None:
            return ref
        number = provision_zh(parsed) if self.lang == "zh" else provision_en(parsed)
        if not with_instrument:
            return number
        short = Citer(self.book.instruments, self.lang, first_in_full=False).title(parsed.instrument)
        return short + number if self.lang == "zh" else f"{short} {number}"

    def burden(self, doc: Doc, s: Summary, citer: Citer, every_fact: bool = False) -> None:
        b = s.burden
        if b is None:
            return
        doc.gap().add(self._t("burden"), style="bold cyan")
        for rule in b.rules:
            doc.add(self._end(rule.text.rstrip("。") + self._paren(citer.cites(rule.refs))), hanging="  ")
            if every_fact:
                self._texts(doc, s, rule.refs, self._shown)
        facts = [f"{fact}{'——' if self.lang == 'zh' else ': '}{value}" for fact, value in b.presumed]
        listed = facts if every_fact else facts[:1]
        more = "" if len(facts) == len(listed) else self._t("presumed_more", n=len(facts))
        head = self._t("presumed") + (self._paren(more) if more else "") + self._colon()
        against = self._t("burden_against", party=b.against) if b.against else ""
        line = against.strip()
        if facts:
            line += (
                ("" if self.lang == "zh" or not line else " ")
                + head
                + self._sep().join(listed)
                + ("……" if more and self.lang == "zh" else "")
            )
        if s.not_raised is not None:  # what nobody raised, in the same paragraph
            line = (self._end(line) + ("" if self.lang == "zh" else " ") if line else "") + not_raised_text(
                s.not_raised, citer, self.lang
            )
        if line:
            doc.add(self._end(line), hanging="  ")

    def settled(self, doc: Doc, s: Summary, citer: Citer) -> None:
        """What the goods' category settles, and what nobody raised: a paragraph each."""
        if (s.not_raised is not None or s.not_produced) and s.burden is None:  # else in the burden's paragraph
            doc.gap().add(self._t("burden"), style="bold cyan")
        for line in s.not_produced:  # evidence not in the record
            doc.add(self._end(line.text.rstrip("。") + self._paren(citer.cites(line.refs))), hanging="  ")
        if s.not_raised is not None and s.burden is None:
            doc.add(self._end(not_raised_text(s.not_raised, citer, self.lang)), hanging="  ")
        if s.by_category is not None:
            doc.gap().add(self._t("by_category"), style="bold cyan")
            body = self._sep().join(s.by_category.items) + self._paren(citer.cites(s.by_category.refs))
            doc.add(self._end(body), hanging="  ")

    def deadlines(self, doc: Doc, s: Summary, citer: Citer, with_cites: bool) -> None:
        if not s.deadlines:
            return
        head = self._t("deadlines")
        if s.today is not None:
            head += self._paren(self._t("today", day=show_date(s.today, self.lang)))
        doc.gap().add(head, style="bold cyan")
        for d in s.deadlines:
            line = Text(f"· {d.label}{self._colon()}")
            line.append(d.when, style="bold")
            if d.state != d.when:  # an unknown start says so once
                line.append(("，" if self.lang == "zh" else ", ") + d.state, style=_STATE_STYLE.get(d.status, ""))
            if d.depends and d.status not in ("met", "missed"):
                line.append(self._paren(self._depends(d.depends)), style="dim")
            if with_cites:
                line.append(self._paren(citer.cites(d.refs)), style="dim")
            doc.add(line, hanging="  ")

    def _depends(self, facts: Sequence[str]) -> str:
        quoted = "、".join(f"“{f}”" for f in facts) if self.lang == "zh" else ", ".join(facts)
        return f"{self._t('depends_on')}{quoted}" if self.lang == "zh" else f"{self._t('depends_on')} {quoted}"

    def duties(self, doc: Doc, s: Summary, citer: Citer, full: bool) -> None:
        if not s.duties and not s.alternatives and not s.conditional:
            return
        doc.gap().add(self._t("obligations"), style="bold cyan")
        listed = [*s.duties, *s.conditional] if full else s.duties
        for party in dict.fromkeys(d.party for d in listed):
            doc.add(f"{party}{self._colon()}", style="bold")
            for duty in (d for d in listed if d.party == party):
                cond = self._t("if_returnable") + self._colon() if duty.if_returnable else ""
                line = Text(f"· {cond}{duty.text}")
                if duty.amount_text:
                    line.append(f"{self._colon()}{duty.amount_text}", style="bold")
                if duty.depends:
                    line.append(self._paren(self._depends(duty.depends)), style="dim")
                if full:
                    line.append(self._paren(citer.cites(duty.refs)), style="dim")
                doc.add(line, indent="  ", hanging="    ")
        for alt in s.alternatives:
            options = [t("if_value", self.lang, value=v, party=party, duty=duty) for v, party, duty in alt.options]
            head = self._t("depends_on_fact", fact=alt.fact) + self._colon()
            tail = self._paren(citer.cites(alt.refs)) if full else ""
            doc.add(self._end(head + self._sep().join(options) + tail), hanging="  ")
        if s.conditional and not full:
            facts = list(dict.fromkeys(f for d in s.conditional for f in d.depends))
            listed = "、".join(facts) if self.lang == "zh" else ", ".join(facts)
            doc.add(self._t("more_duties", n=len(s.conditional), facts=listed), style="dim")

    def warnings(self, doc: Doc, s: Summary, citer: Citer) -> None:
        if not s.warnings:
            return
        doc.gap().add(self._t("warnings"), style="bold yellow")
        for w in s.warnings:
            doc.add(f"· {self._end(w.text.rstrip('。') + self._paren(citer.cites(w.refs)))}", hanging="  ")

    def remarks(self, doc: Doc, s: Summary, citer: Citer) -> None:
        if not s.remarks:
            return
        doc.gap().add(self._t("remarks"), style="bold cyan")
        for r in s.remarks:
            cites = self._paren(citer.cites(r.refs)) if r.refs else ""
            doc.add(f"· {self._end(r.text.rstrip('。') + cites)}", hanging="  ")

    def readings(self, doc: Doc, s: Summary, full: bool) -> None:
        """The law applied and the readings used: those the decision turns on in a few words, or
        with ``full`` every reading and why."""
        parts = [f"{self._t('as_of')}{self._colon()}{s.law}"]
        shown = s.readings if full else s.readings_that_matter
        parts += [f"{name}{self._colon()}{why if full else short}" for name, why, short in shown]
        doc.gap().add(self._end(self._sep().join(parts)), style="dim")

    # -- the whole trace -------------------------------------------------------------------------

    def trace(self, doc: Doc, d: Decision, citer: Citer) -> None:
        doc.gap().add(self._t("reasons_full"), style="bold")
        titles = {r.rule: self._text(r.title_zh, r.title_en) for r in d.reasons}
        shown: set[str] = set()
        for group in _groups(d):
            key = f"group.{group}"
            label = self._t(key) if group in GROUP_ORDER else self._t("group.other")
            doc.add(label, indent="  ", style="bold cyan")
            for r in (r for r in d.reasons if r.group == group):
                self._trace_reason(doc, r, d, citer, titles, shown)

    def _trace_reason(
        self, doc: Doc, r: Reason, d: Decision, citer: Citer, titles: dict[str, str], shown: set[str]
    ) -> None:
        style = {"applied": "green", "defeated": "red", "undetermined": "magenta"}.get(r.status, "dim")
        head = Text(f"{STATUS_MARK[r.status]} ", style=style)
        head.append(self._text(r.title_zh, r.title_en))
        head.append(f"［{self._t(r.status)}］" if self.lang == "zh" else f" [{self._t(r.status)}]", style=style)
        doc.add(head, indent="    ", hanging="      ")
        if r.cite:
            doc.add(citer.cites(r.cite), indent="      ", hanging="      ", style="bold")
        for ref in r.cite:
            c = d.citations.get(ref)  # rules that did not apply are cited by reference only
            if c is None or ref in shown:
                continue
            shown.add(ref)
            parsed = parse_ref(ref)
            number = (provision_zh(parsed) if self.lang == "zh" else provision_en(parsed)) if parsed else ref
            body = without_article_number(c.zh) if self.lang == "zh" else c.en
            doc.add(f"{number}{self._colon()}{body}", indent="        ", hanging="        ", style="dim")
        if r.defeated_by:
            names = self._sep().join(titles.get(x, x) for x in r.defeated_by)
            doc.add(f"{self._t('defeated_by')}{self._colon()}{names}", indent="      ", hanging="        ", style="red")
        if r.unknown_facts:
            names = "、".join(self.words.fact(p) for p in r.unknown_facts)
            doc.add(
                f"{self._t('unknown_facts')}{self._colon()}{names}",
                indent="      ",
                hanging="        ",
                style="magenta",
            )


def mediator_view(
    book: RuleBook,
    decision: Decision,
    scenario: Scenario,
    lang: str,
    *,
    full: bool = False,
    as_of: dt.date | None = None,
    open_facts: Sequence[str] | None = None,
    today: dt.date | None = None,
) -> Doc:
    """The decision as ``check`` and ``ask`` show it. An undetermined one lists the facts that
    could still change it (``open_facts``; by default the interview's relevance test on
    ``scenario``, not every fact a pending rule reads)."""
    from .interview import next_questions

    if open_facts is None and decision.outcome == "undetermined" and decision.questions:
        open_facts = [q.fact for q in next_questions(scenario, as_of=as_of, readings=decision.readings, book=book)]
    renderer = Renderer(book, lang, today=today or reference_day())
    return renderer.render(decision, full_trace=full, scenario=scenario, open_facts=open_facts or None)


_STATE_STYLE = {"met": "green", "missed": "bold red", "open": "yellow", "unknown_start": "dim", "pending": "magenta"}


def _groups(d: Decision) -> list[str]:
    present = list(dict.fromkeys(r.group for r in d.reasons))
    return [g for g in GROUP_ORDER if g in present] + [g for g in present if g not in GROUP_ORDER]


__all__ = ["OUTCOME_STYLE", "Renderer", "mediator_view", "note_text", "ordinal"]
