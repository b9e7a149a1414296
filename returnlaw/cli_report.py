"""``returnlaw report FILE``: the document for the parties (调解建议书) about a scenario, as
Markdown, a self-contained HTML page or PDF. Exit 0 decided, 1 undetermined, 2 bad input."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.text import Text

from .api import default_rulebook
from .cli import _date  # the same date argument as check
from .evaluator import UNDETERMINED, evaluate
from .i18n import LANGS, default_lang, t
from .inputs import read_scenario_file
from .interview import next_questions
from .loader import load_rulebook
from .readings import parse_reading_assignments
from .report import FORMATS, report_format, write_report
from .summary import reference_day

Handler = Callable[[argparse.Namespace, Console], int]


def register(sub: Any) -> dict[str, Handler]:
    rp = sub.add_parser("report", help="the document for the parties (调解建议书): Markdown, HTML or PDF")
    rp.add_argument("file", help="a scenario (YAML or JSON), e.g. one saved by 'ask --save'")
    rp.add_argument("--format", choices=FORMATS, default=None, help="default: from OUT's suffix, else md")
    rp.add_argument("-o", "--output", metavar="OUT", default="-", help="where to write it (default: print md/html)")
    rp.add_argument("--lang", choices=LANGS, default=None, help="language (default: from the locale)")
    rp.add_argument("--as-of", type=_date, help="apply the law in force on this date instead of the purchase date")
    rp.add_argument("--today", type=_date, help="the report's date and the reference for dates in the future")
    rp.add_argument("--reading", action="append", default=[], metavar="NAME=VALUE", help="a named reading")
    rp.add_argument("--rules-dir", help="use rule files from this folder instead of the bundled ones")
    return {"report": cmd_report}


def cmd_report(args: argparse.Namespace, out: Console) -> int:
    fmt = report_format(args.output, args.format) if args.output != "-" or args.format else "md"
    readings = parse_reading_assignments(args.reading)
    book = load_rulebook(args.rules_dir) if args.rules_dir else default_rulebook()
    scenario = read_scenario_file(args.file, today=args.today)
    decision = evaluate(book, scenario, as_of=args.as_of, readings=readings).decision()
    open_facts = None
    if decision.outcome == UNDETERMINED:
        open_facts = [q.fact for q in next_questions(scenario, as_of=args.as_of, readings=readings, book=book)]
    lang = args.lang or default_lang()
    write_report(
        decision,
        book,
        lang,
        args.output,
        fmt,
        scenario=scenario,
        today=args.today or reference_day(),
        open_facts=open_facts,
    )
    if args.output != "-":
        out.print(Text(f"{t('report_written', lang)}{'：' if lang == 'zh' else ': '}{args.output}", style="dim"))
    return 1 if decision.outcome == UNDETERMINED else 0
