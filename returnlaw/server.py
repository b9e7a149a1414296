"""The HTTP service (extra ``server``): decide scenarios, audit listings and timelines, read the rules.

The request and response bodies are the library's own pydantic models, so the OpenAPI document
(``/openapi.json``, ``/docs``) is generated from the same definitions the Python API validates with.
Every error is JSON of one shape, ``{"error": {"status", "errors": [{"field", "reason"}]}}``:
422 for bad input (each problem with its dotted field), 413 for a body over the size limit
(checked before the body is read), 415 for a body that is not sent as JSON, 404 for an unknown rule.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException

from .api import default_rulebook
from .audit import ListingAudit, ProductListing, audit_listing
from .decision import CitationOut, Decision, cite_out, decision_json
from .evaluator import evaluate
from .inputs import MAX_INPUT_BYTES, InputError, check_not_future, load_data
from .loader import load_rulebook
from .periods import CalendarCoverageError, Counting
from .problems import Problem, problems
from .readings import BurdenOfProof, Readings
from .rulebook import RuleBook
from .scenario import Scenario
from .timeline import Timeline, TimelineAudit, audit_timeline

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


class ErrorBody(BaseModel):
    status: int
    errors: list[Problem]


class ErrorResponse(BaseModel):
    error: ErrorBody


class RuleSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    title_zh: str
    title_en: str
    cite: list[str]
    in_force_from: dt.date
    in_force_to: dt.date | None
    group: str


class RuleDetail(RuleSummary):
    labels: list[str]
    exception_to: list[str]
    reads: list[str]
    citations: list[CitationOut]
    when: Any
    then: Any
    note_en: str | None
    file: str


class TimelineRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: Timeline
    scenario: Scenario | None = None
    today: dt.date | None = None
    as_of: dt.date | None = None
    readings: Readings = Readings()


# The model of each route's JSON body, for wording its problems the library's way.
BODIES: dict[str, type[BaseModel]] = {
    "/decide": Scenario,
    "/audit/listing": ProductListing,
    "/audit/timeline": TimelineRequest,
}

ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorResponse, "description": "request body too large"},
    415: {"model": ErrorResponse, "description": "the body is not sent as application/json"},
    422: {"model": ErrorResponse, "description": "invalid input: every problem with its field"},
}


def create_app(
    *,
    rules_dir: str | None = None,
    max_body: int = MAX_INPUT_BYTES,
    body_timeout: float = 30.0,
    today: dt.date | None = None,
) -> Any:
    """The ASGI application. ``body_timeout``: seconds a client may pause while sending its body.
    ``today`` pins "now" for date checks (tests); default: the system date."""
    book = load_rulebook(rules_dir) if rules_dir else default_rulebook()
    app = FastAPI(
        title="returnlaw",
        summary="PRC seven-day no-reason return (七日无理由退货): decisions citing the law",
        version=_version(),
    )
    app.router.route_class = LibraryJSONRoute
    _add_error_handlers(app)
    _add_routes(app, book, today)
    return BodyLimit(app, max_body, body_timeout)


def _version() -> str:
    from . import __version__

    return __version__


def _error(status: int, errors: list[Problem]) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(status=status, errors=errors))
    return JSONResponse(body.model_dump(), status_code=status)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if request.method == "POST" and media != "application/json":  # FastAPI reads only JSON bodies as JSON
            reason = f"send the body as JSON with Content-Type: application/json (got {media or 'none'!r})"
            return _error(415 if media else 422, [Problem(field=None, reason=reason)])
        return _error(422, problems(exc.errors(), root=BODIES.get(request.url.path)))

    @app.exception_handler(InputError)
    async def bad_input(request: Request, exc: InputError) -> JSONResponse:
        return _error(422, [_problem(exc)])

    @app.exception_handler(BadBody)
    async def bad_body(request: Request, exc: BadBody) -> JSONResponse:
        return _error(422, [_problem(exc.error)])

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, [Problem(field=None, reason=str(exc.detail))])

    @app.exception_handler(CalendarCoverageError)
    async def no_calendar(request: Request, exc: CalendarCoverageError) -> JSONResponse:
        return _error(422, [Problem(field="readings.counting", reason=str(exc))])


def _problem(exc: InputError) -> Problem:
    reason = str(exc).removeprefix(f"{exc.field}: ") if exc.field else str(exc)
    return Problem(field=exc.field, reason=reason)


class BadBody(HTTPException):
    """A body the library's reader refuses (FastAPI passes HTTPExceptions through untouched)."""

    def __init__(self, error: InputError) -> None:
        super().__init__(status_code=422, detail=str(error))
        self.error = error


class _LibraryJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            try:  # the same reader as decide_json: keys given twice, nesting and long numbers refused
                self._json = load_data(await self.body(), "body")
            except InputError as err:
                raise BadBody(err) from None
        return self._json


