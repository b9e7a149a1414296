"""The issues table (``rules/grounds.yaml``): which facts each of the seller's grounds and the
consumer's claims turns on, and what follows where nobody raised it (reading ``issues``).

The loader turns the table into ordinary rules, so both engines, the interview and every other
reader see plain conditions and presumptions:

- ``issue-<ground>-not-raised``: a presumption (planned after the category's derivations) that
  fills each unknown fact of ``absent`` with its value, where the reading is ``as_raised``, the list
  is stated and does not hold the ground;
- ``issue-<ground>-out-of-issue-<rule>``: a pure exception to each rule of ``out_of_issue``, with
  the same condition and, in addition, "some fact the rule reads is unknown" (``known: false``), so
  that a rule whose facts are stated decides as usual.
- ``issue-not-produced-<rule>``: a pure exception to each rule of ``not_produced``, a rule that
  applies only on a piece of evidence a party must produce (an inspection record on arrival, a
  condition verified at pickup). In a dispute (either list stated) under ``as_raised``, while the
  facts stating that evidence are unknown, the evidence is not in the record and the rule does not
  apply; once they are stated it decides as usual.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .facts import FACTS
from .scenario import ConsumerClaim, SellerGround
from .tables import SEVEN_DAY_RIGHT

GROUNDS_FILE = "grounds.yaml"
# The list each section reads, and the values it may name.
SECTIONS = {
    "seller_grounds": ("dispute.seller_grounds", tuple(g.value for g in SellerGround)),
    "consumer_claims": ("dispute.consumer_claims", tuple(c.value for c in ConsumerClaim)),
}
SECTIONS_BY_FACT = {listed: section for section, (listed, _) in SECTIONS.items()}


class GroundsError(ValueError):
    """A malformed issues table; the message names the entry."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Ground(_Strict):
    provision: str
    party: Literal["seller", "consumer"]
    why_zh: str = Field(min_length=1)
    why_en: str = Field(min_length=1)
    absent: dict[str, bool | str] = {}
    out_of_issue: tuple[str, ...] = ()


class Evidence(_Strict):
    """A rule that applies only on evidence ``party`` must produce, stated by ``facts``."""

    party: Literal["seller", "consumer"]
    facts: tuple[str, ...] = Field(min_length=1)
    why_zh: str = Field(min_length=1)
    why_en: str = Field(min_length=1)


class Joint(_Strict):
    """Facts two or more of the seller's grounds turn on: not in issue only where none is raised."""

    grounds: tuple[str, ...] = Field(min_length=2)
    provision: str
    why_zh: str = Field(min_length=1)
    why_en: str = Field(min_length=1)
    absent: dict[str, bool | str] = Field(min_length=1)


class GroundsTable(_Strict):
    basis: tuple[str, ...] = Field(min_length=1)
    consumer_basis: tuple[str, ...] = Field(min_length=1)
    evidence_basis: tuple[str, ...] = ()
    seller_grounds: dict[str, Ground]
    consumer_claims: dict[str, Ground]
    not_produced: dict[str, Evidence] = {}
    jointly: tuple[Joint, ...] = ()


def load_grounds(folder: Path, read_yaml: Any, provisions: Mapping[str, object]) -> GroundsTable | None:
    """The table, validated against the provisions and the scenario's vocabulary (None: no file)."""
    path = folder / GROUNDS_FILE
    if not path.is_file():
        return None
    return grounds_from(read_yaml(path), provisions)


