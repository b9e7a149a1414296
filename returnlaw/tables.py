"""Data tables of the rule book (``rules/categories.yaml``): what the goods of each category can be,
in the law's terms, each entry with its reason and the provisions behind it.

A rule reads a table through the condition ``in_table``::

    {in_table: {table: categories, column: natures, row: item.category, value: listing.nature_exclusion}}

which holds when the value of the fact ``value`` is listed in column ``column`` of the row named by
the fact ``row``. The loader expands it into plain fact comparisons before compiling the rule (one
alternative per listed value: ``value = v and row in [rows that list v]``), so both engines, the
interview and every other reader of a rule's condition see ordinary conditions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .facts import FACTS
from .scenario import Category, Nature

CATEGORIES_FILE = "categories.yaml"
SEVEN_DAY_RIGHT = dt.date(2014, 3, 15)  # generated rules apply with the right itself (CPL 2013, Art. 25)
TABLE_FILES = (CATEGORIES_FILE,)


class TableError(ValueError):
    """A malformed table or ``in_table`` condition; the message names the place."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Entry(_Strict):
    """Why a category can have a value of a column, and the provisions that say so."""

    why_zh: str = Field(min_length=1)
    why_en: str = Field(min_length=1)
    cite: tuple[str, ...] = Field(min_length=1)


class CategoryRow(_Strict):
    natures: dict[str, Entry] = {}


class Settled(Entry):
    """Categories whose goods all have one value of a fact (``settles``), and why."""

    categories: tuple[str, ...] = Field(min_length=1)


class CategoryTable(_Strict):
    """Rows are the item categories (every one, no other); ``every_category`` lists what any goods can be."""

    settles: dict[str, dict[str | bool, Settled]] = {}
    every_category: CategoryRow = CategoryRow()
    categories: dict[str, CategoryRow]


# The facts a category may settle (each a yes/no or choice fact about the goods themselves).
SETTLEABLE = ("item.perishable", "item.downloaded", "item.media_unsealed", "item.subject")


# What each table's rows and columns are about: the fact naming the row, and per column the fact
# whose values it lists.
SHAPES: Mapping[str, tuple[str, Mapping[str, str]]] = {
    "categories": ("item.category", {"natures": "listing.nature_exclusion"}),
}
_NATURES = tuple(n.value for n in Nature if n is not Nature.NONE)


def load_tables(
    folder: Path, read_yaml: Any, provisions: Mapping[str, object]
) -> dict[str, dict[str, dict[str, Entry]]]:
    """Every table as {column: {row: {value: Entry}}}, with ``every_category`` merged into each row."""
    path = folder / CATEGORIES_FILE
    if not path.is_file():
        return {}
    return tables_from(read_yaml(path), provisions)


def tables_from(data: Any, provisions: Mapping[str, object]) -> dict[str, dict[str, dict[str, Entry]]]:
    """:func:`load_tables` for the table file's data already read (rule books built in memory)."""
    try:
        table = CategoryTable.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise TableError(f"{where}: {first['msg']}") from None
    rows = set(table.categories)
    wanted = {c.value for c in Category}
    if rows != wanted:
        missing, extra = sorted(wanted - rows), sorted(rows - wanted)
        raise TableError(f"rows must be exactly the item categories; missing {missing}, unknown {extra}")
    natures: dict[str, dict[str, Entry]] = {}
    for name, row in table.categories.items():
        merged = {**table.every_category.natures, **row.natures}
        for value, entry in merged.items():
            if value not in _NATURES:
                raise TableError(f"categories.{name}.natures: {value!r} is not a nature (one of {', '.join(_NATURES)})")
            unknown = [ref for ref in entry.cite if ref not in provisions]
            if unknown:
                raise TableError(f"categories.{name}.natures.{value}: cites {unknown}, not provisions of the rule book")
        natures[name] = merged
    return {"categories": {"natures": natures, "settles": _settles(table, provisions)}}


def _settles(table: CategoryTable, provisions: Mapping[str, object]) -> dict[str, dict[str, tuple[object, Settled]]]:
    """{fact: {category: (value, entry)}}: each category settles a fact to one value at most."""
    out: dict[str, dict[str, tuple[object, Settled]]] = {}
    for fact, by_value in table.settles.items():
        if fact not in SETTLEABLE:
            raise TableError(f"settles.{fact}: not a fact a category can settle (one of {', '.join(SETTLEABLE)})")
        spec = FACTS[fact]
        rows: dict[str, tuple[object, Settled]] = {}
        for value, entry in by_value.items():
            where = f"settles.{fact}.{str(value).lower()}"
            if (spec.kind == "bool") != isinstance(value, bool) or (spec.kind == "enum" and value not in spec.values):
                raise TableError(f"{where}: {value!r} is not a value of {fact}")
            unknown = [ref for ref in entry.cite if ref not in provisions]
            if unknown:
                raise TableError(f"{where}: cites {unknown}, not provisions of the rule book")
            for category in entry.categories:
                if category not in table.categories:
                    raise TableError(f"{where}.categories: {category!r} is not an item category")
                if category in rows:
                    raise TableError(f"{where}.categories: {category} is already listed for another value of {fact}")
                rows[category] = (value, entry)
        out[fact] = rows
    return out


