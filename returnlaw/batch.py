"""Decide many scenarios: JSON Lines or Parquet in, one compact row per input row out, in order.

- **Rows.** An input row is a scenario object; it may carry an ``id`` (text or whole number) that is
  copied to the output. In Parquet, either a ``scenario`` column of JSON text or one struct column
  per scenario section (``purchase``, ``item``, ...), plus an optional ``id`` column.
- **Output row** (docs/platform.md): ``row`` (0-based input position), ``id``, ``outcome``, one date
  column per deadline of the rule book's vocabulary (``notice_last_day``, ``refund_due``, ...),
  ``warnings`` and ``questions`` (lists of codes and fact paths) and ``error`` (why a row could not be
  decided; then ``outcome`` is null). ``full=True`` adds ``decision``, the whole decision JSON.
- **Never stops on a bad row.** Bad JSON, a key given twice, an unknown field, a date in the
  future: the row gets an ``error`` with the same one-line reason ``returnlaw check`` gives, and the
  run goes on. Rows are read by the fast reader (returnlaw.fastread: orjson, with every check of
  the careful reader); ``fast_json`` is accepted and has no effect (deprecated).
- **By columns where they can.** A chunk of JSON text (JSON Lines, or Parquet's ``scenario``
  column) is read into fact columns and decided rule by rule over all its rows
  (returnlaw.columnar_batch); the rows the columns do not take are decided one by one as above,
  in their place. The output is the same either way (``columnar=False``).
- **Bounded memory, all cores, order kept.** Input is read in chunks of ``chunk_rows`` (by default
  sized to the input: at least two per worker where the file allows, at most DEFAULT_CHUNK_ROWS
  rows, never under MIN_CHUNK_ROWS); at most two chunks per worker are in flight; results are
  written in input order; the output file appears only when the run completes (returnlaw.atomic).

The row is a projection of the evaluation (no explanation is built unless ``full``); a property
test checks it against the full decision.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import os
import stat
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import orjson
from pydantic import Field, Strict, StrictStr

from . import workers
from .api import default_rulebook
from .atomic import atomic_writer
from .columnar_batch import columnar_rows, worth_it
from .compact import deadlines, warning_steps
from .decision import decision_json
from .echo import clip
from .evaluator import Evaluation, evaluate
from .fastread import counted_scenario, fast_object
from .files import FileError, LongLine, bounded_lines, open_bounded, open_lines, os_error
from .inputs import MAX_DIGITS, MAX_INPUT_BYTES, InputError, check_not_future, load_data, parse_json, parse_scenario
from .loader import load_rulebook
from .periods import CalendarCoverageError
from .readings import DEFAULT_READINGS, Readings
from .rulebook import RuleBook
from .scenario import Scenario

if TYPE_CHECKING:
    import pyarrow as pa

_ID_BOUND = 10**MAX_DIGITS - 1
JSONL_SUFFIXES = (".jsonl", ".ndjson")
PARQUET_SUFFIXES = (".parquet", ".pq")
DEFAULT_CHUNK_ROWS = 10_000  # columns pay a fixed cost per chunk and version of the law: not too small
CHUNK_BYTES = 16_000_000  # a chunk of JSON Lines also ends here: 2,000 rows of 1 MB would be 2 GB
# A chunk size chosen for the input (no chunk_rows given) splits a small file into this many chunks
# per worker (what _run keeps in flight), so every worker gets work, but never below MIN_CHUNK_ROWS:
# the columns pay a fixed cost per chunk (about 40 ms on the benchmark mix, the work of some 750
# rows); below about 500 rows that cost is most of a chunk's time and another worker saves little.
CHUNKS_PER_WORKER = 2
MIN_CHUNK_ROWS = 500
JOBS_PER_CORE = 8  # more worker processes than this per core is a typo (--jobs 10000), not a plan
FIRST_ERRORS = 5  # row errors a run reports by reason in its summary
_PARQUET_ROW_GROUP = 65_536


class Row(Scenario):
    """A scenario as a batch row: the scenario's fields plus the caller's ``id`` (text or a JSON
    whole number of at most MAX_DIGITS digits: not 1.0, 1e3 or true, as the careful reader says)."""

    id: StrictStr | Annotated[int, Strict(), Field(ge=-_ID_BOUND, le=_ID_BOUND)] | None = None


@dataclass(frozen=True)
class BatchOptions:
    """How rows are decided; picklable, so worker processes get the same options."""

    as_of: dt.date | None = None
    readings: Readings = DEFAULT_READINGS
    full: bool = False
    today: dt.date = field(default_factory=dt.date.today)  # for "a date in the future" (fixed per run)
    rules_dir: str | None = None  # None: the bundled rule book
    # deprecated, no effect: every row is read by the fast reader with the careful reader's checks
    fast_json: bool = False
    # decide JSON Lines chunks by columns where they can (returnlaw.columnar_batch); False: row by row
    columnar: bool = True


@dataclass
class BatchStats:
    rows: int = 0
    errors: int = 0
    seconds: float = 0.0
    first_errors: list[tuple[int, str]] = field(default_factory=list)  # (row, reason), the first few

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


# -- deciding one row --------------------------------------------------------------------------------


def process_rulebook(rules_dir: str | None) -> RuleBook:
    """The rule book of this process (loaded once per process and directory)."""
    if rules_dir is None:
        return default_rulebook()
    book = _BOOKS.get(rules_dir)
    if book is None:
        book = _BOOKS[rules_dir] = load_rulebook(rules_dir)
    return book


_BOOKS: dict[str, RuleBook] = {}


def output_columns(book: RuleBook) -> tuple[str, ...]:
    """The compact row's columns, in order (without ``decision``)."""
    return ("row", "id", "outcome", *book.vocabulary.deadlines, "warnings", "questions", "error")


