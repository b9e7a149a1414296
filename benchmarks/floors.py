"""The floors under issue #15's targets: what CPython can do at best here, beside what returnlaw does.

    python benchmarks/floors.py            # a table: each target, its floor, returnlaw now
    python benchmarks/floors.py --json     # one JSON object
    python benchmarks/floors.py --markdown # the table in Markdown, for the README

Every figure is taken in this one process on the benchmark mix (benchmarks/mix.py), the best of
``--repeat`` passes, the measures of a pair alternately (so that other work on the machine weighs
on both alike); ``evaluate_bytecodes`` is counted, so it does not move with the load.

Per call:
- ``parse_floor_us``: orjson loads then dumps (the floor of any JSON-in, JSON-out service).
- ``validation_us``: the pydantic ``Scenario`` validated from the parsed object: what every reader
  that hands out a Scenario pays (the careful reader, the fast reader, the HTTP service).
- ``evaluate_us`` / ``outcome_us``: ``returnlaw.evaluate`` (with the trace) / ``outcome_of``.
- ``evaluate_bytecodes``: bytecodes the generated functions of the versions of the law execute
  per evaluation (``sys.settrace`` opcode events over ``--count-scenarios`` scenarios).
- ``trace_floor_us``: the smallest evaluation with a trace: a generated function that sets one
  status per rule of the latest version of the law from one set-membership test, and returns the
  two trace tuples; ``rules`` is how many.
- ``compact_us``: ``decide_compact_json``, the measure of the compact target.

Batch, in one process, a chunk of ``--chunk-rows`` rows of the mix with ids:
- ``decode_us_per_row``: msgspec decoding each line into the batch reader's typed structs, no more.
- ``read_us_per_row``: ``columnar_read.read_lines`` (decoding, every check, the fact columns).
- ``chunk_us_per_row``: ``batch.decide_chunk`` (read, decide, encode the JSON Lines).

Batch in a pool, ``run_batch`` over ``--pool-rows`` rows with one worker (in-process) and two:
rows a second each, ``pool_scaling`` their ratio, and ``needed_us_per_row``: what a row may cost in
one process for two workers with that scaling to reach 100,000 rows a second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402

import returnlaw  # noqa: E402
from benchmarks import mix  # noqa: E402
from benchmarks.columnar_read import best_us_per_row  # noqa: E402
from returnlaw.batch import BatchOptions, decide_chunk, run_batch  # noqa: E402
from returnlaw.scenario import Scenario  # noqa: E402

BATCH_TARGET = 100_000  # rows a second on two workers
TARGETS = {"evaluate_us": 5.0, "compact_us": 20.0, "end_to_end_us": 100.0}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--markdown", action="store_true", help="print the table in Markdown")
    parser.add_argument("--seed", type=int, default=20240801)
    parser.add_argument("--scenarios", type=int, default=2000, help="distinct scenarios in the mix")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes; the best is kept")
    parser.add_argument("--count-scenarios", type=int, default=300, help="scenarios whose bytecodes are counted")
    parser.add_argument("--chunk-rows", type=int, default=10_000, help="rows of the one-process batch chunk")
    parser.add_argument("--pool-rows", type=int, default=100_000, help="rows of the pool runs (0: skip them)")
    return parser.parse_args(argv)


def best_us(fn: Callable[[Any], object], items: Sequence[Any], repeat: int) -> float:
    """Microseconds per item of the fastest of ``repeat`` passes (after one warm-up pass)."""
    for item in items:
        fn(item)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - start)
    return best / len(items) * 1e6


def alternately(measures: dict[str, Callable[[], float]], rounds: int = 2) -> dict[str, float]:
    """The best of each measure over ``rounds`` rounds, taken in turn."""
    out = {name: float("inf") for name in measures}
    for _ in range(rounds):
        for name, measure in measures.items():
            out[name] = min(out[name], measure())
    return {name: round(value, 2) for name, value in out.items()}


def evaluate_bytecodes(book: Any, scenarios: list[Scenario]) -> float:
    """Bytecodes executed per evaluation inside the generated functions (``<returnlaw epoch …>``)."""
    counted = 0

    def count(frame: Any, event: str, arg: Any) -> Any:
        nonlocal counted
        if event == "opcode":
            counted += 1
        return count

    def calls(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename.startswith("<returnlaw epoch"):
            frame.f_trace_opcodes, frame.f_trace_lines = True, False
            return count
        return None

    before = sys.gettrace()  # a coverage tool's, say: given back after
    sys.settrace(calls)
    try:
        # A traced pass first, not counted: it compiles the functions and fills the caches, and
        # on Python 3.12 and 3.13 the opcode events asked for by the frames of one pass only come
        # once the tracer is set again.
        for scenario in scenarios:
            returnlaw.evaluate(book, scenario)
        sys.settrace(calls)
        counted = 0
        for scenario in scenarios:
            returnlaw.evaluate(book, scenario)
    finally:
        sys.settrace(before)
    return round(counted / len(scenarios), 1)


def trace_floor(rules: int) -> Callable[[object], object]:
    """A function setting ``rules`` statuses, one membership test each, returning both trace tuples."""
    names = [f"a{i}" for i in range(rules)]
    body = "".join(f"    {name} = x in K\n" for name in names)
    trace = ", ".join(names)
    source = f"def run(x):\n{body}    return ({trace},), ({trace},)\n"
    namespace: dict[str, Any] = {"K": frozenset({"a", "b", "c"})}
    exec(compile(source, "<trace floor>", "exec"), namespace)  # generated above: names and one constant
    return namespace["run"]


def per_call(args: argparse.Namespace, datas: list[dict[str, Any]]) -> dict[str, Any]:
    book = returnlaw.default_rulebook()
    blobs = [mix.to_json(d).encode() for d in datas]
    parsed = [orjson.loads(b) for b in blobs]
    scenarios = [returnlaw.parse_scenario(d) for d in datas]
    validate = Scenario.__pydantic_validator__.validate_python
    rules = len(book.epochs[-1].steps)
    floor = trace_floor(rules)
    r = args.repeat
    out: dict[str, Any] = alternately(
        {
            "parse_floor_us": lambda: best_us(lambda b: orjson.dumps(orjson.loads(b)), blobs, r),
            "validation_us": lambda: best_us(validate, parsed, r),
            "trace_floor_us": lambda: best_us(floor, ["b"] * len(scenarios), r),
            "evaluate_us": lambda: best_us(lambda s: returnlaw.evaluate(book, s), scenarios, r),
            "outcome_us": lambda: best_us(lambda s: returnlaw.outcome_of(book, s), scenarios, r),
            "compact_us": lambda: best_us(returnlaw.decide_compact_json, blobs, r),
            "end_to_end_us": lambda: best_us(returnlaw.decide_json, blobs, r),
        }
    )
    out["rules"] = rules
    out["evaluate_bytecodes"] = evaluate_bytecodes(book, scenarios[: args.count_scenarios])
    return out


def batch_chunk(args: argparse.Namespace, datas: list[dict[str, Any]]) -> dict[str, Any]:
    from returnlaw.columnar_read import TYPED, read_lines

    texts = [mix.to_json(d) for d in datas]
    lines = [f'{{"id":"o{i}",{texts[i % len(texts)][1:]}'.encode() for i in range(args.chunk_rows)]
    today, opts = dt.date.today(), BatchOptions()
    measures: dict[str, Callable[[], float]] = {
        "read_us_per_row": lambda: best_us_per_row(lambda rows: read_lines(rows, today), lines, args.repeat),
        "chunk_us_per_row": lambda: best_us_per_row(
            lambda rows: decide_chunk("lines", 0, rows, opts, "jsonl"), lines, args.repeat
        ),
    }
    if TYPED is not None:
        measures["decode_us_per_row"] = lambda: best_us(TYPED.decode, lines, args.repeat)
    return {**alternately(measures), "chunk_rows": len(lines)}


def batch_pool(args: argparse.Namespace, datas: list[dict[str, Any]]) -> dict[str, Any]:
    texts = [mix.to_json(d) for d in datas]
    with tempfile.TemporaryDirectory(prefix="returnlaw-floors-") as tmp:
        src, dst = Path(tmp) / "orders.jsonl", Path(tmp) / "decisions.jsonl"
        with src.open("w", encoding="utf-8") as handle:
            for i in range(args.pool_rows):
                handle.write(f'{{"id":"o{i}",{texts[i % len(texts)][1:]}\n')

        def rate(jobs: int) -> Callable[[], float]:
            return lambda: -_rows_per_s(src, dst, jobs)  # negated: alternately keeps the least

        best = alternately({"one_worker_rows_per_s": rate(1), "two_workers_rows_per_s": rate(2)})
    one, two = -best["one_worker_rows_per_s"], -best["two_workers_rows_per_s"]
    scaling = two / one
    return {
        "one_worker_rows_per_s": round(one),
        "two_workers_rows_per_s": round(two),
        "pool_scaling": round(scaling, 2),
        "needed_us_per_row": round(scaling / BATCH_TARGET * 1e6, 1),
        "one_worker_us_per_row": round(1e6 / one, 1),
        "pool_rows": args.pool_rows,
    }


def _rows_per_s(src: Path, dst: Path, jobs: int) -> float:
    stats = run_batch(src, dst, jobs=jobs)
    return stats.rows / stats.seconds


def measure(args: argparse.Namespace) -> dict[str, Any]:
    datas = mix.scenarios(args.scenarios, args.seed)
    results = {**per_call(args, datas), **batch_chunk(args, datas)}
    if args.pool_rows > 0:
        results.update(batch_pool(args, datas))
    results["python"] = sys.version.split()[0]
    results["returnlaw"] = returnlaw.__version__
    return results


def rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(target, its floor here, what the floor is, returnlaw now) for the table."""
    r = results
    out = [
        (
            f"evaluate ≤ {TARGETS['evaluate_us']:g} µs",
            f"{r['trace_floor_us']} µs",
            f"one membership test per rule ({r['rules']}) and the two trace tuples",
            f"{r['evaluate_us']} µs ({r['evaluate_bytecodes']:,} bytecodes; outcome only {r['outcome_us']} µs)",
        ),
        (
            f"compact ≤ {TARGETS['compact_us']:g} µs",
            f"{round(r['parse_floor_us'] + r['validation_us'], 1)} µs",
            f"orjson {r['parse_floor_us']} + pydantic validation {r['validation_us']} µs, before any evaluation",
            f"{r['compact_us']} µs",
        ),
        (
            f"end to end ≤ {TARGETS['end_to_end_us']:g} µs",
            f"{round(r['parse_floor_us'] + r['validation_us'] + r['evaluate_us'], 1)} µs",
            "reading, validation and evaluation, before the explanation",
            f"{r['end_to_end_us']} µs",
        ),
    ]
    if "pool_scaling" in r:
        out.append(
            (
                f"batch ≥ {BATCH_TARGET:,} rows/s, 2 workers",
                f"≤ {r['needed_us_per_row']} µs a row in one process",
                f"two workers run {r['pool_scaling']}× one here; decoding alone {r.get('decode_us_per_row', '–')} µs",
                f"{r['chunk_us_per_row']} µs a row (reading {r['read_us_per_row']}); "
                f"{r['two_workers_rows_per_s']:,} rows/s",
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = measure(args)
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
        return 0
    if args.markdown:
        print("| target | its floor here | what the floor is | returnlaw now |\n|---|---|---|---|")
        for row in rows(results):
            print("| " + " | ".join(row) + " |")
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table("target", "floor here", "what the floor is", "returnlaw now", title="The floors under #15's targets")
    for row in rows(results):
        table.add_row(*row)
    Console().print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
