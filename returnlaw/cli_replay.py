"""Researcher subcommands: ``replay`` (reported cases against the rule book) and ``what-changes``.

``replay [PATH|ID ...]``: exit 0 when every case agrees with the court (judgement calls are
reported apart and do not count), 1 when any disagrees, 2 for a bad case file (naming file and
field). ``what-changes FILE|ID``: exit 0, or 2 for bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .api import default_rulebook
from .cases import Case, case_files, cases_dir, encoded, load_case, load_cases, parse_case
from .citations import Citer
from .evaluator import UNDETERMINED
from .files import read_bounded
from .i18n import LANGS, default_lang, show_date, t
from .i18n import words as i18n_words
from .inputs import InputError, load_data, parse_scenario
from .layout import Doc
from .loader import load_rulebook
from .questions import default_wording
from .readings import DEFAULT_READINGS, parse_reading_assignments
from .render import OUTCOME_STYLE, mediator_view
from .replay import ENGINES, Run, Stats, find_case, get_engine, replay, statistics
from .rulebook import RuleBook
from .summary import Words
from .whatif import Flip, WhatIf, parse_assignments, replay_with, what_changes

Handler = Callable[[argparse.Namespace, Console], int]
EXIT_AGREE, EXIT_DISAGREE = 0, 1
LISTING_STYLE = {"compliant": "bold green", "non_compliant": "bold red"}

WORDS: dict[str, dict[str, str]] = {
    "id": {"zh": "案例", "en": "id"},
    "court": {"zh": "法院/机关", "en": "court"},
    "expected": {"zh": "法院结论", "en": "court held"},
    "expected.regulator": {"zh": "机关结论", "en": "regulator held"},
    "actual": {"zh": "引擎结论", "en": "engine"},
    "agree": {"zh": "一致", "en": "agree"},
    "deciding": {"zh": "决定性条文", "en": "deciding provisions"},
    "judgement": {"zh": "需裁量", "en": "judgement call"},
    "summary": {"zh": "一致率（不含需裁量案例）", "en": "Agreement (cases not marked as judgement calls)"},
    "calls": {"zh": "需裁量案例（单独报告）", "en": "Judgement calls (reported apart)"},
    "disagreements": {"zh": "不一致及原因", "en": "Disagreements and why"},
    "implied": {"zh": "含推定事实的案例", "en": "cases resting on implied facts"},
    "reported_only": {"zh": "（仅用报道事实）", "en": "(reported facts only)"},
    "before": {"zh": "原结论", "en": "before"},
    "after": {"zh": "假设后", "en": "what-if"},
    "changes": {"zh": "变化及原因", "en": "What changed and why"},
    "holding": {"zh": "法院的理由", "en": "The court"},
    "holding.regulator": {"zh": "机关的理由", "en": "The regulator"},
    "engine": {"zh": "引擎的理由", "en": "The engine"},
    "title": {"zh": "案例回放", "en": "replay"},
    "whatif": {"zh": "假设变化", "en": "what-if"},
    "changed": {"zh": "{of}件中有{n}件结论改变", "en": "outcome changed in {n} of {of} case(s)"},
    "nothing_changed": {"zh": "没有结论改变", "en": "no conclusion changed"},
    "by_category": {"zh": "按商品类别", "en": "by goods category"},
    "by_topic": {"zh": "按争议焦点", "en": "by topic"},
    "by_provision": {"zh": "按决定性条文（引擎）", "en": "by deciding provision (engine)"},
    "by_expected": {"zh": "按法院结论", "en": "by the court's outcome"},
    "stats_cases": {"zh": "案例数", "en": "cases"},
    "none": {"zh": "（无）", "en": "(none)"},
    "stats_outcomes": {"zh": "引擎结论", "en": "engine outcomes"},
    "calls_agree": {"zh": "引擎与其中{n}件一致", "en": "engine agrees on {n}"},
    "explain_more": {"zh": "……", "en": ". (--explain for more)"},
    "decided": {"zh": "裁判日期{day}", "en": "decided {day}"},
    "reported": {"zh": "报道日期{day}", "en": "reported {day}"},
    "no_date": {"zh": "日期未报道", "en": "date not reported"},
    "reliability": {"zh": "可靠性：{grade}", "en": "reliability {grade}"},
    "cites": {"zh": "法院引用", "en": "cites"},
    "cites.regulator": {"zh": "机关引用", "en": "cites"},
    "not_encoded": {"zh": "（未编码）", "en": " (not encoded)"},
    "law_as_of": {"zh": "适用规定的日期", "en": "law as of"},
    "agrees": {"zh": "与法院结论一致", "en": "agrees"},
    "agrees.regulator": {"zh": "与机关结论一致", "en": "agrees"},
    "uncertain": {"zh": "存疑", "en": "uncertain"},
    "implied_one": {"zh": "推定事实", "en": "implied"},
    "needs": {"zh": "引擎尚需查明：{facts}", "en": "engine needs {facts}"},
    "decides_by": {"zh": "引擎依据{rules}得出“{outcome}”", "en": "engine decides {outcome} by {rules}"},
    "no_rule": {"zh": "没有施行中的规则", "en": "no rule in force"},
    "warnings_missing": {"zh": "缺少预期的提示：{codes}", "en": "expected warning(s) not raised: {codes}"},
    "unexplained": {"zh": "案例文件未作说明", "en": "not explained in the case file"},
    "judgement_reason": {"zh": "需裁量：{why}", "en": "judgement call: {why}"},
    "verdict.compliant": {"zh": "商品页面合规", "en": "listing compliant"},
    "verdict.non_compliant": {"zh": "商品页面存在违规", "en": "listing in breach"},
    "unread": {
        "zh": "{id}：对商品页面的认定适用于每一笔购买，未考虑单笔购买的事实：{facts}",
        "en": "{id}: a listing is judged for every purchase made from it; facts of one purchase not read: {facts}",
    },
    "kind.undetermined": {"zh": "尚不能确定", "en": "undetermined"},
    "kind.different_outcome": {"zh": "结论不同", "en": "different_outcome"},
    "kind.warning_missing": {"zh": "缺少提示", "en": "warning_missing"},
}


def _w(key: str, lang: str, **values: object) -> str:
    text = WORDS[key][lang]
    return text.format(**values) if values else text


def register(sub: Any) -> dict[str, Handler]:
    rp = sub.add_parser("replay", help="replay reported court cases against the rules (default: the bundled corpus)")
    rp.add_argument("paths", nargs="*", metavar="PATH|ID", help="case files, folders or bundled case ids")
    rp.add_argument("--explain", metavar="ID", help="the engine's full reasoning next to the court's")
    rp.add_argument("--json", action="store_true", help="print JSON")
    rp.add_argument("--stats", action="store_true", help="group cases by category, topic, deciding provision, outcome")
    rp.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", help="what-if: change a fact")
    rp.add_argument("--reading", action="append", default=[], metavar="NAME=VALUE", help="what-if: change a reading")
    rp.add_argument("--reported-only", action="store_true", help="drop the facts the case files record as implied")
    rp.add_argument("--full", action="store_true", help="with --explain: the whole trace, not the compact decision")
    _common(rp)
    _today(rp)

    wc = sub.add_parser("what-changes", help="the smallest single-fact changes that flip a decided outcome")
    wc.add_argument("file", metavar="FILE|ID", help="a scenario file, a case file or a bundled case id")
    wc.add_argument("--json", action="store_true", help="print JSON")
    wc.add_argument("--reading", action="append", default=[], metavar="NAME=VALUE")
    wc.add_argument("--as-of", type=_date, help="apply the law of this date (scenario files only)")
    _common(wc)
    _today(wc)
    return {"replay": cmd_replay, "what-changes": cmd_what_changes}


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=LANGS, default=None, help="output language (default: from the locale)")
    parser.add_argument("--engine", default="native", help=f"evaluation engine ({', '.join(sorted(ENGINES))})")
    parser.add_argument("--rules-dir", help="use rule files from this folder instead of the bundled ones")


def _today(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--today", type=_date, help="the reference day for dates in the future (default: the system date)"
    )


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


# -- replay ---------------------------------------------------------------------------------------


def cmd_replay(args: argparse.Namespace, out: Console) -> int:
    lang = args.lang or default_lang()
    book = load_rulebook(args.rules_dir) if args.rules_dir else default_rulebook()
    engine = get_engine(args.engine, book)
    cases = load_cases(resolve(args.paths), book=book, today=args.today)
    if args.set or args.reading:
        changes = parse_assignments(args.set)
        readings = parse_reading_assignments(args.reading) if args.reading else DEFAULT_READINGS
        options = {"engine": engine, "book": book, "reported_only": args.reported_only, "today": args.today}
        results = [replay_with(c, changes, readings, **options) for c in cases]
        return _print_whatifs(out, results, lang, args.json, book)
    runs = replay(cases, engine=engine, book=book, reported_only=args.reported_only)
    if args.explain:
        run = next(r for r in runs if r.case.id == find_case(cases, args.explain).id)
        _print_explain(out, run, book, lang, args.json, args.full)
        return EXIT_AGREE if run.agrees or not run.counted else EXIT_DISAGREE
    stats = statistics(runs)
    if args.json:
        payload: Any = stats.as_json() if args.stats else [run_json(r, book) for r in runs]
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        out.print(_table(runs, lang, args.reported_only, book))
        out.print(_summary(runs, stats, lang, book))
        if args.stats:
            out.print(_stats_tables(stats, lang, book))
    return EXIT_AGREE if stats.agree == stats.counted else EXIT_DISAGREE


def resolve(items: list[str]) -> list[str | Path] | None:
    """Paths as given; a word that is no path but a bundled case id means that case's file."""
    if not items:
        return None
    out: list[str | Path] = []
    bundled = {p.stem: p for p in case_files([cases_dir()])} if cases_dir().is_dir() else {}
    for item in items:
        if Path(item).exists():
            out.append(item)
        elif item in bundled:
            out.append(bundled[item])
        else:
            raise InputError(f"{item}: no such case file, folder or bundled case id")
    return out


