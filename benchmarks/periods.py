"""What counting a period costs, case by case (returnlaw.periods.within_period, civil_code).

    python benchmarks/periods.py            # a table
    python benchmarks/periods.py --json     # one JSON object

- ``in_time_ns``: a notice on or before the plain last day: decided without the calendar.
- ``data_year_ns``: a notice after it, in a year whose arrangement is in the data (cached last day).
- ``band_ns``: a notice after it, in a year past the data (cached band, undetermined inside it).
- ``band_cold_us``: the first band computation for a last day (the calendar walk, no cache).
- ``data_year_cold_us``: the first last-day computation in a year with data (no cache).
- ``calendar_load_ms``: loading and validating ``rules/calendar/`` (once per process).
Each ``_ns`` figure is the median over rounds of a timed loop of ``--calls`` calls.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from returnlaw import holidays, periods
from returnlaw.periods import Counting, within_period

CIVIL = Counting.CIVIL_CODE
D = dt.date.fromisoformat


def per_call_ns(start: dt.date, event: dt.date, calls: int, rounds: int) -> float:
    within_period(start, event, 7, CIVIL)  # warm the cache
    timings = []
    for _ in range(rounds):
        began = time.perf_counter_ns()
        for _ in range(calls):
            within_period(start, event, 7, CIVIL)
        timings.append((time.perf_counter_ns() - began) / calls)
    return round(statistics.median(timings), 1)


def cold_us(starts: list[dt.date]) -> float:
    timings = []
    for start in starts:
        periods._band.cache_clear()
        began = time.perf_counter_ns()
        periods.period_span(start, 7, CIVIL)
        timings.append((time.perf_counter_ns() - began) / 1000)
    return round(statistics.median(timings), 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    holidays.load_calendar()
    load_ms = round((time.perf_counter() - began) * 1000, 1)
    calendar = holidays.default_calendar()
    last = max(calendar.published)
    results = {
        "calendar_load_ms": load_ms,
        "in_time_ns": per_call_ns(D(f"{last + 1}-12-25"), D(f"{last + 1}-12-28"), args.calls, args.rounds),
        "data_year_ns": per_call_ns(D(f"{last}-09-24"), D(f"{last}-10-09"), args.calls, args.rounds),
        "band_ns": per_call_ns(D(f"{last}-12-25"), D(f"{last + 1}-01-04"), args.calls, args.rounds),
        "data_year_cold_us": cold_us([D(f"{last}-01-01") + dt.timedelta(days=i) for i in range(0, 360, 3)]),
        "band_cold_us": cold_us([D(f"{last + 1}-01-01") + dt.timedelta(days=i) for i in range(0, 360, 3)]),
        "last_year_in_data": last,
        "calls": args.calls,
        "rounds": args.rounds,
    }
    if args.json:
        print(json.dumps(results))
    else:
        for key, value in results.items():
            print(f"{key:>20}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