def decide_row(raw: Any, row: int, book: RuleBook, opts: BatchOptions) -> dict[str, Any]:
    """One compact output row for one input row (JSON text/bytes, a mapping or a Scenario)."""
    try:
        scenario, ident = _scenario(raw, opts)
        ev = evaluate(book, scenario, as_of=opts.as_of, readings=opts.readings)
        out = _compact(ev, row, ident)
        if opts.full:
            out["decision"] = decision_json(ev).decode()
    except (InputError, CalendarCoverageError) as err:
        return _error_row(row, _raw_id(raw), str(err), book, opts)
    return out


def _scenario(raw: Any, opts: BatchOptions) -> tuple[Scenario, object]:
    """The row's scenario and id, read exactly as ``decide_json`` reads a scenario: the fast reader
    (returnlaw.fastread) where it can, the careful one for everything it leaves (so errors are
    worded the same). ``fast_json`` is accepted and changes nothing (deprecated)."""
    if isinstance(raw, Scenario):
        check_not_future(raw, opts.today)
        return raw, getattr(raw, "id", None)
    if isinstance(raw, LongLine):
        raise InputError(f"row is {raw.size} bytes long; the limit is {MAX_INPUT_BYTES}")
    if isinstance(raw, str | bytes) and len(raw) > MAX_INPUT_BYTES:
        raise InputError(f"row is {len(raw)} bytes long; the limit is {MAX_INPUT_BYTES}")
    data = fast_object(raw) if isinstance(raw, str | bytes) else None
    if data is not None:
        taken = "id" in data
        ident = data.pop("id", None)
        if ident is None or (type(ident) is str or type(ident) is int):
            scenario = counted_scenario(data, raw, taken=taken)
            if scenario is not None:
                check_not_future(scenario, opts.today)
                return scenario, ident
    return _careful(raw, opts)


def _careful(raw: Any, opts: BatchOptions) -> tuple[Scenario, object]:
    data = _row_data(raw) if isinstance(raw, str | bytes) else raw
    if not isinstance(data, Mapping):
        raise InputError(f"a row must be a JSON object (a scenario), got {type(data).__name__}")
    data = dict(data)
    ident = data.pop("id", None)
    if ident is not None and (isinstance(ident, bool) or not isinstance(ident, str | int)):
        raise InputError("must be text or a whole number", "id")
    return parse_scenario(data, today=opts.today), ident


