"""The durable engine in a child process, so that a crash in its C extension cannot take the
caller down (the differential tests use it; a crash becomes a test failure naming the scenario).

The protocol is pickles over the child's stdin/stdout, between two copies of this package only:
a request ``(rules_dir, scenario, as_of, readings)``, a reply ``("ok", summary)`` with
:func:`returnlaw.engines.summary` of the evaluation, or ``("error", exception type, message)``.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .readings import DEFAULT_READINGS, Readings
from .scenario import Scenario


class WorkerCrashed(RuntimeError):
    """The child process died (for example a segmentation fault in durable_rules)."""


class DurableWorker:
    """A child process evaluating with the durable engine; use as a context manager."""

    def __init__(self, rules_dir: str | Path | None = None) -> None:
        self.rules_dir = str(rules_dir) if rules_dir is not None else None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        env = dict(os.environ, PYTHONFAULTHANDLER="1")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "returnlaw.durable_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=env,
        )

    def evaluate(
        self, scenario: Scenario, *, as_of: dt.date | None = None, readings: Readings = DEFAULT_READINGS
    ) -> tuple[str, Any]:
        """``("ok", summary)`` or ``("error", "TypeName: message")``; :class:`WorkerCrashed` if the child died."""
        self.submit(scenario, as_of=as_of, readings=readings)
        return self.receive()

    def submit(
        self, scenario: Scenario, *, as_of: dt.date | None = None, readings: Readings = DEFAULT_READINGS
    ) -> None:
        """Send a request without waiting (the child works while the caller does something else)."""
        assert self._proc.stdin is not None
        try:
            pickle.dump((self.rules_dir, scenario, as_of, readings), self._proc.stdin)
            self._proc.stdin.flush()
        except BrokenPipeError:
            raise WorkerCrashed(self._death()) from None

    def receive(self) -> tuple[str, Any]:
        """The reply to the oldest request not yet received."""
        assert self._proc.stdout is not None
        try:
            reply = pickle.load(self._proc.stdout)
        except (EOFError, pickle.UnpicklingError):
            raise WorkerCrashed(self._death()) from None
        if reply[0] == "ok":
            return "ok", reply[1]
        return "error", f"{reply[1]}: {reply[2]}"

    def _death(self) -> str:
        code = self._proc.wait(timeout=30)
        how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        self._log.seek(0)
        tail = self._log.read().decode(errors="replace").strip().splitlines()[-12:]
        return f"the durable worker died ({how}); its last words:\n" + "\n".join(tail)

    def close(self) -> None:
        if self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._log.close()

    def __enter__(self) -> DurableWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def main() -> int:
    from . import durable_backend
    from .api import default_rulebook
    from .engines import summary
    from .loader import load_rulebook

    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but replies on the protocol stream
    books: dict[str | None, Any] = {}
    while True:
        try:
            rules_dir, scenario, as_of, readings = pickle.load(requests)
        except EOFError:
            return 0
        try:
            if rules_dir not in books:
                books[rules_dir] = load_rulebook(rules_dir) if rules_dir else default_rulebook()
            ev = durable_backend.evaluate(books[rules_dir], scenario, as_of=as_of, readings=readings)
            reply: tuple[Any, ...] = ("ok", summary(ev))
        except Exception as err:
            reply = ("error", type(err).__name__, str(err))
        pickle.dump(reply, replies)
        replies.flush()


if __name__ == "__main__":
    sys.exit(main())
