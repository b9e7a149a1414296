"""The HTTP service (extra ``server``): decide scenarios, audit listings and timelines, read the rules.

The request and response bodies are the library's own pydantic models, so the OpenAPI document
(``/openapi.json``, ``/docs``) is generated from the same definitions the Python API validates with;
``server_contract`` adds what pydantic cannot say (limits, labels, error examples) and versions it.
Errors have one JSON shape (``server_errors``); limits on size, time and concurrency are in
``server_limits``.

The event loop only moves bytes: reading a body (JSON or YAML), validating it and wording its
problems run in a pool of worker processes (``server_bodies``), deciding in a bounded pool of worker
threads, so one heavy request does not stall the others.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from . import server_errors as errors
from .api import default_rulebook
from .audit import ListingAudit, ProductListing, audit_listing
from .decision import CitationOut, Decision, cite_out, decision_json
from .evaluator import evaluate
from .inputs import FUTURE_TOLERANCE, InputError, check_not_future, closest
from .loader import load_rulebook
from .periods import CalendarCoverageError, Counting, Unpublished
from .problems import Problem, problems
from .readings import BurdenOfProof, OralNoticeConfirmation, Readings, ReturnLegRisk
from .rulebook import RuleBook
from .scenario import Scenario
from .server_bodies import BODIES, BodyReader, Checked, Day, TimelineRequest
from .server_limits import Gate, Limits, lifespan
from .timeline import TimelineAudit, audit_timeline

LATEST_TODAY = dt.date.max - FUTURE_TOLERANCE  # "today" needs room for the tolerance after it
SHORT_HOLD_DOC = (
    "reading short_hold_hours: goods sent back within this many hours of receipt are presumed not worn "
    "against an unproven allegation of wear (SPC Evidence Provisions Art. 10(1)(4)); no provision names a number"
)
TODAY_DOC = (
    "the reference day for 'in the future' (an event may lie at most one day after it) and for "
    f"deadlines still open; default: the service's date. At most {LATEST_TODAY}."
)


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


class Health(BaseModel):
    status: str
    version: str
    api_version: str
    rules: int


def create_app(
    *,
    rules_dir: str | None = None,
    max_body: int | None = None,
    body_timeout: float | None = None,
    limits: Limits | None = None,
    today: dt.date | None = None,
) -> Any:
    """The ASGI application. ``today`` pins "now" for date checks (tests); default: the system date.
    ``max_body`` and ``body_timeout`` override those of ``limits``."""
    from .server_contract import API_VERSION, finish_openapi, offline_docs

    limits = limits or Limits()
    if max_body is not None:
        limits = dataclasses.replace(limits, max_body=max_body)
    if body_timeout is not None:
        limits = dataclasses.replace(limits, body_timeout=body_timeout)
    book = load_rulebook(rules_dir) if rules_dir else default_rulebook()
    app = FastAPI(
        title="returnlaw",
        summary="PRC seven-day no-reason return (七日无理由退货): decisions citing the law",
        version=API_VERSION,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan(limits),
    )
    app.router.route_class = LibraryJSONRoute
    app.state.bodies = BodyReader(limits.processes)
    _add_error_handlers(app)
    _add_routes(app, book, today)
    offline_docs(app)
    finish_openapi(app, limits, list(BODIES.values()), [Decision, ListingAudit, TimelineAudit])
    return Gate(app, limits)


def _version() -> str:
    from . import __version__

    return __version__


# -- errors -----------------------------------------------------------------------------------------


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        found = exc.errors()
        listed = found[: errors.MAX_PROBLEMS]
        worded = await run_in_threadpool(problems, listed, root=BODIES.get(request.url.path))
        return errors.error_response(errors.status_of(found), worded, omitted=len(found) - len(listed))

    @app.exception_handler(InputError)
    async def refused(request: Request, exc: InputError) -> JSONResponse:
        return errors.error_response(errors.RULE_REFUSAL, [errors.problem_of(exc)])

    @app.exception_handler(BodyRefused)
    async def refused_body(request: Request, exc: BodyRefused) -> JSONResponse:
        checked = exc.checked
        return errors.error_response(checked.status, checked.problems, omitted=checked.omitted)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return errors.one_problem(exc.status_code, str(exc.detail), headers=exc.headers)  # keeps 405's Allow

    @app.exception_handler(CalendarCoverageError)
    async def no_calendar(request: Request, exc: CalendarCoverageError) -> JSONResponse:
        return errors.one_problem(errors.RULE_REFUSAL, str(exc), "readings.counting")

    @app.exception_handler(OverflowError)
    async def off_the_calendar(request: Request, exc: OverflowError) -> JSONResponse:
        reason = "a date is too close to 0001-01-01 or 9999-12-31 for its deadlines to be computed"
        return errors.one_problem(errors.RULE_REFUSAL, reason)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:  # logged by the server as well
        return errors.one_problem(500, f"internal error ({type(exc).__name__}); the service logged it")


# -- bodies ------------------------------------------------------------------------------------------


class BodyRefused(Exception):
    """A body that does not match its model, or that the reader cannot read (``Checked``)."""

    def __init__(self, checked: Checked) -> None:
        super().__init__(checked.status)
        self.checked = checked


class _LibraryJSONRequest(Request):
    async def read_with(self, reader: BodyReader) -> None:
        body = await self.body()
        if body:  # an empty body: FastAPI reports it as missing
            checked = await reader.check(body, self.url.path)
            if checked.status != 200:
                raise BodyRefused(checked)
            self._json = checked.data

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            raise RuntimeError("a JSON body is read by read_with() first")
        return self._json


class LibraryJSONRoute(APIRoute):
    """Routes whose JSON bodies are read and checked by returnlaw's reader in a worker process."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()
        model = BODIES.get(self.path)
        known = sorted(p.alias for p in self.dependant.query_params)

        async def read_with_library(request: Request) -> Response:
            request = _LibraryJSONRequest(request.scope, request.receive)
            odd = query_problems(request.query_params.multi_items(), known)
            if odd:
                return errors.error_response(errors.SCHEMA_VIOLATION, odd)
            if model is not None:
                media = request.headers.get("content-type", "").split(";")[0].strip().lower()
                if media != "application/json":
                    reason = f"send the body as JSON with Content-Type: application/json (got {media or 'none'!r})"
                    return errors.one_problem(415, reason)
                await request.read_with(request.app.state.bodies)
            return await handler(request)

        return read_with_library


