"""Batch rows decided by columns: a chunk of JSON Lines read into fact columns
(:mod:`returnlaw.columnar_read`) and decided by the epochs' column plans (:mod:`returnlaw.columnar`).

A row the columns do not take (the reader is not sure of it, no purchase date, a time of day, a
period the holiday data cannot count, a plan that cannot be built) is left as None: the batch
decides it by the row path, so its decision or its error is the row path's, word for word. The
rows that are taken give the compact row ``batch.decide_row`` gives (``tests/test_columnar_batch.py``).
Needs numpy (the ``batch`` extra); without it every row takes the row path.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from itertools import compress, repeat
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .batch import BatchOptions
    from .rulebook import RuleBook

# Looked up, not imported: importing numpy costs a tenth of a second that only a batch run needs.
AVAILABLE = importlib.util.find_spec("numpy") is not None


# Below this many rows a chunk is decided row by row: the columns pay about 35 ms a chunk (a few
# thousand numpy calls over the versions of the law it meets) and then some 40 µs a row, the row
# path about 250 µs a row, so they break even near 200 rows (benchmark mix, one process).
MIN_ROWS = 250


def worth_it(opts: BatchOptions, rows: int) -> bool:
    """Whether a chunk of ``rows`` rows is decided by columns: they may (``usable``), and it is
    large enough to be faster that way."""
    return rows >= MIN_ROWS and usable(opts)


def usable(opts: BatchOptions) -> bool:
    """Whether the columns may decide this run's rows: numpy is there, the caller did not turn
    them off, and no full decision is asked for (the explanation is built row by row)."""
    return AVAILABLE and opts.columnar and not opts.full and opts.readings.counting != "platform_168h"


def columnar_rows(lines: list[Any], first: int, book: RuleBook, opts: BatchOptions) -> list[dict[str, Any] | None]:
    """The compact row of every line the columns decide; None for the others (row path)."""
    from . import columnar
    from .columnar_read import read_lines

    out: list[dict[str, Any] | None] = [None] * len(lines)
    cols = read_lines(lines, opts.today)
    names = book.vocabulary.deadlines
    keys = ("row", "id", "outcome", *names, "warnings", "questions", "error")
    days: dict[int, dt.date | None] = {0: None}
    for result in columnar.evaluate_chunk(book, cols.values, cols.taken, opts.readings, opts.as_of):
        kept = ~result.handed_back
        positions = result.rows[kept].tolist()
        deadlines = [
            [days[o] if o in days else days.setdefault(o, dt.date.fromordinal(o)) for o in column[kept].tolist()]
            for column in columnar.deadlines_of(result, names).values()
        ]
        columns = (
            [first + p for p in positions],
            [cols.ident[p] for p in positions],
            list(compress(columnar.outcomes_of(result), kept)),
            *deadlines,
            [list(w) for w in compress(columnar.warnings_of(result), kept)],
            list(compress(columnar.questions_of(result), kept)),
            repeat(None),
        )
        for pos, values in zip(positions, zip(*columns, strict=False), strict=True):
            out[pos] = dict(zip(keys, values, strict=True))
    return out
