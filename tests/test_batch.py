"""Batch: JSON Lines and Parquet, one output row per input row in order, bad rows in the error column,
all cores with bounded work in flight, atomic output, and rows that agree with the full decision."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")  # the extra "batch"; JSON Lines alone would run without it
pq = pytest.importorskip("pyarrow.parquet")

from returnlaw import Readings, decide_json, default_rulebook, evaluate, parse_scenario  # noqa: E402
from returnlaw.batch import (  # noqa: E402
    DEFAULT_CHUNK_ROWS,
    MIN_CHUNK_ROWS,
    BatchOptions,
    _open_input,
    _run,
    adapted_chunk_rows,
    decide_row,
    decide_rows,
    decide_table,
    output_columns,
    output_schema,
    run_batch,
)
from returnlaw.cli import main  # noqa: E402
from tests.lawcases import load_cases  # noqa: E402
from tests.strategies import forget, readings, scenarios  # noqa: E402

BOOK = default_rulebook()
TODAY = dt.date(2030, 1, 1)
ROWS = int(os.environ.get("RETURNLAW_TEST_BATCH_ROWS", "6000"))  # raise it to stress streaming


def _json_default(value):
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def to_json(data: dict) -> str:
    return json.dumps(data, default=_json_default, ensure_ascii=False)


LAW = [to_json({"id": f"law-{i}", **c.data}) for i, c in enumerate(load_cases())]
BAD = {
    "not json": "invalid JSON",
    "[1, 2]": "must be a JSON object",
    "": "empty line",
    '{"item": {"custom_made": "yes"}, "id": "typed"}': "item.custom_made: expected true or false",
    '{"itme": {}}': "itme: unknown field; did you mean 'item'?",
    '{"purchase": {"date": "2099-01-01"}, "id": 7}': "purchase.date: 2099-01-01 is in the future",
    '{"id": [1], "item": {}}': "id: must be text or a whole number",
}


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# -- the row agrees with the decision -----------------------------------------------------------------


def projection(decision) -> dict:
    deadlines = dict.fromkeys(BOOK.vocabulary.deadlines)
    # The compact row holds what follows from the decision as it stands, not what would follow if
    # an open outcome turned out returnable (if_outcome): that is in the full decision only.
    deadlines.update({d.name: d.date for d in decision.deadlines if d.if_outcome is None})
    return {
        "outcome": decision.outcome,
        **deadlines,
        "warnings": list(dict.fromkeys(w.code for w in decision.warnings if w.if_outcome is None)),
        "questions": decision.questions,
    }


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), readings, st.lists(st.booleans(), min_size=80, max_size=80), st.booleans())
def test_the_compact_row_is_the_decision_projected(data, r, mask, partial):
    if partial:
        data = forget(data, mask)
    r = r.model_copy(update={"counting": "calendar_only"}) if r.counting == "civil_code" else r
    opts = BatchOptions(readings=r, today=TODAY, full=True)
    row = decide_row(to_json(data), 0, BOOK, opts)
    if row["error"]:  # a partial scenario may be refused (e.g. a gift without its fields): same as single
        with pytest.raises(ValueError):
            parse_scenario(data, today=TODAY)
        return
    decision = evaluate(BOOK, parse_scenario(data, today=TODAY), readings=r).decision()
    assert {k: row[k] for k in projection(decision)} == projection(decision)
    assert json.loads(row["decision"]) == json.loads(decision.model_dump_json())


def test_fast_json_is_a_deprecated_no_op_and_a_key_given_twice_is_refused_either_way():
    fast, careful = BatchOptions(today=TODAY, fast_json=True), BatchOptions(today=TODAY)
    for i, line in enumerate(LAW):
        assert decide_row(line, i, BOOK, fast) == decide_row(line, i, BOOK, careful)
    twice = '{"item": {"custom_made": true}, "item": {"custom_made": false}}'
    assert "given twice" in decide_row(twice, 0, BOOK, careful)["error"]
    assert decide_row(twice, 0, BOOK, fast)["error"] == decide_row(twice, 0, BOOK, careful)["error"]
    assert "itme: unknown field" in decide_row('{"itme": {}}', 0, BOOK, fast)["error"]  # worded as check words it


def test_a_key_given_twice_in_a_row_with_an_id_is_refused(monkeypatch):
    """The fast reader counts a row's id beside the scenario's fields: an id or a field given
    twice (the same value twice, which validation alone would accept) is the row's error, and a
    row with its id given once is read without the careful reader."""
    import returnlaw.batch

    options = BatchOptions(today=TODAY)
    for raw in (
        '{"id": "a", "id": "a", "item": {}}',
        '{"id": 7, "item": {"custom_made": true, "custom_made": true}}',
        '{"id": null, "item": {"custom_made": true}, "item": {"custom_made": true}}',
    ):
        for row in (raw, raw.encode()):
            assert "given twice" in decide_row(row, 0, BOOK, options)["error"], raw
    monkeypatch.setattr(returnlaw.batch, "_careful", None)  # a row it reads now fails loudly
    for row in ('{"id": "a", "item": {"custom_made": true}}', b'{"id":7,"item":{"custom_made":true}}'):
        once = decide_row(row, 0, BOOK, options)
        assert once["error"] is None and once["id"] in ("a", "7")


def test_a_row_refused_for_a_key_given_twice_keeps_its_id_unless_the_id_is_the_key():
    """Platforms match error rows to their orders by id: a key given twice elsewhere in the row
    does not lose it; an id given twice (which one?) does, and so does a row that is not an object."""
    options = BatchOptions(today=TODAY)
    nested = '{"id": "o-1", "item": {"custom_made": true, "custom_made": true}}'
    for raw in (nested, nested.encode(), b"\xef\xbb\xbf" + nested.encode(), "\ufeff" + nested):
        row = decide_row(raw, 3, BOOK, options)
        assert "given twice" in row["error"] and row["id"] == "o-1" and row["row"] == 3, raw
    top = decide_row('{"item": {}, "id": 42, "item": {}}', 0, BOOK, options)
    assert "given twice" in top["error"] and top["id"] == "42"
    for raw in ('{"id": "a", "id": "b", "item": {}}', '{"id": "a", "id": "a"}', '[{"id": "a", "x": 1, "x": 2}]'):
        assert decide_row(raw, 0, BOOK, options)["id"] is None, raw


def test_rows_come_from_text_bytes_mappings_and_scenarios_alike():
    case = load_cases()[0]
    scenario = parse_scenario(case.data)
    inputs = [to_json(case.data), to_json(case.data).encode(), json.loads(to_json(case.data)), scenario]
    out = list(decide_rows(inputs, today=TODAY))
    assert [r["row"] for r in out] == [0, 1, 2, 3]
    assert len({json.dumps(r | {"row": 0}, default=str) for r in out}) == 1


# -- files ----------------------------------------------------------------------------------------


def test_jsonl_to_jsonl_one_row_per_line_in_order_with_reasons(tmp_path):
    lines = LAW + list(BAD)
    src = write_lines(tmp_path / "in.jsonl", lines)
    stats = run_batch(src, tmp_path / "out.jsonl", jobs=1, today=TODAY, chunk_rows=7)
    rows = read_lines(tmp_path / "out.jsonl")
    assert [r["row"] for r in rows] == list(range(len(lines)))
    assert (stats.rows, stats.errors) == (len(lines), len(BAD))
    assert [r["id"] for r in rows[: len(LAW)]] == [f"law-{i}" for i in range(len(LAW))]
    assert all(r["error"] is None and r["outcome"] for r in rows[: len(LAW)])
    for row, reason in zip(rows[len(LAW) :], BAD.values(), strict=True):
        assert row["outcome"] is None and reason in row["error"], row
    assert rows[-4]["id"] == "typed" and rows[-2]["id"] == "7"  # a bad row keeps its id when it has one
    assert list(rows[0]) == list(output_columns(BOOK))


def test_all_cores_give_the_same_bytes_as_one(tmp_path):
    lines = [LAW[i % len(LAW)] for i in range(ROWS)] + list(BAD)
    src = write_lines(tmp_path / "in.jsonl", lines)
    run_batch(src, tmp_path / "one.jsonl", jobs=1, today=TODAY, chunk_rows=500)
    stats = run_batch(src, tmp_path / "two.jsonl", jobs=2, today=TODAY, chunk_rows=500)
    assert stats.rows == len(lines)
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()


# -- chunk sizes ----------------------------------------------------------------------------------------


def chunk_sizes(src: Path, chunk_rows: int | None, jobs: int) -> list[int]:
    """The rows of each chunk run_batch would cut from ``src`` (read only, nothing decided)."""
    fmt = "jsonl" if src.suffix == ".jsonl" else "parquet"
    with _open_input(src, fmt, chunk_rows, jobs) as tasks:
        return [task[2].num_rows if fmt == "parquet" else len(task[2]) for task in tasks]


def test_a_small_file_is_cut_so_every_worker_gets_chunks(tmp_path):
    src = write_lines(tmp_path / "in.jsonl", [LAW[i % len(LAW)] for i in range(2400)])
    two = chunk_sizes(src, None, 2)  # a quarter of the bytes each: about 600 rows, above the floor
    assert len(two) >= 4 and sum(two) == 2400 and min(two[:4]) > MIN_CHUNK_ROWS, two
    assert chunk_sizes(src, None, 3) == [MIN_CHUNK_ROWS] * 4 + [400]  # a sixth would be under the floor
    assert chunk_sizes(src, None, 1) == [2400]  # one worker: one chunk, no fixed cost paid twice


def test_chunks_sized_to_the_file_stop_at_the_floor_and_at_the_default(tmp_path):
    few = write_lines(tmp_path / "few.jsonl", [LAW[i % len(LAW)] for i in range(1200)])
    assert chunk_sizes(few, None, 2) == [MIN_CHUNK_ROWS, MIN_CHUNK_ROWS, 1200 - 2 * MIN_CHUNK_ROWS]
    many = write_lines(tmp_path / "many.jsonl", ["{}"] * (5 * DEFAULT_CHUNK_ROWS))  # a quarter is 12,500 rows
    assert chunk_sizes(many, None, 2) == [DEFAULT_CHUNK_ROWS] * 5
    assert adapted_chunk_rows(10**6, 2) == DEFAULT_CHUNK_ROWS
    assert adapted_chunk_rows(1000, 2) == MIN_CHUNK_ROWS
    assert adapted_chunk_rows(3000, 2) == 750
    assert adapted_chunk_rows(3000, 1) == DEFAULT_CHUNK_ROWS


def test_an_explicit_chunk_size_is_taken_as_given(tmp_path):
    src = write_lines(tmp_path / "in.jsonl", [LAW[i % len(LAW)] for i in range(2400)])
    assert chunk_sizes(src, 7, 2)[:3] == [7, 7, 7] and len(chunk_sizes(src, 7, 2)) == -(-2400 // 7)
    assert chunk_sizes(src, 2400, 2) == [2400]  # no splitting when the caller asked for one chunk
    with pytest.raises(ValueError, match="chunk_rows must be at least 1, got 0"):
        run_batch(src, tmp_path / "out.jsonl", jobs=1, chunk_rows=0)


def test_parquet_chunks_are_sized_to_its_rows_unless_given(tmp_path):
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"scenario": [LAW[i % len(LAW)] for i in range(2400)]}), src)
    assert chunk_sizes(src, None, 2) == [600] * 4
    assert chunk_sizes(src, None, 1) == [2400]
    assert chunk_sizes(src, 1000, 2) == [1000, 1000, 400]


def test_chunks_sized_to_the_file_give_the_bytes_of_one_worker(tmp_path):
    src = write_lines(tmp_path / "in.jsonl", [LAW[i % len(LAW)] for i in range(2400)] + list(BAD))
    run_batch(src, tmp_path / "one.jsonl", jobs=1, today=TODAY)
    chunks: list[int] = []
    stats = run_batch(src, tmp_path / "two.jsonl", jobs=2, today=TODAY, progress=lambda *a: chunks.append(a[1]))
    assert len(chunks) >= 4 and stats.rows == 2400 + len(BAD)  # progress is reported once a chunk
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()


def test_the_cli_passes_a_chunk_size_only_when_given(tmp_path, monkeypatch):
    import returnlaw.batch as batch

    src = write_lines(tmp_path / "in.jsonl", LAW[:3])
    asked: list[int | None] = []
    real = batch.run_batch

    def spy(*args, **kwargs):
        asked.append(kwargs["chunk_rows"])
        return real(*args, **kwargs)

    monkeypatch.setattr(batch, "run_batch", spy)
    assert main(["batch", str(src), str(tmp_path / "a.jsonl"), "--quiet", "--jobs", "1"]) == 0
    assert main(["batch", str(src), str(tmp_path / "b.jsonl"), "--quiet", "--jobs", "1", "--chunk-rows", "2"]) == 0
    assert asked == [None, 2]


def test_parquet_in_both_shapes_and_out(tmp_path):
    datas = [json.loads(line) for line in LAW]
    as_json = pa.table({"id": [d.pop("id") for d in datas], "scenario": [to_json(d) for d in datas]})
    pq.write_table(as_json, tmp_path / "json.parquet")
    structs = pa.Table.from_pylist([{"id": f"law-{i}", **c.data} for i, c in enumerate(load_cases())])
    pq.write_table(structs, tmp_path / "struct.parquet")
    run_batch(write_lines(tmp_path / "in.jsonl", LAW), tmp_path / "ref.jsonl", jobs=1, today=TODAY)
    expected = read_lines(tmp_path / "ref.jsonl")
    for name in ("json", "struct"):
        stats = run_batch(tmp_path / f"{name}.parquet", tmp_path / f"{name}-out.parquet", jobs=2, today=TODAY)
        table = pq.read_table(tmp_path / f"{name}-out.parquet")
        assert stats.errors == 0 and table.schema == output_schema(BOOK)
        got = json.loads(json.dumps(table.to_pylist(), default=_json_default))
        assert got == expected, name


def test_full_adds_the_decision_json_of_each_row(tmp_path):
    src = write_lines(tmp_path / "in.jsonl", [*LAW[:5], "{bad"])
    run_batch(src, tmp_path / "out.jsonl", jobs=1, full=True, today=TODAY)
    rows = read_lines(tmp_path / "out.jsonl")
    for line, row in zip(LAW[:5], rows, strict=False):
        data = json.loads(line)
        data.pop("id")
        assert row["decision"] == json.loads(decide_json(json.dumps(data)))
    assert rows[-1]["decision"] is None and rows[-1]["error"]


def test_decide_table_over_arrow(tmp_path):
    table = pa.table({"scenario": LAW})
    one = decide_table(table, today=TODAY)
    two = decide_table(table, today=TODAY, jobs=2, chunk_rows=10)
    assert one.equals(two)
    assert one.column("row").to_pylist() == list(range(len(LAW)))
    assert one.column("id").to_pylist() == [f"law-{i}" for i in range(len(LAW))]
    assert decide_table(table.slice(0, 0), today=TODAY).num_rows == 0
    assert decide_table(table.to_batches()[0], today=TODAY, chunk_rows=3).equals(one)  # a record batch
    with pytest.raises(ValueError, match="chunk_rows must be at least 1, got 0"):
        decide_table(table, today=TODAY, chunk_rows=0)


def test_decide_table_sizes_its_chunks_to_the_table_unless_given(monkeypatch):
    import returnlaw.batch as batch

    seen: list[list[int]] = []
    real = batch._run

    def one_process(tasks, opts, jobs, out_format):  # record the chunks, decide them here
        tasks = list(tasks)
        seen.append([payload.num_rows for _, _, payload, _ in tasks])
        return real(iter(tasks), opts, 1, out_format)

    monkeypatch.setattr(batch, "_run", one_process)
    table = pa.table({"scenario": [LAW[i % len(LAW)] for i in range(2000)]})
    decide_table(table, today=TODAY, jobs=2)
    decide_table(table, today=TODAY, jobs=2, chunk_rows=1500)
    decide_table(table.combine_chunks().to_batches()[0], today=TODAY, jobs=2)  # a record batch too
    assert seen == [[500] * 4, [1500, 500], [500] * 4]


def test_a_failed_run_leaves_no_output_and_keeps_the_old_one(tmp_path):
    src = write_lines(tmp_path / "in.jsonl", LAW)
    dst = tmp_path / "out.jsonl"
    dst.write_text("previous results\n")

    def interrupt(units: int, rows: int, errors: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(src, dst, jobs=1, today=TODAY, chunk_rows=10, progress=interrupt)
    assert dst.read_text() == "previous results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def test_work_in_flight_is_bounded_by_two_chunks_per_worker():
    pulled, lead = [0], []

    def tasks():
        for k in range(40):
            pulled[0] += 1
            yield "lines", k * 2, [LAW[0].encode()] * 2, 1

    for done, _ in enumerate(_run(tasks(), BatchOptions(today=TODAY), 2, "jsonl"), start=1):
        lead.append(pulled[0] - done)
    assert len(lead) == 40
    assert max(lead) <= 2 * 2  # never more than two chunks per worker read ahead of the writer


def test_bad_file_types_and_missing_files_are_input_errors(tmp_path, capsys):
    assert main(["batch", str(tmp_path / "in.csv"), str(tmp_path / "out.jsonl")]) == 2
    assert "unknown file type .csv" in capsys.readouterr().err
    assert main(["batch", str(tmp_path / "none.jsonl"), str(tmp_path / "out.jsonl"), "--quiet"]) == 2
    assert "cannot read" in capsys.readouterr().err
    (tmp_path / "broken.parquet").write_bytes(b"not parquet")
    assert main(["batch", str(tmp_path / "broken.parquet"), str(tmp_path / "out.jsonl"), "--quiet"]) == 2
    assert "not a readable Parquet file" in capsys.readouterr().err


def test_cli_batch_with_progress_bar(tmp_path, capsys):
    src = write_lines(tmp_path / "in.jsonl", [*LAW, "oops"])
    code = main(
        ["batch", str(src), str(tmp_path / "out.parquet"), "--jobs", "2", "--reading", "counting=calendar_only"]
    )
    out, err = capsys.readouterr()
    assert code == 1  # a row could not be decided
    assert f"{len(LAW) + 1} rows decided (1 with an error)" in out
    assert f"row {len(LAW)}: row: invalid JSON" in out and "1 row(s) could not be decided (exit 1)" in out
    assert "deciding" in err  # the progress bar is drawn on stderr
    assert pq.read_table(tmp_path / "out.parquet").num_rows == len(LAW) + 1


def test_readings_and_as_of_apply_to_every_row(tmp_path):
    src = write_lines(tmp_path / "in.jsonl", LAW)
    run_batch(src, tmp_path / "a.jsonl", jobs=1, today=TODAY, readings=Readings(counting="platform_168h"))
    run_batch(src, tmp_path / "b.jsonl", jobs=1, today=TODAY, as_of=dt.date(2013, 1, 1))
    assert read_lines(tmp_path / "a.jsonl") != read_lines(tmp_path / "b.jsonl")
    assert {r["outcome"] for r in read_lines(tmp_path / "b.jsonl")} == {"out_of_scope"}  # before CPL Art. 25


def test_decide_rows_with_chunks_of_one_answers_each_row_as_it_arrives():
    """A live stream: the first decision comes before the second row is asked for."""

    def stream() -> Iterator[str]:
        yield LAW[0]
        raise AssertionError("the second row was read before the first was decided")

    first = next(decide_rows(stream(), today=TODAY, chunk_rows=1))
    assert first["row"] == 0 and first["error"] is None
