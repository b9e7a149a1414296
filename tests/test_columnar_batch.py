"""Batch chunks decided by columns (``returnlaw.columnar_batch``) against the same chunks decided
row by row: byte for byte the same JSON Lines (decisions, errors, ids, order), on the benchmark mix
and on rows damaged in the ways platforms' data is."""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from returnlaw import batch as batch_module
from returnlaw import columnar_batch
from returnlaw.api import default_rulebook
from returnlaw.batch import BatchOptions, _json_default, _json_line, arrow_rows, decide_chunk, run_batch
from returnlaw.columnar_batch import columnar_rows
from returnlaw.readings import Readings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import mix

BOOK = default_rulebook()
TODAY = dt.date(2026, 11, 29)
MIN_ROWS = columnar_batch.MIN_ROWS


@pytest.fixture(autouse=True)
def columns_for_small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests' chunks are small: let the columns take them as they take big ones."""
    monkeypatch.setattr(columnar_batch, "MIN_ROWS", 1)


def lines_of(n: int, seed: int) -> list[bytes]:
    out = []
    for i, data in enumerate(mix.scenarios(n, seed)):
        text = mix.to_json(data)
        row = json.loads(text)
        if i % 3 == 0:
            row["id"] = f"order-{i}" if i % 2 else i
        out.append(json.dumps(row, ensure_ascii=False).encode())
    return out


def damaged(lines: list[bytes], seed: int) -> list[bytes]:
    """Some rows broken the ways real data is: a key twice, a wrong type, an unknown field, a date
    that does not exist or lies ahead, an id that is not one, text that is not JSON."""
    rng = random.Random(seed)
    out = list(lines)
    edits = [
        lambda t: t.replace(b'"purchase": {', b'"purchase": {"date": "2020-01-01", ', 1),
        lambda t: t.replace(b"true", b'"true"', 1),
        lambda t: t[:-1] + b', "colour": "red"}',
        lambda t: t.replace(b'"date": "20', b'"date": "2023-02-30", "x": "20', 1),
        lambda t: t[:-1] + b', "id": true}',
        lambda t: t[:-1] + b', "id": 1.0}',
        lambda t: t.replace(b"-", b"+", 1),
        lambda t: t[: len(t) // 2],
        lambda t: t.replace(b'"signed_at": "', b'"signed_at": "2099-01-01", "q": "', 1),
        lambda t: t.replace(b'"signed_at": "2', b'"signed_at": "2024-05-05T10:30:00", "q": "2', 1),
        lambda t: b"\xef\xbb\xbf" + t,
        lambda t: b"   ",
    ]
    for i in range(0, len(out), 5):
        out[i] = rng.choice(edits)(out[i])
    return out


def both(lines: list[bytes], **options: Any) -> tuple[bytes, bytes]:
    fast = BatchOptions(today=TODAY, **options)
    slow = BatchOptions(today=TODAY, columnar=False, **options)
    return decide_chunk("lines", 10, lines, fast, "jsonl")[0], decide_chunk("lines", 10, lines, slow, "jsonl")[0]


@pytest.mark.parametrize("seed", [1, 2])
def test_columns_and_rows_write_the_same_lines_on_the_mix(seed):
    lines = lines_of(1500, seed)
    fast, slow = both(lines)
    assert fast == slow
    taken = columnar_rows(lines, 0, BOOK, BatchOptions(today=TODAY))
    assert sum(r is not None for r in taken) >= 0.9 * len(lines)  # the columns decide most rows


def test_columns_and_rows_write_the_same_lines_on_damaged_rows():
    lines = damaged(lines_of(1200, 4), 4)
    fast, slow = both(lines)
    assert fast == slow
    assert fast.count(b'"error":null') < len(lines)  # the damage gave errors, worded by the row path


@pytest.mark.parametrize(
    "readings",
    [
        Readings(counting="calendar_only"),
        Readings(unpublished_holidays="latest_end", burden_of_proof="consumer_claiming_return"),
        Readings(issues="strict", oral_notice_confirmation="confirmation", short_hold_hours=48),
        Readings(counting="platform_168h"),
    ],
)
def test_columns_and_rows_agree_under_other_readings(readings):
    fast, slow = both(lines_of(600, 7), readings=readings)
    assert fast == slow


def test_columns_and_rows_agree_under_an_as_of_date():
    fast, slow = both(lines_of(600, 9), as_of=dt.date(2016, 5, 1))
    assert fast == slow


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30), st.text(max_size=60))
def test_the_line_writer_writes_what_the_json_module_wrote(ident, reason):
    """orjson writes batch rows now: the same bytes json.dumps(ensure_ascii=False) gave for any
    id and error text (escapes of control characters, quotes, non-ASCII text)."""
    row = {"row": 3, "id": ident, "outcome": None, "refund_due": dt.date(2024, 2, 29), "warnings": [reason]}
    row["questions"], row["error"] = [], reason
    old = json.dumps(row, ensure_ascii=False, separators=(",", ":"), default=_json_default).encode() + b"\n"
    assert _json_line(dict(row)) == old


