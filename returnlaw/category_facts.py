"""A stated fact that contradicts what the goods' category settles (``rules/categories.yaml``,
``settles``) is an input error naming both fields: ``item.perishable: true`` for a sofa.

Validation reads the bundled table once (the rule book's derivations read the same table from
the rule folder they were loaded from; a custom folder with another table still derives from its
own, and its contradictions surface as the bundled table defines them).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .scenario import Scenario


@cache
def settled_by_category() -> dict[str, dict[str, Any]]:
    """{category: {fact: value}} from the bundled table; {} when there is none."""
    from .loader import read_yaml, rules_dir
    from .tables import CATEGORIES_FILE, CategoryTable

    path = rules_dir() / CATEGORIES_FILE
    if not path.is_file():
        return {}
    table = CategoryTable.model_validate(read_yaml(path))
    out: dict[str, dict[str, Any]] = {}
    for fact, by_value in table.settles.items():
        for value, entry in by_value.items():
            for category in entry.categories:
                out.setdefault(category, {})[fact] = value
    return out


def check_against_category(scenario: Scenario) -> None:
    item = scenario.item
    category = item.category
    if category is None:
        return
    for fact, name, value in _settled_fields(category.value):
        stated = getattr(item, name)
        if stated is not None and stated != value:
            shown = str(value).lower() if isinstance(value, bool) else value
            given = str(stated).lower() if isinstance(stated, bool) else getattr(stated, "value", stated)
            raise ValueError(
                f"{fact}: {given} contradicts item.category {category.value}, whose goods are always "
                f"{fact.split('.', 1)[1]} = {shown} (rules/categories.yaml); correct one of them"
            )


@cache
def _settled_fields(category: str) -> tuple[tuple[str, str, Any], ...]:
    """(fact, item field, value) of every fact ``category`` settles (read on every validation)."""
    settled = settled_by_category().get(category, {})
    return tuple((fact, fact.split(".", 1)[1], value) for fact, value in settled.items())
