"""Attacks on reading files (issue 14 items 3 and 7): one bounded reader for every input path,
rule directories that cannot hang or explode the loader, one place where an OSError becomes exit
2 naming the path, and SIGTERM taking the Ctrl-C path. Real processes run under a 2 GB address
space limit, so a read that is not bounded fails the test with a MemoryError instead of taking
the machine."""

from __future__ import annotations

import ast
import errno
import io
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import returnlaw.files
from returnlaw import RuleFileError, load_rulebook
from returnlaw.cli import COMMANDS, main
from returnlaw.files import FileError, LongLine, bounded_lines, read_bounded
from returnlaw.inputs import MAX_INPUT_BYTES
from returnlaw.loader import MAX_RULE_FILE_BYTES

ROOT = Path(__file__).resolve().parent.parent
GOOD_BOOK = ROOT / "tests" / "rules_good"
PACKAGE = Path(returnlaw.files.__file__).parent
GOOD = b'{"purchase": {"date": "2024-08-01", "channel": "online"}, "item": {"custom_made": true}}'
LIMIT_AS = 2 * 1024**3


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_AS, LIMIT_AS))


def _close_stdin() -> None:
    _limited()
    os.close(0)


def run(*args: str, stdin=None, preexec=_limited, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "returnlaw", *args],
        stdin=stdin,
        capture_output=True,
        timeout=timeout,
        cwd=ROOT,
        preexec_fn=preexec,
    )


def one_line_error(proc: subprocess.CompletedProcess, code: int = 2) -> str:
    err = proc.stderr.decode()
    assert proc.returncode == code, err
    assert "Traceback" not in err and "MemoryError" not in err
    assert err.startswith("returnlaw: ") and err.count("\n") == 1, err
    return err


@pytest.fixture
def zero_link(tmp_path: Path):
    def make(name: str) -> Path:
        link = tmp_path / name
        link.symlink_to("/dev/zero")
        return link

    return make


# -- every input path is bounded ------------------------------------------------------------------


def test_check_on_dev_zero_stops_at_the_limit():
    err = one_line_error(run("check", "/dev/zero"))
    assert f"/dev/zero is larger than {MAX_INPUT_BYTES} bytes" in err


def test_check_dash_on_dev_zero_stops_at_the_limit():
    with open("/dev/zero", "rb") as zero:
        err = one_line_error(run("check", "-", stdin=zero))
    assert "stdin is larger than" in err


@pytest.mark.parametrize(
    ("args", "name", "words"),
    [
        (["audit", "{}"], "listings.json", "larger than 1000000 bytes"),
        (["what-changes", "{}"], "scenario.yaml", "larger than 1000000 bytes"),
        (["ask", "{}", "--lang", "en"], "start.yaml", "larger than 1000000 bytes"),
        (["ask", "--answers", "{}", "--lang", "en"], "answers.yaml", "larger than 1000000 bytes"),
        (["replay", "{}"], "case.yaml", "cannot read: a character device, not a regular file"),  # a corpus file
    ],
    ids=["audit", "what-changes", "ask-start", "ask-answers", "replay"],
)
def test_every_command_reading_a_file_stops_at_the_limit(zero_link, args, name, words):
    link = zero_link(name)
    proc = run(*[str(link) if a == "{}" else a for a in args], stdin=subprocess.DEVNULL)
    assert words in one_line_error(proc)


def test_json_lines_from_a_device_are_refused(zero_link):
    link = zero_link("rows.jsonl")
    assert "rows.jsonl: a character device, not a file of lines" in one_line_error(run("audit", str(link)))


def test_a_regular_file_over_the_limit_is_refused_by_its_size_before_reading(tmp_path, monkeypatch):
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(200_000_000)  # sparse: 200 MB that take no disk
    reads: list[object] = []
    monkeypatch.setattr(returnlaw.files, "_read_limited", lambda *args: reads.append(args))
    with pytest.raises(FileError, match=r"big.yaml is 200000000 bytes; the limit is 1000000$"):
        read_bounded(big)
    assert reads == []  # refused from its size: not one byte read


