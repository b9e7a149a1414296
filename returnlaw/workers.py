"""Worker processes of a batch that never outlive it.

- **Ctrl-C and SIGTERM** reach the main process (which turns SIGTERM into the Ctrl-C path, see
  ``returnlaw.cli``); workers ignore SIGINT, so a terminal's Ctrl-C does not print a traceback per
  worker, and the main process stops them (:func:`stop`).
- **The main process killed** (SIGKILL, the OOM killer): on Linux each worker asks the kernel for
  SIGKILL when its parent dies (``PR_SET_PDEATHSIG``); elsewhere a thread in each worker checks
  every second that the main process is still there. Either way no worker keeps running.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1
_POLL_SECONDS = 1.0


def init_worker(parent: int) -> None:
    """Initializer of every batch worker; ``parent`` is the main process's pid."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C and stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker inherits the main process's handler
    if not _die_with_parent():
        threading.Thread(target=_watch, args=(parent,), name="returnlaw-parent-watch", daemon=True).start()
    if not _alive(parent):  # it died before we asked to follow it
        os._exit(1)


def stop(pool: ProcessPoolExecutor) -> None:
    """Stop every worker now: queued chunks are cancelled, running ones killed."""
    pool.shutdown(wait=False, cancel_futures=True)
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    deadline = time.monotonic() + 5
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()


def _die_with_parent() -> bool:
    """Ask the kernel to kill this process when its parent dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while _alive(parent):
        time.sleep(_POLL_SECONDS)
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
