"""Interface words in Chinese and English (``returnlaw/i18n.yaml``), Chinese dates and amounts,
and citations written the way each language cites law (:mod:`returnlaw.citations`)."""

from __future__ import annotations

import datetime as dt
import functools
import locale
import os
import re
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from typing import Any

import yaml

from .citations import Citer, parse_ref, provision_en, provision_zh, zh_number
from .ruleschema import Instrument

LANGS = ("zh", "en")


@functools.cache
def _data() -> dict[str, Any]:
    return yaml.safe_load(resources.files("returnlaw").joinpath("i18n.yaml").read_text(encoding="utf-8"))


def t(key: str, lang: str, **values: object) -> str:
    """An interface word or phrase, with ``{name}`` filled from ``values``."""
    text = _data()["labels"][key][lang]
    return text.format(**values) if values else text


def words(section: str) -> Mapping[str, Any]:
    """A section of the i18n data (``outcomes``, ``readings``, ``audit`` …)."""
    return _data()[section]


def reading_name(name: str, lang: str) -> str:
    entry = _data()["readings"].get(name)
    return entry[lang] if entry else name


def reading_value(name: str, value: str, lang: str, short: bool = False) -> str:
    """A reading's value in words: one line of why, or (``short``) a few words."""
    reading = _data()["readings"].get(name, {})
    entry = reading.get("values", {}).get(value)
    if entry is None and "number" in reading:  # a number reading: its sentence with the number
        entry = reading["number"]
    if entry is None:
        return value
    words = entry["short"][lang] if short and "short" in entry else entry[lang]
    return words.replace("{value}", value)


def note_text(note: str, lang: str, fact_name: Callable[[str], str] | None = None) -> str:
    """A note the evaluator or replay wrote (in English) in ``lang``: the known notes are
    translated, with their dates, facts (``fact_name``) and spans in the language's words."""
    for start, entry in _data()["notes"].items():
        if note.startswith(start):
            return entry[lang]
    for pattern in _data().get("note_patterns", ()):
        match = re.match(pattern["match"], note)
        if match is not None:
            return pattern[lang].format(**_note_values(match.groupdict(), lang, fact_name))
    return note


def _note_values(values: dict[str, str], lang: str, fact_name: Callable[[str], str] | None) -> dict[str, str]:
    out = dict(values)
    if "day" in values:
        out["day"] = show_date(dt.date.fromisoformat(values["day"]), lang)
    if "facts" in values and fact_name is not None:
        names = [fact_name(p.strip()) for p in values["facts"].split(",")]
        out["facts"] = ("、" if lang == "zh" else ", ").join(names)
    if "span" in values and lang == "zh":
        number, unit = values["span"].split()
        out["span"] = f"{number}{'小时' if unit == 'hours' else '日'}"
    return out


_CITE = re.compile(r"\{cite:([^}]+)\}")


def fill(template: str, citer: Citer | None = None, **values: object) -> str:
    """A template with ``{cite:REF}`` cited by ``citer`` and ``{name}`` filled from ``values``."""
    if citer is not None:
        template = _CITE.sub(lambda m: citer.cite(m.group(1)), template)
    return template.format(**values) if values else template


def default_lang() -> str:
    """Chinese when the user's locale is Chinese, else English."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    code = locale.getlocale()[0] or ""
    return "zh" if code.lower().startswith("zh") else "en"


def zh_date(value: dt.date | str) -> str:
    """A date (or moment) as Chinese prose writes it: 2024年1月12日 (18时30分 when a time is known)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if "T" in value or " " in value else dt.date.fromisoformat(value)
    text = f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, dt.datetime):
        text += f"{value.hour}时" + (f"{value.minute}分" if value.minute else "")
    return text


def show_date(value: dt.date, lang: str) -> str:
    if lang == "zh":
        return zh_date(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    return value.isoformat()


def money(amount: Decimal | float | int, lang: str) -> str:
    """5,999.00元 / ¥5,999.00: an amount as the language writes it, to the fen, never rounded away."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value:,.2f}元" if lang == "zh" else f"¥{value:,.2f}"


_UPPER = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_BIG_UNITS = ("", "万", "亿", "万亿")


def rmb_upper(amount: Decimal | float | int) -> str:
    """An amount in Chinese capital numerals (大写), as written on contracts: 5999.00 ->
    伍仟玖佰玖拾玖元整; 1234.56 -> 壹仟贰佰叁拾肆元伍角陆分; 0.50 -> 伍角."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if value < 0:
        return "负" + rmb_upper(-value)
    yuan, fen = divmod(int(value * 100), 100)
    jiao, fen = divmod(fen, 10)
    text = _integer_upper(yuan) + "元" if yuan else ""
    if not jiao and not fen:
        return (text or "零元") + "整"
    if jiao:
        text += _UPPER[jiao] + "角"
    elif yuan:
        text += "零"
    if fen:
        text += _UPPER[fen] + "分"
    return text


def _integer_upper(n: int) -> str:
    groups: list[int] = []
    while n:
        n, group = divmod(n, 10000)
        groups.append(group)
    out, zero = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero = bool(out)
            continue
        if out and (zero or group < 1000):
            out += "零"
        out += _group_upper(group) + _BIG_UNITS[index]
        zero = False
    return out


def _group_upper(n: int) -> str:
    digits = f"{n:04d}"
    out, zero = "", False
    for position, ch in enumerate(digits):
        digit = int(ch)
        unit = _SMALL_UNITS[3 - position]
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _UPPER[digit] + unit
    return out


def cite_text(ref: str, instrument: Instrument | None, lang: str) -> str:
    """One provision in its short form ('cpl 25(1)(3)' -> 《消费者权益保护法》第二十五条第一款第（三）项 /
    CPL Art. 25(1)(3)), for places that are not a whole document (a question's help line)."""
    parsed = parse_ref(ref)
    if parsed is None or instrument is None:
        return ref
    if lang == "zh":
        return Citer({instrument.id: instrument}, "zh", first_in_full=False).title(instrument.id) + provision_zh(parsed)
    return f"{instrument.short_en} {provision_en(parsed)}"


__all__ = [
    "LANGS",
    "cite_text",
    "default_lang",
    "fill",
    "money",
    "note_text",
    "reading_name",
    "reading_value",
    "rmb_upper",
    "show_date",
    "t",
    "words",
    "zh_date",
    "zh_number",
]
