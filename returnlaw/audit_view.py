"""``returnlaw audit`` for people: each listing's verdict, its breaches and the penalty provisions
they engage, and what the listing must still say; in Chinese every word Chinese."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text

from .api import default_rulebook
from .audit import ListingAudit
from .citations import Citer
from .i18n import show_date, words
from .layout import Doc

_STYLE = {"compliant": "green", "breaches": "bold red", "incomplete": "yellow", "invalid": "bold red"}


def _w(key: str, lang: str, **values: object) -> str:
    text = words("audit")[key][lang]
    return text.format(**values) if values else text


def verdict(result: ListingAudit) -> str:
    if result.compliant is None:
        return "incomplete"
    return "compliant" if result.compliant else "breaches"


class AuditPrinter:
    """The listings of one audit run, as one document: each instrument named in full once."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.citer = Citer(default_rulebook().instruments, lang)
        self.colon = "：" if lang == "zh" else ": "

    def listing(self, result: ListingAudit, index: int) -> Doc:
        """One listing's audit: the verdict, each finding with its provisions, the missing fields."""
        lang, kind = self.lang, verdict(result)
        head = Text(f"{result.id or f'#{index + 1}'}{self.colon}", style=_STYLE[kind])
        head.append(_w(kind, lang), style=_STYLE[kind])
        head.append(("" if lang == "zh" else " ") + _w("as_of", lang, day=show_date(result.as_of, lang)), style="dim")
        doc = Doc().add(head)
        for finding in [*result.breaches, *result.penalties]:
            mark = "!" if finding.kind == "breach" else "§"
            cites = self.citer.cites(finding.cite)
            if lang == "zh":
                line = f"{mark} {_w(finding.kind, lang)}：{finding.zh}（{cites}）"
            else:
                line = f"{mark} {finding.code}: {finding.en} [{cites}]"
            doc.add(line, indent="  ", hanging="    ")
        if result.questions:
            fields = words("listing_fields")
            named = [fields[q][lang] if q in fields else q for q in result.questions]
            listed = ("、" if lang == "zh" else ", ").join(named)
            doc.add(f"? {_w('missing', lang)}{self.colon}{listed}", indent="  ", hanging="    ")
        return doc


def invalid_doc(index: int, error: Exception, lang: str) -> Doc:
    """An invalid listing: which one, and the reader's message (naming the field)."""
    return Doc().add(
        f"{_w('invalid_listing', lang, n=index + 1)}{'：' if lang == 'zh' else ': '}{error}", style="bold red"
    )


def summary_line(counts: Mapping[str, int], lang: str) -> str:
    parts = [_w("count", lang, verdict=_w(k, lang), n=n) for k, n in counts.items() if n]
    return ("，" if lang == "zh" else ", ").join(parts) or _w("none", lang)
