"""How fast ``returnlaw.columnar_read`` turns JSON Lines into columns, against the orjson floor.

``python benchmarks/columnar_read.py [--rows 2000] [--seed 1] [--repeat 5]`` prints, for a chunk of
the benchmark mix (benchmarks/mix.py, with ids as ``mix.py`` writes them): the share of rows taken,
the best-of-N microseconds per row of ``read_lines`` (decode, checks, columns) and of a plain
``orjson.loads`` of every line (the floor), measured alternately in the same process, and their ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402

from benchmarks import mix  # noqa: E402
from returnlaw.columnar_read import read_lines  # noqa: E402


def chunk(rows: int, seed: int) -> list[bytes]:
    """The mix as JSON Lines rows with an id, as ``mix.py`` writes them."""
    return [f'{{"id":"order-{i}",{mix.to_json(d)[1:]}'.encode() for i, d in enumerate(mix.scenarios(rows, seed))]


def best_us_per_row(run, lines: list[bytes], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run(lines)
        best = min(best, time.perf_counter() - start)
    return best / len(lines) * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    lines = chunk(args.rows, args.seed)
    today = dt.date.today()
    columns = read_lines(lines, today)  # also fills the cache of dates seen, as a long run would
    read, floor = float("inf"), float("inf")
    for _ in range(3):  # alternate, so that other work on the machine weighs on both alike
        read = min(read, best_us_per_row(lambda rows: read_lines(rows, today), lines, args.repeat))
        floor = min(floor, best_us_per_row(lambda rows: [orjson.loads(r) for r in rows], lines, args.repeat))
    print(f"rows {len(lines)}  taken {columns.taken.mean():.2%}")
    print(f"read_lines {read:.1f} us/row  orjson.loads {floor:.1f} us/row  ratio {read / floor:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