def derivation_specs(tables: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One presumption rule per (fact, value) of ``settles``: where the category is one listed and the
    fact is unknown, the fact takes the value (a stated fact stands; validation refuses a
    contradiction). Rule ids ``category-settles-<fact>-<value>``; planned before every other
    presumption, so a fact the goods settle is never presumed otherwise."""
    settles = tables.get("categories", {}).get("settles", {})
    specs = []
    for fact, rows in settles.items():
        by_value: dict[object, list[str]] = {}
        entries: dict[object, Settled] = {}
        for category, (value, entry) in rows.items():
            by_value.setdefault(value, []).append(category)
            entries[value] = entry
        for value, categories in by_value.items():
            entry = entries[value]
            name = f"{fact.split('.')[-1]}-{str(value).lower()}".replace("_", "-")
            specs.append(
                {
                    "id": f"category-settles-{name}",
                    "cite": list(entry.cite),
                    "title_zh": entry.why_zh,
                    "title_en": entry.why_en,
                    "in_force": {"from": SEVEN_DAY_RIGHT},
                    "when": {"fact": "item.category", "in": sorted(categories)},
                    "then": {"presume": {fact: value}},
                    "note_en": f"Derived from the goods' category (rules/categories.yaml, settles.{fact}).",
                }
            )
    return specs


def expand(
    data: Any,
    tables: Mapping[str, Mapping[str, Mapping[str, Mapping[str, Entry]]]],
    where: str = "when",
    known: Mapping[str, Any] | None = None,
) -> Any:
    """``data`` with every ``in_table`` condition replaced by plain fact comparisons. ``known``: the
    values the enclosing conjunction fixes; a lookup whose value fact is fixed there becomes one
    membership test (the same meaning, and a condition the durable translation keeps small)."""
    if isinstance(data, list):
        return [expand(x, tables, f"{where}[{i}]", known) for i, x in enumerate(data)]
    if not isinstance(data, dict):
        return data
    if "in_table" not in data:
        fixed = _fixed_values(data.get("all")) if "all" in data else {}
        return {k: expand(v, tables, f"{where}.{k}", fixed if k == "all" else None) for k, v in data.items()}
    if set(data) != {"in_table"}:
        raise TableError(f"{where}: unexpected key(s) {sorted(set(data) - {'in_table'})} next to in_table")
    return _alternatives(data["in_table"], tables, f"{where}.in_table", known or {})


def _fixed_values(items: Any) -> dict[str, Any]:
    """Facts a conjunction fixes to one value ({fact: f, eq: v} among its members)."""
    if not isinstance(items, list):
        return {}
    return {c["fact"]: c["eq"] for c in items if isinstance(c, dict) and set(c) == {"fact", "eq"}}


def _alternatives(spec: Any, tables: Mapping[str, Any], where: str, fixed: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(spec, dict) or set(spec) != {"table", "column", "row", "value"}:
        raise TableError(f"{where}: expected keys table, column, row, value")
    name, column, row, value = spec["table"], spec["column"], spec["row"], spec["value"]
    if name not in SHAPES or name not in tables:
        raise TableError(f"{where}.table: unknown table {name!r} (known: {', '.join(sorted(tables))})")
    row_fact, columns = SHAPES[name]
    if column not in columns:
        raise TableError(f"{where}.column: {name} has no column {column!r} (known: {', '.join(columns)})")
    if row != row_fact or value != columns[column] or value not in FACTS:
        raise TableError(f"{where}: {name}.{column} is read with row {row_fact} and value {columns[column]}")
    listed = tables[name][column]
    if value in fixed:  # the conjunction already says which value: only its rows
        holders = sorted(r for r, values in listed.items() if fixed[value] in values)
        return {"fact": row, "in": holders} if holders else {"not": {"always": True}}
    options = []
    for v in FACTS[value].values:
        holders = sorted(r for r, values in listed.items() if v in values)
        if holders:
            options.append({"all": [{"fact": value, "eq": v}, {"fact": row, "in": holders}]})
    return {"any": options} if options else {"not": {"always": True}}


__all__ = [
    "CATEGORIES_FILE",
    "SETTLEABLE",
    "TABLE_FILES",
    "Entry",
    "TableError",
    "derivation_specs",
    "expand",
    "load_tables",
]
