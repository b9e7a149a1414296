"""The fast reader: JSON bytes to a :class:`~returnlaw.scenario.Scenario` with orjson, falling back
to the careful reader (:func:`returnlaw.inputs.load_data` + :func:`~returnlaw.inputs.parse_scenario`)
for anything it does not accept itself, so that every refusal is the careful reader's, word for word.

It accepts only what the careful reader would read to the same data:

- text orjson parses to an object (so no YAML, no ``NaN``/``Infinity``, no lone surrogates, no
  byte order mark: the careful reader reads those its own way);
- that the same pydantic validation and checks as the careful reader accept (types, unknown
  fields, dates that do not exist, the cross-field checks, dates in the future). Validated, the
  data has the models' shape, so it is within the careful reader's limits on nesting, number of
  values and numbers (and no float orjson made of an integer past 64 bits fits any field);
- no key given twice in an object. orjson keeps the last value silently, so the reader counts the
  fields given in the validated models (each object became one model; its given fields are its
  keys, or fewer) against the places in the text where a key can end (a closing quote, optional
  spaces, a colon; counted as the ``":`` with the spaces taken out): a string value holding
  ``":`` or ``" :`` only makes that count larger, never hides a duplicate, and any difference
  sends the text to the careful reader. Counting after validation costs a few steps per model
  instead of a walk over every value before it.

``tests/test_fastread.py`` fuzzes both readers with hypothesis: they accept and refuse the same
inputs with the same scenario or message.
"""

from __future__ import annotations

import datetime as dt
import typing
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError

from .inputs import MAX_INPUT_BYTES, check_not_future, load_data, parse_scenario
from .scenario import Scenario

_SPACES = b" \t\r\n"  # JSON's white space: all that can stand between a key and its colon


def _key_ends(raw: str | bytes | bytearray) -> int:
    """The places in ``raw`` where a key can end (a quote, optional spaces, a colon), or more: the
    ``":`` once the spaces are taken out (a string holding ``" :`` only adds to it)."""
    data = raw.encode() if type(raw) is str else raw  # orjson has read it: no lone surrogates
    return data.translate(None, _SPACES).count(b'":')


def read_scenario(raw: str | bytes, *, today: dt.date | None = None) -> Scenario:
    """JSON (or YAML) text to a Scenario: the fast reader where it can, the careful one otherwise;
    the same result and the same errors as ``parse_scenario(load_data(raw), today=today)``."""
    data = fast_object(raw)
    if data is not None:
        scenario = counted_scenario(data, raw)
        if scenario is not None:
            check_not_future(scenario, today or dt.date.today())
            return scenario
    return parse_scenario(load_data(raw), today=today)


def counted_scenario(data: dict[str, Any], raw: str | bytes, *, taken: int = 0) -> Scenario | None:
    """The Scenario of ``data`` (``fast_object(raw)`` with ``taken`` keys taken out, e.g. a batch
    row's id), or None when the careful reader must read ``raw``: validation refuses the data, or
    a key may be given twice."""
    scenario = validated(data)
    # Validated, the data has the models' shape (so it is within every limit), and each of its
    # objects became a model whose given fields are its keys: no key was given twice exactly when
    # the models hold as many given fields as the text has places a key can end.
    if scenario is None or given_fields(scenario) + taken != _key_ends(raw):
        return None
    return scenario


def fast_object(raw: str | bytes) -> dict[str, Any] | None:
    """orjson's object in ``raw`` (None for anything else: the careful reader reads it)."""
    if not isinstance(raw, bytes | bytearray | str) or len(raw) > MAX_INPUT_BYTES:
        return None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return data if type(data) is dict else None


def given_fields(model: BaseModel) -> int:
    """The fields given in ``model`` and in every model inside it: the keys of the data it was
    validated from (an alias and its field name given together count once, so fewer)."""
    count, stack = 0, [model]
    while stack:  # a loop, not recursion: a scenario has fifteen models, most without models inside
        item = stack.pop()
        given = item.__pydantic_fields_set__
        count += len(given)
        nested = _NESTED.get(type(item))
        if nested is None:
            nested = _NESTED[type(item)] = _nested(type(item))
        for name in nested:
            if name in given:
                value = item.__dict__[name]
                if type(value) is tuple:
                    stack.extend(value)
                elif value is not None:
                    stack.append(value)
    return count


_NESTED: dict[type[BaseModel], tuple[str, ...]] = {}


def _nested(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``model`` that hold models (a model, an optional one, or a tuple of them)."""
    return tuple(name for name, field in model.model_fields.items() if _holds_model(field.annotation))


def _holds_model(annotation: Any) -> bool:
    if isinstance(annotation, type):
        return issubclass(annotation, BaseModel)
    return any(_holds_model(arg) for arg in typing.get_args(annotation))


def validated(data: dict[str, Any]) -> Scenario | None:
    """The pydantic Scenario of fast-read data, or None when validation refuses it (the careful
    reader then words the refusal)."""
    try:
        return _VALIDATE(data)
    except ValidationError:
        return None


_VALIDATE = Scenario.__pydantic_validator__.validate_python  # model_validate without its wrapper