class LibraryJSONRoute(APIRoute):
    """Routes whose JSON bodies are read by returnlaw's own reader before pydantic validates them."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def read_with_library(request: Request) -> Response:
            return await handler(_LibraryJSONRequest(request.scope, request.receive))

        return read_with_library


def _add_routes(app: FastAPI, book: RuleBook, today: dt.date | None) -> None:
    def now() -> dt.date:
        return today or dt.date.today()

    @app.post("/decide", response_model=Decision, responses=ERRORS, summary="Decide one purchase scenario")
    async def decide(
        scenario: Scenario,
        as_of: Annotated[dt.date | None, Query(description="apply the law in force on this date")] = None,
        counting: Counting = Counting.CIVIL_CODE,
        burden_of_proof: BurdenOfProof = BurdenOfProof.SELLER_ASSERTING_DAMAGE,
    ) -> Response:
        check_not_future(scenario, now())
        readings = Readings(counting=counting, burden_of_proof=burden_of_proof)
        ev = evaluate(book, scenario, as_of=as_of, readings=readings)
        return Response(decision_json(ev), media_type="application/json")

    @app.post("/audit/listing", response_model=ListingAudit, responses=ERRORS, summary="Audit a product listing")
    async def listing(body: ProductListing) -> ListingAudit:
        return audit_listing(body, book=book, today=now())

    @app.post("/audit/timeline", response_model=TimelineAudit, responses=ERRORS, summary="Audit a return's dates")
    async def timeline(body: TimelineRequest) -> TimelineAudit:
        return audit_timeline(
            body.events,
            scenario=body.scenario,
            today=body.today,
            as_of=body.as_of,
            readings=body.readings,
            book=book,
        )

    summaries = [_summary(rule) for rule in book.rules.values()]

    @app.get("/rules", response_model=list[RuleSummary], summary="Every rule with its citations and dates")
    async def rules() -> list[RuleSummary]:
        return summaries

    @app.get("/rules/{rule_id}", response_model=RuleDetail, responses={404: {"model": ErrorResponse}})
    async def rule(rule_id: str) -> Any:
        found = book.rules.get(rule_id)
        if found is None:
            return _error(404, [Problem(field="rule_id", reason=f"no rule {rule_id[:100]!r}; see GET /rules")])
        return _detail(found)


def _summary(rule: Any) -> RuleSummary:
    return RuleSummary(
        id=rule.id,
        title_zh=rule.title_zh,
        title_en=rule.title_en,
        cite=[c.ref for c in rule.citations],
        in_force_from=rule.in_force_from,
        in_force_to=rule.in_force_to,
        group=rule.group,
    )


def _detail(rule: Any) -> RuleDetail:
    return RuleDetail(
        **_summary(rule).model_dump(),
        labels=list(rule.labels),
        exception_to=list(rule.exception_to),
        reads=sorted(rule.condition.facts | rule.condition.variables),
        citations=[cite_out(c) for c in rule.citations],
        when=_plain(rule.when_data),
        then=_plain(rule.then_data),
        note_en=rule.note_en,
        file=rule.file,
    )


def _plain(value: Any) -> Any:
    """The rule as written (read-only mappings and tuples) as plain JSON data."""
    if isinstance(value, MutableMapping | dict) or hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class BodyLimit:
    """ASGI middleware: refuse a request body over ``limit`` bytes with 413, by its Content-Length
    before anything is read, or as soon as a streamed (chunked) body passes the limit; a client
    that stalls for ``timeout`` seconds mid-body gets 408. The body is buffered (it is at most
    ``limit`` bytes) and replayed to the application."""

    def __init__(self, app: Any, limit: int, timeout: float = 30.0) -> None:
        self.app, self.limit, self.timeout = app, limit, timeout

    def __getattr__(self, name: str) -> Any:  # expose the FastAPI app (openapi(), routes, ...)
        return getattr(self.app, name)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or ()).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await self._refuse(send, 413, f"request body is {length.decode(errors='replace')[:20]} bytes")
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

    async def _read(self, receive: Any, send: Any) -> bytes | None:
        """The whole body, or None once a refusal was sent (or the client left)."""
        chunks, size = [], 0
        while True:
            try:
                message = await asyncio.wait_for(receive(), self.timeout)
            except TimeoutError:
                await self._refuse(send, 408, f"no body data for {self.timeout:g} s")
                return None
            if message["type"] != "http.request":  # the client went away
                return None
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                await self._refuse(send, 413, f"request body passed {self.limit} bytes")
                return None
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _refuse(self, send: Any, status: int, what: str) -> None:
        limit = f"; the limit is {self.limit} bytes" if status == 413 else ""
        response = _error(status, [Problem(field=None, reason=f"{what}{limit}")])
        await response({"type": "http"}, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
