"""Atomic outputs where they are written: batch results and ``ask --save`` go through
returnlaw.atomic, so a run that fails while writing keeps the old file (or none) and leaves no
temporary file; and no module of the package writes a file any other way."""

from __future__ import annotations

import ast
import errno
import json
import re
from pathlib import Path

import pytest

import returnlaw.atomic
from returnlaw import decide_json
from returnlaw.batch import run_batch
from returnlaw.cli import main
from returnlaw.files import FileError

PACKAGE = Path(returnlaw.atomic.__file__).parent
GOOD = '{"purchase": {"date": "2024-08-01", "channel": "online"}, "item": {"custom_made": true}}'
WRITE_METHODS = {"write_text", "write_bytes"}


def writes_outside_atomic(tree: ast.AST) -> list[int]:
    """Lines that open a file for writing, or write one, without returnlaw.atomic."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name in WRITE_METHODS or (name in ("open", "fdopen") and _write_mode(node)):
            lines.append(node.lineno)
    return lines


def _write_mode(call: ast.Call) -> bool:
    modes = [*call.args[1:2], *(k.value for k in call.keywords if k.arg == "mode")]
    return any(isinstance(m, ast.Constant) and isinstance(m.value, str) and set(m.value) & set("wax+") for m in modes)


def test_only_the_atomic_module_writes_files():
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):  # subpackages too (returnlaw/interview/)
        if path == PACKAGE / "atomic.py":
            continue
        lines = writes_outside_atomic(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            offenders[str(path.relative_to(PACKAGE))] = lines
    assert offenders == {}, "write through returnlaw.atomic (atomic_writer / write_text_atomic)"


def test_the_scan_would_catch_a_direct_write():
    code = "open(p, 'w').write(x)\nPath(p).write_text(x)\nopen(p, mode='ab')\nopen(p)\nopen(p, 'rb')\n"
    assert sorted(writes_outside_atomic(ast.parse(code))) == [1, 2, 3]


@pytest.fixture
def disk_full(monkeypatch):
    """Fail the final flush to disk, as a full disk or a killed process would."""

    def fail(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(returnlaw.atomic.os, "fsync", fail)


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_a_batch_that_fails_while_writing_keeps_the_old_results(tmp_path, disk_full, suffix):
    src, dst = tmp_path / "in.jsonl", tmp_path / f"out{suffix}"
    src.write_text((GOOD + "\n") * 50, encoding="utf-8")
    dst.write_bytes(b"previous results")
    with pytest.raises(FileError, match=f"cannot write {re.escape(str(dst))}: No space left"):
        run_batch(src, dst, jobs=1, chunk_rows=10)
    assert dst.read_bytes() == b"previous results"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", f"out{suffix}"]


def test_a_batch_that_completes_replaces_the_old_results(tmp_path):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text((GOOD + "\n") * 5, encoding="utf-8")
    dst.write_bytes(b"previous results")
    run_batch(src, dst, jobs=1)
    expected = json.loads(decide_json(GOOD))["outcome"]
    assert [json.loads(line)["outcome"] for line in dst.read_text().splitlines()] == [expected] * 5


def ask_available() -> bool:
    try:
        import returnlaw.cli_ask  # noqa: F401
    except ModuleNotFoundError:
        return False
    return True


needs_ask = pytest.mark.skipif(not ask_available(), reason="returnlaw.cli_ask (issue 4) is not there yet")


def answers(tmp_path: Path) -> Path:
    path = tmp_path / "answers.yaml"
    path.write_text("purchase.date: 2024-08-01\npurchase.channel: online\n", encoding="utf-8")
    return path


@needs_ask
def test_ask_save_that_fails_while_writing_keeps_the_old_file(tmp_path, disk_full, capsys):
    saved = tmp_path / "scenario.yaml"
    saved.write_text("previous scenario\n")
    code = main(["ask", "--answers", str(answers(tmp_path)), "--save", str(saved), "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"cannot write {saved}: No space left on device" in err
    assert saved.read_text() == "previous scenario\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.yaml", "scenario.yaml"]


@needs_ask
def test_ask_save_writes_a_scenario_check_reads_back(tmp_path, capsys):
    saved = tmp_path / "scenario.json"
    main(["ask", "--answers", str(answers(tmp_path)), "--save", str(saved), "--lang", "en"])
    capsys.readouterr()
    assert json.loads(saved.read_text())["purchase"] == {"date": "2024-08-01", "channel": "online"}
    assert main(["check", str(saved), "--json"]) in (0, 1)
    assert json.loads(capsys.readouterr().out)["as_of"] == "2024-08-01"