def test_a_stream_is_read_to_the_limit_and_no_further(monkeypatch):
    class Stream(io.BytesIO):
        asked = 0

        def read(self, n: int | None = -1) -> bytes:
            assert n is not None and n > 0  # never "read everything"
            Stream.asked += n
            return super().read(n)

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(Stream(b"#" * 100)))
    assert read_bounded("-", 100) == b"#" * 100
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(Stream(b"#" * 10_000_000)))
    Stream.asked = 0
    with pytest.raises(FileError, match=r"^stdin is larger than 99 bytes"):
        read_bounded("-", 99)
    assert Stream.asked == 100  # the limit and one byte more


def test_a_directory_is_not_read(tmp_path, capsys):
    assert main(["check", str(tmp_path)]) == 2
    assert f"cannot read {tmp_path}: a directory, not a regular file" in capsys.readouterr().err


def test_a_broken_link_is_named_as_one(tmp_path, capsys):
    link = tmp_path / "gone.yaml"
    link.symlink_to(tmp_path / "nowhere.yaml")
    assert main(["check", str(link)]) == 2
    assert f"cannot read {link}: a broken link (to {tmp_path / 'nowhere.yaml'})" in capsys.readouterr().err


def test_check_dash_with_stdin_closed():
    assert "cannot read stdin: it is closed" in one_line_error(run("check", "-", preexec=_close_stdin))


def test_ask_with_stdin_closed():
    assert "stdin is closed" in one_line_error(run("ask", "--lang", "en", preexec=_close_stdin))


# -- lines are bounded one at a time --------------------------------------------------------------


def test_a_line_past_the_limit_is_skipped_not_held():
    stream = io.BytesIO(b"first\r\n" + b"x" * 5000 + b"\nlast")
    assert list(bounded_lines(stream, 1000)) == [b"first", LongLine(5000), b"last"]
    assert list(bounded_lines(io.BytesIO(b"x" * 5000), 1000)) == [LongLine(5000)]  # no final newline
    assert list(bounded_lines(io.BytesIO(b"a" * 1000 + b"\n"), 1000)) == [b"a" * 1000]  # at the limit


def test_audit_json_lines_with_a_huge_line_audits_the_others(tmp_path, capsys):
    path = tmp_path / "listings.jsonl"
    huge = b'{"id": "' + b"x" * (MAX_INPUT_BYTES + 10) + b'"}'
    path.write_bytes(b'{"id": "a", "category": "clothing"}\n' + huge + b'\n{"id": "b", "category": "clothing"}\n')
    assert main(["audit", str(path), "--json"]) == 2
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert f"line 2 is {len(huge)} bytes long; the limit is 1000000" in lines[1]
    assert '"id":"b"' in lines[2]


# -- rule directories -----------------------------------------------------------------------------


