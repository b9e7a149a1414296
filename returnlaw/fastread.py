"""The fast reader: JSON bytes to a :class:`~returnlaw.scenario.Scenario` with orjson, falling back
to the careful reader (:func:`returnlaw.inputs.load_data` + :func:`~returnlaw.inputs.parse_scenario`)
for anything it does not accept itself, so that every refusal is the careful reader's, word for word.

It accepts only what the careful reader would read to the same data:

- text orjson parses to an object (so no YAML, no ``NaN``/``Infinity``, no lone surrogates, no
  byte order mark: the careful reader reads those its own way);
- no key given twice in an object. orjson keeps the last value silently, so the reader counts the
  keys it got against the places in the text where a key can end (a closing quote, optional
  spaces, a colon): a string value holding ``":`` only makes that count larger, never hides a
  duplicate, and any difference sends the text to the careful reader;
- nesting, number of values and numbers within the careful reader's limits (orjson reads an
  integer past 64 bits as a float: any float that large goes to the careful reader, which keeps
  the integer);
- then the same pydantic validation and checks as the careful reader (types, unknown fields,
  dates that do not exist, the cross-field checks, dates in the future).

``tests/test_fastread.py`` fuzzes both readers with hypothesis: they accept and refuse the same
inputs with the same scenario or message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import orjson
from pydantic import ValidationError

from .inputs import MAX_DEPTH, MAX_INPUT_BYTES, MAX_NODES, check_not_future, load_data, parse_scenario
from .scenario import Scenario

_KEY_END_BYTES = re.compile(rb'"[ \t\r\n]*:')
_KEY_END_TEXT = re.compile(r'"[ \t\r\n]*:')
_BIG = float(2**63)  # orjson reads integers past 64 bits as floats
_DEPTH = MAX_DEPTH - 1  # stricter than the careful reader: the edge cases are its to word
_NODES = MAX_NODES // 2


class _Careful(Exception):
    """Leave this input to the careful reader."""


def fast_data(raw: str | bytes) -> dict[str, Any] | None:
    """The JSON object in ``raw`` exactly as the careful reader would read it, or None when the
    careful reader must read it (it may refuse it, or read it another way)."""
    if isinstance(raw, bytes | bytearray):
        if len(raw) > MAX_INPUT_BYTES:
            return None
        key_ends: Callable[[Any], list[Any]] = _KEY_END_BYTES.findall
    elif isinstance(raw, str):
        if len(raw) > MAX_INPUT_BYTES:
            return None
        key_ends = _KEY_END_TEXT.findall
    else:
        return None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if type(data) is not dict:
        return None
    try:
        keys = _walk(data, 0, [0])
    except _Careful:
        return None
    if keys != len(key_ends(raw)):
        return None  # a key given twice (or a string holding '":'): the careful reader decides
    return data


def _walk(item: Any, depth: int, nodes: list[int]) -> int:
    """Keys of every object inside ``item``; raises _Careful past the limits or on a huge float."""
    if depth > _DEPTH:
        raise _Careful
    if type(item) is dict:
        keys = len(item)
        values: Any = item.values()
    else:
        keys = 0
        values = item
    nodes[0] += len(values)
    if nodes[0] > _NODES:
        raise _Careful
    for value in values:
        kind = type(value)
        if kind is dict or kind is list:
            keys += _walk(value, depth + 1, nodes)
        elif kind is float and not -_BIG < value < _BIG:
            raise _Careful
    return keys


def read_scenario(raw: str | bytes, *, today: dt.date | None = None) -> Scenario:
    """JSON (or YAML) text to a Scenario: the fast reader where it can, the careful one otherwise;
    the same result and the same errors as ``parse_scenario(load_data(raw), today=today)``."""
    data = fast_data(raw)
    if data is not None:
        scenario = validated(data)
        if scenario is not None:
            check_not_future(scenario, today or dt.date.today())
            return scenario
    return parse_scenario(load_data(raw), today=today)


def validated(data: dict[str, Any]) -> Scenario | None:
    """The pydantic Scenario of fast-read data, or None when validation refuses it (the careful
    reader then words the refusal)."""
    try:
        return Scenario.model_validate(data)
    except ValidationError:
        return None
