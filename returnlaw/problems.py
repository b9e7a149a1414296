"""Validation problems as (field, reason) pairs: the one error shape of the HTTP service.

pydantic (and FastAPI) report a location tuple and a message per problem; a platform wants a
dotted field name and a reason it can show to a merchant. Presentation only: no legal meaning.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

_WHERE = ("body", "query", "path")  # FastAPI's first location part: where in the request


class Problem(BaseModel):
    """One thing wrong with an input: the dotted field (None for the input as a whole) and why."""

    model_config = ConfigDict(frozen=True)

    field: str | None
    reason: str


def problems(errors: Iterable[Mapping[str, Any]]) -> list[Problem]:
    """Every problem of a pydantic/FastAPI error list, in order."""
    return [Problem(field=_field(item), reason=_reason(item)) for item in errors]


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
