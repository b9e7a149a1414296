"""A real uvicorn server on 127.0.0.1 in a thread, set up exactly as ``returnlaw serve`` sets it up."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from returnlaw.server import create_app
from returnlaw.server_limits import Limits, listen, uvicorn_config


@contextlib.contextmanager
def running(limits: Limits, today: dt.date) -> Iterator[str]:
    """Yields the base URL; ``today`` pins the service's "now"."""
    sock = listen("127.0.0.1", 0)
    app = create_app(limits=limits, today=today)
    instance = uvicorn.Server(uvicorn_config(app, limits, log_level="critical"))
    thread = threading.Thread(target=instance.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not instance.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        instance.should_exit = True
        thread.join(timeout=30)
