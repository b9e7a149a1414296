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
from .files import read_bounded
from .i18n import LANGS, default_lang
from .inputs import InputError, load_data, parse_scenario
from .loader import load_rulebook
from .readings import DEFAULT_READINGS, parse_reading_assignments
from .render import OUTCOME_STYLE, Renderer
from .replay import ENGINES, Run, Stats, find_case, get_engine, replay, statistics
from .rulebook import RuleBook
from .whatif import Flip, WhatIf, parse_assignments, replay_with, what_changes

Handler = Callable[[argparse.Namespace, Console], int]
EXIT_AGREE, EXIT_DISAGREE = 0, 1

WORDS: dict[str, dict[str, str]] = {
    "id": {"zh": "案例", "en": "id"},
    "court": {"zh": "法院/机关", "en": "court"},
    "expected": {"zh": "法院结论", "en": "court held"},
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
    "engine": {"zh": "引擎的理由", "en": "The engine"},
}


def _w(key: str, lang: str) -> str:
    return WORDS[key][lang]


def register(sub: Any) -> dict[str, Handler]:
    rp = sub.add_parser("replay", help="replay reported court cases against the rules (default: the bundled corpus)")
    rp.add_argument("paths", nargs="*", metavar="PATH|ID", help="case files, folders or bundled case ids")
    rp.add_argument("--explain", metavar="ID", help="the engine's full reasoning next to the court's")
    rp.add_argument("--json", action="store_true", help="print JSON")
    rp.add_argument("--stats", action="store_true", help="group cases by category, topic, deciding provision, outcome")
    rp.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", help="what-if: change a fact")
    rp.add_argument("--reading", action="append", default=[], metavar="NAME=VALUE", help="what-if: change a reading")
    rp.add_argument("--reported-only", action="store_true", help="drop the facts the case files record as implied")
    _common(rp)

    wc = sub.add_parser("what-changes", help="the smallest single-fact changes that flip a decided outcome")
    wc.add_argument("file", metavar="FILE|ID", help="a scenario file, a case file or a bundled case id")
    wc.add_argument("--json", action="store_true", help="print JSON")
    wc.add_argument("--reading", action="append", default=[], metavar="NAME=VALUE")
    wc.add_argument("--as-of", type=_date, help="apply the law of this date (scenario files only)")
    _common(wc)
    return {"replay": cmd_replay, "what-changes": cmd_what_changes}


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=LANGS, default=None, help="output language (default: from the locale)")
    parser.add_argument("--engine", default="native", help=f"evaluation engine ({', '.join(sorted(ENGINES))})")
    parser.add_argument("--rules-dir", help="use rule files from this folder instead of the bundled ones")


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
    cases = load_cases(resolve(args.paths), book=book)
    if args.set or args.reading:
        changes = parse_assignments(args.set)
        readings = parse_reading_assignments(args.reading) if args.reading else DEFAULT_READINGS
        results = [
            replay_with(c, changes, readings, engine=engine, book=book, reported_only=args.reported_only) for c in cases
        ]
        return _print_whatifs(out, results, lang, args.json, book)
    runs = replay(cases, engine=engine, book=book, reported_only=args.reported_only)
    if args.explain:
        run = next(r for r in runs if r.case.id == find_case(cases, args.explain).id)
        _print_explain(out, run, book, lang, args.json)
        return EXIT_AGREE if run.agrees or not run.counted else EXIT_DISAGREE
    stats = statistics(runs)
    if args.json:
        payload: Any = stats.as_json() if args.stats else [run_json(r, book) for r in runs]
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        out.print(_table(runs, lang, args.reported_only, book))
        out.print(_summary(runs, stats, lang))
        if args.stats:
            out.print(_stats_tables(stats))
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
        "questions": list(run.evaluation.questions),
        "law_as_of": [d.isoformat() for d in run.law_dates],
        "implied_facts": list(case.implied_facts),
        "placed_dates": list(run.placed),
        "reported_only": run.reported_only,
    }


def _outcome(outcome: str, lang: str = "en", book: RuleBook | None = None) -> Text:
    """An outcome in the reader's language (the vocabulary's words), coloured as in ``check``."""
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


def _table(runs: list[Run], lang: str, reported_only: bool, book: RuleBook) -> Table:
    title = "replay" + (f" {_w('reported_only', lang)}" if reported_only else "")
    table = Table(title=title, title_justify="left")
    table.add_column(_w("id", lang), no_wrap=True)
    table.add_column(_w("court", lang), overflow="fold", max_width=28)
    for key in ("expected", "actual", "agree", "deciding"):
        table.add_column(_w(key, lang), overflow="fold")
    for run in runs:
        primary = dict.fromkeys(r.cite[0] for r in run.deciding if r.cite)
        table.add_row(
            run.case.id,
            _court(run.case, lang),
            _outcome(run.expected, lang, book),
            _outcome(run.actual, lang, book),
            _mark(run, lang),
            ", ".join(primary) or "-",
        )
    return table


