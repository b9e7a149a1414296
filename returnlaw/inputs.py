"""Reading scenarios from JSON, YAML or Python data, with one clear message per problem.

Every failure becomes an :class:`InputError` that names the field and the reason (and suggests
the closest field name or value for a typo); no traceback reaches a user. Beyond the model's own
checks, input is bounded before it is validated (size, nesting, number of values, digits in a
number), so a hostile file cannot make parsing slow, and ambiguous input (a key given twice) is
refused rather than resolved silently.
"""

from __future__ import annotations

import codecs
import datetime as dt
import difflib
import json
import re
import typing
from decimal import Decimal
from enum import Enum
from operator import attrgetter
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .echo import digits_of, echo, one_line
from .readings import DEFAULT_READINGS, Readings
from .scenario import EVENT_DATES, Scenario

MAX_INPUT_BYTES = 1_000_000
MAX_DEPTH = 20
MAX_NODES = 50_000  # a complete scenario has a few hundred values; YAML aliases can multiply them
MAX_DIGITS = 40  # Python refuses to read integers past 4,300 digits with a ValueError of its own
FUTURE_TOLERANCE = dt.timedelta(days=1)  # platforms in other time zones may already be tomorrow
# A deadline counted from a date near either end of the calendar (the service words it the same)
OFF_THE_CALENDAR = "a date is too close to 0001-01-01 or 9999-12-31 for its deadlines to be computed"


