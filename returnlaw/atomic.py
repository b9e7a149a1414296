"""Write files atomically: to a temporary file beside the target, then rename over it, so an
interrupted run never leaves a half-written output.

What is replaced is the file the path names, after following links (a link to ``results.jsonl``
keeps being a link, and ``results.jsonl`` gets the new content). Only a regular file is ever
replaced: a directory, a FIFO, a socket or a device at the path is refused, and so is a path that
is one of the run's inputs (``batch IN IN``). A replaced file keeps its permission bits (and,
where allowed, its owner); a new file gets ``0666`` less the umask, as any program's would.

The temporary file is ``.NAME.PID.RANDOM.part`` in the target's folder. One left behind by a
process that was killed (SIGKILL, power loss) is removed by the next write to the same target,
once its process is gone. Every ``OSError`` of the writer's own steps becomes a
:class:`~returnlaw.files.FileError` naming the target ("cannot write out.jsonl: No space left on
device"), which the command line reports with exit code 2.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from .files import FileError, kind_of, os_error, resolved

_SUFFIX = ".part"


@contextlib.contextmanager
def atomic_writer(
    path: str | Path, mode: str = "w", encoding: str | None = "utf-8", *, inputs: Iterable[str | Path] = ()
) -> Iterator[IO]:
    """Yield a file object; on success it replaces ``path``, on any error ``path`` is untouched.
    ``inputs``: files the run reads, which must not be the output."""
    shown = str(path)
    target = check_target(path, inputs)
    existing = _existing(target)
    remove_stale_temporaries(target)
    fd, tmp = _create_temporary(target, shown)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as handle:
            yield handle
            _finish(handle, existing, shown)
        try:
            os.replace(tmp, target)
        except OSError as err:
            raise os_error(err, shown, "write") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: str | Path, text: str, *, inputs: Iterable[str | Path] = ()) -> None:
    with atomic_writer(path, inputs=inputs) as handle:
        try:
            handle.write(text)
        except OSError as err:
            raise os_error(err, path, "write") from None


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file (through links, hard links and ``..``)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): compare where they lead
        return resolved(a) == resolved(b)


def check_target(path: str | Path, inputs: Iterable[str | Path] = ()) -> Path:
    """The file a write to ``path`` would replace (links followed), or a FileError saying why it
    cannot be written: not a regular file, one of ``inputs``, or no such folder. A command can
    call it before it starts work, so a bad output is refused at once."""
    target = resolved(path)
    for source in inputs:
        if same_file(path, source):
            raise FileError(f"cannot write {path}: it is the input file {source}; give another output path", path)
    try:
        info = os.stat(target)
    except FileNotFoundError:
        if not target.parent.is_dir():
            raise FileError(f"cannot write {path}: there is no folder {target.parent}", path) from None
        return target
    except OSError as err:
        raise os_error(err, path, "write") from None
    if not stat.S_ISREG(info.st_mode):
        raise FileError(f"cannot write {path}: it is {kind_of(info.st_mode)}; only a regular file is replaced", path)
    return target


def _existing(target: Path) -> os.stat_result | None:
    try:
        return os.stat(target)
    except OSError:
        return None


def _create_temporary(target: Path, shown: str) -> tuple[int, Path]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{_SUFFIX}"
        try:
            return os.open(tmp, flags, 0o666), tmp  # the umask applies, as to any new file
        except FileExistsError:
            continue
        except OSError as err:
            raise os_error(err, shown, "write") from None
    raise FileError(f"cannot write {shown}: no free temporary name in {target.parent}", shown)


def _finish(handle: IO, existing: os.stat_result | None, shown: str) -> None:
    """Flush to disk and give the new file the old one's mode (and owner, where allowed)."""
    try:
        handle.flush()
        fd = handle.fileno()
        if existing is not None:
            os.fchmod(fd, stat.S_IMODE(existing.st_mode))
            if hasattr(os, "fchown") and (existing.st_uid, existing.st_gid) != _owner(fd):
                with contextlib.suppress(PermissionError):
                    os.fchown(fd, existing.st_uid, existing.st_gid)
        os.fsync(fd)
    except OSError as err:
        raise os_error(err, shown, "write") from None


def _owner(fd: int) -> tuple[int, int]:
    info = os.fstat(fd)
    return info.st_uid, info.st_gid


def remove_stale_temporaries(target: str | Path) -> list[Path]:
    """Remove the temporary files of earlier writes to ``target`` whose process is gone (killed
    before it could clean up); return them. A live process's file is left alone."""
    target = Path(target)
    removed = []
    with contextlib.suppress(OSError):
        for tmp in target.parent.glob(f".{_glob_escape(target.name)}.*{_SUFFIX}"):
            pid = _pid_of(tmp.name, target.name)
            if pid is not None and pid != os.getpid() and not _alive(pid):
                with contextlib.suppress(OSError):
                    tmp.unlink()
                    removed.append(tmp)
    return removed


def _pid_of(name: str, target_name: str) -> int | None:
    middle = name[len(target_name) + 2 : -len(_SUFFIX)]  # ".NAME." ... ".part"
    pid, _, token = middle.partition(".")
    return int(pid) if pid.isdigit() and len(token) == 8 else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)
