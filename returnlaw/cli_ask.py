"""``returnlaw ask``: the mediator's interview, in the terminal or from an answers file.

One question at a time, only the questions whose answer could change the outcome (chosen by
:mod:`returnlaw.interview` from the rule book), the provisional outcome after each answer, and at
the end the full cited decision — the same one ``returnlaw check`` gives for the saved scenario.
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
from .conditions import UNKNOWN
from .evaluator import UNDETERMINED
from .facts import FACTS
from .files import read_bounded
from .i18n import LANGS, cite_text, default_lang
from .inputs import InputError, closest, load_data, read_scenario_file
from .interview import Interview, Question, Special, Step
from .loader import load_rulebook
from .questions import check_against, default_wording
from .readings import parse_reading_assignments
from .render import OUTCOME_STYLE, Renderer

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
    ask.add_argument("--lang", choices=LANGS, default=None, help="language (default: from the locale)")
    ask.add_argument("--as-of", type=_date, help="apply the law in force on this date instead of the purchase date")
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
    start = read_scenario_file(args.file) if args.file else None
    session = Interview(start, book=book, as_of=args.as_of, readings=readings, wording=wording)
    view = _View(out, session, args.lang or default_lang())
    view.header()
    if answers is None:
        view.interactive()
    else:
        view.scripted(answers)
    decision = session.evaluation().decision()
    out.print(Renderer(book.instruments, book.vocabulary, view.lang).render(decision))
    view.burden()
    if args.save:
        _save(args.save, session.data())
        out.print(Text(f"{view.ui('saved')}: {args.save}", style="dim"))
    return EXIT_UNDETERMINED if decision.outcome == UNDETERMINED else EXIT_DECIDED


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

    def ui(self, key: str) -> str:
        return self.wording.ui(key, self.lang)

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
                answer = answers.get(question.fact, Special.UNKNOWN)
                if question.fact not in answers:
                    self.out.print(Text(f"  ({self.ui('no_answer')})", style="dim"))
                step = self.session.answer(question.fact, answer)
                self.out.print(Text(f"> {self.label(step)}", style="bold"))
                self.after(step)
            rest = {f: a for f, a in answers.items() if f not in used and FACTS[f].get(self.session.scenario) is None}
            if not rest:
                break
            used.update(rest)
            self.out.print(Text(f"{self.ui('not_asked')}: {', '.join(rest)}", style="dim"))
            for fact, answer in rest.items():
                self.session.answer(fact, answer)
            self.provisional()
        self.closing()

    def take(self, question: Question, raw: str) -> None:
        try:
            step = self.session.answer(question.fact, raw)
        except InputError as err:
            self.out.print(Text(f"{self.ui('invalid')}: {self.ui(_HINTS[question.kind])} ({err})", style="red"))
            return
        self.after(step)

    def undo(self) -> None:
        step = self.session.back()
        if step is None:
            self.out.print(Text(self.ui("nothing_to_undo"), style="yellow"))
            return
        self.out.print(Text(f"{self.ui('undone')}: {step.fact} = {self.label(step)}", style="yellow"))
        self.provisional()

    def show(self, question: Question) -> None:
        number = len(self.session.steps) + 1
        head = Text(f"{self.ui('question')} {number}", style="bold cyan") + Text(f"  {question.fact}", style="dim")
        lines: list[Text] = [
            head,
            Text(question.text(self.lang), style="bold"),
            Text(question.help(self.lang), style="dim"),
        ]
        if question.choices:
            listed = "   ".join(f"{i}. {c.label(self.lang)}" for i, c in enumerate(question.choices, start=1))
            lines.append(Text(listed))
        else:
            key = "format_moment" if question.with_time else f"format_{question.kind}"
            lines.append(Text(f"({self.ui(key)})", style="dim"))
        self.out.print(Group(*lines))

    def after(self, step: Step) -> None:
        if step.answer is Special.DISPUTED:
            dispute = self.wording.dispute
            if step.recorded:
                self.out.print(Text(dispute.zh if self.lang == "zh" else dispute.en, style="magenta"))
            else:
                note = dispute.not_presumable_zh if self.lang == "zh" else dispute.not_presumable_en
                self.out.print(Text(note, style="magenta"))
        self.provisional()

    def provisional(self) -> None:
        ev = self.session.evaluation()
        value = self.vocab.variables["outcome"].values[ev.outcome]
        parts = [f"{name}={_show(ev.variables.get(name))}" for name in self.vocab.variables if name != "outcome"]
        line = Text(f"  {self.ui('provisional')}: ", style="dim") + Text(
            value.zh if self.lang == "zh" else value.en, style=OUTCOME_STYLE[ev.outcome]
        )
        self.out.print(line + Text(f"  ({', '.join(parts)})", style="dim"))

    def closing(self) -> None:
        settled = self.session.settled()
        self.out.print(Text(self.ui("settled" if settled else "no_more"), style="green" if settled else "yellow"))

    def label(self, step: Step) -> str:
        if isinstance(step.answer, Special):
            return self.ui(step.answer.value)
        entry = self.wording.facts[step.fact]
        if entry.kind == "yes_no":
            return self.wording.yes_no["yes" if step.answer else "no"](self.lang)
        if entry.kind == "choice":
            return entry.choices[str(step.answer)](self.lang)
        return str(step.answer)

    def burden(self) -> None:
        notes = self.session.burden()
        if not notes:
            return
        lines = []
        parties = self.vocab.parties
        for note in notes:
            cites = "; ".join(self._cite(ref) for ref in note.cite)
            title = note.title_zh if self.lang == "zh" else note.title_en
            lines.append(Text("⚖ ", style="magenta") + Text(title, style="bold") + Text(f"  ({cites})", style="dim"))
            lines.append(Text(f"  {self.ui('presumed')}: {self._presumed(note.facts)}", style="dim"))
            lines.append(Text(f"  {self.ui('reading')}: burden_of_proof={note.reading}", style="dim"))
            if note.against:
                party = parties[note.against]
                name = party.zh if self.lang == "zh" else party.en
                lines.append(Text(f"  {self.ui('risk_on')}: ") + Text(name, style="bold"))
        self.out.print(Panel(Group(*lines), title=self.ui("burden"), title_align="left", border_style="magenta"))

    def _presumed(self, facts: tuple[tuple[str, Any], ...]) -> str:
        """The disputed facts first; the others the presumption filled only as a count."""
        disputed = self.session.skip
        shown = [(p, v) for p, v in facts if p in disputed] or list(facts[:1])
        text = ", ".join(f"{path}={_show(value)}" for path, value in shown)
        return text + (f" (+{len(facts) - len(shown)})" if len(facts) > len(shown) else "")

    def _cite(self, ref: str) -> str:
        inst = self.session.book.instruments[ref.split(" ")[0]]
        return cite_text(ref, inst.short_zh, inst.short_en, self.lang)


_HINTS = {
    "yes_no": "bad_yes_no",
    "choice": "bad_choice",
    "date": "bad_date",
    "number": "bad_number",
    "text": "format_text",
}


def _show(value: object) -> str:
    if value is None or value is UNKNOWN:
        return "?"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
