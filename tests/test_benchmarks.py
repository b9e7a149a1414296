"""benchmarks/run.py --json prints one JSON object with the measures the issue asks for (tiny sizes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEYS = (
    "evaluate_us_median",
    "evaluate_us_p99",
    "end_to_end_us_median",
    "compact_us_median",
    "parse_floor_us_median",
    "compact_floor_ratio",
    "end_to_end_floor_ratio",
    "batch_decisions_per_s",
    "batch_row_by_row_per_s",
    "load_rules_ms",
    "first_decision_ms",
    "import_ms",
)


def _one_json_object(script: str, args: list[str]) -> dict:
    """What ``benchmarks/<script> --json ...`` prints: exactly one line, one JSON object."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def test_run_json_prints_one_object_with_every_measure():
    args = ["--json", "--scenarios", "200", "--rounds", "1", "--batch-rows", "2000", "--fresh-runs", "1"]
    results = _one_json_object("run.py", args)
    for key in KEYS:
        assert isinstance(results[key], int | float) and results[key] > 0, key
    assert results["evaluate_us_p99"] >= results["evaluate_us_median"]
    assert len(results["load_average"]) == 2 and all(x is None or x >= 0 for x in results["load_average"])
    assert set(results["outcomes"]) == {"returnable", "not_returnable", "out_of_scope", "undetermined"}
    ratio = results["compact_us_median"] / results["parse_floor_us_median"]
    assert abs(results["compact_floor_ratio"] - ratio) <= 0.1 + ratio * 0.01
    assert set(results["targets_met"]) == {
        "evaluate_us_median",
        "compact_us_median",
        "compact_floor_ratio",
        "end_to_end_us_median",
        "batch_decisions_per_s",
        "load_rules_ms",
        "first_decision_ms",
    }


def test_the_mix_is_reproducible():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from mix import scenarios, to_json

    first = [to_json(d) for d in scenarios(50, 7)]
    assert first == [to_json(d) for d in scenarios(50, 7)]
    assert first != [to_json(d) for d in scenarios(50, 8)]


FLOOR_KEYS = (
    "parse_floor_us",
    "validation_us",
    "trace_floor_us",
    "evaluate_us",
    "outcome_us",
    "compact_us",
    "end_to_end_us",
    "evaluate_bytecodes",
    "read_us_per_row",
    "chunk_us_per_row",
    "decode_us_per_row",
    "one_worker_rows_per_s",
    "two_workers_rows_per_s",
    "pool_scaling",
    "needed_us_per_row",
)


def test_floors_json_prints_every_floor_and_the_batch_budget():
    args = ["--json", "--scenarios", "60", "--repeat", "1", "--count-scenarios", "20"]
    args += ["--chunk-rows", "300", "--pool-rows", "1200"]
    results = _one_json_object("floors.py", args)
    for key in FLOOR_KEYS:
        assert isinstance(results[key], int | float) and results[key] > 0, key
    assert results["rules"] > 50 and results["chunk_rows"] == 300 and results["pool_rows"] == 1200
    assert results["evaluate_bytecodes"] > 2 * results["rules"]  # at least a test and a store per rule
    scaling = results["two_workers_rows_per_s"] / results["one_worker_rows_per_s"]
    assert abs(results["pool_scaling"] - scaling) <= 0.01
    assert abs(results["needed_us_per_row"] - results["pool_scaling"] * 10) <= 0.1  # 100,000 rows/s on two


def test_bytecodes_are_counted_per_evaluation_the_same_every_time():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import floors
    from mix import scenarios

    import returnlaw

    book = returnlaw.default_rulebook()
    parsed = [returnlaw.parse_scenario(d) for d in scenarios(30, 3)]
    before = sys.gettrace()
    counted = floors.evaluate_bytecodes(book, parsed)
    assert counted == floors.evaluate_bytecodes(book, parsed)  # a count, not a timing
    assert counted > len(book.epochs[-1].steps)
    singles = [floors.evaluate_bytecodes(book, [s]) for s in parsed]
    assert all(n == int(n) for n in singles)  # whole bytecodes per evaluation
    assert abs(sum(singles) / len(singles) - counted) <= 0.1  # per evaluation, not accumulated
    assert sys.gettrace() is before  # the counting tracer is taken off, any other given back


def test_the_trace_floor_sets_one_status_per_rule():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import floors

    applicable, defeated = floors.trace_floor(7)("a")
    assert applicable == defeated == (True,) * 7
    assert floors.trace_floor(3)("z") == ((False,) * 3, (False,) * 3)


def test_the_floor_table_has_a_row_per_target_and_the_batch_row_only_when_measured():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import floors

    figures = dict.fromkeys(FLOOR_KEYS, 1.5) | {"rules": 122, "two_workers_rows_per_s": 24000}
    table = floors.rows(figures)
    assert [row[0].split()[0] for row in table] == ["evaluate", "compact", "end", "batch"]
    assert all(len(row) == 4 and all(row) for row in table)
    assert "3.0 µs" in table[1][1]  # orjson 1.5 + validation 1.5
    without_pool = {k: v for k, v in figures.items() if k != "pool_scaling"}
    assert len(floors.rows(without_pool)) == 3
