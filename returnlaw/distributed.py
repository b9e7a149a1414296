"""Decide on a Dask cluster (extra ``dask``): every partition goes through the batch API.

Dask rather than Spark: it is pure Python and pip-installable, runs locally without a JVM (the same
code on a laptop's cores, ``dask.config.set(scheduler="processes")``, or a ``distributed`` cluster),
and its partitions are plain Python lists and pandas frames, so the batch code runs unchanged.
Nothing here schedules or distributes work itself: Dask does.

Each worker process loads the rule book once (``rules_dir``, or the bundled one) and reuses it.
Output rows are the batch rows (docs/platform.md) without ``row``: a partition does not know its
global offset. Rows keep the input order within and across partitions, and a DataFrame keeps its
index, so results align with the input row for row.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .batch import DEFAULT_CHUNK_ROWS, BatchOptions, decide_chunk, decided_stream, output_schema, process_rulebook
from .readings import DEFAULT_READINGS, Readings

if TYPE_CHECKING:
    import dask.bag as db
    import dask.dataframe as dd
    import pandas as pd


def _options(
    as_of: dt.date | None,
    readings: Readings,
    full: bool,
    rules_dir: str | None,
    today: dt.date | None,
    fast_json: bool = False,
) -> BatchOptions:
    return BatchOptions(as_of, readings, full, today or dt.date.today(), rules_dir, fast_json)


def decide_bag(
    lines: db.Bag,
    *,
    as_of: dt.date | None = None,
    readings: Readings = DEFAULT_READINGS,
    full: bool = False,
    rules_dir: str | None = None,
    today: dt.date | None = None,
    fast_json: bool = False,
) -> db.Bag:
    """A bag of scenario JSON lines (e.g. ``dask.bag.read_text("orders-*.jsonl")``) to a bag of
    output rows (dicts)."""
    opts = _options(as_of, readings, full, rules_dir, today, fast_json)
    return lines.map_partitions(_bag_partition, opts)


def _bag_partition(lines: list[str | bytes], opts: BatchOptions) -> list[dict[str, Any]]:
    """A partition's lines decided as batch chunks (by columns where they take the rows; a chunk
    at a time, so a partition of a whole file does not hold all its columns at once)."""
    rows = (line.rstrip("\r\n") if isinstance(line, str) else line.rstrip(b"\r\n") for line in lines)
    decided = decided_stream(rows, process_rulebook(opts.rules_dir), opts, DEFAULT_CHUNK_ROWS)
    return [_without_row(row) for row in decided]


def decide_dataframe(
    frame: dd.DataFrame,
    *,
    as_of: dt.date | None = None,
    readings: Readings = DEFAULT_READINGS,
    full: bool = False,
    rules_dir: str | None = None,
    today: dt.date | None = None,
    fast_json: bool = False,
) -> dd.DataFrame:
    """A DataFrame with a ``scenario`` column of JSON text (or one column per scenario section), and
    optionally ``id``, to a DataFrame of output rows with the same index."""
    opts = _options(as_of, readings, full, rules_dir, today, fast_json)
    meta = _meta(opts)
    return frame.map_partitions(_frame_partition, opts, meta=meta)


def _frame_partition(part: pd.DataFrame, opts: BatchOptions) -> pd.DataFrame:
    import pyarrow as pa

    table = pa.Table.from_pandas(part, preserve_index=False)
    batches = table.to_batches(max_chunksize=DEFAULT_CHUNK_ROWS) or [
        pa.RecordBatch.from_pylist([], schema=table.schema)
    ]
    decided = [decide_chunk("arrow", 0, batch, opts, "parquet")[0] for batch in batches]
    schema = output_schema(process_rulebook(opts.rules_dir), opts.full)
    out = pa.Table.from_batches(decided, schema=schema).drop_columns(["row"]).to_pandas()
    out.index = part.index
    return out


def _meta(opts: BatchOptions) -> pd.DataFrame:
    return output_arrow_schema(opts.full, opts.rules_dir).empty_table().to_pandas()


def output_arrow_schema(full: bool = False, rules_dir: str | None = None) -> Any:
    """The Arrow schema of the distributed output rows (the batch schema without ``row``)."""
    schema = output_schema(process_rulebook(rules_dir), full)
    return schema.remove(schema.get_field_index("row"))


def to_dataframe(rows: db.Bag, *, full: bool = False, rules_dir: str | None = None) -> dd.DataFrame:
    """The bag of output rows from :func:`decide_bag` as a DataFrame with the right column types
    (inferring them from a partition whose dates are all null would fail)."""
    return rows.to_dataframe(meta=_meta(_options(None, DEFAULT_READINGS, full, rules_dir, None)))


def to_parquet(frame: dd.DataFrame, path: str, *, full: bool = False, rules_dir: str | None = None) -> None:
    """Write output rows as a Parquet dataset with the batch output's column types.

    A new local folder appears only when every partition was written: the dataset is written to a
    temporary folder beside it and renamed into place, so a failed run leaves no folder, empty or
    half-filled. An existing folder or a remote URL is written in place, as Dask does."""
    schema = output_arrow_schema(full, rules_dir)
    target = Path(path)
    if "://" in str(path) or target.exists() or target.is_symlink():
        frame.to_parquet(path, schema=schema, write_index=False)
        return
    tmp = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.part"
    try:
        frame.to_parquet(str(tmp), schema=schema, write_index=False)
        os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _without_row(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("row", None)
    return row