def _row_data(raw: str | bytes) -> Any:
    """Read by the same reader as a single scenario, with its limits (a bare 5,000-digit number is
    this row's error); a byte order mark is ignored, as ``check`` ignores it."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise InputError("empty line")
    if text.lstrip().startswith(("{", "[")):
        return load_data(raw, "row")
    return parse_json(text, "row")


def _raw_id(raw: Any) -> str | None:
    """The id of a row that failed, if one can be read at all: also of a row with a key given
    twice (the careful reader refuses it), unless the key given twice is the id itself."""
    if isinstance(raw, LongLine):
        return None
    try:
        data = parse_json(raw, "row") if isinstance(raw, str | bytes) else raw
    except InputError as err:
        data = _id_of_keys_given_twice(raw) if "given twice" in str(err) else None
    ident = data.get("id") if isinstance(data, Mapping) else None
    return None if ident is None or isinstance(ident, bool | dict | list) else str(ident)


def _id_of_keys_given_twice(raw: str | bytes) -> dict[str, Any] | None:
    """``{"id": ...}`` of a row the careful reader refused for a key given twice, read by the json
    module with every object's keys kept in order; None when the top object names ``id`` twice."""
    try:
        pairs = json.loads(
            raw.removeprefix(b"\xef\xbb\xbf" if isinstance(raw, bytes) else "\ufeff"), object_pairs_hook=list
        )
    except (ValueError, RecursionError):
        return None
    if not isinstance(pairs, list) or not all(type(pair) is tuple for pair in pairs):
        return None  # not an object (an object's pairs are tuples; an array's items are not)
    ids = [value for key, value in pairs if key == "id"]
    return {"id": ids[0]} if len(ids) == 1 else None


def _error_row(row: int, ident: str | None, reason: str, book: RuleBook, opts: BatchOptions) -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys(output_columns(book))
    out.update(row=row, id=ident, warnings=[], questions=[], error=reason)
    if opts.full:
        out["decision"] = None
    return out


def _compact(ev: Evaluation, row: int, ident: object) -> dict[str, Any]:
    """The evaluation projected onto the compact row, as the decision would report it."""
    applicable, defeated = ev.applicable, ev.defeated
    warnings = [code for i, code in warning_steps(ev.epoch) if applicable[i] is True and defeated[i] is False]
    out: dict[str, Any] = {"row": row, "id": None if ident is None else str(ident), "outcome": ev.outcome}
    out.update(deadlines(ev))
    out["warnings"] = list(dict.fromkeys(warnings))
    out["questions"] = list(ev.questions)
    out["error"] = None
    return out


# -- the Python API over iterables and Arrow ------------------------------------------------------


def decide_rows(
    rows: Iterable[Any],
    *,
    as_of: dt.date | None = None,
    readings: Readings = DEFAULT_READINGS,
    full: bool = False,
    book: RuleBook | None = None,
    today: dt.date | None = None,
    fast_json: bool = False,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    columnar: bool = True,
) -> Iterator[dict[str, Any]]:
    """Decide rows in this process, streaming, in order: JSON text/bytes, mappings or Scenarios.
    They are read ``chunk_rows`` at a time, so JSON text is decided by columns where they take it
    (``columnar=False``: row by row, the same rows). A live stream that wants each decision as its
    row arrives passes ``chunk_rows=1`` (row by row: columns do not pay below MIN_ROWS rows)."""
    _check_chunk_rows(chunk_rows)
    opts = BatchOptions(as_of, readings, full, today or dt.date.today(), None, fast_json, columnar)
    return decided_stream(iter(rows), book or default_rulebook(), opts, chunk_rows)


def _check_chunk_rows(chunk_rows: int | None) -> None:
    """A chunk size given by the caller is at least one row (None: sized to the input)."""
    if chunk_rows is not None and chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, got {chunk_rows}")


def decided_stream(
    rows: Iterator[Any], book: RuleBook, opts: BatchOptions, chunk_rows: int
) -> Iterator[dict[str, Any]]:
    """The output rows of ``rows``, decided ``chunk_rows`` at a time (memory bounded by a chunk)."""
    first = 0
    while chunk := list(islice(rows, chunk_rows)):
        with _no_cycle_collection():  # not while the caller holds the rows: only while deciding
            decided = decided_rows(chunk, first, book, opts)
        yield from decided
        first += len(chunk)


def output_schema(book: RuleBook, full: bool = False) -> pa.Schema:
    """The Arrow schema of the output rows (Parquet output, :func:`decide_table`)."""
    import pyarrow as pa

    fields = [pa.field("row", pa.int64()), pa.field("id", pa.string()), pa.field("outcome", pa.string())]
    fields += [pa.field(name, pa.date32()) for name in book.vocabulary.deadlines]
    fields += [
        pa.field("warnings", pa.list_(pa.string())),
        pa.field("questions", pa.list_(pa.string())),
        pa.field("error", pa.string()),
    ]
    if full:
        fields.append(pa.field("decision", pa.string()))
    return pa.schema(fields)