def _summary(runs: list[Run], stats: Stats, lang: str) -> Group:
    rate = f"{stats.rate:.1%}" if stats.rate is not None else "-"
    lines = [
        Text(f"{_w('summary', lang)}: {stats.agree}/{stats.counted} ({rate})", style="bold"),
        Text(f"{_w('implied', lang)}: {stats.with_implied_facts}/{stats.total}", style="dim"),
    ]
    missed = [r for r in runs if r.counted and not r.agrees]
    if missed:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(Counter(r.kind for r in missed).items()))
        lines.append(Text(f"{_w('disagreements', lang)}: {kinds}", style="bold red"))
        lines += [Text(f"  {r.case.id}: {r.reason()}") for r in missed]
    calls = [r for r in runs if not r.counted]
    if calls:
        head = f"{_w('calls', lang)}: {len(calls)}, engine agrees on {sum(r.agrees for r in calls)}"
        lines.append(Text(head, style="bold yellow"))
        lines += [Text(f"  {r.case.id}: {_first_sentence(r.case.judgement_reason or '')}") for r in calls]
    return Group(*lines)


_SENTENCE_END = re.compile(r"(?<!Art)(?<!Arts)(?<!No)\. (?=[A-Z])")


def _first_sentence(text: str) -> str:
    parts = _SENTENCE_END.split(text, maxsplit=1)
    return parts[0] + (". (--explain for more)" if len(parts) > 1 else "")


def _stats_tables(stats: Stats) -> Group:
    tables = []
    for title, groups in (
        ("by goods category", stats.by_category),
        ("by topic", stats.by_topic),
        ("by deciding provision (engine)", stats.by_provision),
        ("by the court's outcome", stats.by_expected),
    ):
        table = Table("", "cases", "agree", "engine outcomes", title=title, title_justify="left")
        for key, g in groups.items():
            table.add_row(key, str(g.cases), str(g.agree), ", ".join(f"{o} {n}" for o, n in g.outcomes.most_common()))
        tables.append(table)
    return Group(*tables)


def _print_explain(out: Console, run: Run, book: RuleBook, lang: str, as_json: bool) -> None:
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
    title = (case.title.zh or case.title.en) if lang == "zh" else case.title.en
    dates = (f"decided {case.decided}" if case.decided else "", f"reported {case.reported}" if case.reported else "")
    when = ", ".join(x for x in dates if x)
    sources = "; ".join(f"{s.url} ({s.grade.value})" for s in case.sources)
    head = Group(
        Text(f"{case.id} — {title}", style="bold"),
        Text(f"{_court(case, lang)}; {when or 'date not reported'}; reliability {case.reliability.value}", style="dim"),
        Text(sources, style="dim"),
    )
    out.print(Panel(head, expand=False))
    side = Table(_w("holding", lang), _w("engine", lang), expand=True, show_lines=True)
    provisions = ", ".join(p + ("" if encoded(p, book) else " (not encoded)") for p in case.expected.provisions)
    court = Group(
        Text(case.facts),
        Text(""),
        Text(case.holding),
        Text("→ ") + _outcome(run.expected, lang, book),
        Text(f"cites: {provisions}", style="dim"),
    )
    engine_lines = [Text("→ ") + _outcome(run.actual, lang, book)]
    engine_lines += [Text(f"• {r.rule} ({', '.join(r.cite)})") for r in run.deciding]
    engine_lines += [Text(f"? {q}", style="magenta") for q in run.evaluation.questions[:8]]
    engine_lines.append(Text(f"law as of: {', '.join(d.isoformat() for d in run.law_dates)}", style="dim"))
    side.add_row(court, Group(*engine_lines))
    out.print(side)
    verdict = Text("agrees" if run.agrees else run.reason(), style="green" if run.agrees else "bold red")
    out.print(verdict)
    if case.uncertain:
        out.print(Text(f"uncertain: {case.uncertain}", style="yellow"))
    for group in case.implied:
        out.print(Text(f"implied: {', '.join(group.facts)} — {group.because}", style="dim"))
    out.print(Renderer(book.instruments, book.vocabulary, lang).render(decision))


def _print_whatifs(out: Console, results: list[WhatIf], lang: str, as_json: bool, book: RuleBook) -> int:
    if as_json:
        print(json.dumps([_whatif_json(w) for w in results], ensure_ascii=False, indent=2))
    else:
        heads = [_w(k, lang) for k in ("expected", "before", "after", "agree")]
        table = Table("id", *heads, title="what-if")
        for w in results:
            table.add_row(
                w.after.case.id,
                _outcome(w.after.expected, lang, book),
                _outcome(w.before.actual, lang, book),
                _outcome(w.after.actual, lang, book),
                _mark(w.after, lang),
            )
        out.print(table)
        changed = sum(w.outcome_changed for w in results)
        out.print(Text(f"outcome changed in {changed} of {len(results)} case(s)", style="bold"))
        if len(results) == 1:
            lines = [Text(c.line()) for c in results[0].changes] or [Text("no conclusion changed")]
            out.print(Panel(Group(*lines), title=_w("changes", lang), title_align="left"))
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
    subject = _subject(args.file, book)
    base, flips = what_changes(subject, readings=readings, as_of=args.as_of, engine=engine, book=book)
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


def _subject(item: str, book: RuleBook) -> Case | Any:
    path = Path(item)
    if not path.exists():
        resolved = resolve([item])
        return load_case(resolved[0], book=book)  # type: ignore[index]
    data = load_data(read_bounded(path), str(path))
    if isinstance(data, dict) and "scenario" in data and "id" in data:
        return parse_case(data, str(path))
    return parse_scenario(data)


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