def run_json(run: Run, book: RuleBook) -> dict[str, Any]:
    case = run.case
    return {
        "id": case.id,
        "title": case.title.model_dump(),
        "court": case.court.model_dump(),
        "reliability": case.reliability.value,
        "decides": case.decides,  # return: expected/actual are outcomes; listing: compliant | non_compliant
        "expected": run.expected,
        "actual": run.actual,
        "agrees": run.agrees,
        "judgement_call": case.judgement_call,
        "kind": run.kind,
        "reason": run.reason() or None,
        "deciding_rules": [r.rule for r in run.deciding],
        "deciding_provisions": list(run.deciding_provisions),
        "court_provisions": [{"ref": p, "encoded": encoded(p, book)} for p in case.expected.provisions],
        "missing_warnings": list(run.missing_warnings),
        "questions": list(run.questions),
        "law_as_of": [d.isoformat() for d in run.law_dates],
        "implied_facts": list(case.implied_facts),
        "placed_dates": list(run.placed),
        "reported_only": run.reported_only,
    }


def _outcome(outcome: str, lang: str = "en", book: RuleBook | None = None) -> Text:
    """An outcome in the reader's language (the vocabulary's words), coloured as in ``check``; or
    the verdict on a listing (a case that decides one)."""
    if f"verdict.{outcome}" in WORDS:
        return Text(_w(f"verdict.{outcome}", lang), style=LISTING_STYLE[outcome])
    words = (book or default_rulebook()).vocabulary.variables["outcome"].values.get(outcome)
    label = (words.zh if lang == "zh" else words.en) if words else outcome
    return Text(label, style=OUTCOME_STYLE.get(outcome, ""))


