"""Golden decisions: what the rule book decides for every scenario file of a directory, kept as
data in ``tests/golden/<directory name>.yaml`` and compared by ``tests/test_golden.py``.

A golden records, under the default readings and as on ``TODAY`` (``--today 2030-01-01``), the
outcome, the rules applied, defeated and left undetermined, the warnings and remarks, obligations
(with amounts, and whether certain or depending on facts still unknown), deadlines (date, whether
met, whether certain) — each marked "(if returnable)" where it holds only if an open outcome turns
out so — presumptions and questions; and the outcome under every other value of every reading (a
number reading: under a few sample values). Every list is exact: a rule, warning or obligation
more or less is a difference.

The test never writes goldens. After a change that is meant to change decisions, a human runs

    .venv/bin/python -m tests.golden write examples          # or tests/data/review_legal, ...

reads ``git diff tests/golden`` line by line, and commits the goldens with the change that
explains them. ``python -m tests.golden check`` prints the differences without writing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from returnlaw import InputError, Readings, decide, read_scenario_file
from returnlaw.readings import READING_NAMES
from returnlaw.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
# Directories (relative to the repository) whose every scenario must have a golden decision,
# once the directory exists.
SOURCES = ("examples", "tests/data/review_legal")
SUFFIXES = (".yaml", ".yml", ".json")
# Decisions are taken as on this day (``--today``), so that a golden does not change with the clock.
TODAY = dt.date(2030, 1, 1)
HEADER = (
    "# Golden decisions for {source}/: written by `python -m tests.golden write {source}`.\n"
    "# Never edit by hand and never rewrite to make a test pass: rewrite after a deliberate change\n"
    "# of the law or the engine, read the diff, and commit it with the change that explains it.\n"
)


def golden_path(source: str) -> Path:
    return GOLDEN_DIR / f"{Path(source).name}.yaml"


def scan(source: str) -> tuple[dict[str, Scenario], list[str]]:
    """The directory's scenario files (parsed) and the files in it that are not scenarios."""
    scenarios, others = {}, []
    for path in sorted(p for p in (ROOT / source).iterdir() if p.is_file() and p.suffix in SUFFIXES):
        try:
            scenarios[path.name] = read_scenario_file(path, today=TODAY)
        except InputError:
            others.append(path.name)
    return scenarios, others


def summary(scenario: Scenario, book: Any = None, default_readings: dict[str, str] | None = None) -> dict[str, Any]:
    """What a golden records for one scenario (plain data, stable order)."""
    defaults = Readings(**(default_readings or {}))
    d = decide(scenario, readings=defaults, book=book, today=TODAY)
    status: dict[str, list[str]] = {s: [] for s in ("applied", "defeated", "undetermined")}
    for reason in d.reasons:
        if reason.status in status:
            status[reason.status].append(reason.rule)
    by_reading = {}
    for name in READING_NAMES:
        for value in reading_values(name):
            if value != getattr(defaults, name):
                other = defaults.model_copy(update={name: value})
                by_reading[f"{name}={value}"] = decide(scenario, readings=other, book=book, today=TODAY).outcome
    return {
        "outcome": d.outcome,
        **{s: sorted(rules) for s, rules in status.items()},
        "warnings": sorted(_conditional(w.code, w.if_outcome) for w in d.warnings),
        "remarks": sorted(_conditional(r.code, r.if_outcome) for r in d.remarks),
        "obligations": sorted(
            (_obligation(o) for o in d.obligations), key=lambda o: (o["party"], o["duty"], o["certain"])
        ),
        "deadlines": {
            _conditional(x.name, x.if_outcome): {"date": x.date, "met": x.met, "certain": x.certain}
            for x in sorted(d.deadlines, key=lambda x: x.name)
        },
        "presumptions": dict(sorted(_presumed(p) for p in d.presumptions)),
        "questions": list(d.questions),
        "by_reading": by_reading,
    }


# A number reading's values other than the default that a golden decides under.
def _presumed(p: Any) -> tuple[str, Any]:
    """A presumption as a (key, value) pair: the fact and its value, or the rule taken out of issue."""
    if p.fact is None:
        return f"out of issue: {p.out_of_issue}", p.kind
    return p.fact, p.value


NUMBER_READINGS = {"short_hold_hours": (12, 48)}


def reading_values(name: str) -> list[Any]:
    """The values of a reading a golden decides under: every choice, or a number reading's samples."""
    if name in NUMBER_READINGS:
        return [Readings.model_fields[name].default, *NUMBER_READINGS[name]]
    return [m.value for m in Readings.model_fields[name].annotation]  # type: ignore[union-attr]


def _conditional(code: str, if_outcome: str | None) -> str:
    """A code as decided, or marked as holding only under an outcome the facts leave open."""
    return code if if_outcome is None else f"{code} (if {if_outcome})"


def _obligation(o: Any) -> dict[str, Any]:
    out = {"party": o.party, "duty": o.duty, "certain": o.certain}
    if o.if_outcome is not None:
        out["if_outcome"] = o.if_outcome
    if o.amount is not None:
        out["amount"] = str(o.amount)
    return out


def current(source: str, book: Any = None, default_readings: dict[str, str] | None = None) -> dict[str, Any]:
    scenarios, others = scan(source)
    return {
        "source": source,
        "not_scenarios": others,
        "decisions": {name: summary(s, book, default_readings) for name, s in scenarios.items()},
    }


def load(source: str) -> dict[str, Any] | None:
    path = golden_path(source)
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None


def differences(source: str, book: Any = None, default_readings: dict[str, str] | None = None) -> list[str]:
    """How today's decisions differ from the goldens of ``source`` (empty: they agree)."""
    golden = load(source)
    if golden is None:
        return [f"no golden decisions for {source}/: write them with `python -m tests.golden write {source}`"]
    return compare(current(source, book, default_readings), golden)


def compare(now: dict[str, Any], golden: dict[str, Any]) -> list[str]:
    out = []
    if now["not_scenarios"] != golden["not_scenarios"]:
        out.append(f"files that are not scenarios: {now['not_scenarios']}, golden {golden['not_scenarios']}")
    for name in sorted(set(now["decisions"]) | set(golden["decisions"])):
        have, want = now["decisions"].get(name), golden["decisions"].get(name)
        if have is None or want is None:
            out.append(f"{name}: {'no longer a scenario' if have is None else 'has no golden decision'}")
            continue
        out += [
            f"{name}: {key}: {have.get(key)!r}, golden {want.get(key)!r}"
            for key in want | have
            if _normal(have.get(key)) != _normal(want.get(key))
        ]
    return out


def _normal(value: Any) -> Any:
    """Amounts as text, so that a golden read from YAML compares with a fresh one."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


def write(source: str) -> Path:
    path = golden_path(source)
    path.parent.mkdir(exist_ok=True)
    text = yaml.safe_dump(current(source), allow_unicode=True, sort_keys=False, width=110)
    path.write_text(HEADER.format(source=source) + text, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.golden", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("write", "check"))
    parser.add_argument("sources", nargs="*", help=f"directories (default: those present of {', '.join(SOURCES)})")
    args = parser.parse_args(argv)
    sources = args.sources or [s for s in SOURCES if (ROOT / s).is_dir()]
    status = 0
    for source in sources:
        if args.action == "write":
            print(f"wrote {write(source).relative_to(ROOT)}: review it with git diff before committing")
            continue
        found = differences(source)
        print(f"{source}: {'agrees' if not found else f'{len(found)} differences'}")
        for line in found:
            print(f"  {line}")
        status |= bool(found)
    return status


if __name__ == "__main__":
    sys.exit(main())
