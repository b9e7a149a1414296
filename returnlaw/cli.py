"""The ``returnlaw`` command for mediators and researchers.

Exit codes: 0 decided, 1 undetermined (or, for ``rules lint``, problems found), 2 bad input, 3 the
engine could not decide (``--engine durable`` unavailable or failing) —
always with a one-line message naming the problem, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import importlib
import json
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console
from rich.text import Text

from . import __version__, mutate
from .api import default_rulebook
from .echo import echo, one_line
from .engines import ENGINES, EngineError, get_engine
from .evaluator import UNDETERMINED
from .files import os_error, read_bounded
from .i18n import LANGS, default_lang
from .inputs import OFF_THE_CALENDAR, InputError, load_data, parse_scenario
from .loader import RuleFileError, load_rulebook
from .periods import CalendarCoverageError
from .readings import parse_reading_assignments
from .render import mediator_view
from .rulebook import RuleBook
from .rules_view import rule_doc, rules_table

EXIT_DECIDED, EXIT_UNDETERMINED, EXIT_BAD_INPUT, EXIT_ENGINE_ERROR = 0, 1, 2, 3


class UsageError(Exception):
    """Bad command-line usage, reported in one line with exit code 2."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="returnlaw", description="PRC seven-day no-reason return (七日无理由退货)")
    parser.add_argument("--version", action="version", version=f"returnlaw {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="decide a scenario file (YAML or JSON; - for stdin)")
    check.add_argument("file")
    check.add_argument("--json", action="store_true", help="print the decision JSON")
    check.add_argument("--lang", choices=LANGS, default=None, help="output language (default: from the locale)")
    check.add_argument("--as-of", type=_date, help="apply the law in force on this date instead of the purchase date")
    check.add_argument(
        "--today", type=_date, help="the reference day for dates in the future and days left (default: the system date)"
    )
    check.add_argument(
        "--reading",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a named reading, e.g. counting=calendar_only",
    )
    check.add_argument(
        "--full", "--full-trace", dest="full", action="store_true", help="the whole trace: every rule, every fact"
    )
    check.add_argument("--rules-dir", help="use rule files from this folder instead of the bundled ones")
    check.add_argument(
        "--engine", choices=ENGINES, default="native", help="evaluation engine (durable: the cross-checking one)"
    )

    rules = sub.add_parser("rules", help="list, show or lint the rule files")
    rules_sub = rules.add_subparsers(dest="rules_command", required=True)
    listing = rules_sub.add_parser("list", help="every rule with its citation and dates")
    listing.add_argument("--rules-dir")
    listing.add_argument("--lang", choices=LANGS, default=None)
    show = rules_sub.add_parser("show", help="one rule in full")
    show.add_argument("rule_id")
    show.add_argument("--rules-dir")
    show.add_argument("--lang", choices=LANGS, default=None)
    rules_sub.add_parser("lint", help="load and validate rule files").add_argument("directory", nargs="?")
    compiled = rules_sub.add_parser("compiled", help="the Python function generated for the law in force on a date")
    compiled.add_argument("epoch", metavar="EPOCH", help="a date (YYYY-MM-DD): the version of the law in force then")
    compiled.add_argument("--rules-dir")
    # the rule book's mutation score (returnlaw/mutate.py; needs a source checkout with tests/)
    mutate.add_arguments(rules_sub.add_parser("mutate", help="how many small errors in the rule data the tests catch"))

    schema = sub.add_parser("schema", help="print a JSON Schema")
    schema.add_argument("which", choices=tuple(SCHEMAS), nargs="?", default="scenario")
    for module in _extensions():
        COMMANDS.update(module.register(sub))
    return parser


# Modules that add subcommands: each has ``register(subparsers) -> {command: handler}``.
EXTENSIONS = (
    "returnlaw.cli_replay",
    "returnlaw.cli_ask",
    "returnlaw.cli_platform",
    "returnlaw.cli_report",
    "returnlaw.cli_calendar",
)


def _extensions() -> list:
    found = []
    for name in EXTENSIONS:
        try:
            found.append(importlib.import_module(name))
        except ModuleNotFoundError as err:
            if err.name != name:  # a real missing dependency inside the module must surface
                raise
    return found


def _book(directory: str | None) -> RuleBook:
    return load_rulebook(directory) if directory else default_rulebook()


def cmd_check(args: argparse.Namespace, out: Console) -> int:
    readings = parse_reading_assignments(args.reading)
    raw = read_bounded(args.file)  # "-": stdin
    scenario = parse_scenario(_mapping(load_data(raw, "stdin" if args.file == "-" else args.file)), today=args.today)
    book = _book(args.rules_dir)
    decision = get_engine(args.engine)(book, scenario, as_of=args.as_of, readings=readings).decision()
    if args.json:
        out.print_json(decision.model_dump_json()) if out.is_terminal else print(decision.model_dump_json())
    else:
        lang = args.lang or default_lang()
        out.print(mediator_view(book, decision, scenario, lang, full=args.full, as_of=args.as_of, today=args.today))
    return EXIT_UNDETERMINED if decision.outcome == UNDETERMINED else EXIT_DECIDED


def _mapping(data: object) -> dict:
    if not isinstance(data, dict):
        raise InputError("a scenario must be a mapping (JSON object) of sections such as purchase, item, delivery")
    return data


def cmd_rules(args: argparse.Namespace, out: Console) -> int:
    if args.rules_command == "mutate":
        return mutate.cmd_mutate(args, out)
    if args.rules_command == "lint":
        book = load_rulebook(args.directory) if args.directory else load_rulebook()
        out.print(
            f"ok: {len(book.rules)} rules, {len(book.provisions)} provisions, "
            f"{len(book.instruments)} instruments, {len(book.epochs)} law versions in {book.source}"
        )
        return 0
    book = _book(args.rules_dir)
    if args.rules_command == "list":
        out.print(rules_table(book, args.lang or default_lang()))
        return 0
    if args.rules_command == "compiled":
        return _print_compiled(book, args.epoch)
    rule = book.rules.get(args.rule_id)
    if rule is None:
        raise UsageError(f"no rule {echo(args.rule_id)}; see 'returnlaw rules list'")
    out.print(rule_doc(book, rule, args.lang or default_lang()))
    return 0


def _print_compiled(book, epoch: str) -> int:
    """The generated source, as is (plain text: no markup, no wrapping), for one epoch."""
    try:
        day = dt.date.fromisoformat(epoch)
    except ValueError:
        starts = ", ".join(str(d) for d in book.boundaries())
        raise UsageError(f"EPOCH must be a date (YYYY-MM-DD), got {echo(epoch)}; the law changes on {starts}") from None
    found = book.epoch_for(day)
    sys.stdout.write(f"# law in force from {found.start or 'the beginning'} to {found.end or 'now'}\n")
    sys.stdout.write(found.compiled.source)
    sys.stdout.write("# constants (passed in the function's globals)\n")
    sys.stdout.writelines(f"# {name} = {shown}\n" for name, shown in found.compiled.constants)
    return 0


# Models whose JSON Schema ``returnlaw schema NAME`` prints; extensions may add theirs.
SCHEMAS: dict[str, str] = {
    "scenario": "returnlaw.scenario:Scenario",
    "decision": "returnlaw.decision:Decision",
    "case": "returnlaw.cases:Case",
}


def cmd_schema(args: argparse.Namespace, out: Console) -> int:
    module, _, attr = SCHEMAS[args.which].partition(":")
    model = getattr(importlib.import_module(module), attr)
    print(json.dumps(model.model_json_schema(by_alias=True), ensure_ascii=False, indent=2))
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace, Console], int]] = {
    "check": cmd_check,
    "rules": cmd_rules,
    "schema": cmd_schema,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Console(soft_wrap=False)
    err = Console(stderr=True)
    try:
        with Interruptible() as interrupt:
            try:
                return COMMANDS[args.command](args, out)
            except KeyboardInterrupt:
                err.print(f"returnlaw: interrupted{interrupt.by}")
                return 128 + interrupt.signal
    except (InputError, RuleFileError, CalendarCoverageError, UsageError, ValueError) as exc:
        return _fail(err, f"returnlaw: error: {exc}", EXIT_BAD_INPUT)
    except BrokenPipeError:
        return 0
    except OverflowError as exc:  # a date or number past what can be counted, e.g. a deadline after 9999
        return _fail(err, f"returnlaw: error: {OFF_THE_CALENDAR} ({exc})", EXIT_BAD_INPUT)
    except OSError as exc:  # the one place an OSError becomes a message naming the path, and exit 2
        verb = "write" if exc.errno in _WRITE_ERRORS else "access"  # e.g. stdout on a full disk
        return _fail(err, f"returnlaw: error: {os_error(exc, verb=verb)}", EXIT_BAD_INPUT)
    except EngineError as exc:  # the engine could not decide: never an outcome
        return _fail(err, f"returnlaw: engine error: {exc}", EXIT_ENGINE_ERROR)


_WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})


def _fail(err: Console, message: str, code: int) -> int:
    err.print(Text(one_line(message), style="bold red"), soft_wrap=True)
    return code


class Interruptible:
    """SIGTERM takes the path of Ctrl-C (SIGINT): a KeyboardInterrupt that unwinds the command,
    so worker processes are stopped and temporary files removed either way. Restores the previous
    handler on exit; a no-op outside the main thread (signal handlers can only be set there)."""

    def __init__(self) -> None:
        self.signal = signal.SIGINT
        self.by = ""
        self._previous: Any = None

    def __enter__(self) -> Interruptible:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, self._terminated)
        return self

    def _terminated(self, signum: int, frame: object) -> None:
        self.signal, self.by = signal.SIGTERM, " (SIGTERM)"
        raise KeyboardInterrupt

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGTERM, self._previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