@pytest.fixture
def book(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(GOOD_BOOK, folder)
    return folder


def lint(folder: Path, capsys) -> str:
    assert main(["rules", "lint", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_a_directory_named_like_a_rule_file(book, capsys):
    (book / "x.yaml").mkdir()
    assert "x.yaml: cannot read: a directory, not a regular file" in lint(book, capsys)


def test_a_broken_link_in_the_rule_folder(book, capsys):
    (book / "y.yaml").symlink_to(book / "gone.yaml")
    assert "y.yaml: cannot read: a broken link" in lint(book, capsys)


def test_a_link_loop_in_the_rule_folder(book, capsys):
    (book / "loop.yaml").symlink_to(book / "loop.yaml")
    assert "loop.yaml: cannot read: Too many levels of symbolic links" in lint(book, capsys)


def test_a_fifo_in_the_rule_folder_is_refused_without_waiting(book):
    os.mkfifo(book / "z.yaml")
    proc = run("rules", "lint", str(book), timeout=60)  # opening it for reading would block forever
    assert "z.yaml: cannot read: a FIFO (named pipe), not a regular file" in one_line_error(proc)


def test_a_vocabulary_that_is_a_fifo_is_refused_without_waiting(book):
    (book / "vocabulary.yaml").unlink()
    os.mkfifo(book / "vocabulary.yaml")
    proc = run("rules", "lint", str(book), timeout=60)
    assert "vocabulary.yaml: cannot read: a FIFO (named pipe), not a regular file" in one_line_error(proc)


def test_a_device_linked_into_the_rule_folder(book, capsys):
    (book / "zero.yaml").symlink_to("/dev/zero")
    assert "zero.yaml: cannot read: a character device, not a regular file" in lint(book, capsys)


def test_a_200_mb_rule_file_is_refused_by_its_size(book, capsys):
    with (book / "huge.yaml").open("wb") as handle:
        handle.truncate(200_000_000)
    err = lint(book, capsys)
    assert f"huge.yaml: is 200000000 bytes; the limit is {MAX_RULE_FILE_BYTES}" in err


def alias_bomb(levels: int = 25) -> str:
    """A rule condition of a few hundred bytes that YAML aliases expand to 2**levels conditions."""
    parts = ["&c0 {fact: purchase.channel, eq: in_store}"]
    parts += [f"&c{i} {{any: [*c{i - 1}, *c{i - 1}]}}" for i in range(1, levels)]
    return "{all: [" + ", ".join(parts) + "]}"


def test_an_alias_bomb_inside_a_rules_when_is_refused_at_once(book):
    text = (book / "cpl.yaml").read_text(encoding="utf-8")
    bomb = alias_bomb()
    assert len(bomb) < 900
    (book / "cpl.yaml").write_text(text.replace("when: {fact: purchase.channel, eq: in_store}", f"when: {bomb}", 1))
    started = time.monotonic()
    proc = run("rules", "lint", str(book), timeout=120)  # before: still running after 60 s
    err = one_line_error(proc)
    assert "cpl.yaml: has more than 1000000 values" in err and "aliases" in err
    print(f"alias bomb refused in {time.monotonic() - started:.1f} s")


def test_aliases_the_bundled_rules_use_still_load():
    book = load_rulebook()
    assert any(rule.file == "cpl.yaml" for rule in book.rules.values())


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        ("/nonexistent", "/nonexistent: cannot read the rule folder: No such file or directory"),
        ("FILE", "not a folder"),
    ],
)
def test_rules_lint_on_no_folder_names_the_folder_not_the_vocabulary(tmp_path, capsys, target, fragment):
    if target == "FILE":
        target = str(tmp_path / "file.yaml")
        Path(target).write_text("a: 1\n")
    with pytest.raises(RuleFileError) as caught:
        load_rulebook(target)
    assert fragment in str(caught.value) and "vocabulary.yaml" not in str(caught.value)
    assert fragment in lint(Path(target), capsys)


# -- one place turns an OSError into exit 2 --------------------------------------------------------


def test_an_oserror_anywhere_is_one_line_naming_the_path_and_exit_2(monkeypatch, capsys):
    def failing(args, out):
        raise OSError(errno.EIO, "Input/output error", "/mnt/disk/orders.jsonl")

    monkeypatch.setitem(COMMANDS, "schema", failing)
    assert main(["schema"]) == 2
    assert capsys.readouterr().err == "returnlaw: error: cannot access /mnt/disk/orders.jsonl: Input/output error\n"


def test_sigterm_takes_the_ctrl_c_path(tmp_path):
    """``ask`` waiting for an answer: SIGTERM ends it like Ctrl-C, one line and exit 143."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "returnlaw", "ask", "--lang", "en"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        _wait_for(proc.stdout, b"> ")  # the first question's prompt
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM
    assert err.decode() == "returnlaw: interrupted (SIGTERM)\n"


def _wait_for(stream, marker: bytes, timeout: float = 120) -> None:
    os.set_blocking(stream.fileno(), False)
    seen, deadline = b"", time.monotonic() + timeout
    while marker not in seen:
        assert time.monotonic() < deadline, seen[-500:]
        chunk = stream.read()
        if chunk:
            seen += chunk
        else:
            time.sleep(0.05)


# -- no other module reads a file a user names ------------------------------------------------------

ALLOWED_READERS = {"files.py", "atomic.py"}


def direct_reads(tree: ast.AST) -> list[int]:
    """Lines that read a file without returnlaw.files: open(), Path.read_bytes/read_text (a
    bundled resource, ``resources.files(...)``, is not a user's file), stdin.read()."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "open":
            lines.append(node.lineno)
        elif isinstance(func, ast.Attribute) and func.attr in ("read_bytes", "read_text", "read"):
            text = ast.unparse(func.value)
            if (func.attr == "read" and "stdin" in text) or (func.attr != "read" and "resources.files" not in text):
                lines.append(node.lineno)
    return lines


def test_every_input_path_reads_through_the_bounded_reader():
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in ALLOWED_READERS and path.parent == PACKAGE:
            continue
        source = path.read_text(encoding="utf-8")
        lines = direct_reads(ast.parse(source))
        if lines:
            offenders[str(path.relative_to(PACKAGE))] = lines
    assert offenders == {}, "read through returnlaw.files (read_bounded, open_bounded, open_lines)"


def test_the_scan_would_catch_a_direct_read():
    code = "open(p)\nPath(p).read_bytes()\nsys.stdin.buffer.read()\nresources.files('x').joinpath('y').read_text()\n"
    assert direct_reads(ast.parse(code)) == [1, 2, 3]


# -- further attacks -----------------------------------------------------------------------------


def test_a_fifo_in_a_case_folder_is_refused_without_waiting(tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    os.mkfifo(folder / "zz.yaml")
    proc = run("replay", str(folder), timeout=60)
    assert f"{folder / 'zz.yaml'}: cannot read: a FIFO (named pipe), not a regular file" in one_line_error(proc)


def test_output_to_a_full_disk_is_one_line():
    with open("/dev/full", "wb") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "returnlaw", "check", "examples/downjacket.yaml", "--json"],
            stdout=full,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            timeout=120,
        )
    assert proc.returncode == 2
    assert proc.stderr.decode() == "returnlaw: error: cannot write: No space left on device\n"


def test_a_name_with_a_newline_stays_on_one_line(tmp_path, capsys):
    path = tmp_path / "two\nlines.yaml"
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "two\\nlines.yaml" in err


def test_control_characters_in_a_name_cannot_drive_the_terminal(tmp_path, capsys):
    path = tmp_path / "\x1b[2Jclear.yaml"
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b[2Jclear.yaml" in err


def test_a_rule_file_name_with_control_characters_is_escaped(book, capsys):
    (book / "\x1b]0;title\x07.yaml").mkdir()
    err = lint(book, capsys)
    assert "\x1b" not in err and "\x07" not in err and "\\x1b]0;title\\x07.yaml" in err


def test_an_unknown_rule_id_is_not_echoed_whole(capsys):
    assert main(["rules", "show", "x" * 100_000]) == 2
    err = capsys.readouterr().err
    assert len(err) < 300 and "(100000 characters)" in err


def test_ask_with_answers_piped_from_dev_zero_stops_at_one_answers_length():
    with open("/dev/zero", "rb") as zero:
        proc = run("ask", "--lang", "en", stdin=zero)
    assert "an answer on stdin is longer than 4096 characters" in one_line_error(proc)


def test_ask_reads_piped_answers_of_any_sensible_length():
    answers = b"2024-08-01\n" + b"online\n"
    proc = subprocess.run(
        [sys.executable, "-m", "returnlaw", "ask", "--lang", "en"], input=answers, capture_output=True, cwd=ROOT
    )
    assert proc.returncode in (0, 1), proc.stderr.decode()
    assert b"2024-08-01" in proc.stdout and proc.stderr == b""
