"""Reading input files, bounded: the one way the package reads a file a user names.

Every read stops one byte past its limit, so ``/dev/zero``, a growing log or a 200 MB file costs
at most the limit in memory and never a ``MemoryError``; a regular file larger than the limit is
refused from its size before any byte is read. Lines (JSON Lines) are bounded the same way, one at
a time. Where only a regular file makes sense (rule files), the file is opened without blocking
and checked before reading, so a FIFO, a directory or a device is refused instead of hanging.

Every ``OSError`` becomes a :class:`FileError` naming the path and the reason ("cannot read
rules/x.yaml: Is a directory"), which the command line reports with exit code 2.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .inputs import MAX_INPUT_BYTES, InputError

STDIN = "-"
_CHUNK = 1 << 16


class FileError(InputError):
    """A file that cannot be read or written: the message names the path and why; ``reason`` is
    the why alone (for a caller that names the file its own way)."""

    def __init__(self, message: str, path: str | Path | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.path = None if path is None else str(path)
        self.reason = reason or message


def os_error(err: OSError, path: str | Path | None = None, verb: str = "read") -> FileError:
    """``cannot read PATH: reason`` for an OSError (the path from the error if none is given)."""
    where = path if path is not None else err.filename
    reason = err.strerror or str(err) or type(err).__name__
    if where is None:
        return FileError(f"cannot {verb}: {reason}", None, reason)
    return FileError(f"cannot {verb} {where}: {reason}", where, f"cannot {verb}: {reason}")


def kind_of(mode: int) -> str:
    """What a file is, in words, from its ``st_mode``."""
    for test, name in (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def read_bounded(
    path: str | Path, limit: int = MAX_INPUT_BYTES, *, regular_only: bool = False, name: str | None = None
) -> bytes:
    """The bytes of ``path`` (``-`` for stdin), refusing more than ``limit`` bytes.

    ``regular_only`` refuses anything but a regular file (after following links) without
    blocking on it; otherwise pipes and devices are read, bounded, and only directories refused.
    """
    shown = name or ("stdin" if str(path) == STDIN else str(path))
    if str(path) == STDIN:
        return _read_limited(_stdin(), limit, shown)
    with open_bounded(path, limit, regular_only=regular_only, name=shown) as handle:
        return _read_limited(handle, limit, shown)


def open_bounded(
    path: str | Path, limit: int | None = None, *, regular_only: bool = False, name: str | None = None
) -> IO[bytes]:
    """Open ``path`` for reading in binary; refuses a directory (and with ``regular_only`` any
    non-regular file) and, with ``limit``, a regular file larger than the limit."""
    shown = name or str(path)
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    if regular_only:
        flags |= getattr(os, "O_NONBLOCK", 0)  # opening a FIFO must not wait for a writer
    try:
        fd = os.open(path, flags)
    except OSError as err:
        raise _open_error(err, path, shown) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode) or (regular_only and not stat.S_ISREG(info.st_mode)):
            what = f"{kind_of(info.st_mode)}, not a regular file"
            raise FileError(f"cannot read {shown}: {what}", path, f"cannot read: {what}")
        if limit is not None and stat.S_ISREG(info.st_mode) and info.st_size > limit:
            reason = f"is {info.st_size} bytes; the limit is {limit}"
            raise FileError(f"{shown} {reason}", path, reason)
        if regular_only and hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def open_lines(path: str | Path, name: str | None = None) -> IO[bytes]:
    """Open a JSON Lines file: a regular file or a pipe. A device is refused: ``/dev/zero`` is an
    endless line, ``/dev/urandom`` endless lines, and neither is a file of rows."""
    handle = open_bounded(path, name=name)
    mode = os.fstat(handle.fileno()).st_mode
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        handle.close()
        what = f"{kind_of(mode)}, not a file of lines"
        raise FileError(f"cannot read {name or path}: {what}", path, f"cannot read: {what}")
    return handle


def _open_error(err: OSError, path: str | Path, shown: str) -> FileError:
    if err.errno == errno.ENOENT and os.path.islink(path):
        reason = f"cannot read: a broken link (to {os.readlink(path)})"
        return FileError(f"cannot read {shown}: a broken link (to {os.readlink(path)})", path, reason)
    return os_error(err, shown)


def _stdin() -> IO[bytes]:
    stream = sys.stdin
    if stream is None or getattr(stream, "closed", False):
        raise FileError("cannot read stdin: it is closed; give a file name or pipe the input in", STDIN)
    return stream.buffer


def _read_limited(handle: IO[bytes], limit: int, shown: str) -> bytes:
    chunks: list[bytes] = []
    total = 0
    try:
        while total <= limit:
            chunk = handle.read(min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as err:
        raise os_error(err, shown) from None
    except ValueError:  # reading a closed stream
        raise FileError(f"cannot read {shown}: it is closed", shown) from None
    if total > limit:
        reason = f"is larger than {limit} bytes (the limit)"
        raise FileError(f"{shown} {reason}", shown, reason)
    return b"".join(chunks)


@dataclass(frozen=True)
class LongLine:
    """A line longer than the limit, skipped without being held: its length in bytes."""

    size: int


def bounded_lines(handle: IO[bytes], limit: int = MAX_INPUT_BYTES) -> Iterator[bytes | LongLine]:
    """The lines of a binary stream without their line ends; a line longer than ``limit`` bytes
    comes as a :class:`LongLine` (its bytes are read and dropped, never held whole)."""
    readline = handle.readline
    while True:
        line = readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith(b"\n"):
            yield line.rstrip(b"\r\n")
            continue
        size = len(line)
        while True:  # the rest of the long line, a chunk at a time
            rest = readline(_CHUNK)
            size += len(rest)
            if not rest or rest.endswith(b"\n"):
                break
        yield LongLine(size - (1 if rest.endswith(b"\n") else 0))


def resolved(path: str | Path) -> Path:
    """The path with every link resolved (the file a write would really change)."""
    return Path(os.path.realpath(path))
