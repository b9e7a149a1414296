"""``returnlaw ask``: the mediator's interview, in the terminal or from an answers file.

One question at a time, in a case's order, only the questions whose answer could change the
outcome (chosen by :mod:`returnlaw.interview` from the rule book); "unknown" does not end it. The
provisional outcome after each answer, and at the end the decision as ``returnlaw check`` gives
it for the saved scenario, with the facts it still depends on; ``--report`` writes the document
for the parties.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from typing import Any

import yaml
from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from .api import default_rulebook
from .atomic import write_text_atomic
from .citations import Citer
from .evaluator import UNDETERMINED
from .facts import FACTS
from .files import read_bounded
from .i18n import LANGS, default_lang, t
from .inputs import InputError, closest, load_data, parse_scenario
from .interview import Interview, Question, Special, Step
from .interview.answers import AnswerError
from .layout import Doc
from .loader import load_rulebook
from .questions import check_against, default_wording
from .readings import parse_reading_assignments
from .render import OUTCOME_STYLE, mediator_view

EXIT_DECIDED, EXIT_UNDETERMINED = 0, 1
MAX_ANSWER_CHARS = 4096  # one answer typed or piped: a date, a choice, a short text
Handler = Callable[[argparse.Namespace, Console], int]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def register(subparsers: Any) -> dict[str, Handler]:
    ask = subparsers.add_parser("ask", help="interview: ask only what could change the outcome, then decide")
    ask.add_argument("file", nargs="?", help="a partial scenario to start from (YAML or JSON)")
    ask.add_argument("--save", metavar="FILE", help="write the scenario built (JSON if FILE ends in .json, else YAML)")
    ask.add_argument(
        "--answers", metavar="FILE", help="answer from a YAML/JSON file of fact: answer pairs instead of prompting"
    )
    ask.add_argument(
        "--ask-unknown-again",
        action="store_true",
        help="ask again the facts the starting scenario records as unknown (null)",
    )
    ask.add_argument("--report", metavar="OUT", help="at the end, write the document for the parties (see 'report')")
    ask.add_argument(
        "--format", choices=("md", "html", "pdf"), default=None, help="the report's format (default: OUT's suffix)"
    )
    ask.add_argument("--full", action="store_true", help="end with the whole trace instead of the compact decision")
    ask.add_argument("--lang", choices=LANGS, default=None, help="language (default: from the locale)")
    ask.add_argument("--as-of", type=_date, help="apply the law in force on this date instead of the purchase date")
    ask.add_argument("--today", type=_date, help="the reference day for dates in the future (default: the system date)")
    ask.add_argument("--reading", action="append", default=[], metavar="NAME=VALUE", help="a named reading")
    ask.add_argument("--rules-dir", help="use rule files from this folder instead of the bundled ones")
    return {"ask": cmd_ask}


def cmd_ask(args: argparse.Namespace, out: Console) -> int:
    readings = parse_reading_assignments(args.reading)
    book = load_rulebook(args.rules_dir) if args.rules_dir else default_rulebook()
    wording = default_wording()
    check_against(wording, book)
    answers = read_answers(args.answers) if args.answers else None
    if answers is None and (sys.stdin is None or sys.stdin.closed):
        raise InputError("stdin is closed: answer at a terminal, pipe the answers in, or give --answers FILE")
    start = read_start(args.file, today=args.today) if args.file else None
    lang = args.lang or default_lang()
    report = _report_target(args)
    session = Interview(
        start,
        book=book,
        as_of=args.as_of,
        readings=readings,
        wording=wording,
        ask_unknown_again=args.ask_unknown_again,
        today=args.today,
    )
    view = _View(out, session, lang)
    view.header()
    if answers is None:
        view.interactive()
    else:
        view.scripted(answers)
    decision = session.evaluation().decision()
    pending = [q.fact for q in session.pending()] if decision.outcome == UNDETERMINED else None
    out.print(
        mediator_view(
            book,
            decision,
            session.scenario,
            lang,
            full=args.full,
            as_of=args.as_of,
            open_facts=pending,
            today=args.today,
        )
    )
    if args.save:
        _save(args.save, session.data())
        out.print(Text(f"{view.ui('saved')}{view.colon}{args.save}", style="dim"))
    if report is not None:
        from .report import write_report

        write_report(decision, book, lang, report[0], report[1], scenario=session.scenario, open_facts=pending)
        out.print(Text(f"{t('report_written', lang)}{view.colon}{report[0]}", style="dim"))
    return EXIT_UNDETERMINED if decision.outcome == UNDETERMINED else EXIT_DECIDED


def _report_target(args: argparse.Namespace) -> tuple[str, str] | None:
    """Where and in which format ``--report`` writes, checked before the interview starts."""
    if not args.report:
        return None
    from .report import report_format

    return args.report, report_format(args.report, args.format)


def read_start(path: str, today: dt.date | None = None) -> dict[str, Any]:
    """The starting scenario as data (its nulls are facts answered "unknown" before), checked
    as ``check`` checks a scenario (``today``: the reference day for dates in the future)."""
    data = load_data(read_bounded(path), path)
    parse_scenario(data, today=today)  # the same message as check for a bad scenario
    if not isinstance(data, dict):
        raise InputError("a scenario must be a mapping (JSON object) of sections such as purchase, item, delivery")
    return data


def read_answers(path: str) -> dict[str, object]:
    """``fact: answer`` pairs from YAML or JSON; sections may nest (``item: {custom_made: false}``)."""
    data = load_data(read_bounded(path), path)
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping of facts to answers, e.g. 'item.custom_made: false'")
    answers: dict[str, object] = {}
    for key, value in data.items():
        if isinstance(value, dict) and "." not in str(key):
            answers.update({f"{key}.{name}": v for name, v in value.items()})
        else:
            answers[str(key)] = value
    askable = [p for p, spec in FACTS.items() if not spec.derived]
    for fact in answers:
        if fact not in askable:
            hint = closest(fact, askable)
            suggestion = f"; did you mean {hint!r}?" if hint else "; lists (gifts, payment parts) go in the scenario"
            raise InputError(f"{path}: {fact!r} is not a fact the interview asks{suggestion}")
    return answers


def _save(path: str, data: dict[str, Any]) -> None:
    if path.endswith(".json"):
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    else:
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    try:
        write_text_atomic(path, text)
    except OSError as err:
        raise InputError(f"cannot write {path}: {err.strerror}") from None


class _View:
    """The terminal side of a session: questions, answers, the provisional outcome."""

    def __init__(self, out: Console, session: Interview, lang: str) -> None:
        self.out, self.session, self.lang = out, session, lang
        self.wording = session.wording
        self.vocab = session.book.vocabulary
        self.citer = Citer(session.book.instruments, lang)  # one document: full titles first
        self.colon = "：" if lang == "zh" else ": "

    def ui(self, key: str) -> str:
        return self.wording.ui(key, self.lang)

    def label(self, fact: str) -> str:
        entry = self.wording.facts.get(fact)
        return entry.name(self.lang) if entry else fact

    def header(self) -> None:
        title = Text(self.ui("title"), style="bold")
        self.out.print(Panel(Group(title, Text(self.ui("hint"), style="dim")), expand=False))
        self.provisional()

    def interactive(self) -> None:
        while (question := self.session.next_question()) is not None:
            self.show(question)
            try:
                raw = self._answer()
            except EOFError:
                self.out.print(Text(self.ui("stopped"), style="yellow"))
                return
            command = self.wording.keywords.match(raw)
            if command == "quit":
                self.out.print(Text(self.ui("stopped"), style="yellow"))
                return
            if command == "back":
                self.undo()
            elif raw.strip():
                self.take(question, raw)
        self.closing()

    def _answer(self) -> str:
        """One answer: at a terminal with line editing; piped, a bounded line (a stream with no
        line break, such as /dev/zero, is never read whole)."""
        if sys.stdin.isatty():
            return self.out.input(Text("> ", style="bold"))
        self.out.print(Text("> ", style="bold"), end="")
        line = sys.stdin.readline(MAX_ANSWER_CHARS + 1)
        if not line:
            raise EOFError
        if len(line) > MAX_ANSWER_CHARS and not line.endswith("\n"):
            raise InputError(f"an answer on stdin is longer than {MAX_ANSWER_CHARS} characters")
        self.out.print(line.strip(), style="dim")  # piped answers are not echoed by a terminal
        return line

    def scripted(self, answers: dict[str, object]) -> None:
        """Answer from a file: every answer is checked first; answers the interview did not need
        are recorded at the end (they are facts the mediator gave), then it goes on if they
        opened new questions."""
        self.session.preview(answers)
        used: set[str] = set()
        while True:
            while (question := self.session.next_question()) is not None:
                self.show(question)
                used.add(question.fact)
                answer = answers.get(question.fact, Special.NOT_GIVEN)
                if question.fact not in answers:
                    self.out.print(Text(f"  ({self.ui('no_answer')})", style="dim"))
                step = self.session.answer(question.fact, answer)
                self.out.print(Text(f"> {self.answer_label(step)}", style="bold"))
                self.after(step)
            rest = {f: a for f, a in answers.items() if f not in used and FACTS[f].get(self.session.scenario) is None}
            if not rest:
                break
            used.update(rest)
            named = ("、" if self.lang == "zh" else ", ").join(self.label(f) for f in rest)
            self.out.print(Text(f"{self.ui('not_asked')}{self.colon}{named}", style="dim"))
            for fact, answer in rest.items():
                self.session.answer(fact, answer)
            self.provisional()
        self.closing()

    def take(self, question: Question, raw: str) -> None:
        try:
            step = self.session.answer(question.fact, raw)
        except AnswerError as err:
            why = err.zh if self.lang == "zh" else str(err).removeprefix(f"{err.field}: ")
            self.out.print(Doc().add(f"{self.ui('invalid')}{self.colon}{why}", hanging="  ", style="red"))
            return
        except InputError as err:
            self.out.print(
                Text(f"{self.ui('invalid')}{self.colon}{self.ui(_HINTS[question.kind])} ({err})", style="red")
            )
            return
        self.after(step)

    def undo(self) -> None:
        step = self.session.back()
        if step is None:
            self.out.print(Text(self.ui("nothing_to_undo"), style="yellow"))
            return
        shown = f"{self.label(step.fact)} = {self.answer_label(step)}"
        self.out.print(Text(f"{self.ui('undone')}{self.colon}{shown}", style="yellow"))
        self.provisional()

    def show(self, question: Question) -> None:
        number = len(self.session.steps) + 1
        head = Text(f"{self.ui('question')} {number}", style="bold cyan")
        if self.lang != "zh":  # the fact's id helps an English-reading integrator; a Chinese reader needs none
            head += Text(f"  {question.fact}", style="dim")
        doc = Doc().add(head).add(question.text(self.lang), style="bold")
        entry = self.wording.facts[question.fact]
        help_text = entry.help(self.lang)
        cites = self.citer.cites(question.cite)
        if self.lang == "zh":
            doc.add(f"{help_text.rstrip('。')}（{cites}）。", style="dim")
        else:
            doc.add(f"{help_text} ({cites})", style="dim")
        if question.choices:
            listed = "   ".join(f"{i}. {c.label(self.lang)}" for i, c in enumerate(question.choices, start=1))
            doc.add(listed)
        else:
            key = "format_moment" if question.with_time else f"format_{question.kind}"
            doc.add(f"（{self.ui(key)}）" if self.lang == "zh" else f"({self.ui(key)})", style="dim")
        self.out.print(doc)

    def after(self, step: Step) -> None:
        if step.answer is Special.DISPUTED:
            dispute = self.wording.dispute
            if step.recorded:
                self.out.print(Doc().add(dispute.zh if self.lang == "zh" else dispute.en, style="magenta"))
            else:
                note = dispute.not_presumable_zh if self.lang == "zh" else dispute.not_presumable_en
                self.out.print(Doc().add(note, style="magenta"))
        self.provisional()

    def provisional(self) -> None:
        """The outcome so far, with the legal questions already settled (in words)."""
        ev = self.session.evaluation()
        value = self.vocab.variables["outcome"].values[ev.outcome]
        line = Text(f"  {self.ui('provisional')}{self.colon}", style="dim")
        line.append(value.zh if self.lang == "zh" else value.en, style=OUTCOME_STYLE[ev.outcome])
        settled = []
        for name, variable in self.vocab.variables.items():
            known = ev.variables.get(name)
            if name == "outcome" or not isinstance(known, str) or known not in variable.values:
                continue
            group = t(f"group.{name}", self.lang) if f"group.{name}" in _GROUP_KEYS else variable.zh
            word = variable.values[known]
            settled.append(f"{group}{self.colon}{word.zh if self.lang == 'zh' else word.en}")
        if settled:
            joined = ("；" if self.lang == "zh" else "; ").join(settled)
            line.append(f"（{joined}）" if self.lang == "zh" else f" ({joined})", style="dim")
        self.out.print(Doc().add(line, hanging="    "))

    def closing(self) -> None:
        """Why the interview ends: settled; or the facts the outcome still depends on."""
        if self.session.settled():
            self.out.print(Text(self.ui("settled"), style="green"))
            return
        pending = self.session.pending() if self.session.evaluation().outcome == UNDETERMINED else []
        if not pending:
            self.out.print(Text(self.ui("no_more"), style="yellow"))
            return
        self.out.print(Doc().add(self.ui("depends_on"), style="yellow"))  # the decision below lists them

    def answer_label(self, step: Step) -> str:
        if isinstance(step.answer, Special):
            return self.ui("unknown" if step.answer is Special.NOT_GIVEN else step.answer.value)
        entry = self.wording.facts[step.fact]
        if entry.kind == "yes_no":
            return self.wording.yes_no["yes" if step.answer else "no"](self.lang)
        if entry.kind == "choice":
            return entry.choices[str(step.answer)](self.lang)
        if entry.kind == "choices":  # a set of choices; none is said as the wording's "none"
            picked = [entry.choices[str(v)](self.lang) for v in step.answer]  # type: ignore[union-attr]
            return ("、" if self.lang == "zh" else ", ").join(picked) or self.ui("none")
        return str(step.answer)


_GROUP_KEYS = {"group.scope", "group.right", "group.intact"}
_HINTS = {
    "yes_no": "bad_yes_no",
    "choice": "bad_choice",
    "date": "bad_date",
    "number": "bad_number",
    "text": "format_text",
}