def _mark(run: Run, lang: str) -> Text:
    if run.agrees:
        return Text("✔", style="green")
    if run.case.judgement_call:
        return Text(f"✘ {_w('judgement', lang)}", style="yellow")
    return Text("✘", style="bold red")


def _court(case: Case, lang: str) -> str:
    return (case.court.zh or case.court.en) if lang == "zh" else case.court.en


def _table(runs: list[Run], lang: str, reported_only: bool, book: RuleBook) -> Doc:
    """Each case: agreement, id and court; the court's and the engine's outcome; the provisions
    the engine decided by. A list, not a table, so that it reads in 80 columns."""
    colon = "：" if lang == "zh" else ": "
    doc = Doc().add(_w("title", lang) + (f" {_w('reported_only', lang)}" if reported_only else ""), style="bold")
    for run in runs:
        head = _mark(run, lang) + Text(f" {run.case.id}", style="bold")
        head.append(f"（{_court(run.case, lang)}）" if lang == "zh" else f" ({_court(run.case, lang)})", style="dim")
        doc.add(head, hanging="    ")
        held = "expected.regulator" if run.case.authority == "regulator" else "expected"
        outcomes = Text(f"{_w(held, lang)}{colon}") + _outcome(run.expected, lang, book)
        outcomes += Text(("；" if lang == "zh" else "; ") + f"{_w('actual', lang)}{colon}") + _outcome(
            run.actual, lang, book
        )
        doc.add(outcomes, indent="  ", hanging="    ")
        primary = dict.fromkeys(r.cite[0] for r in run.deciding if r.cite)
        if primary:
            doc.add(
                f"{_w('deciding', lang)}{colon}{_refs(primary, book, lang)}", indent="  ", hanging="    ", style="dim"
            )
    return doc


