"""How many questions the mediator interview asks, case by case, against what the rules read.

    python benchmarks/questions.py            # a table, then mean and max
    python benchmarks/questions.py --json     # one JSON object
    python benchmarks/questions.py --only cases --limit 5

For every bundled case (``cases/*.yaml``, once per version of the law its report allows, with
the report's timing placed as ``returnlaw replay`` places it) and every law example
(``tests/law/*.yaml``), the interview starts from an empty scenario and answers each question from
the case's facts ("disputed" for a condition the seller disputes, "unknown" for a fact the case
does not give) until it stops. Columns:

- ``asked``: questions asked.
- ``in_force``: facts read by the outcome rules (scope, right, intact, burden of proof) in force,
  and the purchase date that picks them when no as-of date is given: what a questionnaire written
  from the rules would ask. The interview never asks more.
- ``deciding``: facts read by the rules that decided the outcome (applied, or defeated by an
  exception that applied). A returnable outcome also rests on every exception that did *not*
  apply, so ``asked`` can exceed it; an excluded one can rest on a single fact.
- ``minimal``: a minimal set of the case's own facts that still gives its outcome (found greedily
  by dropping facts one at a time): what an interviewer who knew the answers in advance would ask.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from returnlaw import Readings, default_rulebook, evaluate, outcome_of  # noqa: E402
from returnlaw.cases import load_cases  # noqa: E402
from returnlaw.evaluator import UNDETERMINED, Evaluation  # noqa: E402
from returnlaw.facts import FACTS  # noqa: E402
from returnlaw.interview import assign, simulate  # noqa: E402
from returnlaw.replay import law_dates, place_timing  # noqa: E402
from returnlaw.rulebook import RuleBook  # noqa: E402
from returnlaw.scenario import Scenario  # noqa: E402


@dataclass(frozen=True)
class Row:
    case: str
    outcome: str
    asked: int
    in_force: int
    deciding: int
    minimal: int


@dataclass(frozen=True)
class Trial:
    name: str
    truth: Scenario
    as_of: object
    readings: Readings


def trials(only: str | None) -> Iterator[Trial]:
    """Every case under each version of the law it allows, then every law example."""
    book = default_rulebook()
    if only in (None, "cases"):
        for case in load_cases():
            if case.decides == "listing":  # judged for every purchase: no one purchase to interview about
                continue
            base = case.scenario
            for day in law_dates(case, base, book):
                anchor = base.purchase.date or day
                truth = place_timing(base, case.timing, anchor)[0] if case.timing and anchor else base
                as_of = None if base.purchase.date else day
                yield Trial(f"{case.id}@{day}" if day else case.id, truth, as_of, Readings())
    if only in (None, "law"):
        sys.path.insert(0, str(ROOT / "tests"))
        from lawcases import load_cases as load_law

        from returnlaw import parse_scenario

        for example in load_law():
            yield Trial(example.name, parse_scenario(example.data), example.as_of, Readings(**example.readings))


def outcome_facts(ev: Evaluation, deciding_only: bool) -> set[str]:
    facts: set[str] = set()
    for i, step in enumerate(ev.epoch.steps):
        if step.rule.group == "effects":
            continue
        decided = ev.applicable[i] is True and ev.defeated[i] is not None
        if decided or not deciding_only:
            facts |= step.rule.condition.facts
    return {p for p in facts if not FACTS[p].derived}


def minimal(book: RuleBook, trial: Trial) -> int:
    """Drop the case's facts one at a time while the outcome stays the same."""
    kw = {"as_of": trial.as_of, "readings": trial.readings}
    target = outcome_of(book, trial.truth, **kw)
    current = trial.truth
    kept = [p for p, spec in FACTS.items() if not spec.derived and spec.get(current) is not None]
    for path in reversed(list(kept)):
        fewer = assign(current, path, None)
        if fewer is not None and outcome_of(book, fewer, **kw) == target:
            current = fewer
            kept.remove(path)
    return len(kept)


def measure(trial: Trial) -> Row:
    book = default_rulebook()
    session, asked = simulate(trial.truth, as_of=trial.as_of, readings=trial.readings)  # type: ignore[arg-type]
    ev = evaluate(book, trial.truth, as_of=trial.as_of, readings=trial.readings)  # type: ignore[arg-type]
    return Row(
        trial.name,
        session.evaluation().outcome,
        len(asked),
        len(outcome_facts(ev, deciding_only=False) | ({"purchase.date"} if trial.as_of is None else set())),
        len(outcome_facts(ev, deciding_only=True)) if ev.outcome != UNDETERMINED else 0,
        minimal(book, trial),
    )


def summary(rows: list[Row]) -> dict[str, object]:
    asked = [r.asked for r in rows]
    return {
        "cases": len(rows),
        "asked_mean": round(statistics.mean(asked), 2),
        "asked_max": max(asked),
        "in_force_mean": round(statistics.mean(r.in_force for r in rows), 2),
        "deciding_mean": round(statistics.mean(r.deciding for r in rows), 2),
        "minimal_mean": round(statistics.mean(r.minimal for r in rows), 2),
        "asked_over_in_force": sum(r.asked > r.in_force for r in rows),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--only", choices=("cases", "law"), help="only the case corpus or only the law examples")
    parser.add_argument("--limit", type=int, help="at most this many cases")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = []
    for i, trial in enumerate(trials(args.only)):
        if args.limit is not None and i >= args.limit:
            break
        rows.append(measure(trial))
    result = {**summary(rows), "seconds": round(time.perf_counter() - started, 1)}
    if args.json:
        print(json.dumps({**result, "rows": [asdict(r) for r in rows]}, ensure_ascii=False))
        return 0
    print(f"{'case':60} {'outcome':15} {'asked':>5} {'in_force':>8} {'deciding':>8} {'minimal':>7}")
    for r in rows:
        print(f"{r.case[:60]:60} {r.outcome:15} {r.asked:5} {r.in_force:8} {r.deciding:8} {r.minimal:7}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
