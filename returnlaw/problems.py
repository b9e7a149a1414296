"""Validation problems as (field, reason) pairs: the one error shape of the HTTP service.

pydantic (and FastAPI) report a location tuple and a message per problem; a platform wants a
dotted field name and a reason it can show to a merchant. Each problem in a request body is worded
by the library's own explainer (``returnlaw.inputs.explain``: "did you mean", the allowed values,
the field a cross-field check blames), so the service says what ``returnlaw check`` says.
Presentation only: no legal meaning.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic_core import ValidationError

from .inputs import explain

_WHERE = ("body", "query", "path")  # FastAPI's first location part: where in the request


class Problem(BaseModel):
    """One thing wrong with an input: the dotted field (None for the input as a whole) and why."""

    model_config = ConfigDict(frozen=True)

    field: str | None
    reason: str


MAX_PROBLEMS = 50  # problems listed in one answer; the rest are counted, not worded (as the service does)


def problems(
    errors: Iterable[Mapping[str, Any]], *, root: type[BaseModel] | None = None, limit: int | None = None
) -> list[Problem]:
    """The problems of a pydantic/FastAPI error list, in order; ``root`` is the body's model.
    With ``limit`` (e.g. MAX_PROBLEMS) at most that many are worded (wording costs time: 16,000 bad
    entries must not take seconds), then one more problem says how many were left out (see
    :func:`capped`). Without it every problem is worded: the service slices the list itself and
    reports the rest as ``omitted``."""
    items = list(errors)
    shown = items if limit is None else items[:limit]
    worded = [_worded(item, root) or Problem(field=_field(item), reason=_reason(item)) for item in shown]
    return capped(worded, total=len(items), limit=limit)


def capped(found: list[Problem], *, total: int | None = None, limit: int | None = MAX_PROBLEMS) -> list[Problem]:
    """The first ``limit`` problems and, if there were more (``total``, default ``len(found)``),
    a last one counting the rest: ``{"field": null, "reason": "and 15,980 more problems not listed"}``."""
    total = len(found) if total is None else total
    if limit is None or total <= limit:
        return found
    rest = total - limit
    return [
        *found[:limit],
        Problem(field=None, reason=f"and {rest:,} more problem{'s' if rest > 1 else ''} not listed"),
    ]


def _worded(item: Mapping[str, Any], root: type[BaseModel] | None) -> Problem | None:
    """The problem as the library words it, when it lies in a body of a known model."""
    loc = tuple(item.get("loc", ()))
    if root is None or not loc or loc[0] != "body" or item.get("type") in ("json_invalid", "missing"):
        return None
    line = {"type": item["type"], "loc": loc[1:], "input": item.get("input")}
    if item.get("ctx"):
        line["ctx"] = item["ctx"]
    try:
        one = ValidationError.from_exception_data(root.__name__, [line])  # type: ignore[list-item]
        err = explain(one, root=root)
    except (KeyError, TypeError, ValueError, OverflowError, RecursionError):
        return None  # an error pydantic cannot rebuild, or an input too odd to show: keep pydantic's message
    reason = str(err).removeprefix(f"{err.field}: ") if err.field else str(err)
    return Problem(field=err.field, reason=reason)


def _field(item: Mapping[str, Any]) -> str | None:
    if item.get("type") == "json_invalid":
        return None  # the location is a character position, not a field
    loc = [str(p) for p in item.get("loc", ())]
    if loc and loc[0] in _WHERE:
        loc = loc[1:]
    return ".".join(loc) or None


def _reason(item: Mapping[str, Any]) -> str:
    kind, msg = item.get("type"), str(item.get("msg", "invalid"))
    if kind == "json_invalid":
        return f"invalid JSON: {(item.get('ctx') or {}).get('error', msg)}"
    if kind == "missing" and tuple(item.get("loc", ())) == ("body",):
        return "a JSON body is required"
    if kind == "extra_forbidden":
        return "unknown field"
    return msg.removeprefix("Value error, ")