def decide_table(
    table: pa.Table | pa.RecordBatch,
    *,
    as_of: dt.date | None = None,
    readings: Readings = DEFAULT_READINGS,
    full: bool = False,
    jobs: int = 1,
    rules_dir: str | None = None,
    today: dt.date | None = None,
    chunk_rows: int | None = None,
    fast_json: bool = False,
) -> pa.Table:
    """Decide every row of an Arrow table (``scenario`` JSON column or section struct columns);
    ``chunk_rows`` None: chunks sized to the table and ``jobs``, as ``run_batch`` sizes them."""
    import pyarrow as pa

    _check_chunk_rows(chunk_rows)
    opts = BatchOptions(as_of, readings, full, today or dt.date.today(), rules_dir, fast_json)
    jobs = _jobs(jobs)
    rows = adapted_chunk_rows(table.num_rows, jobs) if chunk_rows is None else chunk_rows
    whole = table if isinstance(table, pa.Table) else pa.Table.from_batches([table])
    batches = whole.to_batches(max_chunksize=rows)  # a record batch is cut too: memory by the chunk
    tasks = _arrow_tasks(batches, 0)
    out = [result for result, *_ in _run(tasks, opts, jobs, "parquet")]
    schema = output_schema(process_rulebook(rules_dir), full)
    return pa.Table.from_batches(out, schema=schema) if out else schema.empty_table()


def arrow_rows(batch: pa.RecordBatch) -> list[Any]:
    """Input rows of an Arrow batch: JSON text from a ``scenario`` column, else one mapping per row
    built from the section columns (nulls dropped: null means unknown)."""
    names = batch.schema.names
    ids = batch.column("id").to_pylist() if "id" in names else None
    if "scenario" in names:
        texts = batch.column("scenario").to_pylist()
        rows: list[Any] = [_with_id(t, ids[i] if ids else None) for i, t in enumerate(texts)]
        return rows
    records = batch.to_pylist()
    return [_drop_nulls(r) for r in records]


def _with_id(text: str | bytes | None, ident: object) -> Any:
    if text is None:
        return {} if ident is None else {"id": ident}
    if ident is None:
        return text
    return _JsonWithId(text, ident)


@dataclass(frozen=True)
class _JsonWithId:
    """A JSON scenario from one column and its id from another."""

    text: str | bytes
    ident: object


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


# -- chunks, workers and files ----------------------------------------------------------------------


def decide_chunk(
    kind: str, first: int, payload: Any, opts: BatchOptions, out_format: str
) -> tuple[Any, int, int, list[tuple[int, str]]]:
    """Decide one chunk (runs in a worker): returns (encoded output, rows, errors, the first few
    errors as (row, reason))."""
    with _no_cycle_collection():
        return _decide_chunk(kind, first, payload, opts, out_format)


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The cycle collector paused for one chunk: a chunk holds thousands of parsed rows, and each
    collection the new objects set off walks all of them (a fifth of the columnar path's time).
    Deciding makes no cycles worth collecting mid-chunk; whatever it makes is collected after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _decide_chunk(
    kind: str, first: int, payload: Any, opts: BatchOptions, out_format: str
) -> tuple[Any, int, int, list[tuple[int, str]]]:
    book = process_rulebook(opts.rules_dir)
    out = decided_rows(payload if kind == "lines" else arrow_rows(payload), first, book, opts)
    failed = [(r["row"], r["error"]) for r in out if r["error"] is not None]
    return _encode(out, book, opts, out_format), len(out), len(failed), failed[:FIRST_ERRORS]


def decided_rows(rows: list[Any], first: int, book: RuleBook, opts: BatchOptions) -> list[dict[str, Any]]:
    """The output row of each input row (numbered from ``first``), in order. JSON text (a line, or
    a Parquet ``scenario`` cell) can be decided by columns (when there are enough rows to make
    them faster: columnar_batch.worth_it); a row they do not take (a mapping, a Scenario, a row
    the reader is not sure of) is decided by the row path, in its place."""
    decided = None
    if worth_it(opts, len(rows)):
        decided = _by_columns([raw.text if type(raw) is _JsonWithId else raw for raw in rows], first, book, opts)
    out = []
    for i, raw in enumerate(rows):
        result = decided[i] if decided is not None else None
        if result is None:
            result = _decide_one(raw, first + i, book, opts)
        elif type(raw) is _JsonWithId:  # the id column names the row
            result["id"] = str(raw.ident)
        out.append(result)
    return out


def _by_columns(rows: list[Any], first: int, book: RuleBook, opts: BatchOptions) -> list[dict[str, Any] | None] | None:
    """The rows the columns decide; None (all row by row) if the columnar path fails: the output
    stays right, and the warning says why it was slower."""
    try:
        return columnar_rows(rows, first, book, opts)
    except Exception as err:  # any failure of the faster path falls back to the reference
        warnings.warn(
            f"rows {first}-{first + len(rows) - 1} decided row by row: the columns failed ({err!r})", stacklevel=2
        )
        return None


def _decide_one(raw: Any, row: int, book: RuleBook, opts: BatchOptions) -> dict[str, Any]:
    if isinstance(raw, _JsonWithId):  # the id column names the row
        result = decide_row(raw.text, row, book, opts)
        result["id"] = str(raw.ident)
        return result
    return decide_row(raw, row, book, opts)


def _encode(rows: list[dict[str, Any]], book: RuleBook, opts: BatchOptions, out_format: str) -> Any:
    if out_format == "parquet":
        import pyarrow as pa

        return pa.RecordBatch.from_pylist(rows, schema=output_schema(book, opts.full))
    return b"".join(_json_line(r) for r in rows)


def _json_line(row: dict[str, Any]) -> bytes:
    decision = row.pop("decision", _ABSENT)
    data = orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE)  # dates as YYYY-MM-DD, UTF-8, no spaces
    if decision is not _ABSENT:  # splice the decision JSON in as an object, not re-encoded
        data = b'%s,"decision":%s}\n' % (data[:-2], (decision or "null").encode())
    return data


