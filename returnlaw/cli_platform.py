"""Platform subcommands: ``audit`` (listings), ``batch`` (many scenarios) and ``serve`` (HTTP).

``audit FILE``: one listing (JSON or YAML), a list of them, or JSON Lines (``.jsonl``). Exit 0 when
every listing is compliant, 1 when any has a breach or lacks facts, 2 when any is invalid.
``batch IN OUT``: JSON Lines or Parquet in and out, with a progress bar on stderr; bad rows land in
the ``error`` column and do not stop the run. Exit 0 when every row was decided, 1 when some rows
have an error (the summary shows the first few), 2 when the run could not complete (bad input
file, output not writable, interrupted: then the output is untouched). ``serve``: the HTTP service (extra ``server``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from .atomic import check_target
from .audit import ListingAudit, audit_listing
from .audit_view import AuditPrinter, invalid_doc, summary_line, verdict
from .files import LongLine, bounded_lines, open_lines, read_bounded
from .i18n import LANGS, default_lang
from .inputs import MAX_INPUT_BYTES, InputError, load_data
from .readings import parse_reading_assignments

Handler = Callable[[argparse.Namespace, Console], int]
EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def _port(text: str) -> int:
    if not (text.isdigit() and 1 <= int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1 to 65535)")
    return int(text)


def _count(text: str) -> int:
    if not (text.isdigit() and int(text) <= 64):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 0 to 64")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < 86400:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (more than 0, less than 86400)")
    return value


def register(sub: Any) -> dict[str, Handler]:
    audit = sub.add_parser("audit", help="audit product listings for breaches of the return law")
    audit.add_argument("file", help="a listing (JSON/YAML), a list of listings, or JSON Lines (.jsonl)")
    audit.add_argument("--json", action="store_true", help="print one audit JSON object per line")
    audit.add_argument("--as-of", type=_date, help="judge under the law in force on this date (default: today)")
    audit.add_argument("--lang", choices=LANGS, default=None)
    audit.add_argument("--today", type=_date, help="the day whose law applies unless --as-of (default: system date)")

    batch = sub.add_parser("batch", help="decide a JSON Lines or Parquet file of scenarios")
    batch.add_argument("input", help="scenarios: .jsonl (one JSON object per line) or .parquet")
    batch.add_argument("output", help="results: .jsonl or .parquet (written atomically)")
    batch.add_argument("--jobs", type=_positive, default=None, help="worker processes (default: all cores)")
    batch.add_argument("--full", action="store_true", help="add the whole decision JSON to every row")
    batch.add_argument(
        "--fast-json",
        action="store_true",
        help="deprecated, no effect: every row is read by the fast reader, with every check of the careful one",
    )
    batch.add_argument("--as-of", type=_date, help="apply the law in force on this date to every row")
    batch.add_argument("--today", type=_date, help="the reference day for dates in the future (default: system date)")
    batch.add_argument("--reading", action="append", default=[], metavar="NAME=VALUE")
    batch.add_argument(
        "--chunk-rows",
        type=_positive,
        help="rows per unit of work (default: sized to the input, two units per worker, 500 to 10,000 rows)",
    )
    batch.add_argument(
        "--row-by-row",
        action="store_true",
        help="decide JSON Lines row by row instead of by columns (the same output, slower: a cross-check)",
    )
    batch.add_argument("--rules-dir", help="use rule files from this folder")
    batch.add_argument("--quiet", action="store_true", help="no progress bar")

    serve = sub.add_parser("serve", help="run the HTTP service (needs returnlaw[server])")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8000)
    serve.add_argument("--rules-dir", help="use rule files from this folder")
    limits = serve.add_argument_group("limits (see docs/platform.md)")
    limits.add_argument("--max-body", type=_positive, default=None, help="largest request body in bytes (1000000)")
    limits.add_argument("--body-timeout", type=_seconds, default=None, help="seconds for a whole body (30)")
    limits.add_argument("--header-timeout", type=_seconds, default=None, help="seconds for a request's headers (10)")
    limits.add_argument("--keep-alive", type=_seconds, default=None, help="seconds an idle connection stays open (5)")
    limits.add_argument("--concurrency", type=_positive, default=None, help="requests in progress before 503 (32)")
    limits.add_argument("--max-connections", type=_positive, default=None, help="open connections (512)")
    limits.add_argument("--threads", type=_positive, default=None, help="worker threads for deciding (8)")
    limits.add_argument(
        "--processes", type=_count, default=None, help="worker processes reading bodies (2; 0: in threads)"
    )
    return {"audit": cmd_audit, "batch": cmd_batch, "serve": cmd_serve}


# -- audit ----------------------------------------------------------------------------------------


def cmd_audit(args: argparse.Namespace, out: Console) -> int:
    lang = args.lang or default_lang()
    worst, counts = EXIT_OK, {"compliant": 0, "breaches": 0, "incomplete": 0, "invalid": 0}
    printer = AuditPrinter(lang)
    for index, item in read_listings(args.file):
        if isinstance(item, InputError):
            worst = EXIT_BAD_INPUT
            counts["invalid"] += 1
            _print_invalid(out, index, item, args.json, lang)
            continue
        try:
            result = audit_listing(item, as_of=args.as_of, today=args.today)
        except InputError as err:
            worst = EXIT_BAD_INPUT
            counts["invalid"] += 1
            _print_invalid(out, index, err, args.json, lang)
            continue
        counts[verdict(result)] += 1
        if result.compliant is not True:
            worst = max(worst, EXIT_FINDINGS)
        _print_audit(out, index, result, printer, args.json)
    if not args.json:
        out.print(summary_line(counts, lang))
    return worst


def read_listings(path: str) -> Iterator[tuple[int, Any]]:
    """(index, listing data or InputError) for every listing in the file; JSON Lines are streamed."""
    if Path(path).suffix.lower() in (".jsonl", ".ndjson"):
        yield from _listing_lines(path)
        return
    data = load_data(read_bounded(path), path)
    yield from enumerate(data) if isinstance(data, list) else [(0, data)]


def _listing_lines(path: str) -> Iterator[tuple[int, Any]]:
    with open_lines(path) as handle:
        for index, line in enumerate(bounded_lines(handle, MAX_INPUT_BYTES)):
            source = f"line {index + 1}"
            try:
                if isinstance(line, LongLine):
                    raise InputError(f"{source} is {line.size} bytes long; the limit is {MAX_INPUT_BYTES}")
                yield index, load_data(line, source)
            except InputError as err:
                yield index, err


def _print_invalid(out: Console, index: int, err: InputError, as_json: bool, lang: str) -> None:
    if as_json:
        print(json.dumps({"index": index, "error": str(err)}, ensure_ascii=False))
    else:
        out.print(invalid_doc(index, err, lang))


def _print_audit(out: Console, index: int, result: ListingAudit, printer: AuditPrinter, as_json: bool) -> None:
    if as_json:
        print(result.model_dump_json())
        return
    out.print(printer.listing(result, index))


# -- batch ----------------------------------------------------------------------------------------


def cmd_batch(args: argparse.Namespace, out: Console) -> int:
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    from .batch import file_format, input_size, require_arrow, run_batch

    readings = parse_reading_assignments(args.reading)
    for path in (args.input, args.output):
        if file_format(path) == "parquet":
            require_arrow()
    check_target(args.output, inputs=[args.input])  # a bad output is refused before the bar is drawn
    err = Console(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rows]:,} rows, errors: {task.fields[errors]:,}"),  # "1 errors" read wrong
        TimeElapsedColumn(),
    )
    # No refresh thread: worker processes are forked only from a single-threaded process.
    with Progress(*columns, console=err, auto_refresh=False, disable=args.quiet) as bar:
        task = bar.add_task("deciding", total=input_size(args.input), rows=0, errors=0)

        def advance(units: int, rows: int, errors: int) -> None:
            bar.update(task, advance=units, rows=rows, errors=errors)
            bar.refresh()

        stats = run_batch(
            args.input,
            args.output,
            jobs=args.jobs,
            full=args.full,
            as_of=args.as_of,
            readings=readings,
            rules_dir=args.rules_dir,
            chunk_rows=args.chunk_rows,
            progress=advance,
            fast_json=args.fast_json,
            today=args.today,
            columnar=not args.row_by_row,
        )
    out.print(
        f"{stats.rows:,} rows decided ({stats.errors:,} with an error) in {stats.seconds:.2f} s "
        f"({stats.rows_per_s:,.0f} rows/s) -> {args.output}"
    )
    if not stats.errors:
        return EXIT_OK
    for row, reason in stats.first_errors:
        out.print(Text(f"  row {row}: {reason}", style="red"), soft_wrap=True)
    more = stats.errors - len(stats.first_errors)
    tail = f"; {more:,} more in the error column" if more else ""
    out.print(Text(f"{stats.errors:,} row(s) could not be decided (exit 1){tail}", style="bold red"))
    return EXIT_FINDINGS


# -- serve ----------------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace, out: Console) -> int:
    try:
        import uvicorn

        from .server import create_app
        from .server_limits import Limits, listen, uvicorn_config
    except ModuleNotFoundError as err:
        raise InputError(f"the HTTP service needs {err.name}: pip install 'returnlaw[server]'") from None
    names = ("max_body", "body_timeout", "header_timeout", "keep_alive", "concurrency", "max_connections")
    names += ("threads", "processes")
    limits = Limits(**{name: getattr(args, name) for name in names if getattr(args, name) is not None})
    try:
        sock = listen(args.host, args.port)
    except OSError as err:
        raise InputError(str(err)) from None
    app = create_app(rules_dir=args.rules_dir, limits=limits)
    out.print(f"returnlaw: serving on http://{args.host}:{args.port} (OpenAPI at /docs)")
    uvicorn.Server(uvicorn_config(app, limits)).run(sockets=[sock])
    return EXIT_OK
