"""The Dask adapter in local mode: the same rows as the batch API, under the threads and processes
schedulers, for bags of JSON lines and for DataFrames."""

from __future__ import annotations

import datetime as dt
import json

import pytest

dask = pytest.importorskip("dask")
db = pytest.importorskip("dask.bag")
dd = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from returnlaw.batch import decide_rows  # noqa: E402
from returnlaw.distributed import decide_bag, decide_dataframe, to_dataframe, to_parquet  # noqa: E402
from tests.lawcases import load_cases  # noqa: E402

TODAY = dt.date(2030, 1, 1)


def _line(i: int, data: dict) -> str:
    out = json.dumps({"id": f"c{i}", **data}, default=lambda v: v.isoformat() if isinstance(v, dt.date) else str(v))
    return out


LINES = [_line(i, c.data) for i, c in enumerate(load_cases())] + ["not json", '{"itme": {}}', ""]


def expected() -> list[dict]:
    rows = []
    for row in decide_rows(LINES, today=TODAY):
        row.pop("row")
        rows.append(row)
    return rows


@pytest.mark.parametrize("scheduler", ["threads", "processes"])
def test_a_bag_of_json_lines_gives_the_batch_rows(scheduler, tmp_path):
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    lines = db.read_text(str(path), blocksize=4000)  # several partitions
    assert lines.npartitions > 1
    with dask.config.set(scheduler=scheduler):
        got = decide_bag(lines, today=TODAY).compute()
    assert got == expected()


@pytest.mark.parametrize("scheduler", ["threads", "processes"])
def test_a_dataframe_keeps_its_index_and_matches_the_batch_rows(scheduler):
    frame = pd.DataFrame({"scenario": LINES}, index=pd.RangeIndex(100, 100 + len(LINES)))
    with dask.config.set(scheduler=scheduler):
        result = decide_dataframe(dd.from_pandas(frame, npartitions=3), today=TODAY).compute()
    assert list(result.index) == list(frame.index)
    want = pd.DataFrame(expected())
    assert list(result["outcome"].fillna("-")) == list(want["outcome"].fillna("-"))
    assert list(result["error"].fillna("-")) == list(want["error"].fillna("-"))
    assert [list(w) for w in result["warnings"]] == list(want["warnings"])
    assert list(result["refund_due"]) == list(want["refund_due"])


def test_rows_written_to_parquet_keep_the_batch_types(tmp_path):
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    with dask.config.set(scheduler="threads"):
        rows = decide_bag(db.read_text(str(path), blocksize=2000), today=TODAY)  # some partitions lack dates
        to_parquet(to_dataframe(rows), str(tmp_path / "decisions"))
    parts = sorted((tmp_path / "decisions").glob("part.*.parquet"), key=lambda f: int(f.name.split(".")[1]))
    back = pa.concat_tables([pq.read_table(f) for f in parts])
    assert back.schema.field("refund_due").type == pa.date32()
    assert back.to_pylist() == expected()