def test_a_failure_of_the_columns_falls_back_to_rows_with_a_warning(monkeypatch):
    """The columns are a faster way to the same rows: if they fail on a chunk, the chunk is decided
    row by row (the same output) and a warning says so, instead of the run stopping."""
    lines = lines_of(60, 11)
    slow = decide_chunk("lines", 0, lines, BatchOptions(today=TODAY, columnar=False), "jsonl")[0]

    def broken(*args: Any) -> Any:
        raise RuntimeError("a bug in the columns")

    monkeypatch.setattr(batch_module, "columnar_rows", broken)
    with pytest.warns(UserWarning, match="rows 0-59 decided row by row"):
        fast = decide_chunk("lines", 0, lines, BatchOptions(today=TODAY), "jsonl")[0]
    assert fast == slow


def test_a_parquet_scenario_column_is_decided_by_columns_as_row_by_row(tmp_path):
    """Parquet's ``scenario`` column of JSON text goes through the columns too, its ``id`` column
    naming the rows (over any id inside the JSON); struct columns go row by row. Same output."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    texts = [line.decode() for line in damaged(lines_of(300, 12), 12)]
    ids = [None if i % 4 == 0 else f"p{i}" for i in range(len(texts))]
    texts[7] = None  # an empty cell
    pq.write_table(pa.table({"scenario": texts, "id": ids}), tmp_path / "in.parquet")
    fast, slow = tmp_path / "fast.jsonl", tmp_path / "slow.jsonl"
    run_batch(tmp_path / "in.parquet", fast, jobs=1, today=TODAY)
    run_batch(tmp_path / "in.parquet", slow, jobs=1, today=TODAY, columnar=False)
    assert fast.read_bytes() == slow.read_bytes()
    rows = [json.loads(line) for line in fast.read_text().splitlines()]
    assert rows[6]["id"] == "p6" and rows[6]["error"] is None and rows[5]["id"] == "p5"
    chunk = arrow_rows(pq.read_table(tmp_path / "in.parquet").to_batches()[0])
    texts_only = [r.text if hasattr(r, "text") else r for r in chunk]
    taken = columnar_rows(texts_only, 0, BOOK, BatchOptions(today=TODAY))
    assert sum(r is not None for r in taken) > len(chunk) // 2  # the columns decided most of them


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many rows the columns took, chunk by chunk."""
    counts: list[int] = []

    def counted(chunk: list[Any], *args: Any) -> list[Any]:
        out = columnar_rows(chunk, *args)
        counts.append(sum(r is not None for r in out))
        return out

    monkeypatch.setattr(batch_module, "columnar_rows", counted)
    return counts


def test_decide_rows_decides_by_columns_a_chunk_at_a_time(taken):
    """The streaming API reads chunk_rows at a time, so JSON text goes through the columns; the
    rows (text, bytes, damaged, mappings, Scenarios) come out as row by row, in order, numbered
    across chunks."""
    from returnlaw.batch import decide_row, decide_rows
    from returnlaw.inputs import parse_scenario

    lines = damaged(lines_of(60, 5), 6)
    rows: list[Any] = [line.decode() if i % 4 == 1 else line for i, line in enumerate(lines)]
    rows[3] = json.loads(lines_of(4, 7)[3])  # a mapping
    rows[8] = parse_scenario(json.loads(mix.to_json(mix.scenarios(1, 8)[0])))  # a Scenario
    by_columns = list(decide_rows(iter(rows), today=TODAY, book=BOOK, chunk_rows=7))
    assert len(taken) == 9 and sum(taken) >= 30  # nine chunks of 7 (the last of 4); most rows by columns
    slow = BatchOptions(today=TODAY, columnar=False)
    assert by_columns == [decide_row(raw, i, BOOK, slow) for i, raw in enumerate(rows)]
    assert list(decide_rows(rows, today=TODAY, book=BOOK, columnar=False)) == by_columns
    with pytest.raises(ValueError, match="chunk_rows must be at least 1"):
        decide_rows(rows, chunk_rows=0)  # at the call, not at the first row


def test_a_dask_bag_partition_is_decided_by_columns_as_row_by_row(taken, monkeypatch):
    """A chunk at a time (a partition may be a whole file), each by columns, the same rows."""
    from returnlaw import distributed
    from returnlaw.distributed import _bag_partition

    monkeypatch.setattr(distributed, "DEFAULT_CHUNK_ROWS", 16)
    lines = [line.decode() + "\n" for line in damaged(lines_of(40, 9), 10)]
    fast = _bag_partition(lines, BatchOptions(today=TODAY))
    assert len(taken) == 3 and sum(taken) >= 25
    slow = _bag_partition(lines, BatchOptions(today=TODAY, columnar=False))
    assert fast == slow and len(fast) == 40 and "row" not in fast[0]


def test_a_chunk_too_small_for_the_columns_to_pay_goes_row_by_row(taken, monkeypatch):
    """Columns pay a fixed cost per chunk: a chunk under MIN_ROWS rows is decided row by row (the
    same rows), one of MIN_ROWS by columns."""
    monkeypatch.setattr(columnar_batch, "MIN_ROWS", MIN_ROWS)
    lines = lines_of(MIN_ROWS, 13)
    small = decide_chunk("lines", 0, lines[: MIN_ROWS - 1], BatchOptions(today=TODAY), "jsonl")[0]
    assert taken == []
    big = decide_chunk("lines", 0, lines, BatchOptions(today=TODAY), "jsonl")[0]
    assert len(taken) == 1 and taken[0] >= 0.9 * MIN_ROWS
    assert big.startswith(small) and big.count(b"\n") == MIN_ROWS
