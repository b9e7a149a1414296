"""A chunk of JSON Lines rows read into typed numpy columns, without building pydantic models.

The columnar batch (issue #15 point 4) decides a whole chunk from columns. This module is its
reader, and it is *conservative*: a row it is not certain about is not taken and goes through
the row path (``batch.decide_row``), which decides it or words its error as before. A taken row
is one the row path accepts (``batch._scenario``), and its columns hold exactly the facts of the
Scenario the row path would build. So a row is taken only when:

- orjson parses it to an object (not a LongLine, not over MAX_INPUT_BYTES) whose ``id`` is absent,
  null, text or a whole number within ``batch._ID_BOUND`` (not true, not 1.0);
- no key is given twice: orjson keeps the last value silently, so the places where a key can end
  in the text (``fastread._key_ends``) are counted against the keys of the parsed objects, per
  chunk first and per row only when the totals differ;
- every section and field is one of the model's (``return_``, accepted by ``populate_by_name``,
  is left to the row path), and every value has the strict type and the constraints of its field,
  read from the pydantic models' ``model_fields`` (the one source of truth), in a form whose
  pydantic reading is certain: money as a JSON whole number, a float or text of plain digits with
  at most two decimals; dates as ``YYYY-MM-DD``; a moment only as a plain date (one with a time of
  day is left to the row path);
- the models' own checks hold: the listing's confirmation, delivery status against signing, the
  seller's grounds given once and the allegation of not intact, returns within orders, the dates'
  order, the category's settled facts, and no event after ``today`` (with the careful reader's
  tolerance). A model gaining a validator this module does not know makes it take nothing.

Decoding: with msgspec (the ``batch`` extra) each line is decoded into structs generated from the
same fields, typed only by JSON kind and with no unknown field (no dict per object, no string per
key: a quarter of orjson's time here); the columns and checks that follow are the same. Without
msgspec, orjson's dicts. A whole number past 64 bits, which orjson cannot parse, is taken only by
msgspec (the row path accepts it); otherwise both take the same rows.

Encodings (``Columns.values``, by ``FactSpec.kind``; unknown is the Scenario's None): bool int8
1/0/-1; enum int16 index in ``FactSpec.values``/-1; set int64 bit mask of ``FactSpec.values``/-1
(an empty list is 0); date and moment int32 ``toordinal()``/0; number float64/NaN.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import re
import sys
import types
import typing
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from itertools import chain, compress, repeat
from typing import Any

import annotated_types
import numpy as np
import orjson
from pydantic import AllowInfNan, BaseModel, Strict
from pydantic.fields import FieldInfo

from .category_facts import settled_by_category
from .facts import _IN_KIND, FACTS
from .fastread import _key_ends
from .files import LongLine
from .inputs import FUTURE_TOLERANCE, MAX_DIGITS, MAX_INPUT_BYTES
from .scenario import (
    _ACTIVE_FORMS,
    _ORDER,
    _PASSIVE_FORMS,
    EVENT_DATES,
    ConfirmationForm,
    DeliveryStatus,
    GiftKind,
    Scenario,
    SellerGround,
)

_ID_BOUND = 10**MAX_DIGITS - 1  # batch._ID_BOUND (batch imports the evaluator; this module must not)
# The columns' encodings by fact kind (the module docstring), shared with returnlaw.columnar.
DTYPES = {
    "bool": np.int8,
    "enum": np.int16,
    "set": np.int64,
    "date": np.int32,
    "moment": np.int32,
    "number": np.float64,
}
UNKNOWN_CODE = {"bool": -1, "enum": -1, "set": -1, "date": 0, "moment": 0, "number": np.nan}


@dataclass(frozen=True)
class Columns:
    size: int  # rows in the chunk
    taken: np.ndarray  # bool[size]: read into the columns; False -> the row path decides it
    ident: list[str | None]  # per row: str(id) as batch writes it, or None; anything where not taken
    values: dict[str, np.ndarray]  # fact path -> column of length size; rows not taken: any value


def column_kinds() -> dict[str, str]:
    """The kind of every column :func:`read_lines` gives (fact path -> kind)."""
    return {path: spec.kind for path, spec in FACTS.items() if spec.kind != "text"}


# -- the fields, read from the models ------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    name: str
    kind: str  # flag enum set day moment money int float text texts model models
    required: bool = False
    nullable: bool = True  # null is accepted (the field is X | None)
    values: tuple[str, ...] = ()  # enum and set: the allowed values, in the enum's order
    low: Any = None
    high: Any = None
    max_length: int | None = None
    places: int | None = None  # money: decimals allowed
    model: type[BaseModel] | None = None  # model and models: the model inside


def _constraints(field: FieldInfo) -> tuple[Any, dict[str, Any]]:
    """The base type of a field and its constraints (through Optional and Annotated)."""
    found: dict[str, Any] = {}
    metadata: list[Any] = list(field.metadata)
    annotation = field.annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        annotation = args[0]  # X | None
    if typing.get_origin(annotation) is typing.Annotated:
        annotation, *more = typing.get_args(annotation)
        metadata.extend(more)
    while metadata:
        item = metadata.pop()
        if isinstance(item, FieldInfo):
            metadata.extend(item.metadata)
        elif isinstance(item, Strict):
            found["strict"] = item.strict
        elif isinstance(item, annotated_types.Ge):
            found["ge"] = item.ge
        elif isinstance(item, annotated_types.Le):
            found["le"] = item.le
        elif isinstance(item, annotated_types.MaxLen):
            found["max_length"] = item.max_length
        elif hasattr(item, "__dict__") and type(item).__name__ == "_PydanticGeneralMetadata":
            found.update(item.__dict__)
        elif isinstance(item, AllowInfNan):
            found["allow_inf_nan"] = item.allow_inf_nan
        else:
            raise TypeError(f"columnar_read does not know the constraint {item!r}")
    return annotation, found


def _field(name: str, field: FieldInfo) -> _Field:
    kind = _kind(name, field)
    nullable = type(None) in typing.get_args(field.annotation)
    return kind if kind.nullable == nullable else replace(kind, nullable=nullable)


def _kind(name: str, field: FieldInfo) -> _Field:
    base, c = _constraints(field)
    required = field.is_required()
    known = set(c)
    if typing.get_origin(base) is tuple:
        member = typing.get_args(base)[0]
        if isinstance(member, type) and issubclass(member, StrEnum):
            kind = _Field(name, "set", required, values=tuple(m.value for m in member), max_length=c.get("max_length"))
        elif isinstance(member, type) and issubclass(member, BaseModel):
            kind = _Field(name, "models", required, max_length=c.get("max_length"), model=member)
        else:
            inner = _field(name, FieldInfo.from_annotation(member))
            if inner.kind != "text":
                raise TypeError(f"columnar_read cannot read {name}: {base!r}")
            return _Field(name, "texts", required, max_length=c.get("max_length"), high=inner.max_length)
        known -= {"max_length"}
    elif isinstance(base, type) and issubclass(base, StrEnum):
        kind = _Field(name, "enum", required, values=tuple(m.value for m in base))
    elif isinstance(base, type) and issubclass(base, BaseModel):
        kind = _Field(name, "model", required, model=base)
    elif base is bool and c.get("strict"):
        kind, known = _Field(name, "flag", required), known - {"strict"}
    elif base is dt.date:
        kind = _Field(name, "day", required)
    elif set(typing.get_args(base)) - {type(None)} == {dt.date, dt.datetime}:
        kind = _Field(name, "moment", required)
    elif base is Decimal and c.get("decimal_places") is not None:
        kind = _Field(name, "money", required, low=c["ge"], high=c["le"], places=c["decimal_places"])
        known -= {"ge", "le", "decimal_places", "max_digits"}  # max_digits: no accepted text comes near it
        if len(str(int(c["le"]))) + c["decimal_places"] > c.get("max_digits", 99) or c["decimal_places"] > 2:
            raise TypeError(f"columnar_read reads {name} in cents, within its digits: the model allows more")
    elif base is int and c.get("strict"):
        kind, known = _Field(name, "int", required, low=c["ge"], high=c["le"]), known - {"strict", "ge", "le"}
    elif base is float and c.get("strict") and c.get("allow_inf_nan") is False:
        kind = _Field(name, "float", required, low=c["ge"], high=c["le"])
        known -= {"strict", "ge", "le", "allow_inf_nan"}
    elif base is str and c.get("strict"):
        kind, known = _Field(name, "text", required, max_length=c["max_length"]), known - {"strict", "max_length"}
    else:
        raise TypeError(f"columnar_read cannot read {name}: {base!r}")
    if known:
        raise TypeError(f"columnar_read does not check {sorted(known)} of {name}")
    return kind


def _fields(model: type[BaseModel]) -> tuple[_Field, ...]:
    return tuple(_field(name, field) for name, field in model.model_fields.items())


# Sections: (the key in JSON, the model field, its fields). The row's ``return_`` (the model's
# name for ``return``, accepted by populate_by_name) is not in the keys: such rows are not taken.
_SECTIONS = tuple(
    (field.alias or name, name, _fields(field.annotation))
    for name, field in Scenario.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
)
_LISTS = {(field.alias or name): _field(name, field) for name, field in Scenario.model_fields.items()}
_LISTS = {key: f for key, f in _LISTS.items() if f.kind == "models"}  # gifts
_TOP_KEYS = frozenset({*(s[0] for s in _SECTIONS), *_LISTS, "id"})
if len(_TOP_KEYS) != len(Scenario.model_fields) + 1:
    raise TypeError("columnar_read: a scenario field is neither a section nor a list of models")

# The validators this module re-implements (below); any other makes it take nothing.
_KNOWN_VALIDATORS = frozenset(
    {
        ("Scenario", "_dates_in_order_and_facts_fit_the_category"),
        ("Purchase", "_day"),
        ("Listing", "_confirmation_consistent"),
        ("Delivery", "_moment"),
        ("Delivery", "_status_fits_signing"),
        ("Return", "_moment"),
        ("Return", "_day"),
        ("Dispute", "_grounds_once"),
        ("Dispute", "_allegation_is_a_ground"),
        ("ReturnHistory", "_returns_within_orders"),
    }
)


def model_validators(model: type[BaseModel] = Scenario) -> set[tuple[str, str]]:
    """(model, validator) of every validator of ``model`` and the models inside it."""
    found: set[tuple[str, str]] = set()
    stack, seen = [model], set()
    while stack:
        item = stack.pop()
        if item in seen:
            continue
        seen.add(item)
        deco = item.__pydantic_decorators__
        for group in (deco.model_validators, deco.field_validators, deco.validators, deco.root_validators):
            found |= {(item.__name__, name) for name in group}
        for name, field in item.model_fields.items():
            f = _field(name, field)
            if f.model is not None:
                stack.append(f.model)
    return found


_ENABLED = model_validators() <= _KNOWN_VALIDATORS


# -- values: one at a time (lists, nested models) ----------------------------------------------------

_BAD = object()  # a value that is not taken
_DAY_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# Money as pydantic certainly reads it: plain digits, no sign, no exponent, no spaces.
_MONEY_TEXT = re.compile(r"(0|[1-9][0-9]{0,12})(?:\.([0-9]{1,2}))?", re.ASCII)
_DAYS: dict[Any, int] = {None: 0}  # YYYY-MM-DD -> ordinal, for the dates seen (bounded); unknown 0


def _day(value: Any) -> Any:
    """The ordinal of a ``YYYY-MM-DD`` text (0 for None), or _BAD."""
    if value is None:
        return 0
    if type(value) is not str or not _DAY_TEXT.fullmatch(value):
        return _BAD
    try:
        day = dt.date.fromisoformat(value).toordinal()
    except ValueError:
        return _BAD
    if len(_DAYS) > 100_000:
        _DAYS.clear()
        _DAYS[None] = 0
    _DAYS[value] = day
    return day


def _cents(value: Any, f: _Field) -> Any:
    """Money in cents (an int; None for None), or _BAD."""
    if value is None:
        return None
    kind = type(value)
    if kind is int:
        cents = value * 100
    elif kind is str or kind is float:
        match = _MONEY_TEXT.fullmatch(value if kind is str else repr(value))
        if match is None:
            return _BAD
        whole, part = match.groups()
        if part is not None and len(part) > (f.places or 0):
            return _BAD
        cents = int(whole) * 100 + int((part or "0").ljust(2, "0"))
    else:
        return _BAD
    return cents if f.low * 100 <= cents <= f.high * 100 else _BAD


def _members(value: Any, f: _Field) -> Any:
    """A set of choices as its bit mask (-1 for None), or _BAD (duplicates included)."""
    if value is None:
        return -1
    if type(value) is not list or len(value) > (f.max_length or len(value)):
        return _BAD
    mask = 0
    index = _INDEX[f.values]
    for member in value:
        k = index.get(member) if type(member) is str else None
        if k is None or mask >> k & 1:
            return _BAD
        mask |= 1 << k
    return mask


_INDEX: dict[tuple[str, ...], dict[str, int]] = {}


def _text_ok(value: Any, f: _Field) -> bool:
    if f.kind == "text":
        return type(value) is str and len(value) <= f.max_length  # type: ignore[operator]
    return (  # texts: a list of them
        type(value) is list
        and len(value) <= f.max_length  # type: ignore[operator]
        and all(type(t) is str and len(t) <= f.high for t in value)
    )


_OBJECTS: dict[type[BaseModel], tuple[_Field, ...]] = {}


def _register(fields: Sequence[_Field]) -> None:
    for f in fields:
        if f.values:
            _INDEX.setdefault(f.values, {v: k for k, v in enumerate(f.values)})
        if f.model is not None and f.model not in _OBJECTS:
            _OBJECTS[f.model] = _fields(f.model)
            _register(_OBJECTS[f.model])


for _section in _SECTIONS:
    _register(_section[2])
_register(tuple(_LISTS.values()))


# -- columns ---------------------------------------------------------------------------------------


def read_lines(lines: Sequence[bytes | str | LongLine], today: dt.date) -> Columns:
    """The chunk's rows as columns; ``taken`` says which rows they hold (the rest: the row path).
    Decoded by msgspec into structs generated from the fields where msgspec is installed (a
    quarter of orjson's time here: no dict per object, no string per key), else by orjson."""
    if TYPED is not None and _ENABLED:
        return _read_typed(lines, today)
    return _read_parsed(lines, today)


def _read_parsed(lines: Sequence[bytes | str | LongLine], today: dt.date) -> Columns:
    size = len(lines)
    rows, ok = _parse(lines)
    ident = _idents(rows, ok)
    keys = np.fromiter(map(len, rows), np.int64, size)  # the keys of every object in the row
    top = np.fromiter(map(dict.__contains__, rows, repeat("id")), np.int64, size)  # top keys known
    values: dict[str, np.ndarray] = {}
    for key, _, fields in _SECTIONS:
        sections = list(map(dict.get, rows, repeat(key), repeat(_EMPTY)))
        top += _ids(sections) != _ID_EMPTY
        keys += _read_objects(sections, fields, key, values, ok)
    for key, f in _LISTS.items():
        column = list(map(dict.get, rows, repeat(key), repeat(_NO_ITEMS)))
        top += _ids(column) != _ID_NO_ITEMS
        keys += _read_models(column, f, key, values, ok)
    ok &= top == np.fromiter(map(len, rows), np.int64, size)  # no key but the sections, lists and id
    _check_models(values, ok, today)
    _check_keys(lines, ok, keys)
    return Columns(size, ok, [i if t else None for i, t in zip(ident, ok.tolist(), strict=True)], values)


_EMPTY: dict[str, Any] = {}
_NO_ITEMS: list[Any] = []
_ID_EMPTY, _ID_NO_ITEMS = id(_EMPTY), id(_NO_ITEMS)
_ID_TRUE, _ID_FALSE, _ID_NONE, _ID_DICT, _ID_LIST = id(True), id(False), id(None), id(dict), id(list)


def _parse(lines: Sequence[Any]) -> tuple[list[dict[str, Any]], np.ndarray]:
    rows: list[dict[str, Any]] = []
    ok = np.zeros(len(lines), bool)
    loads, error = orjson.loads, orjson.JSONDecodeError
    for i, line in enumerate(lines):
        data = None
        if (type(line) is bytes or type(line) is str) and len(line) <= MAX_INPUT_BYTES and _ENABLED:
            try:
                data = loads(line)
            except error:
                data = None
        if type(data) is dict:
            rows.append(data)
            ok[i] = True
        else:
            rows.append(_EMPTY)
    return rows, ok


def _idents(rows: list[dict[str, Any]], ok: np.ndarray) -> list[str | None]:
    """The output ids (batch._compact: str(id)); a row whose id the row path refuses is not taken."""
    return _checked_idents(list(map(dict.get, rows, repeat("id"))), ok)


def _checked_idents(idents: list[Any], ok: np.ndarray) -> list[str | None]:
    if set(map(type, idents)) <= {str, type(None)}:
        return idents
    out: list[str | None] = []
    for i, ident in enumerate(idents):
        if ident is None or type(ident) is str:
            out.append(ident)
        elif type(ident) is int and -_ID_BOUND <= ident <= _ID_BOUND:
            out.append(str(ident))
        else:
            out.append(None)
            ok[i] = False
    return out


def _read_objects(
    objects: list[Any], fields: Sequence[_Field], prefix: str, values: dict[str, np.ndarray], ok: np.ndarray
) -> np.ndarray:
    """Objects of one model, one per row (a section, a gift, ...): each field read into
    ``values[prefix.field]``, ``ok`` cleared where pydantic might refuse; returns the keys of each
    object and of the objects inside it."""
    size = len(objects)
    if size and isinstance(objects[0], Struct):  # decoded by msgspec (_Typed): every one a Struct
        keys, columns = TYPED.columns(objects, fields)  # type: ignore[union-attr]
    else:
        keys, columns = _dict_columns(objects, fields, ok)
    for f, column in zip(fields, columns, strict=True):
        if f.required and None in column:
            ok &= np.array([v is not None for v in column], bool)
        path = f"{prefix}.{f.name}"
        if f.kind == "model":
            keys += _read_model(column, f, path, ok)
        elif f.kind == "models":
            keys += _read_models(column, f, path, values, ok)
        else:
            encoded = _READERS[f.kind](column, f, ok)
            if encoded is not None:
                values[path] = encoded
    return keys


def _dict_columns(
    objects: list[Any], fields: Sequence[_Field], ok: np.ndarray
) -> tuple[np.ndarray, Iterator[list[Any]]]:
    """The keys of each object parsed by orjson, and one column of values per field (None where absent)."""
    size = len(objects)
    if set(map(type, objects)) - {dict}:  # null or not an object: refused (a section absent is _EMPTY)
        is_dict = [type(o) is dict for o in objects]
        ok &= np.array(is_dict, bool)
        objects = [o if d else _EMPTY for o, d in zip(objects, is_dict, strict=True)]
    keys = np.fromiter(map(len, objects), np.int64, size)
    ok &= np.fromiter(map(_NAMES[id(fields)].issuperset, objects), bool, size)  # no unknown key
    return keys, (list(map(dict.get, objects, repeat(f.name))) for f in fields)


def _read_model(column: list[Any], f: _Field, path: str, ok: np.ndarray) -> np.ndarray:
    """An optional nested object (conduct.return_history): checked with its model's validator."""
    keys = np.zeros(len(column), np.int64)
    rows = _given(column)
    if rows.size:
        inner: dict[str, np.ndarray] = {}
        inner_ok = np.ones(rows.size, bool)
        keys[rows] = _read_objects([column[i] for i in rows.tolist()], _OBJECTS[f.model], path, inner, inner_ok)  # type: ignore[index]
        _MODEL_CHECKS[f.model.__name__](inner, path, inner_ok)  # type: ignore[union-attr]
        ok[rows] &= inner_ok
    return keys


def _returns_within_orders(values: dict[str, np.ndarray], path: str, ok: np.ndarray) -> None:
    orders, returns = values[f"{path}.orders"], values[f"{path}.returns"]
    ok &= ~(returns > orders)  # NaN (unknown) compares False


def _no_check(values: dict[str, np.ndarray], path: str, ok: np.ndarray) -> None:
    return None


_MODEL_CHECKS = {"ReturnHistory": _returns_within_orders, "Gift": _no_check, "PaymentPart": _no_check}


def _read_models(column: list[Any], f: _Field, path: str, values: dict[str, np.ndarray], ok: np.ndarray) -> np.ndarray:
    """A list of objects per row (gifts, payment.parts): the items are read as one column of
    objects, their problems and keys go to their rows, and the derived facts are read off them."""
    size = len(column)
    kinds = _ids(list(map(type, column)))
    lists = kinds == _ID_LIST
    ok &= lists | ((kinds == _ID_NONE_TYPE) & f.nullable)
    lengths = np.zeros(size, np.int64)
    lengths[lists] = np.fromiter(map(len, compress(column, lists.tolist())), np.int64)
    ok &= lengths <= f.max_length  # type: ignore[operator]
    items = list(chain.from_iterable(compress(column, lists.tolist())))
    owners = np.repeat(np.arange(size), lengths)
    inner: dict[str, np.ndarray] = {}
    inner_ok = np.ones(len(items), bool)
    item_keys = _read_objects(items, _OBJECTS[f.model], path, inner, inner_ok)  # type: ignore[index]
    _MODEL_CHECKS[f.model.__name__](inner, path, inner_ok)  # type: ignore[union-attr]
    ok[owners[~inner_ok]] = False
    derive = _DERIVE.get(path)
    if derive is not None:
        derive(inner, owners, lists, values, ok)
    return np.bincount(owners, weights=item_keys, minlength=size).astype(np.int64)


_ID_NONE_TYPE, _ID_STR = id(type(None)), id(str)


def _ids(column: list[Any]) -> np.ndarray:
    """``id()`` of every value, as numpy ints (``map(id, ...)`` makes an int per value and costs
    four times as much)."""
    return _addresses(np.fromiter(column, object, len(column)))


def _addresses(cells: np.ndarray) -> np.ndarray:
    """The ids of an object array's values. In CPython an object array holds the addresses of its
    objects, which are their ids: read at C speed, and copied while ``cells`` holds the objects."""
    if not _POINTERS_ARE_IDS or not cells.size:
        return np.fromiter(map(id, cells.flat), np.intp, cells.size).reshape(cells.shape)
    cells = np.ascontiguousarray(cells)
    pointers = (ctypes.c_ssize_t * cells.size).from_address(cells.__array_interface__["data"][0])
    return np.ctypeslib.as_array(pointers).reshape(cells.shape).copy()


_POINTERS_ARE_IDS = sys.implementation.name == "cpython"


# -- readers of one field's column: (its values, the field, ok) -> the encoded column -------------------


def _given(column: list[Any]) -> np.ndarray:
    """The rows whose value is given (not null)."""
    if column.count(None) == len(column):
        return np.zeros(0, np.intp)
    return np.flatnonzero(_ids(column) != _ID_NONE)


def _flags(column: list[Any], f: _Field, ok: np.ndarray) -> np.ndarray:
    ids = _ids(column)
    out = np.full(len(column), -1, np.int8)
    yes, no = ids == _ID_TRUE, ids == _ID_FALSE
    out[yes], out[no] = 1, 0
    ok &= yes | no | (ids == _ID_NONE)
    return out


_MISS = -32768  # fits every dtype used; never a valid encoding


def _lookup(column: list[Any], table: dict[Any, int], miss: Callable[[Any], int], dtype: Any) -> np.ndarray:
    """Values looked up in ``table``; a value not in it (or unhashable) goes to ``miss``."""
    try:
        out = np.fromiter(map(table.get, column, repeat(_MISS)), dtype, len(column))
    except TypeError:  # an unhashable value (a list or an object): one at a time
        out = np.array([_MISS if type(v) in (list, dict) else table.get(v, _MISS) for v in column], dtype)
    for i in np.flatnonzero(out == _MISS).tolist():
        out[i] = miss(column[i])
    return out


def _enums(column: list[Any], f: _Field, ok: np.ndarray) -> np.ndarray:
    """Codes of the values. msgspec hands back the Literal's own strings (the ones in ``f.values``),
    so their addresses say which they are; text from orjson is looked up by value."""
    known, codes = _ENUM_IDS[f.values]
    ids = _ids(column)
    at = np.minimum(np.searchsorted(known, ids), known.size - 1)
    if (known[at] == ids).all():
        return codes[at]
    out = _lookup(column, _ENUM_TABLES[f.values], lambda v: _MISS, np.int16)
    ok &= out != _MISS
    return out


def _days(column: list[Any], f: _Field, ok: np.ndarray) -> np.ndarray:
    """Dates, and moments given as a plain date (one with a time of day is left to the row path)."""
    out = _lookup(column, _DAYS, lambda v: -1 if (d := _day(v)) is _BAD else d, np.int32)
    ok &= out >= 0
    return out


def _sets(column: list[Any], f: _Field, ok: np.ndarray) -> np.ndarray:
    out = np.full(len(column), -1, np.int64)
    for i in _given(column).tolist():
        mask = _members(column[i], f)
        if mask is _BAD:
            ok[i] = False
        else:
            out[i] = mask
    return out


def _money(column: list[Any], f: _Field, ok: np.ndarray) -> np.ndarray:
    """Money. Its texts (the usual form) are read together off their bytes (_money_texts); a text
    they do not certainly read, and a number, is read alone (_cents)."""
    size = len(column)
    kinds = _ids(list(map(type, column)))
    texts, lines = column.copy(), column.copy()
    others = np.flatnonzero((kinds != _ID_STR) & (kinds != _ID_NONE_TYPE)).tolist()
    for i in others:
        texts[i] = None
    for i in np.flatnonzero(_ids(texts) == _ID_NONE).tolist():
        lines[i] = ""
    joined = "\n".join(lines)
    if joined.count("\n") == size - 1:  # a line per row: no text holds a line end
        out, read = _money_texts(joined.encode("utf-8", "surrogatepass"), size, f)
        ok &= ~(out < float(f.low)) & ~(out > float(f.high))
        others += [i for i in np.flatnonzero(~read).tolist() if texts[i] is not None]
    else:
        out, others = np.full(size, np.nan), [i for i, v in enumerate(column) if v is not None]
    for i in others:
        cents = _cents(column[i], f)
        if cents is _BAD:
            ok[i] = False
        elif cents is not None:
            out[i] = cents / 100
    return out


def _money_texts(text: bytes, size: int, f: _Field) -> tuple[np.ndarray, np.ndarray]:
    """Lines of money as text, one per row (an empty line: unknown): their values (NaN where
    unknown or not read) and which were read. A line is read when pydantic certainly reads it as
    written: plain ASCII digits (no sign, exponent or space), no leading zero, at most ``places``
    decimals after one point, no more whole digits than ``high`` has (the bound is checked on the
    value). The value is its cents (exact in a float below 2**53) over 100: the float nearest the
    decimal, as float(text) gives."""
    digits = len(str(int(f.high)))  # type: ignore[arg-type]
    if digits > _EXACT_DIGITS or not text:  # (no text: every row unknown)
        return np.full(size, np.nan), np.zeros(size, bool)
    chars = np.frombuffer(text, np.uint8)
    line = np.cumsum(chars == _NEWLINE, dtype=np.intp)  # the row of each byte (a line end counts to the next)
    starts = np.concatenate(([0], np.flatnonzero(chars == _NEWLINE) + 1))
    ends = np.append(starts[1:] - 1, chars.size)
    digit, point = (chars >= _ZERO) & (chars <= _NINE), chars == _POINT
    stray = ~digit & ~point & (chars != _NEWLINE)
    points = np.bincount(line[point], minlength=size)
    anchor = ends.copy()  # where the whole part ends: the point, or the line's end
    anchor[line[point]] = np.flatnonzero(point)
    whole, decimals = anchor - starts, np.where(points > 0, ends - anchor - 1, 0)
    read = (
        (np.bincount(line[stray], minlength=size) == 0)
        & (points <= 1)
        & (whole >= 1)
        & (whole <= digits)
        & ((points == 0) | ((decimals >= 1) & (decimals <= (f.places or 0))))
        & ~((whole > 1) & (chars[np.minimum(starts, chars.size - 1)] == _ZERO))
    )
    at = np.flatnonzero(digit)
    power = anchor[line[at]] - at + 2 - (at < anchor[line[at]])  # hundredths: 10**2 at the units
    weights = (chars[at] - _ZERO) * _POWERS_OF_TEN[np.clip(power, 0, _EXACT_DIGITS + 2)]  # clipped: unread
    cents = np.bincount(line[at], weights=weights, minlength=size)
    return np.where(read, cents / 100, np.nan), read


_NEWLINE, _POINT, _ZERO, _NINE = b"\n.09"
_EXACT_DIGITS = 13  # whole digits whose cents (at most 10**15) every float holds exactly
_POWERS_OF_TEN = 10.0 ** np.arange(_EXACT_DIGITS + 3)


_TEXT_OR_NONE = frozenset({str, type(None)})
_NONE_AS_EMPTY: dict[Any, str] = {None: ""}


def _numbers(column: list[Any], f: _Field, ok: np.ndarray) -> np.ndarray:
    """Strict whole numbers (int) or numbers (float: an int is accepted too, never true/false)."""
    size = len(column)
    fits = np.isin(_ids(list(map(type, column))), _NUMBER_TYPES[f.kind])
    if not fits.all():
        ok &= fits
        column = [v if fit else None for v, fit in zip(column, fits.tolist(), strict=True)]
    out = np.fromiter(map(_NONE_AS_NAN_NUMBER.get, column, column), np.float64, size)
    ok &= ~(out < f.low) & ~(out > f.high)  # an int past 2**53 is far beyond every bound
    return out


_NUMBER_TYPES = {"int": [id(int), _ID_NONE_TYPE], "float": [id(int), id(float), _ID_NONE_TYPE]}
_NONE_AS_NAN_NUMBER: dict[Any, float] = {None: np.nan}
_NAMES = {id(fields): frozenset(f.name for f in fields) for fields in (*(s[2] for s in _SECTIONS), *_OBJECTS.values())}


def _texts(column: list[Any], f: _Field, ok: np.ndarray) -> None:
    longest = f.max_length if f.kind == "text" else -1
    if (
        set(map(type, column)) <= _TEXT_OR_NONE
        and max(map(len, map(_NONE_AS_EMPTY.get, column, column)), default=0) <= longest
    ):  # type: ignore[operator]
        return None  # the usual column: text within its length, or unknown
    for i in _given(column).tolist():
        if not _text_ok(column[i], f):
            ok[i] = False
    return None


_READERS: dict[str, Callable[[list[Any], _Field, np.ndarray], np.ndarray | None]] = {
    "flag": _flags,
    "enum": _enums,
    "set": _sets,
    "day": _days,
    "moment": _days,
    "money": _money,
    "int": _numbers,
    "float": _numbers,
    "text": _texts,
    "texts": _texts,
}
_ENUM_TABLES = {values: {None: -1, **index} for values, index in _INDEX.items()}


def _enum_ids(values: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The addresses of None and of the values' own strings, sorted, with their codes."""
    table = {id(None): -1, **{id(v): k for k, v in enumerate(values)}}
    known = np.array(sorted(table), np.intp)
    return known, np.array([table[i] for i in known.tolist()], np.int16)


_ENUM_IDS = {values: _enum_ids(values) for values in _INDEX}


# -- the derived facts (facts._DERIVED), off the items of each row -------------------------------------


def _gift_facts(
    items: dict[str, np.ndarray], owners: np.ndarray, lists: np.ndarray, values: dict[str, np.ndarray], ok: np.ndarray
) -> None:
    """facts._any_gift_unreturned, _unreturned_gift_price and _gift_in_kind."""
    size = len(lists)
    returned, price, kind = items["gifts.returned"], items["gifts.marked_price"], items["gifts.kind"]

    def rows_with(mask: np.ndarray) -> np.ndarray:
        return np.bincount(owners[mask], minlength=size) > 0

    kept, unknown = rows_with(returned == 0), rows_with(returned == -1)
    values["gifts.any_unreturned"] = np.where(kept, 1, np.where(unknown, -1, 0)).astype(np.int8)
    given_back = returned == 0
    cents = np.bincount(owners[given_back], weights=np.nan_to_num(np.round(price[given_back] * 100)), minlength=size)
    ok &= cents < 2**53  # a sum past float's whole numbers: the row path sums it exactly
    total = cents / 100  # a whole number of cents over 100: rounded once, as float(Decimal) is
    total[rows_with(given_back & np.isnan(price))] = np.nan
    values["gifts.unreturned_marked_price"] = total
    values["gifts.any_in_kind"] = rows_with((kind != -1) & (kind != _index("gifts.kind", GiftKind.ITEM))).astype(
        np.int8
    )


def _part_facts(
    items: dict[str, np.ndarray], owners: np.ndarray, lists: np.ndarray, values: dict[str, np.ndarray], ok: np.ndarray
) -> None:
    """facts._paid_in_kind and _paid_by_several_methods (unknown where payment.parts is)."""
    size = len(lists)
    method = items["payment.parts.method"].astype(np.int64)
    in_kind = np.isin(method, [_index("payment.parts.method", m) for m in _IN_KIND])
    paid_in_kind = np.bincount(owners[in_kind], minlength=size) > 0
    lengths = np.bincount(owners, minlength=size)
    starts = np.minimum(np.cumsum(lengths) - lengths, max(method.size - 1, 0))  # a row's first part (if any)
    first = method[starts][owners] if method.size else method
    several = np.bincount(owners[method != first], minlength=size) > 0
    values["payment.paid_in_kind"] = np.where(lists, paid_in_kind, -1).astype(np.int8)
    values["payment.several_methods"] = np.where(lists, several, -1).astype(np.int8)


_DERIVE = {"gifts": _gift_facts, "payment.parts": _part_facts}


# -- the models' checks, on the columns ------------------------------------------------------------


def _check_models(values: dict[str, np.ndarray], ok: np.ndarray, today: dt.date) -> None:
    _check_confirmation(values, ok)
    status, signed = values["delivery.status"], values["delivery.signed_at"]
    ok &= (signed == 0) | (status == -1) | (status == _index("delivery.status", DeliveryStatus.SIGNED))
    said, grounds = values["dispute.seller_alleges_not_intact"], values["dispute.seller_grounds"]
    listed = (grounds >> _index("dispute.seller_grounds", SellerGround.NOT_INTACT)) & 1
    ok &= (said == -1) | (grounds == -1) | (said == listed)
    for earlier, later in _ORDER:  # Scenario._check_order
        first, second = values[earlier], values[later]
        ok &= (first == 0) | (second == 0) | (second >= first)
    latest = dt.date.max if today > dt.date.max - FUTURE_TOLERANCE else today + FUTURE_TOLERANCE
    for path in EVENT_DATES:  # inputs.check_not_future
        ok &= values[path] <= latest.toordinal()
    _check_category(values, ok)


def _index(path: str, member: StrEnum) -> int:
    spec = FACTS.get(path)
    values = spec.values if spec is not None else tuple(type(member))
    return values.index(member.value) if spec is not None else values.index(member)


def _check_confirmation(values: dict[str, np.ndarray], ok: np.ndarray) -> None:
    """scenario._check_confirmation on the raw columns."""
    form = values["listing.confirmation_form"]
    confirmed = values["listing.consumer_confirmed"]
    checkout = values["listing.confirmation_in_checkout_flow"]
    preselected = values["listing.confirmation_preselected"]

    def forms(*members: ConfirmationForm) -> np.ndarray:
        return np.isin(form, [_index("listing.confirmation_form", m) for m in members])

    step, box = forms(ConfirmationForm.CHECKOUT_STEP), forms(ConfirmationForm.PRESELECTED_BOX)
    given = form != -1
    clash = (forms(*_ACTIVE_FORMS) & (confirmed == 0)) | (forms(*_PASSIVE_FORMS) & (confirmed == 1))
    clash |= (step & (checkout == 0)) | (given & ~step & ~box & (checkout == 1))
    clash |= (box & (preselected == 0)) | (given & ~box & (preselected == 1))
    ok &= ~clash


def _check_category(values: dict[str, np.ndarray], ok: np.ndarray) -> None:
    """category_facts.check_against_category on the columns."""
    category = values["item.category"]
    for name, settled in settled_by_category().items():
        rows = category == _INDEX[FACTS["item.category"].values][name]
        if not rows.any():
            continue
        for fact, value in settled.items():
            column = values[fact]
            ok &= ~rows | (column == UNKNOWN_CODE[FACTS[fact].kind]) | (column == _encode_settled(fact, value))


def _encode_settled(path: str, value: Any) -> int:
    spec = FACTS[path]
    if spec.kind == "bool" and type(value) is bool:
        return int(value)
    if spec.kind == "enum":
        return spec.values.index(getattr(value, "value", value))
    raise TypeError(f"columnar_read cannot compare {path} with the category's {value!r}")


# -- keys given twice ---------------------------------------------------------------------------------


def _check_keys(lines: Sequence[Any], ok: np.ndarray, keys: np.ndarray) -> None:
    """Leave to the row path every row that may have lost a key given twice to its decoder (orjson
    and msgspec keep the last value). Outside strings, a colon stands after every key and nowhere else, so a row's text
    has at least as many colons as keys, and as many as its parsed objects have keys only when no
    key was given twice (UTF-8 has no colon byte inside a character). A row with more colons than
    keys (colons in its strings) gets fastread's count of the places where a key can end (a quote,
    spaces, a colon)."""
    rows = np.flatnonzero(ok)
    if not rows.size:
        return
    text = [lines[i] if type(lines[i]) is bytes else lines[i].encode() for i in rows.tolist()]
    per_row = np.fromiter(map(bytes.count, text, repeat(b":")), np.int64, len(text))
    wanted = keys[rows]
    for j in np.flatnonzero(per_row != wanted).tolist():
        if _key_ends(text[j]) != wanted[j]:
            ok[rows[j]] = False


# -- typed decoding (msgspec) -------------------------------------------------------------------------

try:
    import msgspec
except ImportError:  # pragma: no cover - msgspec comes with the batch extra; orjson reads the rows then
    msgspec = None
    Struct: type = type("Struct", (), {})  # nothing is one: every object is read as a dict
else:
    Struct = msgspec.Struct
    _ID_UNSET = id(msgspec.UNSET)


# What msgspec checks of each kind of field: the JSON kind only (the column readers do the rest);
# a choice (enum) is a Literal of its values (see _Typed.type_of).
_JSON_KINDS: dict[str, Any] = {
    "flag": bool,
    "set": list[str],
    "day": str,
    "moment": str,
    "money": int | float | str,
    "int": int,
    "float": float,
    "text": str,
    "texts": list[str],
}


class _Typed:
    """One msgspec Struct per model, generated from its fields (so from the pydantic models), typed
    only as far as the JSON kinds (text, number, true/false, list, object) and with no unknown field:
    everything else (values, bounds, lengths, dates, the models' checks) is the column readers'.
    A field not given is UNSET (null is None), so a struct's given fields are its object's keys."""

    def __init__(self) -> None:
        self.structs: dict[int, Any] = {}
        self.empty: dict[int, Any] = {}
        row: list[tuple[Any, ...]] = [("id", str | int | None | msgspec.UnsetType, msgspec.UNSET)]
        for key, attr, fields in _SECTIONS:
            row.append((attr, self.struct(fields, key) | msgspec.UnsetType, msgspec.UNSET))
        for key, f in _LISTS.items():
            row.append((key, self.type_of(f), msgspec.UNSET))
        rename = {attr: key for key, attr, _ in _SECTIONS if key != attr}
        self.row = msgspec.defstruct("Row", row, rename=rename, forbid_unknown_fields=True, gc=False)
        self.empty_row = self.row()
        self.decode = msgspec.json.Decoder(self.row, strict=True).decode
        self.sections = [(fields, key) for key, _, fields in _SECTIONS]
        # What a Row's field not given reads as: no id, an empty section, no items.
        self.fills = [None, *(self.empty[id(fields)] for _, _, fields in _SECTIONS), *([_NO_ITEMS] * len(_LISTS))]

    def struct(self, fields: tuple[_Field, ...], name: str) -> Any:
        if id(fields) not in self.structs:
            spec = [(f.name, self.type_of(f), msgspec.UNSET) for f in fields]
            made = msgspec.defstruct(name.title().replace("_", ""), spec, forbid_unknown_fields=True, gc=False)
            self.structs[id(fields)], self.empty[id(fields)] = made, made()
        return self.structs[id(fields)]

    def type_of(self, f: _Field) -> Any:
        if f.kind == "model":
            base: Any = self.struct(_OBJECTS[f.model], f.name)  # type: ignore[index]
        elif f.kind == "models":
            base = list[self.struct(_OBJECTS[f.model], f.name)]  # type: ignore[index,misc]
        elif f.kind == "enum":
            base = typing.Literal[f.values]  # decoded as the very strings of f.values (see _enums)
        else:
            base = _JSON_KINDS[f.kind]
        return (base | None if f.nullable else base) | msgspec.UnsetType

    def columns(self, objects: list[Any], fields: Sequence[_Field]) -> tuple[np.ndarray, list[list[Any]]]:
        """The given fields of each struct (its object's keys), and one column per field (None
        where not given)."""
        keys, cells = self.cells(objects, len(fields))
        return keys, [cells[:, j].tolist() for j in range(cells.shape[1])]

    def cells(self, objects: list[Any], width: int, fills: Sequence[Any] = ()) -> tuple[np.ndarray, np.ndarray]:
        """The given fields of each struct, and the structs' values as one object matrix (a row per
        struct): a field not given (UNSET, found by address) holds None, or its entry in ``fills``."""
        size = len(objects)
        values = chain.from_iterable(map(msgspec.structs.astuple, objects))
        cells = np.fromiter(values, object, size * width).reshape(size, width)
        missing = _addresses(cells) == _ID_UNSET
        cells[missing] = None
        for j, fill in enumerate(fills):
            cells[missing[:, j], j] = _held(fill)
        return width - missing.sum(axis=1), cells


def _held(value: Any) -> np.ndarray:
    """``value`` as a one-object array: numpy assigns it whole (a list would be read as items)."""
    held = np.empty((), object)
    held[()] = value
    return held


TYPED = _Typed() if msgspec is not None else None
_BOMS = (b"\xef\xbb\xbf", "\ufeff")


def _decoded(lines: Sequence[Any]) -> tuple[list[Any], np.ndarray]:
    """Each line decoded into a Row struct (the empty Row where it is not: the row path reads it)."""
    assert TYPED is not None
    rows, ok = [TYPED.empty_row] * len(lines), np.zeros(len(lines), bool)
    decode, errors = TYPED.decode, (msgspec.DecodeError, msgspec.ValidationError)
    for i, line in enumerate(lines):
        kind = type(line)
        if (kind is bytes or kind is str) and len(line) <= MAX_INPUT_BYTES and not line.startswith(_BOMS[kind is str]):
            try:
                rows[i] = decode(line)
            except errors:
                continue
            ok[i] = True
    return rows, ok


def _read_typed(lines: Sequence[bytes | str | LongLine], today: dt.date) -> Columns:
    """read_lines by msgspec: the orjson path's rows and columns, and the rows with a whole number
    past 64 bits (which orjson cannot parse; the checks after decoding are the same)."""
    assert TYPED is not None
    size = len(lines)
    rows, ok = _decoded(lines)
    keys, cells = TYPED.cells(rows, len(TYPED.fills), TYPED.fills)  # Row's fields: the id, sections, lists
    ident = _checked_idents(cells[:, 0].tolist(), ok)
    values: dict[str, np.ndarray] = {}
    for j, (fields, key) in enumerate(TYPED.sections, 1):
        keys += _read_objects(cells[:, j].tolist(), fields, key, values, ok)
    for j, (key, f) in enumerate(_LISTS.items(), 1 + len(TYPED.sections)):
        keys += _read_models(cells[:, j].tolist(), f, key, values, ok)
    _check_models(values, ok, today)
    _check_keys(lines, ok, keys)
    return Columns(size, ok, [i if t else None for i, t in zip(ident, ok.tolist(), strict=True)], values)