def _refs(refs: Any, book: RuleBook, lang: str) -> str:
    """Provisions as the language cites them (short forms: a table cell is not a document)."""
    return Citer(book.instruments, lang, first_in_full=False).cites(refs)


def _why(run: Run, lang: str, book: RuleBook) -> str:
    """Why the engine and the court differ, in one line of the reader's language (the case
    file's own explanation, written by its author, is quoted as it is)."""
    if lang != "zh":
        return run.reason()
    if run.case.judgement_call:
        return _w("judgement_reason", lang, why=run.case.judgement_reason)
    words = Words(default_wording(), lang)
    if run.actual == UNDETERMINED:
        facts = "、".join(words.fact(p) for p in run.questions[:4]) or words.fact("purchase.date")
        why = _w("needs", lang, facts=facts)
    elif run.actual != run.expected:
        rules = "、".join(r.title_zh for r in run.deciding) or _w("no_rule", lang)
        why = _w("decides_by", lang, rules=rules, outcome=_outcome(run.actual, lang, book).plain)
    else:
        why = _w("warnings_missing", lang, codes="、".join(_warning(c, book, lang) for c in run.missing_warnings))
    known = run.case.known_disagreement
    return f"{why}；{known}" if known else f"{why}；{_w('unexplained', lang)}"


def _warning(code: str, book: RuleBook, lang: str) -> str:
    entry = book.vocabulary.warnings.get(code)
    return (entry.zh if lang == "zh" else entry.en) if entry else code


def _summary(runs: list[Run], stats: Stats, lang: str, book: RuleBook) -> Doc:
    rate = f"{stats.rate:.1%}" if stats.rate is not None else "-"
    colon = "：" if lang == "zh" else ": "
    doc = Doc()
    doc.add(f"{_w('summary', lang)}{colon}{stats.agree}/{stats.counted} ({rate})", style="bold")
    doc.add(f"{_w('implied', lang)}{colon}{stats.with_implied_facts}/{stats.total}", style="dim")
    missed = [r for r in runs if r.counted and not r.agrees]
    if missed:
        counts = sorted(Counter(r.kind for r in missed).items())
        kinds = ("，" if lang == "zh" else ", ").join(f"{_w(f'kind.{k}', lang)} {n}" for k, n in counts)
        doc.add(f"{_w('disagreements', lang)}{colon}{kinds}", style="bold red")
        for r in missed:
            doc.add(f"{r.case.id}{colon}{_why(r, lang, book)}", indent="  ", hanging="    ")
    calls = [r for r in runs if not r.counted]
    if calls:
        agree = _w("calls_agree", lang, n=sum(r.agrees for r in calls))
        head = f"{_w('calls', lang)}{colon}{len(calls)}{'，' if lang == 'zh' else ', '}{agree}"
        doc.add(head, style="bold yellow")
        for r in calls:
            doc.add(
                f"{r.case.id}{colon}{_first_sentence(r.case.judgement_reason or '', lang)}", indent="  ", hanging="    "
            )
    return doc


