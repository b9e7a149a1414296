"""The HTTP service's one error shape, and which status a refused request gets.

Every error is ``{"error": {"status", "errors": [{"field", "reason"}], "omitted"}}``. The status says
whether the client can know the problem from the published OpenAPI document:

- **400**: the request does not match the document (a type, an allowed value, a size, a field that
  does not exist, a body that is not JSON, a date that is not ``YYYY-MM-DD``).
- **422**: it matches the document, but a rule the document states in words refuses it (an event
  after ``today``, events out of order, a marking that contradicts its placement, a date too close
  to the ends of the calendar to compute its deadlines).

Problem lists are capped (``MAX_PROBLEMS``, the rest counted in ``omitted``) and every text is
clipped, so a request cannot make the response large by being large (a 900 KB key is not echoed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from .inputs import InputError
from .problems import Problem

SCHEMA_VIOLATION, RULE_REFUSAL = 400, 422
MAX_PROBLEMS = 50  # problems listed in one response; more are counted, not listed
MAX_FIELD_CHARS = 200
MAX_REASON_CHARS = 500


class ErrorBody(BaseModel):
    status: int = Field(description="the HTTP status, repeated")
    errors: list[Problem] = Field(description=f"what is wrong, in request order; at most {MAX_PROBLEMS}")
    omitted: int = Field(0, description="how many more problems were found but not listed")


class ErrorResponse(BaseModel):
    error: ErrorBody


def error_response(
    status: int, errors: Sequence[Problem], *, omitted: int = 0, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The error shape, with the list capped and every text clipped."""
    listed = [clipped(p) for p in errors[:MAX_PROBLEMS]]
    body = ErrorResponse(error=ErrorBody(status=status, errors=listed, omitted=omitted + len(errors) - len(listed)))
    return JSONResponse(body.model_dump(), status_code=status, headers=dict(headers or {}))


def one_problem(status: int, reason: str, field: str | None = None, **kw: Any) -> JSONResponse:
    return error_response(status, [Problem(field=field, reason=reason)], **kw)


def problem_of(err: InputError) -> Problem:
    """The library's one-line error as a problem: its field, and the reason without the field."""
    reason = str(err).removeprefix(f"{err.field}: ") if err.field else str(err)
    return Problem(field=err.field, reason=reason)


def clipped(problem: Problem) -> Problem:
    field, reason = problem.field, problem.reason
    if (field is None or len(field) <= MAX_FIELD_CHARS) and len(reason) <= MAX_REASON_CHARS:
        return problem
    return Problem(field=None if field is None else clip(field, MAX_FIELD_CHARS), reason=clip(reason, MAX_REASON_CHARS))


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters; a clipped text ends with how long it was."""
    if len(text) <= limit:
        return text
    tail = f"… ({len(text)} characters)"
    return text[: limit - len(tail)] + tail


# The validators' errors that are rules rather than forms: a check across fields names the field it
# blames ("return.shipped_at: 2024-08-01 is before ..."; only model validators word errors so), and
# a date-time whose China time falls off the calendar (returnlaw.scenario._china_time).
_RULE = re.compile(r"(?:Value error, )?(?:[a-z_]+(?:\.[a-z_]+)*: |.* is outside the supported range of dates$)")


def status_of(errors: Sequence[Mapping[str, Any]]) -> int:
    """400 when any problem is a mismatch with the schema, else 422 (every one is a stated rule)."""
    return RULE_REFUSAL if errors and all(is_rule(e) for e in errors) else SCHEMA_VIOLATION


def is_rule(error: Mapping[str, Any]) -> bool:
    return error.get("type") == "value_error" and bool(_RULE.match(str(error.get("msg", ""))))


def _example(status: int, field: str | None, reason: str) -> dict[str, Any]:
    return {"error": {"status": status, "errors": [{"field": field, "reason": reason}], "omitted": 0}}


def _response(description: str, status: int, field: str | None, reason: str) -> dict[str, Any]:
    return {
        "model": ErrorResponse,
        "description": description,
        "content": {"application/json": {"example": _example(status, field, reason)}},
    }


# Every error status the service sends, with an example; documented on each operation.
BAD_REQUEST = _response(
    "the request does not match this document: every problem with its dotted field "
    "(a wrong type or value, an unknown field, a size limit, a date not written YYYY-MM-DD, invalid JSON)",
    400,
    "item.custom_made",
    "expected true or false, got 'yes'",
)
REFUSED = _response(
    "the request matches this document but a rule stated in it refuses it "
    "(an event after `today`, events out of order, a contradiction between fields)",
    422,
    "delivery.signed_at",
    "2024-08-01 is before purchase.date (2024-08-10), which cannot happen",
)
TOO_LARGE = _response("the body is larger than the service's limit", 413, None, "request body is 2000000 bytes")
NOT_JSON = _response(
    "the body is not sent as `application/json`",
    415,
    None,
    "send the body as JSON with Content-Type: application/json (got 'text/plain')",
)
TOO_SLOW = _response("the body did not arrive in time", 408, None, "the body did not arrive within 30 s")
BUSY = _response(
    "too many requests in progress; retry after the seconds in `Retry-After`",
    503,
    None,
    "the service is busy (64 requests in progress); retry shortly",
)
INTERNAL = _response(
    "a fault of the service (it is logged); never caused by the input alone", 500, None, "internal error"
)
NO_RULE = _response("no rule has this id", 404, "rule_id", "no rule 'x'; see GET /rules")

ALWAYS: dict[int | str, dict[str, Any]] = {500: INTERNAL, 503: BUSY}
WITH_BODY: dict[int | str, dict[str, Any]] = {
    400: BAD_REQUEST,
    408: TOO_SLOW,
    413: TOO_LARGE,
    415: NOT_JSON,
    422: REFUSED,
    **ALWAYS,
}
