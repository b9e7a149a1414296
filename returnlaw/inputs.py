"""Reading scenarios from JSON, YAML or Python data, with one clear message per problem.

Every failure becomes an :class:`InputError` that names the field and the reason (and suggests
the closest field name for a typo); no traceback reaches a user.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .scenario import Scenario

MAX_INPUT_BYTES = 1_000_000
MAX_DEPTH = 20


class InputError(ValueError):
    """Bad input: the message names the field (dotted path) and why it is wrong."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


def parse_scenario(data: Any, *, today: dt.date | None = None) -> Scenario:
    """Validate plain data (as from JSON or YAML) into a :class:`Scenario`."""
    if not isinstance(data, dict):
        raise InputError(f"a scenario must be a mapping of sections, got {type(data).__name__}")
    _check_depth(data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        raise _explain(err) from None
    _check_not_future(scenario, today or dt.date.today())
    return scenario


def load_data(text: str | bytes, source: str = "input") -> Any:
    """Parse JSON or YAML text (YAML is a superset; only safe loading)."""
    if isinstance(text, bytes):
        if len(text) > MAX_INPUT_BYTES:
            raise InputError(f"{source} is {len(text)} bytes; the limit is {MAX_INPUT_BYTES}")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as err:
            raise InputError(f"{source} is not UTF-8 text (bad byte at position {err.start})") from None
    if len(text) > MAX_INPUT_BYTES:
        raise InputError(f"{source} is longer than {MAX_INPUT_BYTES} characters")
    if not text.strip():
        raise InputError(f"{source} is empty")
    try:
        return json.loads(text) if text.lstrip().startswith(("{", "[")) else yaml.safe_load(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{source}: invalid JSON at line {err.lineno}, column {err.colno}: {err.msg}") from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(f"{source}: invalid YAML{where}: {err.problem}") from None
    except (yaml.YAMLError, RecursionError) as err:
        raise InputError(f"{source}: invalid YAML: {type(err).__name__}") from None


def read_scenario_file(path: str | Path, *, today: dt.date | None = None) -> Scenario:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read {p}: {err.strerror}") from None
    return parse_scenario(load_data(raw, str(p)), today=today)


def _check_depth(data: Any, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise InputError(f"input is nested more than {MAX_DEPTH} levels deep")
    children = data.values() if isinstance(data, dict) else data if isinstance(data, list) else ()
    for child in children:
        _check_depth(child, depth + 1)


def _explain(err: ValidationError) -> InputError:
    first = err.errors()[0]
    loc = tuple(first["loc"])
    field = ".".join(str(p) for p in loc)
    more = f" ({err.error_count() - 1} more problem(s) after this one)" if err.error_count() > 1 else ""
    if first["type"] == "extra_forbidden":
        hint = _suggest(loc)
        return InputError(f"unknown field{hint}{more}", field)
    msg = first["msg"]
    if first["type"] in ("value_error", "assertion_error"):
        msg = msg.removeprefix("Value error, ")
    return InputError(f"{msg}{more}", field or None)


def _suggest(loc: tuple) -> str:
    """'did you mean' for a misspelt field, from the fields allowed at that place."""
    model: type[BaseModel] = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = _field(model, str(part))
        inner = _model_in(field.annotation) if field else None
        if inner is None:
            return ""
        model = inner
    names = [f.alias or n for n, f in model.model_fields.items()]
    close = difflib.get_close_matches(str(loc[-1]), names, n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; allowed: {', '.join(names)}"


def _field(model: type[BaseModel], name: str):
    for n, f in model.model_fields.items():
        if name in (n, f.alias):
            return f
    return None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found:
            return found
    return None


def _check_not_future(s: Scenario, today: dt.date) -> None:
    for path, value in (("purchase.date", s.purchase.date), ("delivery.signed_at", s.delivery.signed_at)):
        day = value.date() if isinstance(value, dt.datetime) else value
        if day is not None and day > today + dt.timedelta(days=1):
            raise InputError(f"{day} is in the future (today is {today})", path)
