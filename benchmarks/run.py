"""Measure returnlaw's speed on a fixed, realistic mix of scenarios (benchmarks/mix.py).

    python benchmarks/run.py            # a table
    python benchmarks/run.py --json     # one JSON object

- ``evaluate_us_median`` / ``_p99``: a validated Scenario to an Evaluation (outcome, variables and the
  rule-by-rule trace) with ``returnlaw.evaluate(book, scenario)``, per call.
- ``decision_us_median``: the same plus ``.decision()``, the full explained Decision model.
- ``durable_us_median``: the same evaluation by the durable_rules engine (``--engine durable``,
  ``returnlaw.durable_backend``), one pass over the mix; null where that extra is not installed.
- ``end_to_end_us_median`` / ``_p99``: JSON bytes in, decision JSON out (``returnlaw.decide_json``).
- ``compact_us_median`` / ``_p99``: JSON bytes in, compact decision JSON bytes out
  (``returnlaw.decide_compact_json``: outcome, deciding rules, warnings, deadlines, obligations,
  questions; no explanation).
- ``parse_floor_us_median``: ``orjson.loads`` then ``orjson.dumps`` of the same inputs, in the same
  run: the floor any JSON-in, JSON-out service pays. The table prints ``compact`` and
  ``end_to_end`` as multiples of it (``*_floor_ratio``).
- ``batch_decisions_per_s``: ``returnlaw batch`` over a JSON Lines file, all cores, wall time
  including worker start-up and writing the output; ``batch_row_by_row_per_s`` the same file
  decided row by row (``--row-by-row``: no columns).
- ``load_rules_ms``: reading and validating the rule files and planning the epochs, in a fresh
  process; each epoch's function is generated and compiled on first use
  (``returnlaw.compiled.LazyCompiled``), so
- ``first_decision_ms``: load and the first decision (compiling its epoch), in a fresh process.
- ``import_ms``: ``import returnlaw`` in a fresh process.
- ``load_average``: the machine's 1-minute load average when the run started and when it ended.
Sizes are knobs (``--help``); the defaults take two to three minutes on two cores (the batch runs
twice: by columns and row by row).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import orjson
from mix import ROOT, scenarios, to_json

import returnlaw
from returnlaw.batch import run_batch, usable_cores
from returnlaw.durable_backend import durable_us_median

TARGETS = {  # the targets on a 2-core machine: (value, "max" or "min")
    "evaluate_us_median": (5.0, "max"),
    "compact_us_median": (20.0, "max"),
    "compact_floor_ratio": (4.0, "max"),
    "end_to_end_us_median": (100.0, "max"),
    "batch_decisions_per_s": (100_000.0, "min"),
    "load_rules_ms": (150.0, "max"),
    "first_decision_ms": (150.0, "max"),  # the load target with the lazy compilation counted in
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seed", type=int, default=20240801)
    parser.add_argument("--scenarios", type=int, default=2000, help="distinct scenarios in the mix")
    parser.add_argument("--rounds", type=int, default=5, help="timed passes over the mix")
    parser.add_argument("--batch-rows", type=int, default=200_000, help="rows in the batch file")
    parser.add_argument("--jobs", type=int, default=None, help="batch worker processes (default: all cores)")
    parser.add_argument("--fresh-runs", type=int, default=5, help="fresh processes for load/import times")
    return parser.parse_args(argv)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def per_call_us(fn: Any, items: list[Any], rounds: int) -> list[float]:
    """Time every call separately (after one warm-up pass), in microseconds."""
    for item in items:
        fn(item)
    clock, out = time.perf_counter_ns, []
    for _ in range(rounds):
        for item in items:
            start = clock()
            fn(item)
            out.append((clock() - start) / 1000)
    return out


def fresh_process_ms(code: str, runs: int) -> float:
    """Median of what ``code`` prints (milliseconds), each run in a new interpreter."""
    results = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=_env()
        )
        results.append(float(done.stdout.strip()))
    return statistics.median(results)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


FIRST_DECISION_CODE = (
    "import time; from returnlaw.loader import load_rulebook; from returnlaw import evaluate, parse_scenario; "
    "t = time.perf_counter(); book = load_rulebook(); "
    "evaluate(book, parse_scenario({'purchase': {'date': '2024-08-01'}})); "
    "print((time.perf_counter() - t) * 1000)"
)
IMPORT_CODE = "import time; t = time.perf_counter(); import returnlaw; print((time.perf_counter() - t) * 1000)"
LOAD_CODE = (
    "import time; from returnlaw.loader import load_rulebook; t = time.perf_counter(); load_rulebook(); "
    "print((time.perf_counter() - t) * 1000)"
)


def batch_rate(texts: list[str], rows: int, jobs: int | None, columnar: bool = True) -> tuple[float, int]:
    with tempfile.TemporaryDirectory(prefix="returnlaw-bench-") as tmp:
        src, dst = Path(tmp) / "orders.jsonl", Path(tmp) / "decisions.jsonl"
        with src.open("w", encoding="utf-8") as handle:
            for i in range(rows):
                text = texts[i % len(texts)]
                handle.write(f'{{"id":"o{i}",{text[1:]}\n')
        stats = run_batch(src, dst, jobs=jobs, columnar=columnar)
        return stats.rows / stats.seconds, jobs or usable_cores()


def load_average() -> float | None:
    """The 1-minute load average (None where the system does not say): the figures above depend
    on what else runs on the machine, so every run records it at its start and end."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def measure(args: argparse.Namespace) -> dict[str, Any]:
    load_at_start = load_average()
    book = returnlaw.default_rulebook()
    datas = scenarios(args.scenarios, args.seed)
    parsed = [returnlaw.parse_scenario(d) for d in datas]
    texts = [to_json(d) for d in datas]
    blobs = [t.encode() for t in texts]
    evaluate = per_call_us(lambda s: returnlaw.evaluate(book, s), parsed, args.rounds)
    outcome_only = per_call_us(lambda s: returnlaw.outcome_of(book, s), parsed, args.rounds)
    explain = per_call_us(lambda s: returnlaw.evaluate(book, s).decision(), parsed, 1)
    end_to_end = per_call_us(returnlaw.decide_json, blobs, args.rounds)
    compact = per_call_us(returnlaw.decide_compact_json, blobs, args.rounds)
    floor = per_call_us(lambda b: orjson.dumps(orjson.loads(b)), blobs, args.rounds)
    floor_median = statistics.median(floor)
    rate, jobs = batch_rate(texts, args.batch_rows, args.jobs)
    row_rate, _ = batch_rate(texts, args.batch_rows, args.jobs, columnar=False)
    outcomes: dict[str, int] = {}
    for s in parsed:
        outcome = returnlaw.evaluate(book, s).outcome
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return {
        "evaluate_us_median": round(statistics.median(evaluate), 2),
        "evaluate_us_p99": round(percentile(evaluate, 0.99), 2),
        "outcome_us_median": round(statistics.median(outcome_only), 2),  # without the trace
        "outcome_us_p99": round(percentile(outcome_only, 0.99), 2),
        "decision_us_median": round(statistics.median(explain), 2),
        "durable_us_median": durable_us_median(book, parsed),
        "end_to_end_us_median": round(statistics.median(end_to_end), 2),
        "end_to_end_us_p99": round(percentile(end_to_end, 0.99), 2),
        "compact_us_median": round(statistics.median(compact), 2),
        "compact_us_p99": round(percentile(compact, 0.99), 2),
        "parse_floor_us_median": round(floor_median, 2),
        "compact_floor_ratio": round(statistics.median(compact) / floor_median, 1),
        "end_to_end_floor_ratio": round(statistics.median(end_to_end) / floor_median, 1),
        "batch_decisions_per_s": round(rate),
        "batch_row_by_row_per_s": round(row_rate),  # the same file with --row-by-row
        "load_rules_ms": round(fresh_process_ms(LOAD_CODE, args.fresh_runs), 1),
        "import_ms": round(fresh_process_ms(IMPORT_CODE, args.fresh_runs), 1),
        "first_decision_ms": round(fresh_process_ms(FIRST_DECISION_CODE, args.fresh_runs), 1),
        "load_average": [load_at_start, load_average()],  # 1-minute load at the start and the end
        "batch_rows": args.batch_rows,
        "batch_jobs": jobs,
        "scenarios": len(parsed),
        "rounds": args.rounds,
        "seed": args.seed,
        "outcomes": dict(sorted(outcomes.items())),
        "rules": len(book.rules),
        "cpu_count": usable_cores(),
        "python": platform.python_version(),
        "returnlaw": returnlaw.__version__,
    }


def verdicts(results: dict[str, Any]) -> dict[str, bool]:
    return {
        key: results[key] <= target if kind == "max" else results[key] >= target
        for key, (target, kind) in TARGETS.items()
    }


def print_table(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        "measure", "value", "target", title=f"returnlaw {results['returnlaw']} on {results['cpu_count']} cores"
    )
    met = verdicts(results)
    for key, value in results.items():
        if key in ("outcomes",):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, list):
            value = " → ".join(str(v) for v in value)
        target = ""
        if key in TARGETS:
            limit, kind = TARGETS[key]
            target = f"{'≤' if kind == 'max' else '≥'} {limit:g} " + ("[green]met" if met[key] else "[red]not met")
        table.add_row(key, f"{value:,}" if isinstance(value, int | float) else str(value), target)
    Console().print(table)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = measure(args)
    if args.json:
        results["targets_met"] = verdicts(results)
        print(json.dumps(results, ensure_ascii=False))
    else:
        print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