_SENTENCE_END = re.compile(r"(?<!Art)(?<!Arts)(?<!No)\. (?=[A-Z])")


def _first_sentence(text: str, lang: str = "en") -> str:
    parts = _SENTENCE_END.split(text, maxsplit=1)
    return parts[0] + (_w("explain_more", lang) if len(parts) > 1 else "")


def _stats_tables(stats: Stats, lang: str, book: RuleBook) -> Group:
    words = Words(default_wording(), lang)
    topics = WORDS_TOPICS
    tables = []
    for title, groups, name in (
        ("by_category", stats.by_category, lambda k: words.value("item.category", None if k == "unknown" else k)),
        ("by_topic", stats.by_topic, lambda k: topics.get(k, {}).get(lang, k)),
        (
            "by_provision",
            stats.by_provision,
            lambda k: _refs([k], book, lang) if " " in k else _w("none", lang),
        ),
        ("by_expected", stats.by_expected, lambda k: _outcome(k, lang, book).plain),
    ):
        heads = [_w(k, lang) for k in ("stats_cases", "agree", "stats_outcomes")]
        table = Table("", *heads, title=_w(title, lang), title_justify="left")
        for key, g in groups.items():
            outcomes = ("，" if lang == "zh" else ", ").join(
                f"{_outcome(o, lang, book).plain} {n}" for o, n in g.outcomes.most_common()
            )
            table.add_row(Doc().add(name(key)), str(g.cases), str(g.agree), Doc().add(outcomes))
        tables.append(table)
    return Group(*tables)


# Case topics (cases/*.yaml ``topics``) in words.
WORDS_TOPICS: dict[str, dict[str, str]] = {
    "adjacent": {"zh": "相关制度", "en": "adjacent"},
    "scope": {"zh": "适用范围", "en": "scope"},
    "statutory_exclusion": {"zh": "法定除外", "en": "statutory_exclusion"},
    "confirmed_exclusion": {"zh": "经确认的除外", "en": "confirmed_exclusion"},
    "labelling": {"zh": "标注", "en": "labelling"},
    "intactness": {"zh": "商品完好", "en": "intactness"},
    "good_faith": {"zh": "诚实信用", "en": "good_faith"},
    "burden_of_proof": {"zh": "举证责任", "en": "burden_of_proof"},
    "time_window": {"zh": "七日期间", "en": "time_window"},
}


def _change_text(change: Any, book: RuleBook, lang: str) -> str:
    """One changed conclusion of a what-if, in the reader's language."""
    if lang != "zh":
        return change.line()
    words = Words(default_wording(), lang)
    titles = {r.id: r.title_zh for r in book.rules.values()}
    status = {"applied": "适用", "defeated": "被例外排除", "not_applicable": "不适用", "undetermined": "取决于未知事实"}

    def shown(value: str | None) -> str:
        if value is None:
            return "不明" if change.kind in ("outcome", "variable") else "无"
        if change.kind == "outcome":
            return _outcome(value, lang, book).plain
        if change.kind == "variable":
            entry = book.vocabulary.variables.get(change.name)
            return entry.values[value].zh if entry and value in entry.values else value
        return status.get(value, "有" if value in ("raised", "asked") else value)

    if change.kind == "rule":
        name = titles.get(change.name, change.name)
    elif change.kind == "warning":
        entry = book.vocabulary.warnings.get(change.name)
        name = entry.zh if entry else change.name
    elif change.kind == "question":
        return f"尚需查明：{words.question(change.name)}"
    elif change.kind == "variable":
        name = t(f"group.{change.name}", lang) if f"group.{change.name}" in i18n_words("labels") else change.name
    else:
        name = "结论"
    return f"{name}：{shown(change.before)} → {shown(change.after)}"


