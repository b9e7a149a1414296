"""Reading the HTTP service's request bodies, away from the event loop.

A body is read by the library's own reader (JSON or YAML; keys given twice, deep nesting and long
numbers refused), checked against its model, and its problems worded, in a worker *process*: a
1 MB body with tens of thousands of problems takes a few hundred milliseconds of CPU inside single
C calls (``json.loads``, pydantic's validation and its error list) that hold the GIL, so in a
thread it would still stall every other request. The event loop only sends bytes to the pool and
back. ``processes=0`` reads in a worker thread instead (tests in process).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import os
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from starlette.concurrency import run_in_threadpool

from .audit import ProductListing
from .inputs import InputError, load_data
from .problems import Problem, problems
from .readings import Readings
from .scenario import Scenario, parse_day
from .server_errors import MAX_PROBLEMS, SCHEMA_VIOLATION, problem_of, status_of
from .timeline import Timeline

# A date parameter read as the scenario's dates are: YYYY-MM-DD text only (never a number).
Day = Annotated[dt.date, BeforeValidator(parse_day)]


class TimelineRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: Timeline
    scenario: Scenario | None = None
    today: Day | None = None
    as_of: Day | None = None
    readings: Readings = Readings()


# The model of each route's JSON body.
BODIES: dict[str, type[BaseModel]] = {
    "/decide": Scenario,
    "/audit/listing": ProductListing,
    "/audit/timeline": TimelineRequest,
}


@dataclass
class Checked:
    """A body read and checked: its data, or the status and (at most MAX_PROBLEMS) problems."""

    data: Any = None
    status: int = 200
    problems: list[Problem] = field(default_factory=list)
    omitted: int = 0


def check_body(body: bytes, path: str) -> Checked:
    """Read and check the body of a request to ``path`` (runs in a worker process)."""
    model = BODIES[path]
    try:
        data = load_data(body, "body")
    except InputError as err:
        return Checked(status=SCHEMA_VIOLATION, problems=[problem_of(err)])
    for attempt in range(2):
        try:
            model.model_validate(data)
            return Checked(data=data)
        except ValidationError as err:
            found = err.errors(include_url=False)
            if attempt == 0 and whole_numbers_where_integers(data, found):
                continue  # validate again with those numbers read as integers
            listed = [{**e, "loc": ("body", *e["loc"])} for e in found[:MAX_PROBLEMS]]
            return Checked(
                status=status_of(found), problems=problems(listed, root=model), omitted=len(found) - len(listed)
            )
    raise AssertionError("unreachable")


def whole_numbers_where_integers(data: Any, found: list[Any]) -> bool:
    """JSON has one kind of number: where the model wants an integer, ``10.0`` and ``1e1`` are 10, as
    JSON Schema counts them (the library's strict models refuse a float). Changes ``data`` in place;
    True if it changed anything. Only those places change: an amount keeps its form (``300.0``)."""
    changed = False
    for error in found:
        value = error.get("input")
        if error["type"] == "int_type" and isinstance(value, float) and value.is_integer() and error["loc"]:
            *path, last = error["loc"]
            holder = data
            for step in path:
                holder = holder[step]
            holder[last] = int(value)
            changed = True
    return changed


def _pid(pause: float) -> int:
    time.sleep(pause)  # hold the task a moment, so that the next one goes to another worker
    return os.getpid()


def _exit_with_parent(parent: int) -> None:
    """In each worker: exit when the service's process ``parent`` is gone (killed, or stopped while
    this worker was still starting)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class BodyReader:
    """Checks bodies in a pool of ``processes`` worker processes (started on first use), or in
    worker threads when ``processes`` is 0."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._pool: Executor | None = None

    async def check(self, body: bytes, path: str) -> Checked:
        if self.processes == 0:
            return await run_in_threadpool(check_body, body, path)
        try:
            return await asyncio.wrap_future(self._started().submit(check_body, body, path))
        except BrokenProcessPool:  # a worker died (killed, out of memory): start afresh for the next request
            pool, self._pool = self._pool, None
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
            raise

    async def start(self) -> None:
        """Start every worker process now (at startup), so no request waits for one to start: until
        each has answered (a worker still importing takes no task)."""
        if not self.processes:
            return
        pool, seen = self._started(), set()
        while len(seen) < self.processes:
            tasks = [asyncio.wrap_future(pool.submit(_pid, 0.05)) for _ in range(self.processes)]
            seen.update(await asyncio.gather(*tasks))

    def close(self) -> None:
        """Stop the workers and wait for them (at shutdown; requests still queued are cancelled)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _started(self) -> Executor:
        if self._pool is None:
            # spawn: the server process has threads and an event loop, which a fork would copy
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                self.processes, mp_context=context, initializer=_exit_with_parent, initargs=(os.getpid(),)
            )
        return self._pool
