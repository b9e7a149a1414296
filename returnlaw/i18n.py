"""Interface words in Chinese and English, and citations written the way each language cites law."""

from __future__ import annotations

import locale
import os

from .ruleschema import REF_PATTERN

LANGS = ("zh", "en")

LABELS: dict[str, dict[str, str]] = {
    "outcome": {"zh": "结论", "en": "Outcome"},
    "as_of": {"zh": "适用法律的日期", "en": "Law as of"},
    "as_of_unknown": {"zh": "购买日期不明", "en": "purchase date unknown"},
    "readings": {"zh": "解释选项", "en": "Readings"},
    "reasons": {"zh": "理由（逐条）", "en": "Reasons, article by article"},
    "deadlines": {"zh": "期限", "en": "Deadlines"},
    "obligations": {"zh": "义务与费用", "en": "Obligations and costs"},
    "warnings": {"zh": "提示", "en": "Warnings"},
    "questions": {"zh": "尚需查明的事实", "en": "Facts still needed"},
    "presumptions": {"zh": "举证推定", "en": "Presumptions (burden of proof)"},
    "notes": {"zh": "说明", "en": "Notes"},
    "remarks": {"zh": "法律说明", "en": "What the law adds"},
    "if_returnable": {"zh": "如可以退货", "en": "if returnable"},
    "applied": {"zh": "适用", "en": "applies"},
    "defeated": {"zh": "被例外排除", "en": "defeated by an exception"},
    "not_applicable": {"zh": "不适用", "en": "does not apply"},
    "undetermined": {"zh": "取决于未知事实", "en": "depends on unknown facts"},
    "defeated_by": {"zh": "被排除于", "en": "defeated by"},
    "unknown_facts": {"zh": "未知事实", "en": "unknown facts"},
    "met": {"zh": "已遵守", "en": "met"},
    "missed": {"zh": "已逾期", "en": "missed"},
    "open": {"zh": "尚未发生", "en": "not yet known"},
    "unknown_start": {"zh": "起算日未知", "en": "start date unknown"},
    "amount": {"zh": "金额", "en": "amount"},
    "not_advice": {
        "zh": "本结果依据公开法律文本自动生成，不构成法律意见。",
        "en": "Generated from the public texts of the law; not legal advice.",
    },
    "group.scope": {"zh": "适用范围", "en": "Scope"},
    "group.right": {"zh": "退货权利与例外", "en": "The right and its exceptions"},
    "group.confirmed": {"zh": "消费者是否确认不宜退货", "en": "The consumer's confirmation"},
    "group.intact": {"zh": "商品是否完好", "en": "Intact goods"},
    "group.presumptions": {"zh": "举证责任", "en": "Burden of proof"},
    "group.effects": {"zh": "后果：期限、义务、提示", "en": "Consequences: deadlines, duties, warnings"},
    "ends_at": {"zh": "截止", "en": "ends"},
    "depends_on": {"zh": "取决于", "en": "depends on"},
}


def t(key: str, lang: str) -> str:
    return LABELS[key][lang]


def default_lang() -> str:
    """Chinese when the user's locale is Chinese, else English."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    code = locale.getlocale()[0] or ""
    return "zh" if code.lower().startswith("zh") else "en"


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


def cite_text(ref: str, short_zh: str, short_en: str, lang: str) -> str:
    """'cpl 25(1)(3)' -> 《消法》第二十五条第一款第（三）项 / CPL Art. 25(1)(3)."""
    m = REF_PATTERN.match(ref)
    if m is None:
        return ref
    art, para, item = m.group("art"), m.group("para"), m.group("item")
    if lang == "en":
        return f"{short_en} Art. {art}" + (f"({para})" if para else "") + (f"({item})" if item else "")
    text = f"《{short_zh}》第{zh_number(int(art))}条"
    if para:
        text += f"第{zh_number(int(para))}款"
    if item:
        text += f"第（{zh_number(int(item))}）项"
    return text
