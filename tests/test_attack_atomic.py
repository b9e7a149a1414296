"""Attacks on the atomic writer (issue 14 item 5): it writes the file a link points to, refuses
anything but a regular file and the run's own input, keeps an existing file's mode, gives a new
file 0666 less the umask, cleans up after killed runs and names the target in every error."""

from __future__ import annotations

import errno
import os
import re
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import returnlaw.atomic
from returnlaw.atomic import atomic_writer, remove_stale_temporaries, same_file, write_text_atomic
from returnlaw.files import FileError


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_link_is_kept_and_its_target_written(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "out.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    write_text_atomic(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new"
    assert names(tmp_path / "real") == ["out.json"]  # the temporary file was beside the target


def test_a_link_to_a_file_not_yet_there_creates_it(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "later.json")
    write_text_atomic(link, "new")
    assert link.is_symlink() and (tmp_path / "later.json").read_text() == "new"


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _directory(path: Path) -> None:
    path.mkdir()


def _socket(path: Path) -> None:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    sock.close()


def _device(path: Path) -> None:
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a /dev/null of our own
    except PermissionError:
        pytest.skip("creating a device node needs root")


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (_fifo, "a FIFO (named pipe)"),
        (_directory, "a directory"),
        (_socket, "a socket"),
        (_device, "a character device"),
    ],
    ids=["fifo", "directory", "socket", "device"],
)
def test_anything_but_a_regular_file_is_refused_and_left_alone(tmp_path, make, kind):
    target = tmp_path / "out.json"
    make(target)
    before = os.lstat(target)
    with pytest.raises(FileError, match=re.escape(f"cannot write {target}: it is {kind}; only a regular")):
        write_text_atomic(target, "new")
    after = os.lstat(target)
    assert (stat.S_IFMT(after.st_mode), after.st_ino) == (stat.S_IFMT(before.st_mode), before.st_ino)
    assert names(tmp_path) == ["out.json"]


def test_a_link_to_a_device_is_refused_not_followed_into_replacing_it(tmp_path):
    link = tmp_path / "out.json"
    link.symlink_to("/dev/null")
    with pytest.raises(FileError, match="it is a character device"):
        write_text_atomic(link, "new")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_the_input_is_never_the_output(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text("rows")
    link, hard = tmp_path / "link.jsonl", tmp_path / "hard.jsonl"
    link.symlink_to(source)
    os.link(source, hard)
    for output in (source, link, hard, tmp_path / "." / "in.jsonl"):
        with pytest.raises(FileError, match="it is the input file"):
            write_text_atomic(output, "results", inputs=[source])
    assert source.read_text() == "rows"
    assert same_file(link, source) and not same_file(tmp_path / "other.jsonl", source)


def test_an_existing_file_keeps_its_mode(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    target.chmod(0o640)
    write_text_atomic(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    target.chmod(0o604)
    write_text_atomic(target, "newer")
    assert stat.S_IMODE(target.stat().st_mode) == 0o604


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_a_new_file_gets_0666_less_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        write_text_atomic(tmp_path / "new.json", "new")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o666 & ~umask


def test_a_missing_folder_is_named(tmp_path):
    target = tmp_path / "nowhere" / "out.json"
    with pytest.raises(FileError, match=f"cannot write {target}: there is no folder {tmp_path / 'nowhere'}"):
        write_text_atomic(target, "new")


@pytest.mark.parametrize(
    ("code", "words"), [(errno.EROFS, "Read-only file system"), (errno.EACCES, "Permission denied")]
)
def test_a_folder_that_cannot_be_written_is_named(tmp_path, monkeypatch, code, words):
    real_open = os.open

    def refuse(path, flags, mode=0o777, **kw):
        if flags & os.O_CREAT:
            raise OSError(code, os.strerror(code), str(path))
        return real_open(path, flags, mode, **kw)

    monkeypatch.setattr(returnlaw.atomic.os, "open", refuse)
    target = tmp_path / "out.json"
    with pytest.raises(FileError, match=f"^cannot write {target}: {words}$"):
        write_text_atomic(target, "new")


def test_a_full_disk_while_writing_names_the_target_and_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "out.json"
    target.write_text("old")
    real_fdopen = os.fdopen

    class Full:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.handle, name)

    monkeypatch.setattr(returnlaw.atomic.os, "fdopen", lambda *a, **k: Full(real_fdopen(*a, **k)))
    with pytest.raises(FileError, match=f"^cannot write {target}: No space left on device$"):
        write_text_atomic(target, "new")
    assert target.read_text() == "old" and names(tmp_path) == ["out.json"]


def test_the_temporary_file_of_a_killed_process_is_removed_by_the_next_write(tmp_path):
    target = tmp_path / "out.json"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".out.json.{dead_pid}.0123abcd.part"
    live = tmp_path / f".out.json.{os.getppid()}.4567cdef.part"  # a process still running
    other = tmp_path / f".other.json.{dead_pid}.89abcdef.part"  # another target's
    for path in (stale, live, other):
        path.write_text("half")
    write_text_atomic(target, "new")
    assert names(tmp_path) == sorted([live.name, other.name, "out.json"])
    assert remove_stale_temporaries(tmp_path / "other.json") == [other]


def test_an_interrupted_write_leaves_nothing_behind(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(KeyboardInterrupt), atomic_writer(target) as handle:
        handle.write("half")
        raise KeyboardInterrupt
    assert names(tmp_path) == []