def grounds_from(data: Any, provisions: Mapping[str, object]) -> GroundsTable:
    """:func:`load_grounds` for the table's data already read (rule books built in memory)."""
    try:
        table = GroundsTable.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise GroundsError(f"{where}: {first['msg']}") from None
    for where, refs in (
        ("basis", table.basis),
        ("consumer_basis", table.consumer_basis),
        ("evidence_basis", table.evidence_basis),
    ):
        _check_cites(where, refs, provisions)
    for section, (_, values) in SECTIONS.items():
        entries: dict[str, Ground] = getattr(table, section)
        if set(entries) != set(values):
            missing, extra = sorted(set(values) - set(entries)), sorted(set(entries) - set(values))
            raise GroundsError(
                f"{section}: entries must be exactly {', '.join(values)}; missing {missing}, unknown {extra}"
            )
        for name, ground in entries.items():
            _check_ground(f"{section}.{name}", ground, provisions)
    for i, joint in enumerate(table.jointly):
        unknown = [g for g in joint.grounds if g not in table.seller_grounds]
        if unknown:
            raise GroundsError(f"jointly.{i}.grounds: {unknown} are not seller grounds")
        _check_ground(f"jointly.{i}", Ground(party="seller", **joint.model_dump(exclude={"grounds"})), provisions)
    return table


def _check_cites(where: str, refs: tuple[str, ...], provisions: Mapping[str, object]) -> None:
    unknown = [ref for ref in refs if ref not in provisions]
    if unknown:
        raise GroundsError(f"{where}: cites {unknown}, not provisions of the rule book")


def _check_ground(where: str, ground: Ground, provisions: Mapping[str, object]) -> None:
    _check_cites(f"{where}.provision", (ground.provision,), provisions)
    for path, value in ground.absent.items():
        spec = FACTS.get(path)
        if spec is None or spec.derived or spec.kind not in ("bool", "enum"):
            raise GroundsError(f"{where}.absent: {path!r} is not a yes/no or choice fact")
        if (spec.kind == "bool") != isinstance(value, bool) or (spec.kind == "enum" and value not in spec.values):
            raise GroundsError(f"{where}.absent.{path}: {value!r} is not a value of {path}")


