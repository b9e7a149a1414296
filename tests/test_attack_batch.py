"""Attacks on the batch (issue 14 items 4 and 7): a bad row stays a row, however it is bad; output
errors name the output and exit 2; the input is never the output; a run with row errors exits 1
with a summary; SIGTERM takes the Ctrl-C path; no worker outlives the main process, even killed;
a killed run's temporary file is removed by the next; Parquet without pyarrow is one line; a Dask
dataset appears whole or not at all, and the README's Dask snippet runs as a script."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

import returnlaw.atomic  # noqa: E402
from returnlaw.batch import decide_rows, run_batch  # noqa: E402
from returnlaw.cli import main  # noqa: E402
from returnlaw.files import FileError  # noqa: E402
from returnlaw.inputs import MAX_INPUT_BYTES  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GOOD = '{"purchase": {"date": "2024-08-01", "channel": "online"}, "item": {"custom_made": true}}'


def write(path: Path, lines: list[str | bytes]) -> Path:
    path.write_bytes(b"".join((x.encode() if isinstance(x, str) else x) + b"\n" for x in lines))
    return path


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# -- a bad row stays a row --------------------------------------------------------------------------


def test_a_bare_5000_digit_number_is_that_rows_error(tmp_path, capsys):
    src = write(tmp_path / "in.jsonl", [GOOD, "9" * 5000, GOOD, "-" + "9" * 5000])
    code = main(["batch", str(src), str(tmp_path / "out.jsonl"), "--quiet"])
    out = rows(tmp_path / "out.jsonl")
    assert [r["error"] is None for r in out] == [True, False, True, False]
    assert out[1]["error"] == "row: a number with 5000 digits is too long (the limit is 40)"
    assert code == 1
    summary = capsys.readouterr().out
    assert "4 rows decided (2 with an error)" in summary
    assert "row 1: row: a number with 5000 digits is too long" in summary and "row 3: " in summary
    assert "2 row(s) could not be decided (exit 1)" in summary


def test_a_line_past_the_size_limit_is_that_rows_error(tmp_path):
    huge = b'{"id": "' + b"x" * MAX_INPUT_BYTES + b'"}'
    src = write(tmp_path / "in.jsonl", [GOOD, huge, GOOD])
    stats = run_batch(src, tmp_path / "out.jsonl", jobs=1)
    out = rows(tmp_path / "out.jsonl")
    assert stats.errors == 1 and [r["row"] for r in out] == [0, 1, 2]
    assert out[1]["error"] == f"row is {len(huge)} bytes long; the limit is {MAX_INPUT_BYTES}"
    assert out[2]["outcome"] == out[0]["outcome"] is not None


@pytest.mark.parametrize("fast", [False, True], ids=["careful", "fast-json"])
def test_a_row_with_a_byte_order_mark_is_read_like_check_reads_it(fast):
    plain, text, raw = decide_rows([GOOD, "\ufeff" + GOOD, b"\xef\xbb\xbf" + GOOD.encode()], fast_json=fast)
    assert text["error"] is None and raw["error"] is None
    assert {k: v for k, v in text.items() if k != "row"} == {k: v for k, v in plain.items() if k != "row"}
    assert {k: v for k, v in raw.items() if k != "row"} == {k: v for k, v in plain.items() if k != "row"}


@pytest.mark.parametrize("fast", [False, True], ids=["careful", "fast-json"])
@pytest.mark.parametrize("ident", ["1.0", "true", "1e3", "1" + "0" * 40, '{"a": 1}'])
def test_an_id_must_be_text_or_a_json_whole_number(fast, ident):
    text = GOOD[:-1] + f', "id": {ident}}}'
    row = next(decide_rows([text], fast_json=fast))
    assert row["outcome"] is None
    assert row["error"].startswith("id: "), row["error"]


@pytest.mark.parametrize("fast", [False, True], ids=["careful", "fast-json"])
def test_whole_number_and_text_ids_are_kept(fast):
    out = list(decide_rows([GOOD[:-1] + ', "id": 12}', GOOD[:-1] + ', "id": "a-1"}'], fast_json=fast))
    assert [r["id"] for r in out] == ["12", "a-1"] and all(r["error"] is None for r in out)


# -- the run as a whole ----------------------------------------------------------------------------


def test_a_run_without_row_errors_exits_0(tmp_path, capsys):
    src = write(tmp_path / "in.jsonl", [GOOD] * 3)
    assert main(["batch", str(src), str(tmp_path / "out.jsonl"), "--quiet"]) == 0
    assert "could not be decided" not in capsys.readouterr().out


@pytest.mark.parametrize("how", ["same path", "a link", "a hard link"])
def test_batch_in_in_is_refused_and_the_input_kept(tmp_path, capsys, how):
    src = write(tmp_path / "in.jsonl", [GOOD])
    out = {"same path": src, "a link": tmp_path / "out.jsonl", "a hard link": tmp_path / "hard.jsonl"}[how]
    if how == "a link":
        out.symlink_to(src)
    elif how == "a hard link":
        os.link(src, out)
    assert main(["batch", str(src), str(out), "--quiet"]) == 2
    assert f"cannot write {out}: it is the input file {src}" in capsys.readouterr().err
    assert src.read_text() == GOOD + "\n"


def test_an_output_folder_that_does_not_exist(tmp_path, capsys):
    src = write(tmp_path / "in.jsonl", [GOOD])
    out = tmp_path / "missing" / "out.jsonl"
    assert main(["batch", str(src), str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"cannot write {out}: there is no folder {tmp_path / 'missing'}" in err and err.count("\n") == 1


def test_a_read_only_output_folder(tmp_path, capsys, monkeypatch):
    real_open = os.open

    def read_only(path, flags, mode=0o777, **kw):
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, mode, **kw)

    monkeypatch.setattr(returnlaw.atomic.os, "open", read_only)
    src = write(tmp_path / "in.jsonl", [GOOD])
    assert main(["batch", str(src), str(tmp_path / "out.jsonl"), "--quiet"]) == 2
    assert (
        capsys.readouterr().err == f"returnlaw: error: cannot write {tmp_path / 'out.jsonl'}: Read-only file system\n"
    )


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_a_disk_that_fills_mid_run_names_the_output_and_keeps_the_old_one(tmp_path, capsys, monkeypatch, suffix):
    real_fdopen = os.fdopen

    class FillsUp:
        """A file that takes 3 KB, then reports the disk full."""

        def __init__(self, handle):
            self.handle, self.written = handle, 0

        def write(self, data):
            self.written += len(data)
            if self.written > 3000:
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.handle.write(data)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def __getattr__(self, name):
            return getattr(self.handle, name)

    monkeypatch.setattr(returnlaw.atomic.os, "fdopen", lambda *a, **k: FillsUp(real_fdopen(*a, **k)))
    src = write(tmp_path / "in.jsonl", [GOOD] * 2000)
    dst = tmp_path / f"out{suffix}"
    dst.write_bytes(b"previous results")
    assert main(["batch", str(src), str(dst), "--quiet", "--jobs", "1", "--chunk-rows", "50"]) == 2
    assert capsys.readouterr().err == f"returnlaw: error: cannot write {dst}: No space left on device\n"
    assert dst.read_bytes() == b"previous results"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", f"out{suffix}"]


def test_corrupt_parquet_data_pages_are_a_clear_error(tmp_path, capsys):
    table = pa.table({"scenario": [GOOD] * 5000, "id": [str(i) for i in range(5000)]})
    good = tmp_path / "good.parquet"
    pq.write_table(table, good, compression="snappy")
    data = bytearray(good.read_bytes())
    for i in range(len(data) // 4, len(data) // 2, 97):  # the data pages; the footer stays readable
        data[i] ^= 0xFF
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(bytes(data))
    assert main(["batch", str(bad), str(tmp_path / "out.jsonl"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"returnlaw: error: {bad} is not a readable Parquet file: ") and err.count("\n") == 1
    assert not (tmp_path / "out.jsonl").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.parquet", "good.parquet"]


def test_json_lines_from_a_device_are_refused(tmp_path, capsys):
    link = tmp_path / "rows.jsonl"
    link.symlink_to("/dev/zero")
    assert main(["batch", str(link), str(tmp_path / "out.jsonl"), "--quiet"]) == 2
    assert "rows.jsonl: a character device, not a file of lines" in capsys.readouterr().err
    assert not (tmp_path / "out.jsonl").exists()


def test_run_batch_refuses_the_input_as_output_in_python_too(tmp_path):
    src = write(tmp_path / "in.jsonl", [GOOD])
    with pytest.raises(FileError, match="it is the input file"):
        run_batch(src, src)


@pytest.mark.parametrize("args", [["in.jsonl", "out.parquet"], ["in.parquet", "out.jsonl"]])
def test_parquet_without_pyarrow_is_one_line(tmp_path, args):
    write(tmp_path / "in.jsonl", [GOOD])
    code = "import sys; sys.modules['pyarrow'] = None; from returnlaw.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.run(
        [sys.executable, "-c", code, "batch", *args, "--quiet"], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == (
        "returnlaw: error: Parquet files need pyarrow, which is not installed (pyarrow): "
        "pip install 'returnlaw[batch]', or use .jsonl\n"
    )


# -- signals and worker processes --------------------------------------------------------------------


def children(pid: int) -> set[int]:
    """Live (not zombie) processes whose parent is ``pid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def long_run(tmp_path: Path):
    """A batch that takes far longer than the test waits: 300,000 rows on two workers."""
    src = tmp_path / "in.jsonl"
    src.write_text((GOOD + "\n") * 300_000, encoding="utf-8")
    dst = tmp_path / "out.jsonl"
    dst.write_text("previous results\n")

    def start() -> subprocess.Popen:
        cmd = [sys.executable, "-m", "returnlaw", "batch", str(src), str(dst), "--jobs", "2", "--quiet"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
        wait_until(lambda: len(children(proc.pid)) >= 2 and temporaries(), 120, "two workers and the output")
        return proc

    def temporaries() -> list[str]:
        return [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]

    return start, temporaries, dst


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(
    ("sent", "words"),
    [(signal.SIGTERM, "returnlaw: interrupted (SIGTERM)\n"), (signal.SIGINT, "returnlaw: interrupted\n")],
    ids=["SIGTERM", "Ctrl-C"],
)
def test_a_signal_during_a_batch_stops_the_workers_and_removes_the_temporary_file(long_run, sent, words):
    """SIGTERM takes the path of Ctrl-C: the same message, cleanup and exit 128 + signal."""
    start, temporaries, dst = long_run
    proc = start()
    workers = children(proc.pid)
    proc.send_signal(sent)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sent, err
    assert err.decode() == words  # no traceback, from no worker either
    wait_until(lambda: not any(alive(w) for w in workers), 30, "the workers to exit")
    assert temporaries() == []
    assert dst.read_text() == "previous results\n"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_exit_when_the_main_process_is_killed_and_the_next_run_cleans_up(long_run, tmp_path):
    start, temporaries, dst = long_run
    proc = start()
    workers = children(proc.pid)
    proc.kill()  # SIGKILL: no handler runs, nothing is cleaned up by the process itself
    proc.wait(timeout=30)
    wait_until(lambda: not any(alive(w) for w in workers), 30, "the orphaned workers to exit")
    left = temporaries()
    assert len(left) == 1 and re.fullmatch(rf"\.out\.jsonl\.{proc.pid}\.[0-9a-f]{{8}}\.part", left[0])
    assert dst.read_text() == "previous results\n"
    small = write(tmp_path / "small.jsonl", [GOOD])
    assert main(["batch", str(small), str(dst), "--quiet"]) == 0
    assert temporaries() == []  # the next write to the same output removed the dead run's file
    assert len(rows(dst)) == 1


# -- Dask --------------------------------------------------------------------------------------------


def test_a_failed_dask_write_leaves_no_folder(tmp_path):
    dd = pytest.importorskip("dask.dataframe")
    import pandas as pd

    from returnlaw.distributed import decide_dataframe, to_parquet

    def explode(part):
        raise RuntimeError("a worker failed")

    frame = dd.from_pandas(pd.DataFrame({"scenario": [GOOD] * 4}), npartitions=2)
    decided = decide_dataframe(frame).map_partitions(explode, meta=decide_dataframe(frame)._meta)
    with pytest.raises(RuntimeError, match="a worker failed"):
        to_parquet(decided, str(tmp_path / "decisions"))
    assert list(tmp_path.iterdir()) == []
    to_parquet(decide_dataframe(frame), str(tmp_path / "decisions"))
    assert [p.name for p in tmp_path.iterdir()] == ["decisions"]
    assert pq.read_table(tmp_path / "decisions").num_rows == 4


def readme_dask_snippet() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    found = [b for b in blocks if "decide_bag" in b]
    assert len(found) == 1, "the README has one Dask snippet"
    return found[0]


def test_the_readme_dask_snippet_runs_pasted_into_a_script(tmp_path):
    pytest.importorskip("dask.bag")
    write(tmp_path / "orders-1.jsonl", [GOOD] * 3)
    write(tmp_path / "orders-2.jsonl", [GOOD, "not json"])
    (tmp_path / "script.py").write_text(readme_dask_snippet(), encoding="utf-8")
    proc = subprocess.run([sys.executable, "script.py"], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = pq.read_table(tmp_path / "decisions")
    assert table.num_rows == 5
    assert table.column("error").to_pylist().count(None) == 4


# -- further attacks: resources a typo or a file can demand ----------------------------------------


def test_a_fork_bomb_of_workers_is_refused(tmp_path, capsys):
    src = write(tmp_path / "in.jsonl", [GOOD])
    assert main(["batch", str(src), str(tmp_path / "out.jsonl"), "--quiet", "--jobs", "10000"]) == 2
    cap = 8 * len(os.sched_getaffinity(0))
    assert capsys.readouterr().err == f"returnlaw: error: jobs must be 1 to {cap} (8 per usable core), got 10000\n"
    assert not (tmp_path / "out.jsonl").exists()


def test_a_chunk_of_large_rows_is_bounded_in_bytes_not_only_rows(tmp_path):
    from returnlaw.batch import CHUNK_BYTES, _line_tasks

    row = b'{"id": "' + b"x" * 900_000 + b'"}'
    src = write(tmp_path / "in.jsonl", [row] * 40)  # 36 MB in 40 rows: one chunk of 2,000 rows would hold all
    with src.open("rb") as handle:
        chunks = list(_line_tasks(handle, 2000))
    assert sum(len(lines) for _, _, lines, _ in chunks) == 40
    assert [first for _, first, _, _ in chunks] == [
        0,
        *[sum(len(c[2]) for c in chunks[:i]) for i in range(1, len(chunks))],
    ]
    assert max(sum(len(x) for x in lines) for _, _, lines, _ in chunks) < CHUNK_BYTES + len(row)
    assert sum(units for *_, units in chunks) == src.stat().st_size


@pytest.mark.parametrize("output", ["out.csv", "missing/out.jsonl", "in.jsonl"])
def test_a_bad_output_is_refused_before_any_progress_is_drawn(tmp_path, capsys, output):
    src = write(tmp_path / "in.jsonl", [GOOD])
    assert main(["batch", str(src), str(tmp_path / output)]) == 2  # no --quiet: the bar would be drawn
    err = capsys.readouterr().err
    assert err.startswith("returnlaw: error: ") and err.count("\n") == 1 and "deciding" not in err
