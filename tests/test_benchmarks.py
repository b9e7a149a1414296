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


def test_run_json_prints_one_object_with_every_measure():
    args = ["--json", "--scenarios", "200", "--rounds", "1", "--batch-rows", "2000", "--fresh-runs", "1"]
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    results = json.loads(lines[0])
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