def _print_explain(out: Console, run: Run, book: RuleBook, lang: str, as_json: bool, full: bool = False) -> None:
    decision = run.decision
    if as_json:
        payload = {
            "case": run.case.model_dump(mode="json", by_alias=True),
            "replay": run_json(run, book),
            "decision": json.loads(decision.model_dump_json()),
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    case = run.case
    colon = "：" if lang == "zh" else ": "
    sep = "，" if lang == "zh" else ", "
    title = (case.title.zh or case.title.en) if lang == "zh" else case.title.en
    dates = [
        _w("decided", lang, day=_case_day(case.decided, lang)) if case.decided else "",
        _w("reported", lang, day=_case_day(case.reported, lang)) if case.reported else "",
    ]
    when = sep.join(x for x in dates if x) or _w("no_date", lang)
    sources = "；".join(f"{s.url}（{_grade(s.grade.value, lang)}）" for s in case.sources)
    head = Group(
        Text(f"{case.id} — {title}", style="bold"),
        Text(
            sep.join((_court(case, lang), when, _w("reliability", lang, grade=_grade(case.reliability.value, lang)))),
            style="dim",
        ),
        Text(sources, style="dim"),
    )
    out.print(Panel(head, expand=False))
    side = Table(expand=True, show_lines=True)
    by = ".regulator" if case.authority == "regulator" else ""
    for head in (_w(f"holding{by}", lang), _w("engine", lang)):
        side.add_column(head, overflow="fold", ratio=1)
    provisions = ("、" if lang == "zh" else ", ").join(
        _refs([p], book, lang) + ("" if encoded(p, book) else _w("not_encoded", lang)) for p in case.expected.provisions
    )
    court = Doc().add(case.facts).gap().add(case.holding)
    court.add(Text("→ ") + _outcome(run.expected, lang, book))
    court.add(f"{_w(f'cites{by}', lang)}{colon}{provisions}", style="dim")
    engine = Doc().add(Text("→ ") + _outcome(run.actual, lang, book))
    for r in run.deciding:
        cites = _refs(r.cite, book, lang)
        engine.add(
            f"• {r.title_zh}（{cites}）" if lang == "zh" else f"• {r.title_en} ({cites}) [{r.rule}]", hanging="  "
        )
    words = Words(default_wording(), lang)
    for q in run.questions[:8]:
        engine.add(f"? {words.question(q)}", hanging="  ", style="magenta")
    law = ("、" if lang == "zh" else ", ").join(show_date(d, lang) for d in run.law_dates)
    engine.add(f"{_w('law_as_of', lang)}{colon}{law}", style="dim")
    side.add_row(court, engine)
    out.print(side)
    verdict = Text(
        _w(f"agrees{by}", lang) if run.agrees else _why(run, lang, book), style="green" if run.agrees else "bold red"
    )
    out.print(verdict)
    if case.uncertain:
        out.print(Text(f"{_w('uncertain', lang)}{colon}{case.uncertain}", style="yellow"))
    for group in case.implied:
        facts = ("、" if lang == "zh" else ", ").join(words.fact(p) if lang == "zh" else p for p in group.facts)
        out.print(Text(f"{_w('implied_one', lang)}{colon}{facts} — {group.because}", style="dim"))
    if run.listing is None:  # a listing is judged for every purchase: no one buyer's outcome to explain
        out.print(mediator_view(book, decision, run.evaluation.scenario, lang, full=full))


# Source grades (case files: A best, D worst) as Chinese documents grade: 甲乙丙丁.
GRADES_ZH = {"A": "甲", "B": "乙", "C": "丙", "D": "丁"}


def _grade(grade: str, lang: str) -> str:
    return GRADES_ZH.get(grade, grade) if lang == "zh" else grade


def _case_day(value: Any, lang: str) -> str:
    """A case's date as reported: a day, or only a year or month (2024, 2024-06)."""
    if isinstance(value, dt.date):
        return show_date(value, lang)
    text = str(value)
    if lang != "zh":
        return text
    parts = text.split("-")
    return "".join(f"{int(p)}{unit}" for p, unit in zip(parts, ("年", "月", "日"), strict=False))


def _print_whatifs(out: Console, results: list[WhatIf], lang: str, as_json: bool, book: RuleBook) -> int:
    if as_json:
        print(json.dumps([_whatif_json(w) for w in results], ensure_ascii=False, indent=2))
    else:
        table = Table(title=_w("whatif", lang), title_justify="left")
        table.add_column(_w("id", lang), no_wrap=True)
        for key in ("expected", "before", "after", "agree"):
            table.add_column(_w(key, lang), overflow="fold")
        for w in results:
            table.add_row(
                w.after.case.id,
                _outcome(w.after.expected, lang, book),
                _outcome(w.before.actual, lang, book),
                _outcome(w.after.actual, lang, book),
                _mark(w.after, lang),
            )
        out.print(table)
        words = Words(default_wording(), lang)
        for w in results:
            if w.after.listing is not None and w.after.listing.unread:
                facts = ("、" if lang == "zh" else ", ").join(
                    words.fact(p) if lang == "zh" else p for p in w.after.listing.unread
                )
                out.print(Text(_w("unread", lang, id=w.after.case.id, facts=facts), style="yellow"))
        changed = sum(w.outcome_changed for w in results)
        out.print(Text(_w("changed", lang, n=changed, of=len(results)), style="bold"))
        if len(results) == 1:
            doc = Doc()
            for c in results[0].changes:
                doc.add(_change_text(c, book, lang), hanging="  ")
            if not results[0].changes:
                doc.add(_w("nothing_changed", lang))
            out.print(Panel(doc, title=_w("changes", lang), title_align="left"))
    worst = any(w.after.counted and not w.after.agrees for w in results)
    return EXIT_DISAGREE if worst else EXIT_AGREE


def _whatif_json(w: WhatIf) -> dict[str, Any]:
    return {
        "id": w.after.case.id,
        "expected": w.after.expected,
        "before": w.before.actual,
        "after": w.after.actual,
        "actual": w.after.actual,
        "agrees": w.after.agrees,
        "set": {k: _plain(v) for k, v in w.set.items()},
        "not_read": list(w.after.listing.unread) if w.after.listing is not None else [],
        "readings": w.readings.model_dump(mode="json"),
        "changes": [c.__dict__ for c in w.changes],
    }


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


# -- what-changes ------------------------------------------------------------------------------------


def cmd_what_changes(args: argparse.Namespace, out: Console) -> int:
    lang = args.lang or default_lang()
    book = load_rulebook(args.rules_dir) if args.rules_dir else default_rulebook()
    engine = get_engine(args.engine, book)
    readings = parse_reading_assignments(args.reading) if args.reading else DEFAULT_READINGS
    subject = _subject(args.file, book, args.today)
    base, flips = what_changes(subject, readings=readings, as_of=args.as_of, engine=engine, book=book, today=args.today)
    if args.json:
        payload = {"outcome": base.outcome, "flips": [_flip_json(f) for f in flips]}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    out.print(Text("outcome: ") + _outcome(base.outcome, lang, book))
    if not flips:
        out.print("no single change of a fact or reading gives another decided outcome")
        return 0
    table = Table(title="smallest single changes", title_justify="left")
    table.add_column("change", overflow="fold", ratio=3)
    table.add_column("outcome", no_wrap=True)
    table.add_column("size", justify="right")
    table.add_column("rules (+ now apply, - no longer)", overflow="fold", ratio=4)
    for f in flips:
        table.add_row(f.sentence().rsplit(":", 1)[0], _outcome(f.outcome, lang, book), str(f.size), f.because)
    out.print(table)
    return 0


def _subject(item: str, book: RuleBook, today: dt.date | None = None) -> Case | Any:
    path = Path(item)
    if not path.exists():
        resolved = resolve([item])
        return load_case(resolved[0], book=book, today=today)  # type: ignore[index]
    data = load_data(read_bounded(path), str(path))
    if isinstance(data, dict) and "scenario" in data and "id" in data:
        return parse_case(data, str(path), today=today)
    return parse_scenario(data, today=today)


def _flip_json(f: Flip) -> dict[str, Any]:
    return {
        "fact": f.fact,
        "before": _plain(f.before),
        "after": _plain(f.after),
        "outcome": f.outcome,
        "size": f.size,
        "sentence": f.sentence(),
        "changes": [c.__dict__ for c in f.changes],
    }