def query_problems(items: list[tuple[str, str]], known: list[str]) -> list[Problem]:
    """A query parameter the operation does not declare (a typo such as ``as-of`` would silently
    decide under another law), or one given twice, is refused as a body's unknown or repeated key is."""
    counts = Counter(name for name, _ in items)
    found = []
    for name, count in counts.items():
        if name not in known:
            close = closest(name, known)
            hint = f"did you mean {close!r}?" if close else f"allowed: {', '.join(known) or 'none'}"
            found.append(Problem(field=name, reason=f"unknown query parameter; {hint}"))
        elif count > 1:
            found.append(Problem(field=name, reason=f"given {count} times; give it once"))
    return found


# -- routes ------------------------------------------------------------------------------------------


def _add_routes(app: FastAPI, book: RuleBook, pinned: dt.date | None) -> None:
    def reference_day(today: dt.date | None, field: str = "today") -> dt.date:
        """The day "in the future" is measured from: the request's, else the service's (one place)."""
        day = today or pinned or dt.date.today()
        if day > LATEST_TODAY:
            raise InputError(f"must be at most {LATEST_TODAY} (an event may lie one day after it)", field)
        return day

    @app.post("/decide", response_model=Decision, responses=errors.WITH_BODY, summary="Decide one purchase scenario")
    def decide(
        scenario: Scenario,
        as_of: Annotated[Day | None, Query(description="apply the law in force on this date")] = None,
        today: Annotated[Day | None, Query(description=TODAY_DOC)] = None,
        counting: Counting = Counting.CIVIL_CODE,
        burden_of_proof: BurdenOfProof = BurdenOfProof.SELLER_ASSERTING_DAMAGE,
        unpublished_holidays: Unpublished = Unpublished.UNDETERMINED,
        short_hold_hours: Annotated[int, Query(ge=1, le=720, description=SHORT_HOLD_DOC)] = 24,
        oral_notice_confirmation: OralNoticeConfirmation = OralNoticeConfirmation.NOT_CONFIRMATION,
        return_leg_risk: ReturnLegRisk = ReturnLegRisk.SELLER_AFTER_VERIFIED_PICKUP,
    ) -> Response:
        check_not_future(scenario, reference_day(today))
        readings = Readings(
            counting=counting,
            burden_of_proof=burden_of_proof,
            unpublished_holidays=unpublished_holidays,
            short_hold_hours=short_hold_hours,
            oral_notice_confirmation=oral_notice_confirmation,
            return_leg_risk=return_leg_risk,
        )
        ev = evaluate(book, scenario, as_of=as_of, readings=readings)
        return Response(decision_json(ev), media_type="application/json")

    @app.post(
        "/audit/listing", response_model=ListingAudit, responses=errors.WITH_BODY, summary="Audit a product listing"
    )
    def listing(
        body: ProductListing, today: Annotated[Day | None, Query(description=TODAY_DOC)] = None
    ) -> ListingAudit:
        day = reference_day(body.as_of or today, "as_of" if body.as_of else "today")
        return audit_listing(body, book=book, today=day)

    @app.post(
        "/audit/timeline", response_model=TimelineAudit, responses=errors.WITH_BODY, summary="Audit a return's dates"
    )
    def timeline(body: TimelineRequest) -> TimelineAudit:
        if body.today is not None:
            reference_day(body.today)
        return audit_timeline(
            body.events,
            scenario=body.scenario,
            today=body.today,
            as_of=body.as_of,
            readings=body.readings,
            book=book,
        )

    summaries = [_summary(rule) for rule in book.rules.values()]
    listed = _json_bytes([s.model_dump(mode="json") for s in summaries])
    details = {rule.id: _json_bytes(_detail(rule).model_dump(mode="json")) for rule in book.rules.values()}

    @app.get(
        "/rules",
        response_model=list[RuleSummary],
        responses=errors.ALWAYS,
        summary="Every rule with its citations and dates",
    )
    async def rules() -> Response:  # precomputed: no work, so no worker thread
        return Response(listed, media_type="application/json")

    @app.get(
        "/rules/{rule_id}",
        response_model=RuleDetail,
        responses={404: errors.NO_RULE, **errors.ALWAYS},
        summary="One rule as written, with the text of the provisions it cites",
    )
    async def rule(rule_id: str) -> Response:
        found = details.get(rule_id)
        if found is None:
            return errors.one_problem(404, f"no rule {rule_id[:100]!r}; see GET /rules", "rule_id")
        return Response(found, media_type="application/json")

    health = _json_bytes(
        Health(status="ok", version=_version(), api_version=app.version, rules=len(book.rules)).model_dump()
    )

    @app.get("/health", response_model=Health, responses=errors.ALWAYS, summary="Whether the service is up")
    async def healthy() -> Response:
        return Response(health, media_type="application/json")


def _json_bytes(data: Any) -> bytes:
    return JSONResponse(data).body


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