def ground_specs(table: GroundsTable, rules: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rules the table stands for (see the module's docstring). ``rules``: the rule book's own
    rules by id (compiled), to check ``out_of_issue`` and read the facts of each target."""
    specs: list[dict[str, Any]] = []
    for section, (listed, _) in SECTIONS.items():
        for name, ground in getattr(table, section).items():
            basis = table.basis if ground.party == "seller" else table.consumer_basis
            cite = [ground.provision, *(ref for ref in basis if ref != ground.provision)]
            # Unknown while the list is not stated: the presumption waits (and the interview sees
            # the list as a question), it does not apply.
            raised = [{"reading": "issues", "eq": "as_raised"}, {"not": {"fact": listed, "contains": name}}]
            base = {
                "cite": cite,
                "title_zh": ground.why_zh,
                "title_en": ground.why_en,
                "labels": [_label(listed, name)],
            }
            slug = name.replace("_", "-")
            if ground.absent:
                specs.append(
                    {
                        **base,
                        "id": f"issue-{slug}-not-raised",
                        "in_force": {"from": SEVEN_DAY_RIGHT},
                        "when": {"all": raised},
                        "then": {"presume": dict(ground.absent)},
                        "note_en": f"Not in issue: {section} is stated and does not hold {name} (rules/grounds.yaml).",
                    }
                )
            for target in ground.out_of_issue:
                rule = rules.get(target)
                if rule is None:
                    raise GroundsError(f"{section}.{name}.out_of_issue: no rule {target!r}")
                unknown = [{"fact": path, "known": False} for path in sorted(rule.condition.facts)]
                if not unknown:
                    raise GroundsError(
                        f"{section}.{name}.out_of_issue: {target} reads no fact; nothing could be unknown"
                    )
                specs.append(
                    {
                        **base,
                        "id": f"issue-{slug}-out-of-issue-{target}",
                        "in_force": {"from": max(SEVEN_DAY_RIGHT, rule.in_force_from), "to": rule.in_force_to},
                        "exception_to": [target],
                        # Never unknown itself: an exception whose condition is open would leave
                        # the rule it defeats open too, where the list is not stated.
                        "when": {"all": [*raised, {"fact": listed, "known": True}, {"any": unknown}]},
                        "note_en": (
                            f"Not in issue: {section} is stated and does not hold {name}, and a fact {target} reads "
                            "is unknown; once its facts are stated the rule decides (rules/grounds.yaml)."
                        ),
                    }
                )
    return specs + _joint_specs(table) + _not_produced_specs(table, rules)


def _joint_specs(table: GroundsTable) -> list[dict[str, Any]]:
    listed = SECTIONS["seller_grounds"][0]
    specs = []
    for joint in table.jointly:
        cite = [joint.provision, *(ref for ref in table.basis if ref != joint.provision)]
        none_raised = [{"not": {"fact": listed, "contains": g}} for g in joint.grounds]
        specs.append(
            {
                "id": f"issue-{'-and-'.join(g.replace('_', '-') for g in joint.grounds)}-not-raised",
                "cite": cite,
                "title_zh": joint.why_zh,
                "title_en": joint.why_en,
                "labels": [_label(listed, g) for g in joint.grounds],
                "in_force": {"from": SEVEN_DAY_RIGHT},
                "when": {"all": [{"reading": "issues", "eq": "as_raised"}, *none_raised]},
                "then": {"presume": dict(joint.absent)},
                "note_en": f"Not in issue: seller_grounds is stated and holds none of {', '.join(joint.grounds)}.",
            }
        )
    return specs


def _not_produced_specs(table: GroundsTable, rules: Mapping[str, Any]) -> list[dict[str, Any]]:
    if table.not_produced and not table.evidence_basis:
        raise GroundsError("evidence_basis: not_produced needs the provisions its rules rest on")
    specs = []
    in_dispute = {"any": [{"fact": listed, "known": True} for listed, _ in SECTIONS.values()]}
    for target, entry in table.not_produced.items():
        rule = rules.get(target)
        if rule is None:
            raise GroundsError(f"not_produced.{target}: no rule {target!r}")
        stray = [path for path in entry.facts if path not in rule.condition.facts]
        if stray:
            raise GroundsError(f"not_produced.{target}.facts: {target} does not read {stray}")
        specs.append(
            {
                "id": f"issue-not-produced-{target}",
                "cite": list(table.evidence_basis),
                "title_zh": entry.why_zh,
                "title_en": entry.why_en,
                "labels": [NOT_PRODUCED],
                "in_force": {"from": max(SEVEN_DAY_RIGHT, rule.in_force_from), "to": rule.in_force_to},
                "exception_to": [target],
                "when": {
                    "all": [
                        {"reading": "issues", "eq": "as_raised"},
                        in_dispute,
                        {"any": [{"fact": path, "known": False} for path in entry.facts]},
                    ]
                },
                "note_en": (
                    f"Not in the record: a dispute is stated and the {entry.party}'s evidence {target} rests on "
                    "is not; once it is stated the rule decides (rules/grounds.yaml, not_produced)."
                ),
            }
        )
    return specs


# Labels the generated rules carry, so readers tell them apart without reading their conditions.
NOT_PRODUCED = "issues:not_produced"
_RAISED = "issues:raised:"


def _label(listed: str, name: str) -> str:
    return f"{_RAISED}{listed}:{name}"


def raised_ground(rule: Any) -> tuple[str, str] | None:
    """(the list fact, the ground or claim) a rule of the table turns on; None for any other rule
    (a joint rule gives its first ground)."""
    for label in rule.labels:
        if label.startswith(_RAISED):
            listed, _, name = label[len(_RAISED) :].partition(":")
            return listed, name
    return None


def not_produced_facts(rule: Any) -> tuple[str, ...]:
    """The evidence a ``not_produced`` rule rests on (empty for any other rule): the facts its
    condition reads besides the lists of grounds and claims."""
    if NOT_PRODUCED not in rule.labels:
        return ()
    listed = {listed for listed, _ in SECTIONS.values()}
    return tuple(sorted(rule.condition.facts - listed))


__all__ = [
    "GROUNDS_FILE",
    "Ground",
    "GroundsError",
    "GroundsTable",
    "ground_specs",
    "grounds_from",
    "load_grounds",
    "not_produced_facts",
    "raised_ground",
]
