"""``returnlaw report``: a document for the parties, laid out as a mediation proposal
(调解建议书, spec/mediation-documents.md §4.1–4.4, §5, §6).

The facts as established (and what was presumed, on whose burden), the point in dispute, the
mediator's view (the outcome and the reasons with full citations), the proposed terms (each
party's obligations, amounts in figures and in 大写), the deadlines with dates and days remaining
and a timeline, the readings used, remarks (non-binding until signed, other liability, what
follows a failure to perform), signature placeholders and the provisions cited, each text once.

:func:`build_report` makes a language-specific :class:`Report`; :mod:`returnlaw.report_html`,
:func:`to_markdown` and :mod:`returnlaw.report_pdf` lay it out. Citations are made in the
document's order, so each instrument is named in full on its first mention.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .atomic import atomic_writer, write_text_atomic
from .citations import Citer, parse_ref, provision_en, provision_zh, without_article_number
from .decision import Decision
from .facts import FACTS
from .i18n import fill, money, rmb_upper, show_date, t, words
from .inputs import InputError
from .questions import Wording, default_wording
from .report_timeline import Timeline, timeline_of
from .rulebook import RuleBook
from .scenario import Scenario
from .summary import Summary, Words, not_raised_text, summarise

FORMATS = ("md", "html", "pdf")


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # a numbered list after the paragraphs
    table: tuple[list[str], list[list[str]]] | None = None  # (header, rows)
    after: list[str] = field(default_factory=list)  # paragraphs after the list or table
    timeline: bool = False  # the timeline picture belongs here


@dataclass
class Report:
    lang: str
    title: str
    banner: str  # non-binding until signed
    organisation: str
    number: str
    parties: list[tuple[str, str]]
    sections: list[Section]
    signatures: list[str]
    closing: str  # copies and when it takes effect
    provisions: list[tuple[str, str]]  # (citation, text), each once
    timeline: Timeline
    outcome: str
    today: dt.date


def _w(key: str, lang: str, **values: object) -> str:
    text = words("report")[key][lang]
    return text.format(**values) if values else text


def build_report(
    decision: Decision,
    book: RuleBook,
    lang: str,
    *,
    scenario: Scenario,
    today: dt.date,
    wording: Wording | None = None,
    open_facts: Sequence[str] | None = None,
) -> Report:
    """The document for the parties about ``decision`` (the decision of ``scenario``)."""
    wording = wording or default_wording()
    s = summarise(decision, book, lang, today=today, scenario=scenario, wording=wording, open_facts=open_facts)
    citer = Citer(book.instruments, lang)
    fact_words = Words(wording, lang)
    sections = [
        _facts(s, scenario, decision, fact_words, wording),
        _issue(s, scenario, fact_words),
        _view(s, citer, book, lang),
        _terms(s, lang),
        _deadlines(s, citer, lang),
        _readings(s, lang),
        _remarks(s, lang),
    ]
    cited = [r for r in citer.cited if r in s.provisions]  # every provision the document cites, in its order
    appendix = [(_appendix_cite(ref, book, lang), _text(s.provisions[ref], lang)) for ref in cited]
    seller = scenario.seller.name or "________"
    return Report(
        lang=lang,
        title=_w("title", lang),
        banner=_w("banner", lang),
        organisation=_w("organisation", lang),
        number=_w("number", lang, year=today.year),
        parties=[
            (_w("consumer", lang), _w("blank_party", lang)),
            (_w("seller", lang), seller if scenario.seller.name else _w("blank_party", lang)),
        ],
        sections=sections,
        signatures=[_w(k, lang) for k in ("sign_consumer", "sign_seller", "sign_mediator", "sign_seal")],
        closing=_w("closing", lang),
        provisions=appendix,
        timeline=timeline_of(decision, scenario, today, lang),
        outcome=decision.outcome,
        today=today,
    )


def _text(text: str, lang: str) -> str:
    return without_article_number(text) if lang == "zh" else text


def _appendix_cite(ref: str, book: RuleBook, lang: str) -> str:
    parsed = parse_ref(ref)
    if parsed is None:
        return ref
    title = Citer(book.instruments, lang, first_in_full=False).title(parsed.instrument)
    return title + provision_zh(parsed) if lang == "zh" else f"{title} {provision_en(parsed)}"


# -- the sections ----------------------------------------------------------------------------------


def _facts(s: Summary, scenario: Scenario, decision: Decision, fact_words: Words, wording: Wording) -> Section:
    """The facts as the scenario states them, stage by stage in a case's order; then the facts
    the burden of proof supplied, and whom it went against."""
    lang = s.lang
    section = Section(_w("facts", lang))
    ranks = wording.stage_ranks()

    def rank(path: str) -> int:
        return ranks.get(path, ranks.get(path.partition(".")[0] + ".", len(ranks)))

    known = [p for p in FACTS if not FACTS[p].derived and FACTS[p].get(scenario) is not None]
    rows = [[fact_words.fact(p), _value(fact_words, p, FACTS[p].get(scenario))] for p in sorted(known, key=rank)]
    section.paragraphs.append(_w("facts_lead", lang))
    section.table = ([_w("fact", lang), _w("value", lang)], rows)
    if s.burden is not None:
        presumed = ("；" if lang == "zh" else "; ").join(
            f"{f}{'：' if lang == 'zh' else ': '}{v}" for f, v in s.burden.presumed
        )
        against = s.burden.against or _w("nobody", lang)
        section.after.append(_w("presumed", lang, facts=presumed, party=against))
    if s.open_questions:
        listed = ("；" if lang == "zh" else "; ").join(q.rstrip("？?") for q in s.open_questions)
        section.after.append(_w("open", lang, facts=listed))
    return section


def _value(fact_words: Words, path: str, value: object) -> str:
    entry = fact_words.wording.facts.get(path)
    if entry is not None and entry.unit is not None and entry.unit.zh == "元":
        amount = Decimal(str(value))
        figure = money(amount, fact_words.lang)
        return (
            f"{figure}（{_w('in_words', fact_words.lang)}{rmb_upper(amount)}）" if fact_words.lang == "zh" else figure
        )
    return fact_words.value(path, value)


def _issue(s: Summary, scenario: Scenario, fact_words: Words) -> Section:
    lang = fact_words.lang
    grounds = scenario.dispute.seller_grounds
    if grounds and set(grounds) != {"not_intact"}:
        listed = fact_words.value("dispute.seller_grounds", tuple(grounds))
        return Section(_w("issue", lang), paragraphs=[_w("issue_grounds", lang, grounds=listed)])
    if scenario.dispute.seller_alleges_not_intact:
        key = "issue_intact"
    elif s.outcome == "undetermined":
        key = "issue_open"
    else:
        key = "issue_return"
    return Section(_w("issue", lang), paragraphs=[_w(key, lang)])


def _view(s: Summary, citer: Citer, book: RuleBook, lang: str) -> Section:
    """The mediator's view: the outcome in the law's words, then each reason with its provisions."""
    section = Section(_w("view", lang))
    template = words("outcomes")[s.verdict][lang]
    reason = ""
    if s.verdict_reason is not None:  # its provisions are cited with the reasons below
        reason = s.verdict_reason.text.rstrip("。")
    outcome = fill(template, citer, reason=reason)
    if s.open_questions:
        outcome += (
            ("" if lang == "zh" else " ")
            + ("；" if lang == "zh" else "; ").join(q.rstrip("？?") for q in s.open_questions)
            + ("。" if lang == "zh" else ".")
        )
    section.paragraphs.append(outcome)
    lines = [*s.reasons, *(s.burden.rules if s.burden else ())]
    for line in lines:
        section.items.append(_sentence(line.text.rstrip("。") + _paren(citer.cites(line.refs), lang), lang))
    if s.burden is not None and s.burden.against:
        section.after.append(t("burden_against", lang, party=s.burden.against).strip())
    if s.by_category is not None:
        sep = "；" if lang == "zh" else "; "
        section.after.append(
            _sentence(sep.join(s.by_category.items) + _paren(citer.cites(s.by_category.refs), lang), lang)
        )
    if s.not_raised is not None:
        section.after.append(_sentence(not_raised_text(s.not_raised, citer, lang), lang))
    for remark in s.remarks:  # what the law adds: a claimed defect's own route, a law not yet in force
        cites = _paren(citer.cites(remark.refs), lang) if remark.refs else ""
        section.after.append(_sentence(remark.text.rstrip("。") + cites, lang))
    return section


def _terms(s: Summary, lang: str) -> Section:
    """The proposed terms: one obligation per item, amounts in figures and in words."""
    section = Section(_w("terms", lang), paragraphs=[_w("terms_lead", lang)])
    if s.outcome != "returnable":
        section.paragraphs.append(_w("terms_conditional" if s.outcome == "undetermined" else "terms_none", lang))
    for duty in s.duties:
        text = f"{duty.party}{duty.text}" if lang == "zh" else f"The {duty.party} shall {duty.text}"
        if duty.amount is not None:
            text += _w("amount", lang, figure=money(duty.amount, lang), words=rmb_upper(duty.amount))
        section.items.append(_sentence(text, lang))
    for alt in s.alternatives:
        options = ("；" if lang == "zh" else "; ").join(
            t("if_value", lang, value=v, party=party, duty=duty) for v, party, duty in alt.options
        )
        section.items.append(
            _sentence(t("depends_on_fact", lang, fact=alt.fact) + ("：" if lang == "zh" else ": ") + options, lang)
        )
    for duty in s.conditional:
        depends = "、".join(duty.depends) if lang == "zh" else ", ".join(duty.depends)
        section.items.append(
            _sentence(_w("conditional_duty", lang, party=duty.party, duty=duty.text, facts=depends), lang)
        )
    if s.outcome == "returnable":
        section.items.append(_w("finality", lang))
    return section


def _deadlines(s: Summary, citer: Citer, lang: str) -> Section:
    section = Section(_w("deadlines", lang, day=show_date(s.today or dt.date.today(), lang)), timeline=True)
    head = [_w(k, lang) for k in ("what", "date", "state", "basis")]
    rows = [[d.label, d.when, d.state, citer.cites(d.refs)] for d in s.deadlines]
    section.table = (head, rows) if rows else None
    if not rows:
        section.paragraphs.append(_w("no_deadlines", lang))
    return section


def _readings(s: Summary, lang: str) -> Section:
    section = Section(_w("readings", lang))
    section.paragraphs.append(f"{t('as_of', lang)}{'：' if lang == 'zh' else ': '}{_sentence(s.law, lang)}")
    section.items = [_sentence(f"{name}{'：' if lang == 'zh' else ': '}{why}", lang) for name, why, _ in s.readings]
    section.after = [_sentence(n, lang) for n in s.notes]
    return section


def _remarks(s: Summary, lang: str) -> Section:
    return Section(
        _w("remarks", lang), items=[_w(k, lang) for k in ("remark_binding", "remark_liability", "remark_remedy")]
    )


def _paren(text: str, lang: str) -> str:
    return f"（{text}）" if lang == "zh" else f" ({text})"


def _sentence(text: str, lang: str) -> str:
    if lang == "zh":
        return text if text.endswith(("。", "：")) else text + "。"
    return text if text.endswith((".", ":")) else text + "."


# -- formats -----------------------------------------------------------------------------------------


def to_markdown(report: Report) -> str:
    """The report as Markdown (the timeline as a table of dates)."""
    lang = report.lang
    out = [f"# {report.title}", "", f"> {report.banner}", "", f"{report.organisation}　{report.number}", ""]
    out += [f"**{role}**：{name}  " if lang == "zh" else f"**{role}**: {name}  " for role, name in report.parties]
    for section in report.sections:
        out += ["", f"## {section.title}", ""]
        out += [p + "\n" for p in section.paragraphs]
        if section.table is not None:
            head, rows = section.table
            out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
            out.append("")
        if section.timeline and report.timeline.events:
            out += [f"**{report.timeline.title}**", ""]
            out += [
                f"- {e.when}：{e.label}" if lang == "zh" else f"- {e.when}: {e.label}" for e in report.timeline.events
            ]
            out.append("")
        out += [f"{i}. {item}" for i, item in enumerate(section.items, start=1)]
        if section.items:
            out.append("")
        out += [p + "\n" for p in section.after]
    out += ["", f"## {_w('provisions', lang)}", ""]
    out += [f"- **{cite}**：{text}" if lang == "zh" else f"- **{cite}**: {text}" for cite, text in report.provisions]
    out += ["", report.closing, ""]
    out += [f"{line}  " for line in report.signatures]
    return "\n".join(out).rstrip() + "\n"


def report_format(path: str, given: str | None) -> str:
    """The format asked for, else the one ``path``'s suffix names; checked before any work."""
    fmt = given or Path(path).suffix.lower().lstrip(".")
    if fmt == "htm":
        fmt = "html"
    if fmt not in FORMATS:
        raise InputError(f"{path}: cannot tell the report's format; use --format {' or '.join(FORMATS)}")
    if fmt == "pdf":
        from .report_pdf import check_pdf_support

        check_pdf_support()
    return fmt


def render_report(report: Report, fmt: str) -> str | bytes:
    if fmt == "md":
        return to_markdown(report)
    if fmt == "html":
        from .report_html import to_html

        return to_html(report)
    from .report_pdf import to_pdf

    return to_pdf(report)


def write_report(
    decision: Decision,
    book: RuleBook,
    lang: str,
    path: str,
    fmt: str,
    *,
    scenario: Scenario,
    today: dt.date | None = None,
    open_facts: Sequence[str] | None = None,
) -> None:
    """Build the report and write it atomically (``-`` prints a text format)."""
    from .summary import reference_day

    report = build_report(
        decision, book, lang, scenario=scenario, today=today or reference_day(), open_facts=open_facts
    )
    content = render_report(report, fmt)
    if path == "-":
        if isinstance(content, bytes):
            raise InputError("a PDF cannot be printed to the terminal; give -o FILE")
        print(content, end="")
        return
    try:
        if isinstance(content, bytes):
            with atomic_writer(path, "wb") as handle:
                handle.write(content)
        else:
            write_text_atomic(path, content)
    except OSError as err:
        raise InputError(f"cannot write {path}: {err.strerror}") from None
