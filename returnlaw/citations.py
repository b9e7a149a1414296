"""Citations as a Chinese court writes them, and in English.

- Article, paragraph and item in Chinese numerals: ``第二十五条第一款第（一）项``; an article with a
  single paragraph has no 款 (``第六条第（二）项``) — which articles those are is data
  (``citation_style.yaml``, from the texts in law.md).
- In a document, the first mention of an instrument gives its official title in 书名号 and the
  short form: ``《中华人民共和国消费者权益保护法》（以下简称《消费者权益保护法》）``; later mentions
  use the short form (a :class:`Citer` remembers what it has named). A title inside a title
  takes 〈〉.
- Several provisions of one instrument are cited together: ``第二十五条第一款、第三款``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources

import yaml

from .ruleschema import REF_PATTERN, Instrument

_DIGITS = "零一二三四五六七八九"


def zh_number(n: int) -> str:
    """Chinese numerals as used in article numbers (1-9999): 25 -> 二十五, 203 -> 二百零三."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    parts, zero = [], False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            if zero:
                parts.append("零")
            parts.append(_DIGITS[digit] + unit)
            zero = False
        elif parts:
            zero = True
    return "".join(parts)


@dataclass(frozen=True)
class CitationStyle:
    short_forms: Mapping[str, str | None]
    single_paragraph: Mapping[str, frozenset[int]]
    several_paragraphs: Mapping[str, frozenset[int]]
    unverified: Mapping[str, frozenset[int]]

    def is_single_paragraph(self, instrument: str, article: int) -> bool:
        return article in self.single_paragraph.get(instrument, frozenset())

    def placed(self, instrument: str, article: int) -> bool:
        """Whether the paragraph structure of the article is recorded (either way, or as unknown)."""
        return any(
            article in table.get(instrument, frozenset())
            for table in (self.single_paragraph, self.several_paragraphs, self.unverified)
        )


@functools.cache
def citation_style() -> CitationStyle:
    data = yaml.safe_load(resources.files("returnlaw").joinpath("citation_style.yaml").read_text(encoding="utf-8"))

    def articles(key: str) -> dict[str, frozenset[int]]:
        return {inst: frozenset(arts) for inst, arts in (data.get(key) or {}).items()}

    return CitationStyle(
        short_forms=dict(data.get("short_forms") or {}),
        single_paragraph=articles("single_paragraph"),
        several_paragraphs=articles("several_paragraphs"),
        unverified=articles("unverified"),
    )


@dataclass(frozen=True)
class Ref:
    instrument: str
    article: int
    paragraph: int | None
    item: int | None


def parse_ref(ref: str) -> Ref | None:
    m = REF_PATTERN.match(ref)
    if m is None:
        return None
    para, item = m.group("para"), m.group("item")
    return Ref(m.group("inst"), int(m.group("art")), int(para) if para else None, int(item) if item else None)


def provision_zh(ref: Ref, style: CitationStyle | None = None) -> str:
    """``第二十五条第一款第（三）项``; no 款 for an article of one paragraph."""
    style = style or citation_style()
    text = f"第{zh_number(ref.article)}条"
    if ref.paragraph and not style.is_single_paragraph(ref.instrument, ref.article):
        text += f"第{zh_number(ref.paragraph)}款"
    if ref.item:
        text += f"第（{zh_number(ref.item)}）项"
    return text


def provision_en(ref: Ref) -> str:
    para = f"({ref.paragraph})" if ref.paragraph else ""
    return f"Art. {ref.article}{para}" + (f"({ref.item})" if ref.item else "")


def _in_title(title: str) -> str:
    """A title as it stands inside 书名号: a title within it takes 〈〉."""
    return title.replace("《", "〈").replace("》", "〉")


class Citer:
    """Cites provisions for one document: the first mention of an instrument names it in full."""

    def __init__(self, instruments: Mapping[str, Instrument], lang: str, *, first_in_full: bool = True) -> None:
        self.instruments, self.lang, self.style = instruments, lang, citation_style()
        self.first_in_full = first_in_full
        self.named: set[str] = set()
        self.cited: list[str] = []  # every provision cited so far, in the order first cited

    def title(self, instrument: str) -> str:
        """The instrument's name at this point of the document (full the first time)."""
        inst = self.instruments.get(instrument)
        if inst is None:
            return instrument
        if self.lang != "zh":
            if instrument in self.named or not self.first_in_full:
                return inst.short_en
            self.named.add(instrument)
            return f"{inst.title_en} ({inst.short_en})"
        full = f"《{_in_title(inst.title_zh)}》"
        short = self.style.short_forms.get(instrument)
        if short is None:
            return full
        short_title = f"《{_in_title(short)}》"
        if instrument in self.named or not self.first_in_full:
            return short_title
        self.named.add(instrument)
        return f"{full}（以下简称{short_title}）"

    def cite(self, ref: str) -> str:
        return self.cites([ref])

    def cites(self, refs: Iterable[str]) -> str:
        """Several provisions, those of one instrument together: 《…》第十条第一款、第二款、第十三条."""
        groups: list[tuple[str, list[Ref]]] = []
        refs = list(dict.fromkeys(refs))
        self.cited += [r for r in refs if r not in self.cited]
        for text in refs:
            ref = parse_ref(text)
            if ref is None:
                groups.append((text, []))
            elif groups and groups[-1][1] and groups[-1][0] == ref.instrument:
                groups[-1][1].append(ref)
            else:
                groups.append((ref.instrument, [ref]))
        parts = [self._group(inst, refs) if refs else inst for inst, refs in groups]
        return "、".join(parts) if self.lang == "zh" else "; ".join(parts)

    def _group(self, instrument: str, refs: list[Ref]) -> str:
        title = self.title(instrument)
        if self.lang != "zh":
            return f"{title} " + ", ".join(provision_en(r) for r in refs)
        texts, previous = [], None
        for ref in refs:
            full = provision_zh(ref, self.style)
            if previous is not None and previous.article == ref.article:
                head = provision_zh(Ref(ref.instrument, ref.article, None, None), self.style)
                same_para = previous.paragraph == ref.paragraph and ref.item
                full = full.removeprefix(head)
                if same_para and not self.style.is_single_paragraph(ref.instrument, ref.article):
                    full = full.removeprefix(f"第{zh_number(ref.paragraph or 0)}款")
            texts.append(full)
            previous = ref
        return title + "、".join(texts)


_ARTICLE_HEAD = re.compile(r"^第[零一二三四五六七八九十百千]+条\s*")


def without_article_number(text: str) -> str:
    """A provision's text without its leading 第…条 (the citation before it already names it)."""
    return _ARTICLE_HEAD.sub("", text)