class InputError(ValueError):
    """Bad input: the message names the field (dotted path) and why it is wrong."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(one_line(f"{field}: {message}" if field else message))
        self.field = field


# -- from text to data ---------------------------------------------------------------------------


def load_data(text: str | bytes, source: str = "input") -> Any:
    """Parse JSON or YAML text (YAML only safely: no tags that construct objects)."""
    text = _decode(text, source)
    if len(text) > MAX_INPUT_BYTES:
        raise InputError(f"{source} is longer than {MAX_INPUT_BYTES} characters")
    if not text.strip():
        raise InputError(f"{source} is empty")
    longs: list[_LongNumber] = []
    if text.lstrip().startswith(("{", "[")):
        data = _parse_json(text, source, longs)
    else:
        data = _parse_yaml(text, source, longs)
    if data is None:
        raise InputError(f"{source} holds no data (only comments or null)")
    check_shape(data, source)
    if longs:
        _refuse_long_number(data, source)
    return data


def parse_json(text: str | bytes, source: str = "input") -> Any:
    """JSON only (no YAML), with the same limits as :func:`load_data`: any JSON value, e.g. a
    batch row, which must not abort on a bare 5,000-digit number."""
    text = _decode(text, source)
    longs: list[_LongNumber] = []
    data = _parse_json(text, source, longs, yaml_too=False)
    check_shape(data, source)
    if longs:
        _refuse_long_number(data, source)
    return data


class _LongNumber:
    """Stands in for an integer literal with too many digits until its field is known; never
    leaves this module (the reader raises once the whole input is parsed)."""

    __slots__ = ("digits",)

    def __init__(self, digits: int) -> None:
        self.digits = digits


def _refuse_long_number(data: Any, source: str) -> None:
    """Name the field of the first number that is too long (in document order)."""
    stack: list[tuple[Any, tuple]] = [(data, ())]
    while stack:
        item, path = stack.pop()
        if isinstance(item, _LongNumber):
            field = ".".join(_part(p) for p in path)
            reason = f"a number with {item.digits} digits is too long (the limit is {MAX_DIGITS})"
            raise InputError(reason, field or None) if field else InputError(f"{source}: {reason}")
        if isinstance(item, dict):
            pairs = list(item.items())
            for key, _ in pairs:
                if isinstance(key, _LongNumber):
                    stack.append((key, (*path, "(a key)")))
            stack.extend((value, (*path, key)) for key, value in reversed(pairs))
        elif isinstance(item, list | tuple):
            stack.extend((value, (*path, i)) for i, value in reversed(list(enumerate(item))))


def _decode(text: str | bytes, source: str) -> str:
    if isinstance(text, str):
        return text.removeprefix("\ufeff")
    if not isinstance(text, bytes | bytearray | memoryview):
        raise InputError(f"{source} must be text or bytes, got {_kind(text)}")
    text = bytes(text)
    if len(text) > MAX_INPUT_BYTES:
        raise InputError(f"{source} is {len(text)} bytes; the limit is {MAX_INPUT_BYTES}")
    if text.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{source} is UTF-16 text; save it as UTF-8")
    try:
        return text.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = text[: err.start].count(b"\n") + 1
        raise InputError(
            f"{source} is not UTF-8 text (byte 0x{text[err.start]:02x} at line {line}, offset {err.start})"
        ) from None


def _parse_json(text: str, source: str, longs: list[_LongNumber], yaml_too: bool = True) -> Any:
    check_json_depth(text, source)

    def number(digits: str) -> int | _LongNumber:
        count = len(digits) - digits.startswith("-")
        if count > MAX_DIGITS:
            longs.append(_LongNumber(count))
            return longs[-1]
        return int(digits)

    try:
        return json.loads(text, object_pairs_hook=_json_object, parse_int=number)
    except json.JSONDecodeError as err:
        if not yaml_too:
            raise InputError(f"{source}: invalid JSON at line {err.lineno}, column {err.colno}: {err.msg}") from None
        try:  # YAML flow style ({purchase: {date: 2024-08-01}}) also starts with a brace
            return _parse_yaml(text, source, longs)
        except InputError:
            raise InputError(f"{source}: invalid JSON at line {err.lineno}, column {err.colno}: {err.msg}") from None
    except _JsonProblem as err:
        raise InputError(f"{source}: {err}") from None
    except RecursionError:
        raise InputError(f"{source} is nested too deeply (the limit is {MAX_DEPTH} levels)") from None


_JSON_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[{\]}]', re.DOTALL)  # a string (skipped) or a bracket


def check_json_depth(text: str, source: str = "input", max_depth: int = MAX_DEPTH) -> None:
    """Refuse JSON text nested deeper than ``check_shape`` allows, before a parser recurses into
    it: the standard library's limit differs between Python versions (3.13 reports a deep body as
    "Expecting value"), this one does not. Brackets inside strings do not count."""
    if text.count("[") + text.count("{") <= max_depth + 1:
        return  # too few brackets to be too deep: the common case costs two counts
    depth = 0
    for match in _JSON_NESTING.finditer(text):
        bracket = text[match.start()]
        if bracket in "[{":
            depth += 1
            if depth > max_depth + 1:  # the outermost container is level 0, as in check_shape
                raise InputError(f"{source} is nested too deeply (the limit is {max_depth} levels)")
        elif bracket in "]}":
            depth -= 1


class _JsonProblem(ValueError):
    """Raised by the JSON hooks; reported with the source's name."""


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _JsonProblem(f"the key {echo(key)} is given twice in one object")
        out[key] = value
    return out


def _parse_yaml(text: str, source: str, longs: list[_LongNumber]) -> Any:
    loader = None
    try:
        loader = _ScenarioLoader(text)  # a SafeLoader: no object tags; reading starts here
        loader.longs = longs
        return loader.get_single_data()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(f"{source}: invalid YAML{where}: {err.problem or err.context}") from None
    except yaml.reader.ReaderError as err:
        line = text[: err.position].count("\n") + 1
        raise InputError(
            f"{source}: invalid YAML at line {line}: character #x{err.character:04x} is not allowed"
        ) from None
    except yaml.YAMLError as err:
        raise InputError(f"{source}: invalid YAML: {str(err).splitlines()[0]}") from None
    except RecursionError:
        raise InputError(f"{source} is nested too deeply (the limit is {MAX_DEPTH} levels)") from None
    finally:
        if loader is not None:
            loader.dispose()


