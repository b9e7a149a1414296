"""What one client may take from the HTTP service: size, time, and a share of the work.

uvicorn bounds the keep-alive idle time (``timeout_keep_alive``), the size of a request's header
block (``h11_max_incomplete_event_size``) and the connections it serves (``limit_concurrency``,
answered with a plain-text 503). It has no deadline for a request's headers or its body, so a
client sending a byte at a time would hold a connection for ever. This module adds:

- :class:`HeaderDeadlineProtocol`: uvicorn's h11 protocol with a deadline for the request line and
  headers, from the connection (or the previous response); a late client's connection is closed.
  Its 400 for a malformed request is the service's JSON error shape.
- :class:`Gate` (ASGI): at most ``concurrency`` requests in progress (more get a JSON 503 with
  ``Retry-After``), a body over ``max_body`` bytes refused with 413 (by its Content-Length before
  anything is read, or as soon as a streamed body passes it), and the whole body due within
  ``body_timeout`` seconds (else 408). The body is buffered (it is at most ``max_body``) and replayed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .inputs import MAX_INPUT_BYTES
from .server_errors import one_problem

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


@dataclass(frozen=True)
class Limits:
    """The service's limits; ``returnlaw serve`` has a flag for each. See docs/platform.md."""

    max_body: int = MAX_INPUT_BYTES  # bytes; the library's own input limit
    body_timeout: float = 30.0  # seconds for the whole body (1 MB at 35 KB/s)
    header_timeout: float = 10.0  # seconds for the request line and headers
    keep_alive: float = 5.0  # seconds an idle connection is kept open
    max_header_bytes: int = 16_384  # the request line and headers together
    concurrency: int = 32  # requests in progress; more are answered 503
    max_connections: int = 512  # open connections; past it uvicorn answers 503 (plain text)
    threads: int = 8  # worker threads for deciding
    processes: int = 2  # worker processes for reading and checking bodies; 0: in worker threads

    def __post_init__(self) -> None:
        for name in ("max_body", "body_timeout", "header_timeout", "keep_alive", "max_header_bytes"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        for name in ("concurrency", "max_connections", "threads"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)!r}")
        if self.processes < 0:
            raise ValueError(f"processes must be at least 0, got {self.processes!r}")


def uvicorn_config(app: Any, limits: Limits, *, log_level: str = "info") -> uvicorn.Config:
    """uvicorn's settings for the limits: keep-alive, header size, connections, the header deadline."""
    return uvicorn.Config(
        app,
        http=HeaderDeadlineProtocol.with_timeout(limits.header_timeout),
        timeout_keep_alive=limits.keep_alive,  # type: ignore[arg-type]  # a float works: call_later
        limit_concurrency=limits.max_connections,
        h11_max_incomplete_event_size=limits.max_header_bytes,
        timeout_graceful_shutdown=int(limits.body_timeout),
        log_level=log_level,
        lifespan="on",
    )


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (uvicorn listens on it); an OSError names the address."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as err:
        raise OSError(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as err:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
    return sock


def lifespan(limits: Limits) -> Callable[[Any], contextlib.AbstractAsyncContextManager[None]]:
    """The app's lifespan: bound the worker threads (anyio's pool is per event loop), start the body
    reader's worker processes before the first request, and stop them at the end."""

    @contextlib.asynccontextmanager
    async def bounded_workers(app: Any) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = limits.threads
        await app.state.bodies.start()
        try:
            yield
        finally:
            app.state.bodies.close()

    return bounded_workers


class HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, with a deadline for each request's headers."""

    header_timeout: float = Limits.header_timeout
    _header_timer: asyncio.TimerHandle | None = None

    @classmethod
    def with_timeout(cls, seconds: float) -> type[HeaderDeadlineProtocol]:
        return type(cls.__name__, (cls,), {"header_timeout": seconds})

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not None and not self.cycle.response_complete:
            self._disarm()  # the headers are in: from here the body deadline applies

    def on_response_complete(self) -> None:
        self._arm()  # the next request's headers are due in time too (the call may start a pipelined one)
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        """A malformed request (or a header block over the limit), in the JSON error shape."""
        body = json.dumps({"error": {"status": 400, "errors": [{"field": None, "reason": msg}], "omitted": 0}})
        headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
        for event in (
            h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
            h11.Data(data=body.encode()),
        ):
            self.transport.write(self.conn.send(event))
        self.transport.write(self.conn.send(h11.EndOfMessage()))
        self.transport.close()

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.logger.info("closed a connection whose request headers took over %g s", self.header_timeout)
            self.transport.close()


class Gate:
    """ASGI middleware: the concurrency cap, the body size limit and the body deadline."""

    def __init__(self, app: Any, limits: Limits) -> None:
        self.app, self.limits = app, limits
        self.in_progress = 0

    def __getattr__(self, name: str) -> Any:  # expose the FastAPI app (openapi(), routes, ...)
        return getattr(self.app, name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.in_progress >= self.limits.concurrency:
            reason = f"the service is busy ({self.in_progress} requests in progress); retry shortly"
            await _send(send, one_problem(503, reason, headers={"Retry-After": "1"}))
            return
        self.in_progress += 1
        try:
            await self._admitted(scope, receive, send)
        finally:
            self.in_progress -= 1

    async def _admitted(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limits.max_body
        length = dict(scope.get("headers") or ()).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            shown = length.decode(errors="replace")[:20]
            await _send(send, one_problem(413, f"request body is {shown} bytes; the limit is {limit} bytes"))
            return
        body = await self._read(receive, send)
        if body is None:
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: wait for the disconnect, as Starlette expects
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive, send: Send) -> bytes | None:
        """The whole body, or None once a refusal was sent (or the client left)."""
        chunks: list[bytes] = []
        size, deadline = 0, time.monotonic() + self.limits.body_timeout
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(deadline - time.monotonic(), 0))
            except TimeoutError:
                reason = f"the body did not arrive within {self.limits.body_timeout:g} s"
                await _send(send, one_problem(408, reason, headers={"Connection": "close"}))
                return None
            if message["type"] != "http.request":  # the client went away
                return None
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limits.max_body:
                reason = f"request body passed {self.limits.max_body} bytes; the limit is {self.limits.max_body} bytes"
                await _send(send, one_problem(413, reason, headers={"Connection": "close"}))
                return None
            if not message.get("more_body", False):
                return b"".join(chunks)


async def _send(send: Send, response: Any) -> None:
    await response({"type": "http"}, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
