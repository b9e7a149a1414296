"""``returnlaw rules list`` and ``rules show`` for people: in Chinese every word Chinese (facts by
their label, citations as a court writes them), in English as the rule files say it."""

from __future__ import annotations

from rich.text import Text

from .citations import Citer, without_article_number
from .i18n import show_date, t, words
from .layout import Doc
from .questions import default_wording
from .rulebook import Rule, RuleBook
from .summary import Words


def _group(name: str, lang: str) -> str:
    key = f"group.{name}"
    return t(key, lang) if key in words("labels") else name


def _period(rule: Rule, lang: str) -> str:
    start = show_date(rule.in_force_from, lang)
    if rule.in_force_to is None:
        return t("in_force_from", lang, start=start)
    return t("in_force_between", lang, start=start, end=show_date(rule.in_force_to, lang))


def rules_table(book: RuleBook, lang: str) -> Doc:
    """Every rule: its id, what it concludes and when it is in force, then its citations."""
    doc = Doc()
    for rule in book.rules.values():
        citer = Citer(book.instruments, lang, first_in_full=False)
        group = f"［{_group(rule.group, lang)}］" if lang == "zh" else f"  [{_group(rule.group, lang)}]  "
        doc.add(Text(rule.id, style="bold") + Text(f"{group}{_period(rule, lang)}", style="cyan"))
        doc.add(citer.cites(c.ref for c in rule.citations), indent="  ", hanging="  ", style="dim")
    return doc


def rule_doc(book: RuleBook, rule: Rule, lang: str) -> Doc:
    """One rule in full: its title, each provision with its text, when it is in force, what it
    is an exception to, what it reads."""
    citer, fact = Citer(book.instruments, lang), Words(default_wording(), lang)
    colon = "：" if lang == "zh" else ": "
    doc = Doc().add(Text(rule.id, style="bold") + Text(f"  {rule.title_zh if lang == 'zh' else rule.title_en}"))
    for c in rule.citations:
        doc.add(citer.cite(c.ref), style="bold")
        text = without_article_number(c.provision.zh) if lang == "zh" else c.provision.en
        doc.add(text, indent="  ", hanging="  ", style="dim")
    titles = {r.id: r.title_zh if lang == "zh" else r.title_en for r in book.rules.values()}
    sep = "；" if lang == "zh" else "; "
    doc.add(f"{t('rule_in_force', lang)}{colon}{_period(rule, lang)}")
    if rule.exception_to:
        doc.add(f"{t('rule_exception_to', lang)}{colon}" + sep.join(titles.get(x, x) for x in rule.exception_to))
    if rule.labels:
        doc.add(f"{t('rule_labels', lang)}{colon}" + sep.join(_label(x, lang) for x in rule.labels))
    reads = [fact.fact(p) for p in sorted(rule.condition.facts)]
    reads += [_group(v, lang) for v in sorted(rule.condition.variables)]
    doc.add(f"{t('rule_reads', lang)}{colon}" + (sep.join(reads) or "—"), hanging="  ")
    if lang != "zh":  # file names and the English note are for researchers reading English
        doc.add(f"file: {rule.file}", style="dim")
        if rule.note_en:
            doc.add(f"note: {rule.note_en}", hanging="  ", style="dim")
    return doc


def _label(code: str, lang: str) -> str:
    entry = words("rule_labels").get(code)
    return entry[lang] if entry else code