_ABSENT = object()


def _json_default(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def adapted_chunk_rows(total_rows: int, jobs: int) -> int:
    """Rows per chunk of an input of ``total_rows`` rows when the caller chose none: enough chunks
    for CHUNKS_PER_WORKER per worker, within MIN_CHUNK_ROWS and DEFAULT_CHUNK_ROWS. One worker
    keeps the default: splitting would only add the fixed cost per chunk."""
    if jobs <= 1:
        return DEFAULT_CHUNK_ROWS
    share = -(-total_rows // (CHUNKS_PER_WORKER * jobs))
    return max(MIN_CHUNK_ROWS, min(DEFAULT_CHUNK_ROWS, share))


def adapted_chunk_bytes(total_bytes: int | None, jobs: int) -> int | None:
    """The bytes of a JSON Lines file after which a chunk (of at least MIN_CHUNK_ROWS lines) ends
    when the caller chose no chunk size: the rows are unknown until read, so the file's size is
    shared out as adapted_chunk_rows shares rows. None (chunks of DEFAULT_CHUNK_ROWS lines): one
    worker, or a size unknown up front (a pipe)."""
    if jobs <= 1 or not total_bytes:
        return None
    return max(1, min(CHUNK_BYTES, total_bytes // (CHUNKS_PER_WORKER * jobs)))


def _line_tasks(
    handle: IO[bytes], chunk_rows: int, share_bytes: int | None = None
) -> Iterator[tuple[str, int, Any, int]]:
    """Chunks of at most ``chunk_rows`` lines and about CHUNK_BYTES; with ``share_bytes``, a chunk of
    MIN_CHUNK_ROWS lines or more also ends once it covers that many bytes of the file. A line is
    never held whole past MAX_INPUT_BYTES (it becomes that row's error). Units: the bytes read."""
    share = CHUNK_BYTES if share_bytes is None else share_bytes
    first, chunk, held, units = 0, [], 0, 0
    for line in bounded_lines(handle, MAX_INPUT_BYTES):
        chunk.append(line)
        size = line.size if isinstance(line, LongLine) else len(line)
        held += 0 if isinstance(line, LongLine) else size
        units += size + 1
        shared = units >= share and len(chunk) >= MIN_CHUNK_ROWS
        if len(chunk) >= chunk_rows or held >= CHUNK_BYTES or shared:
            yield "lines", first, chunk, units
            first, chunk, held, units = first + len(chunk), [], 0, 0
    if chunk:
        yield "lines", first, chunk, units


def _arrow_tasks(batches: Iterable[pa.RecordBatch], first: int) -> Iterator[tuple[str, int, Any, int]]:
    for batch in batches:
        yield "arrow", first, batch, batch.num_rows
        first += batch.num_rows


def _run(
    tasks: Iterator[tuple[str, int, Any, int]], opts: BatchOptions, jobs: int, out_format: str
) -> Iterator[tuple[Any, int, int, int]]:
    """Decide chunks in order: (encoded output, rows, errors, progress units) per chunk."""
    if jobs <= 1:
        for kind, first, payload, units in tasks:
            yield (*decide_chunk(kind, first, payload, opts, out_format), units)
        return
    pool = ProcessPoolExecutor(
        max_workers=jobs, mp_context=_context(), initializer=workers.init_worker, initargs=(os.getpid(),)
    )
    try:
        pending: deque[tuple[Future, int]] = deque()
        for kind, first, payload, units in tasks:
            pending.append((pool.submit(decide_chunk, kind, first, payload, opts, out_format), units))
            if len(pending) >= 2 * jobs:  # bounded: never more than two chunks per worker in flight
                future, done = pending.popleft()
                yield (*future.result(), done)
        while pending:
            future, done = pending.popleft()
            yield (*future.result(), done)
    except BaseException:  # an error, Ctrl-C or SIGTERM, or the reader stopped: no worker outlives the run
        workers.stop(pool)
        raise
    pool.shutdown(wait=True)


def _context() -> Any:
    """Fork when this process runs no other thread (workers inherit the loaded rule book; forking a
    threaded process can deadlock a child); otherwise start clean workers from a fork server."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and _threads() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _threads() -> int:
    """Threads of this process, those of C libraries too (pyarrow's pool is invisible to the
    threading module; Python 3.12 warns when such a process forks)."""
    import threading

    try:
        return max(len(os.listdir("/proc/self/task")), threading.active_count())
    except OSError:  # no /proc: Python's own threads are all that can be counted
        return threading.active_count()


def _jobs(jobs: int | None) -> int:
    """Worker processes: all usable cores by default, and never a fork bomb."""
    cores = usable_cores()
    if jobs is None:
        return cores
    if jobs < 1 or jobs > JOBS_PER_CORE * cores:
        raise InputError(f"jobs must be 1 to {JOBS_PER_CORE * cores} ({JOBS_PER_CORE} per usable core), got {jobs}")
    return jobs


def usable_cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def file_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    raise InputError(f"{path}: unknown file type {suffix or '(none)'}; use .jsonl or .parquet")


def run_batch(
    src: str | Path,
    dst: str | Path,
    *,
    jobs: int | None = None,
    full: bool = False,
    as_of: dt.date | None = None,
    readings: Readings = DEFAULT_READINGS,
    rules_dir: str | None = None,
    today: dt.date | None = None,
    chunk_rows: int | None = None,
    progress: Callable[[int, int, int], None] | None = None,
    fast_json: bool = False,
    columnar: bool = True,
) -> BatchStats:
    """Decide every row of ``src`` into ``dst`` (formats from the suffixes). ``progress(units, rows,
    errors)`` is called after each chunk; units are bytes for JSON Lines input, rows for Parquet.
    ``columnar=False`` decides JSON Lines row by row (the same output, slower: a cross-check).
    ``chunk_rows`` None sizes the chunks to the input: enough for every worker, at most
    DEFAULT_CHUNK_ROWS rows; a number is taken as given."""
    import time

    _check_chunk_rows(chunk_rows)
    in_format, out_format = file_format(src), file_format(dst)
    if "parquet" in (in_format, out_format):
        require_arrow()
    jobs = _jobs(jobs)
    opts = BatchOptions(as_of, readings, full, today or dt.date.today(), rules_dir, fast_json, columnar)
    book = process_rulebook(rules_dir)  # a bad rule directory fails here, before any worker starts
    stats, started = BatchStats(), time.perf_counter()
    with _open_input(src, in_format, chunk_rows, jobs) as tasks, _Writer(dst, out_format, book, full, src) as out:
        for encoded, rows, errors, first_errors, units in _run(tasks, opts, jobs, out_format):
            out.write(encoded)
            stats.rows += rows
            stats.errors += errors
            stats.first_errors.extend(first_errors[: FIRST_ERRORS - len(stats.first_errors)])
            if progress:
                progress(units, stats.rows, stats.errors)
    stats.seconds = time.perf_counter() - started
    return stats


def require_arrow() -> None:
    """Parquet needs pyarrow (the ``batch`` extra): say so instead of a traceback."""
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError as err:
        raise InputError(
            f"Parquet files need pyarrow, which is not installed ({err.name or err}): "
            "pip install 'returnlaw[batch]', or use .jsonl"
        ) from None


def input_size(src: str | Path) -> int:
    """The progress total: bytes of a JSON Lines file, rows of a Parquet file."""
    if file_format(src) == "jsonl":
        with open_lines(src) as handle:
            return os.fstat(handle.fileno()).st_size
    require_arrow()
    import pyarrow.parquet as pq

    with open_bounded(src, regular_only=True) as handle, _parquet_errors(src):
        return pq.ParquetFile(handle).metadata.num_rows


@contextlib.contextmanager
def _parquet_errors(src: str | Path) -> Iterator[None]:
    """A damaged Parquet file (bad footer, corrupt data pages) is an input error naming the file."""
    import pyarrow as pa

    try:
        yield
    except (pa.ArrowException, OSError) as err:
        raise FileError(f"{src} is not a readable Parquet file: {clip(str(err))}", src) from None


def _parquet_tasks(
    src: str | Path, handle: IO[bytes], chunk_rows: int | None, jobs: int
) -> Iterator[tuple[str, int, Any, int]]:
    import pyarrow.parquet as pq

    with _parquet_errors(src):
        reader = pq.ParquetFile(handle)
        rows = adapted_chunk_rows(reader.metadata.num_rows, jobs) if chunk_rows is None else chunk_rows
        yield from _arrow_tasks(reader.iter_batches(batch_size=rows), 0)


class _open_input:
    """The input as a stream of chunk tasks; the file is closed on exit. ``chunk_rows`` None: chunks
    sized to the input and ``jobs`` (adapted_chunk_rows, adapted_chunk_bytes)."""

    def __init__(self, src: str | Path, in_format: str, chunk_rows: int | None, jobs: int) -> None:
        self.src, self.format, self.chunk_rows, self.jobs = src, in_format, chunk_rows, jobs

    def __enter__(self) -> Iterator[tuple[str, int, Any, int]]:
        if self.format == "jsonl":
            self.handle = open_lines(self.src)
            if self.chunk_rows is not None:
                return _line_tasks(self.handle, self.chunk_rows)
            info = os.fstat(self.handle.fileno())
            size = info.st_size if stat.S_ISREG(info.st_mode) else None  # a pipe's size is not known
            return _line_tasks(self.handle, DEFAULT_CHUNK_ROWS, adapted_chunk_bytes(size, self.jobs))
        self.handle = open_bounded(self.src, regular_only=True)  # Parquet is read by seeking
        return _parquet_tasks(self.src, self.handle, self.chunk_rows, self.jobs)

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


class _Writer:
    """Writes encoded chunks to a temporary file that replaces ``dst`` only on success; a write
    that fails (disk full, read-only) is an error naming ``dst``."""

    def __init__(self, dst: str | Path, out_format: str, book: RuleBook, full: bool, src: str | Path) -> None:
        self.dst, self.format, self.book, self.full, self.src = dst, out_format, book, full, src
        self.pending: list[Any] = []
        self.pending_rows = 0

    def __enter__(self) -> _Writer:
        self._atomic = atomic_writer(self.dst, "wb", inputs=(self.src,))
        self.handle = self._atomic.__enter__()
        if self.format == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            with self._writing():
                sink = pa.PythonFile(self.handle, mode="w")
                self.parquet = pq.ParquetWriter(sink, output_schema(self.book, self.full))
        return self

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        try:
            yield
        except OSError as err:
            raise os_error(err, self.dst, "write") from None

    def write(self, encoded: Any) -> None:
        with self._writing():
            if self.format == "jsonl":
                self.handle.write(encoded)
                return
            self.pending.append(encoded)
            self.pending_rows += encoded.num_rows
            if self.pending_rows >= _PARQUET_ROW_GROUP:
                self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.pending:
            self.parquet.write_table(pa.Table.from_batches(self.pending))
        self.pending, self.pending_rows = [], 0

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        try:
            if self.format == "parquet":
                with self._writing():
                    if kind is None:
                        self._flush()
                    self.parquet.close()
        except BaseException as err:
            self._atomic.__exit__(type(err), err, err.__traceback__)
            raise
        else:
            self._atomic.__exit__(kind, exc, tb)