class _ScenarioLoader(yaml.SafeLoader):
    """``safe_load`` plus: a key given twice is refused, dates stay text (so the model's error
    names the field), integers are bounded in length and nesting in depth (by this loader, not by
    where Python's recursion limit happens to stop the parser)."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH + 2:  # containers to level MAX_DEPTH (from 0), then their values
                raise yaml.composer.ComposerError(
                    None, None, f"nested too deeply (the limit is {MAX_DEPTH} levels)", self.peek_event().start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # merged keys may be overridden: that is what a merge is for
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:
                continue  # an unhashable key: the base class reports it with its position
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {echo(key)} is given twice (first at line {first})", key_node.start_mark
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)

    longs: list[_LongNumber]

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int | _LongNumber:
        digits = yaml_int_digits(str(node.value))
        if digits > MAX_DIGITS:  # refused by load_data once the field is known
            self.longs.append(_LongNumber(digits))
            return self.longs[-1]
        return super().construct_yaml_int(node)


def yaml_int_digits(literal: str) -> int:
    """The digits of a YAML 1.1 integer in any base (0x.., 0b.., 0o.., 0.., 1:30): every digit
    counts, hexadecimal ones too, so a 4,400-digit hex number is refused like a decimal one."""
    body = literal.lstrip("+-").replace("_", "").replace(":", "")
    if body[:2].lower() in ("0x", "0b", "0o"):
        body = body[2:]
    return len(body)


_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_ScenarioLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ScenarioLoader.add_constructor(_TIMESTAMP, lambda loader, node: loader.construct_scalar(node))
_ScenarioLoader.add_constructor("tag:yaml.org,2002:int", _ScenarioLoader.construct_yaml_int)


_CONTAINERS = (dict, list, tuple)  # a tuple: isinstance on it is several times faster than on a union


def check_shape(
    data: Any,
    source: str = "input",
    *,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
    usual: str = "a scenario has a few hundred",
) -> None:
    """Refuse data nested too deeply or with too many values, before anything walks it. Values
    are counted as a walk would meet them, so YAML aliases that multiply a few bytes into billions
    of values (an "alias bomb") are refused after ``max_nodes`` steps, not walked."""
    stack: list[tuple[Any, int]] = [(data, 0)] if isinstance(data, _CONTAINERS) else []
    nodes = 1
    while stack:  # only containers are pushed: a scenario has a dozen, but hundreds of values
        item, depth = stack.pop()
        if depth > max_depth:
            raise InputError(f"{source} is nested too deeply (the limit is {max_depth} levels)")
        children = item.values() if isinstance(item, dict) else item
        nodes += len(children)
        if nodes > max_nodes:
            raise InputError(f"{source} has more than {max_nodes} values; {usual}")
        stack.extend((child, depth + 1) for child in children if isinstance(child, _CONTAINERS))


# -- from data to a scenario ---------------------------------------------------------------------


def parse_scenario(data: Any, *, today: dt.date | None = None) -> Scenario:
    """Validate plain data (as from JSON or YAML) into a :class:`Scenario`.

    ``today`` is the reference date for "in the future" (default: the system date).
    """
    if not isinstance(data, dict):
        raise InputError(f"a scenario must be a mapping of sections, got {_kind(data)}")
    check_shape(data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        raise explain(err) from None
    check_not_future(scenario, today or dt.date.today())
    return scenario


def read_scenario_file(path: str | Path, *, today: dt.date | None = None) -> Scenario:
    """A scenario from a file (``-`` for stdin), read bounded (returnlaw.files)."""
    from .files import read_bounded  # files builds on this module's errors and limits

    shown = "stdin" if str(path) == "-" else str(path)
    return parse_scenario(load_data(read_bounded(path, MAX_INPUT_BYTES), shown), today=today)


def check_not_future(s: Scenario, today: dt.date) -> None:
    """No event of the purchase or its return can lie after the day the decision is asked for."""
    latest = dt.date.max if today > dt.date.max - FUTURE_TOLERANCE else today + FUTURE_TOLERANCE
    for path, get in _EVENT_GETTERS:
        moment = get(s)
        if moment is not None:
            day = moment.date() if isinstance(moment, dt.datetime) else moment
            if day > latest:
                raise InputError(f"{day} is in the future (today is {today})", path)


# (path, getter) of every event date: this check runs on every scenario a service reads
_EVENT_GETTERS = tuple((path, attrgetter(path.replace("return.", "return_.", 1))) for path in EVENT_DATES)


def parse_as_of(value: Any) -> dt.date | None:
    """The ``as_of`` argument: a date, ``YYYY-MM-DD`` text or None."""
    return parse_date(value, "as_of")


def parse_date(value: Any, name: str) -> dt.date | None:
    """A date argument of the Python API (``as_of``, ``today``): a date, a datetime (its day),
    ``YYYY-MM-DD`` text or None; anything else is an :class:`InputError` naming the argument."""
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str) and len(value) <= 40:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InputError(f"expected a date (YYYY-MM-DD), got {echo(value)}", name)


def parse_readings(value: Any) -> Readings:
    """The ``readings`` argument: :class:`Readings` or a mapping such as ``{"counting": "calendar_only"}``."""
    if value is None:
        return DEFAULT_READINGS
    if isinstance(value, Readings):
        return value
    if not isinstance(value, dict):
        raise InputError(f"expected Readings or a mapping of reading names to values, got {_kind(value)}", "readings")
    try:
        return Readings.model_validate(value)
    except ValidationError as err:
        raise explain(err, root=Readings, prefix="readings") from None


# -- explaining validation errors ----------------------------------------------------------------


def explain(err: ValidationError, *, root: type[BaseModel] = Scenario, prefix: str = "") -> InputError:
    """The first problem of a pydantic error as one line: field path and reason."""
    first = err.errors()[0]
    loc = tuple(first["loc"])
    at = loc[:-1] if first["type"] == "invalid_key" else loc  # the key itself is the problem
    reason = _reason(first, loc, root)
    inner = _CROSS_FIELD.fullmatch(reason) if first["type"] == "value_error" else None
    if inner:  # a check across fields names the field it blames: "return.shipped_at: ... is before ..."
        at, reason = (*at, *inner[1].split(".")), inner[2]
    field = ".".join(_part(p) for p in (prefix, *at) if p != "")
    more = f" ({err.error_count() - 1} more problem(s) after this one)" if err.error_count() > 1 else ""
    return InputError(reason + more, field or None)


_NUMBER_TYPES = frozenset(
    ("int_type", "int_parsing", "int_from_float", "float_type", "float_parsing", "decimal_type", "decimal_parsing")
)
_CROSS_FIELD = re.compile(r"([a-z_]+(?:\.[a-z_]+)*): (.+)", re.DOTALL)


def _reason(error: Any, loc: tuple, root: type[BaseModel]) -> str:
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "extra_forbidden":
        return "unknown field" + _suggest_field(loc, root)
    if kind == "invalid_key":
        return f"field names must be text, got {echo(value, 40)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of fields, got {_kind(value)}"
    if kind in ("tuple_type", "list_type"):
        return f"expected a list, got {_kind(value)}"
    if kind == "missing":
        return "is required here"
    if kind == "enum":
        return _suggest_value(value, _enum_at(loc, root))
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false, got {echo(value)}"
    if kind in _NUMBER_TYPES and isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"a number with about {digits_of(value)} digits is too long (the limit is {MAX_DIGITS})"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {echo(value)}"
    if kind in ("float_type", "float_parsing", "decimal_type", "decimal_parsing"):
        return f"expected a number, got {echo(value)}"
    if kind in ("string_type",):
        return f"expected text, got {_kind(value)}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {_plain(ctx.get('ge', ctx.get('gt')))}, got {echo(value)}"
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {_plain(ctx.get('le', ctx.get('lt')))}, got {echo(value)}"
    if kind in ("decimal_whole_digits", "decimal_max_digits"):
        return f"too large: at most {ctx.get('whole_digits', ctx.get('max_digits'))} digits before the point"
    if kind == "finite_number":
        return f"must be a finite number, got {echo(value)}"
    msg = str(error["msg"])
    return msg.removeprefix("Value error, ") if kind in ("value_error", "assertion_error") else msg


def _part(key: Any) -> str:
    """One step of a field path: a name as is, anything odd (spaces, newlines, symbols) or long quoted
    and cut."""
    text = str(key)
    if len(text) <= 40 and (text.isidentifier() or text.isdigit()):
        return text
    return echo(text, 40)


def _plain(number: Any) -> str:
    """A bound as people write it: 1000000000000, not 1E+12; 0, not 0.0."""
    if isinstance(number, float | Decimal) and number == int(number):
        return str(int(number))
    return str(number)


def _kind(value: Any) -> str:
    names = {dict: "a mapping", list: "a list", tuple: "a list", str: "text", bool: "true/false", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _model_at(loc: tuple, root: type[BaseModel]) -> type[BaseModel] | None:
    """The model that holds the field at ``loc`` (list indexes skipped)."""
    model: type[BaseModel] = root
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = _field(model, str(part))
        inner = _find(field.annotation, BaseModel) if field else None
        if inner is None:
            return None
        model = inner
    return model


def _suggest_field(loc: tuple, root: type[BaseModel]) -> str:
    """'did you mean' for a misspelt field, from the fields allowed at that place."""
    model = _model_at(loc, root)
    if model is None:
        return ""
    names = [f.alias or n for n, f in model.model_fields.items()]
    close = closest(str(loc[-1]), names)
    return f"; did you mean {close!r}?" if close else f"; allowed: {', '.join(names)}"


def _enum_at(loc: tuple, root: type[BaseModel]) -> type[Enum] | None:
    while loc and isinstance(loc[-1], int):  # a member of a list of choices: the list's field
        loc = loc[:-1]
    model = _model_at(loc, root)
    field = _field(model, str(loc[-1])) if model else None
    return _find(field.annotation, Enum) if field else None


def _suggest_value(value: Any, enum: type[Enum] | None) -> str:
    if enum is None:
        return f"{echo(value)} is not an allowed value"
    allowed = [str(m.value) for m in enum]
    close = closest(value, allowed) if isinstance(value, str) else None
    hint = f"; did you mean {close!r}?" if close else f"; allowed: {', '.join(allowed)}"
    return f"{echo(value)} is not an allowed value{hint}"


def closest(word: str, options: list[str]) -> str | None:
    """The option most like ``word`` (a typo's likely intent), or None if none is close.

    Ties in similarity go to the longer shared prefix: "clothes" means "clothing", not "other".
    """
    if len(word) > 2 * max(map(len, options), default=0) + 10:
        return None  # far longer than any option: no typo, and comparing would take long
    scored = [(difflib.SequenceMatcher(None, word, o).ratio(), _shared_prefix(word, o), o) for o in options]
    best = max(scored, default=None)
    return best[2] if best is not None and best[0] >= 0.6 else None


def _shared_prefix(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def _field(model: type[BaseModel], name: str) -> Any:
    for n, f in model.model_fields.items():
        if name in (n, f.alias):
            return f
    return None


def _find(annotation: Any, base: type) -> Any:
    """The first class deriving from ``base`` inside an annotation (through unions and tuples)."""
    if isinstance(annotation, type) and issubclass(annotation, base):
        return annotation
    for arg in typing.get_args(annotation):
        found = _find(arg, base)
        if found:
            return found
    return None
