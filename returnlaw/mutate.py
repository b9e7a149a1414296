"""The rule book's mutation score: how many small, plausible errors in the rule *data* the tests
catch (``returnlaw rules mutate``).

A mutant is the bundled rule files with one edit — a category dropped from a list (or a nature
from a category's row of the categories table), an in-force
date or a threshold moved by one, an exception removed, a condition negated or dropped, a
reading's value or default swapped, a conclusion changed, a rule deleted. Each mutant is compiled
in memory (:func:`returnlaw.loader.compile_rulebook`; the loader may refuse it, which is reported
apart and not counted as killed) and run against the test suite of a source checkout
(``tests/mutation_suite.py``: the law examples, the golden decisions, the review scenarios and a
fixed slice of the properties). A mutant is *killed* when some check fails under it. Survivors
are listed with the explanation recorded for them in ``tests/data/mutation-survivors.yaml``
(an equivalent mutant, or why no test can see it); an unexplained survivor is a gap in the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import random
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Literal, Protocol

from .facts import FACTS
from .loader import VOCABULARY_FILE, compile_rulebook, read_yaml, rules_dir
from .readings import READING_NAMES, Readings
from .rulebook import RuleBook
from .tables import CATEGORIES_FILE

DELETE = object()  # what a replacement returns to remove the node from its list
SMALL = 8  # enum facts with at most this many values also get "add a member" / "another value" mutants
ORDER_FLIP = {"lt": "le", "le": "lt", "gt": "ge", "ge": "gt"}
Path_ = tuple[Any, ...]


@dataclass(frozen=True)
class Mutant:
    id: str
    operator: str
    file: str | None
    rule: str | None
    description: str
    path: Path_ = ()
    replace: Callable[[Any], Any] | None = None
    default_readings: Mapping[str, Any] | None = None
    about: str | None = None  # the rule id, provision or instrument changed (checks about it run first)

    def apply(self, documents: Mapping[str, Any]) -> dict[str, Any]:
        """The rule files with this mutant's edit (a fresh copy; ``documents`` is not changed)."""
        out = fresh(documents)
        if self.replace is None:
            return out
        *head, last = self.path
        parent: Any = out
        for key in head:
            parent = parent[key]
        new = self.replace(parent[last])
        if new is DELETE:
            del parent[last]
        else:
            parent[last] = new
        return out


Status = Literal["killed", "survived", "equivalent", "refused"]
EQUIVALENT = "equivalent (proved): on every day the same rules, conditions and citations are in force"


@dataclass(frozen=True)
class Result:
    mutant: Mutant
    status: Status
    detail: str  # the check that failed, the loader's refusal, or a survivor's recorded explanation


class Suite(Protocol):
    """What the tests check, as one call: ``check(book, default_readings, about)`` returns the first
    failing check's description, or None when every check passes (``about``, the mutated rule,
    provision or instrument, lets the suite try the checks about it first). ``explanations`` maps
    survivors' ids to why they survive; ``excluded`` names checks that fail without a mutant."""

    explanations: Mapping[str, str]
    excluded: list[str]

    def check(
        self, book: RuleBook, default_readings: Mapping[str, str] | None = None, about: str | None = None
    ) -> str | None: ...


def fresh(data: Any) -> Any:
    """A deep copy of YAML data that shares nothing (YAML anchors make one dict appear twice)."""
    if isinstance(data, dict):
        return {k: fresh(v) for k, v in data.items()}
    if isinstance(data, list):
        return [fresh(v) for v in data]
    return data


def read_documents(directory: Path | None = None) -> dict[str, Any]:
    folder = directory or rules_dir()
    return {p.name: fresh(read_yaml(p)) for p in sorted(folder.glob("*.yaml"))}


# -- generating mutants ------------------------------------------------------------------------------


def generate(documents: Mapping[str, Any]) -> list[Mutant]:
    """Every mutant of the rule files, in a stable order."""
    vocabulary = documents[VOCABULARY_FILE]
    referenced = {
        ref[6:]
        for name, doc in documents.items()
        if name != VOCABULARY_FILE
        for rule in doc.get("rules") or []
        for ref in rule.get("exception_to") or []
        if ref.startswith("label:")
    }
    out: list[Mutant] = []
    for name in sorted(n for n in documents if n != VOCABULARY_FILE):
        doc = documents[name]
        instrument = doc.get("instrument") or {}
        keys = ("in_force_from", "in_force_to")
        out += _dated(name, None, "instrument", ("instrument",), instrument, *keys, about=instrument.get("id"))
        for i, prov in enumerate(doc.get("provisions") or []):
            out += _dated(
                name, None, f"provision {prov.get('ref')}", ("provisions", i), prov, *keys, about=prov.get("ref")
            )
        for i, rule in enumerate(doc.get("rules") or []):
            out += list(_rule_mutants(name, ("rules", i), rule, vocabulary, referenced))
        if name == CATEGORIES_FILE:
            out += _table_mutants(name, doc)
    out += _reading_defaults()
    return out


def _table_mutants(file: str, doc: Mapping[str, Any]) -> list[Mutant]:
    """The categories table: each nature a category can have (Measures Art. 7(1)) dropped from its row."""
    rows = {"every_category": (("every_category",), doc.get("every_category") or {})}
    rows |= {row: (("categories", row), body or {}) for row, body in (doc.get("categories") or {}).items()}
    out = []
    for row, (path, body) in rows.items():
        for nature in body.get("natures") or {}:
            drop = lambda natures, nature=nature: {k: v for k, v in natures.items() if k != nature}  # noqa: E731
            out.append(
                _mutant(file, None, f"{row}.natures", "drop_member", f"{nature} dropped", (*path, "natures"), drop)
            )
    return out


def _mutant(
    file: str, rule: str | None, where: str, op: str, detail: str, path: Path_, replace: Any, about: str | None = None
) -> Mutant:
    subject = rule or where
    return Mutant(
        id=f"{file}:{subject}:{where if rule else ''}:{op}:{detail}".replace("::", ":"),
        operator=op,
        file=file,
        rule=rule,
        description=f"{subject}: {where + ': ' if rule and where else ''}{detail}",
        path=(file, *path),
        replace=replace,
        about=rule or about,
    )


def _shift(date: dt.date, days: int) -> dt.date:
    return date + dt.timedelta(days=days)


def _dated(
    file: str, rule: str | None, where: str, path: Path_, node: Mapping[str, Any], *keys: str, about: str | None = None
) -> list[Mutant]:
    """In-force dates one day earlier and one day later."""
    out = []
    for key in keys:
        value = node.get(key)
        if isinstance(value, dt.date):
            for days in (-1, 1):
                label = f"{key} {value} -> {_shift(value, days)}"
                shifted = lambda d, n=days: _shift(d, n)  # noqa: E731
                out.append(_mutant(file, rule, where, "shift_date", label, (*path, key), shifted, about))
    return out


def _rule_mutants(
    file: str, path: Path_, rule: Mapping[str, Any], vocabulary: Mapping[str, Any], referenced: set[str]
) -> Iterator[Mutant]:
    rid = str(rule.get("id"))
    yield _mutant(file, rid, "", "delete_rule", "the rule deleted", path, lambda r: DELETE)
    for i, ref in enumerate(rule.get("exception_to") or []):
        yield _mutant(
            file,
            rid,
            "exception_to",
            "drop_exception",
            f"no longer an exception to {ref}",
            (*path, "exception_to"),
            lambda xs, i=i: xs[:i] + xs[i + 1 :],
        )
    for i, label in enumerate(rule.get("labels") or []):
        if label not in referenced:  # a label no rule refers to is inert: dropping it changes nothing
            continue
        yield _mutant(
            file,
            rid,
            "labels",
            "drop_label",
            f"label {label} dropped",
            (*path, "labels"),
            lambda xs, i=i: xs[:i] + xs[i + 1 :],
        )
    in_force = rule.get("in_force") or {}
    yield from _dated(file, rid, "in_force", (*path, "in_force"), in_force, "from", "to")
    when = rule.get("when")
    if isinstance(when, dict) and "always" not in when:
        yield _mutant(file, rid, "when", "negate", "the whole condition negated", (*path, "when"), lambda n: {"not": n})
    yield from _condition_mutants(file, rid, (*path, "when"), when, "when", vocabulary)
    yield from _conclusion_mutants(file, rid, (*path, "then"), rule.get("then"), vocabulary)


def _condition_mutants(
    file: str, rid: str, path: Path_, node: Any, where: str, vocabulary: Mapping[str, Any]
) -> Iterator[Mutant]:
    if not isinstance(node, dict):
        return
    m = lambda op, detail, replace: _mutant(file, rid, where, op, detail, path, replace)  # noqa: E731
    for key in ("all", "any"):
        if isinstance(node.get(key), list):
            items, other = node[key], "any" if key == "all" else "all"
            if len(items) >= 2:
                for i in range(len(items)):
                    yield m(
                        "drop_condition", f"{key}[{i}] dropped", lambda n, k=key, i=i: {k: n[k][:i] + n[k][i + 1 :]}
                    )
                yield m("all_any", f"{key} -> {other}", lambda n, k=key, o=other: {o: n[k]})
            for i, child in enumerate(items):
                yield from _condition_mutants(file, rid, (*path, key, i), child, f"{where}.{key}[{i}]", vocabulary)
            return
    if "not" in node:
        yield m("unwrap_not", "the negation dropped", lambda n: n["not"])
        yield from _condition_mutants(file, rid, (*path, "not"), node["not"], f"{where}.not", vocabulary)
    elif "fact" in node:
        yield from _fact_mutants(m, node)
    elif "var" in node:
        values = list((vocabulary.get("variables", {}).get(node["var"]) or {}).get("values") or [])
        yield from _choice_mutants(m, node, f"var {node['var']}", values)
    elif "reading" in node:
        annotation = Readings.model_fields[node["reading"]].annotation if node["reading"] in READING_NAMES else None
        values = [v.value for v in annotation] if annotation else []  # type: ignore[union-attr]
        yield from _choice_mutants(m, node, f"reading {node['reading']}", values)
    elif "within_period" in node:
        days = (node["within_period"] or {}).get("days")
        if isinstance(days, int) and not isinstance(days, bool):
            for step in (-1, 1):
                yield m("shift_number", f"within {days} -> {days + step} days", lambda n, s=step: _with_days(n, s))


def _with_days(node: dict[str, Any], step: int) -> dict[str, Any]:
    period = dict(node["within_period"])
    period["days"] += step
    return {"within_period": period}


def _choice_mutants(
    m: Callable[..., Mutant], node: Mapping[str, Any], subject: str, values: list[str]
) -> Iterator[Mutant]:
    """A variable or reading test that asks for another value (each other value)."""
    op = "eq" if "eq" in node else "in"
    current = {node[op]} if op == "eq" else set(node[op])
    key = "var" if "var" in node else "reading"
    for value in values:
        if value not in current:
            yield m(
                "other_value",
                f"{subject} {op} {sorted(current)} -> eq {value}",
                lambda n, v=value, k=key: {k: n[k], "eq": v},
            )


def _fact_mutants(m: Callable[..., Mutant], node: Mapping[str, Any]) -> Iterator[Mutant]:
    fact = node["fact"]
    spec = FACTS.get(fact)
    op = next((k for k in node if k != "fact"), None)
    value = node.get(op) if op else None
    domain = list(spec.values) if spec is not None and spec.kind in ("enum", "set") else []
    small = 0 < len(domain) <= SMALL
    if op == "is":
        yield m("flip", f"{fact} is {value} -> {not value}", lambda n: {"fact": n["fact"], "is": not n["is"]})
    elif op in ("eq", "ne"):
        other = "ne" if op == "eq" else "eq"
        yield m("negate", f"{fact} {op} {value} -> {other}", lambda n, o=op, t=other: {"fact": n["fact"], t: n[o]})
        if small:
            for v in domain:
                if v != value:
                    yield m(
                        "other_value", f"{fact} {op} {value} -> {v}", lambda n, o=op, v=v: {"fact": n["fact"], o: v}
                    )
    elif op in ("in", "not_in") and isinstance(value, list):
        other = "not_in" if op == "in" else "in"
        yield m("negate", f"{fact} {op} -> {other}", lambda n, o=op, t=other: {"fact": n["fact"], t: n[o]})
        if len(value) >= 2:
            for member in value:
                yield m(
                    "drop_member",
                    f"{member} dropped from {fact} {op}",
                    lambda n, o=op, x=member: {"fact": n["fact"], o: [v for v in n[o] if v != x]},
                )
        if small:
            for v in domain:
                if v not in value:
                    yield m(
                        "add_member",
                        f"{v} added to {fact} {op}",
                        lambda n, o=op, v=v: {"fact": n["fact"], o: [*n[o], v]},
                    )
    elif op == "contains" and small:  # a member of a set fact
        for v in domain:
            if v != value:
                yield m(
                    "other_value", f"{fact} contains {value} -> {v}", lambda n, v=v: {"fact": n["fact"], "contains": v}
                )
    elif op in ORDER_FLIP:
        flipped = ORDER_FLIP[op]
        yield m("strictness", f"{fact} {op} -> {flipped}", lambda n, o=op, f=flipped: {"fact": n["fact"], f: n[o]})
        if isinstance(value, bool | dict):
            return
        if isinstance(value, dt.date):
            for days in (-1, 1):
                yield m(
                    "shift_date",
                    f"{fact} {op} {value} -> {_shift(value, days)}",
                    lambda n, o=op, d=days: {"fact": n["fact"], o: _shift(n[o], d)},
                )
        elif isinstance(value, int | float):
            for step in (-1, 1):
                yield m(
                    "shift_number",
                    f"{fact} {op} {value} -> {value + step}",
                    lambda n, o=op, s=step: {"fact": n["fact"], o: n[o] + s},
                )


def _conclusion_mutants(file: str, rid: str, path: Path_, then: Any, vocabulary: Mapping[str, Any]) -> Iterator[Mutant]:
    if not isinstance(then, dict) or len(then) != 1:
        return
    kind, body = next(iter(then.items()))
    m = lambda op, detail, sub, replace: _mutant(file, rid, f"then.{kind}", op, detail, (*path, kind, *sub), replace)  # noqa: E731
    if kind == "set" and isinstance(body, dict) and len(body) == 1:
        var, value = next(iter(body.items()))
        for other in (vocabulary.get("variables", {}).get(var) or {}).get("values") or []:
            if other != value:
                yield m("other_value", f"sets {var} = {other} instead of {value}", (var,), lambda _, o=other: o)
    elif kind == "obligation" and isinstance(body, dict):
        party = body.get("party")
        other = {"consumer": "seller", "seller": "consumer"}.get(party)
        if other:
            yield m("other_value", f"owed by the {other} instead of the {party}", ("party",), lambda _, o=other: o)
        if "amount" in body:
            yield m("drop_amount", "the amount dropped", (), lambda b: {k: v for k, v in b.items() if k != "amount"})
    elif kind == "deadline" and isinstance(body, dict) and isinstance(body.get("days"), int):
        for step in (-1, 1):
            yield m("shift_number", f"{body['days']} -> {body['days'] + step} days", ("days",), lambda d, s=step: d + s)
    elif kind == "presume" and isinstance(body, dict):
        for fact, value in body.items():
            if len(body) >= 2:
                yield m(
                    "drop_presumed",
                    f"{fact} no longer presumed",
                    (),
                    lambda b, f=fact: {k: v for k, v in b.items() if k != f},
                )
            if isinstance(value, bool):
                yield m("flip", f"presumes {fact} = {not value}", (fact,), lambda v: not v)


def _reading_defaults() -> list[Mutant]:
    """Each reading's default swapped for each other value (a choice) or moved by one (a number)."""
    out = []
    for name in READING_NAMES:
        default = getattr(Readings(), name)
        if isinstance(default, Enum):
            others = [m.value for m in type(default) if m != default]
        elif isinstance(default, int | float) and not isinstance(default, bool):
            others = [default - 1, default + 1]
        else:
            continue
        shown = getattr(default, "value", default)
        for value in others:
            out.append(
                Mutant(
                    id=f"readings:{name}:default:{value}",
                    operator="reading_default",
                    file=None,
                    rule=None,
                    description=f"the default reading {name} is {value} instead of {shown}",
                    default_readings={name: value},
                )
            )
    return out


# -- running them ---------------------------------------------------------------------------------------


def run(mutants: list[Mutant], documents: Mapping[str, Any], suite: Suite) -> Iterator[Result]:
    original = compile_rulebook(documents)
    for mutant in mutants:
        try:
            book = compile_rulebook(mutant.apply(documents), source=f"mutant {mutant.id}")
        except ValueError as err:  # RuleFileError and the conditions' errors
            yield Result(mutant, "refused", str(err))
            continue
        if mutant.default_readings is None and same_law(book, original):  # no check could fail: skip them
            yield Result(mutant, "equivalent", EQUIVALENT)
            continue
        failed = suite.check(book, mutant.default_readings, mutant.about)
        if failed is not None:
            yield Result(mutant, "killed", failed)
        else:
            yield Result(mutant, "survived", suite.explanations.get(mutant.id, ""))


def same_law(a: RuleBook, b: RuleBook) -> bool:
    """Whether two rule books decide every scenario alike because on every day the same rules
    (with the same conditions, conclusions, exceptions and plan order) are in force and cite the
    same provisions in force: a mutant for which this holds is equivalent, not a gap in the tests."""
    cuts = {d for book in (a, b) for d in (*book.boundaries(), *book.citation_cuts)}  # type: ignore[attr-defined]
    days = sorted(cuts | {d - dt.timedelta(days=1) for d in cuts})
    return all(_law_on(a, day) == _law_on(b, day) for day in days)


def _law_on(book: RuleBook, day: dt.date) -> tuple[Any, ...]:
    epoch = book.epoch_for(day)
    return tuple(
        (
            s.rule.id,
            s.rule.when_data,
            s.rule.then_data,
            s.rule.exception_to,
            s.rule.group,
            s.defeaters,
            tuple(c.ref for c in s.rule.citations if c.in_force(day)),
        )
        for s in epoch.steps
    )


def summary(results: list[Result], suite: Suite) -> dict[str, Any]:
    """The JSON report: counts, the score and every survivor (with its explanation, if any)."""
    counted = [r for r in results if r.status != "refused"]
    killed = sum(r.status == "killed" for r in counted)
    equivalent = sum(r.status == "equivalent" for r in counted)
    survivors = [r for r in counted if r.status in ("survived", "equivalent")]
    scored = len(counted) - equivalent
    return {
        "mutants": len(counted),
        "killed": killed,
        "equivalent": equivalent,
        "score": round(killed / scored, 4) if scored else None,
        "survivors": [
            {
                "id": r.mutant.id,
                "operator": r.mutant.operator,
                "description": r.mutant.description,
                "explanation": r.detail or None,
            }
            for r in survivors
        ],
        "unexplained": sum(not r.detail for r in survivors),
        "refused": [{"id": r.mutant.id, "reason": r.detail} for r in results if r.status == "refused"],
        "checks_excluded": list(suite.excluded),
    }


def load_suite(property_examples: int) -> Suite:
    """The test suite of the source checkout this package runs from (or the current directory)."""
    for root in (Path(__file__).resolve().parent.parent, Path.cwd()):
        if (root / "tests" / "mutation_suite.py").is_file():
            if str(root) not in sys.path:
                sys.path.insert(0, str(root))
            module = importlib.import_module("tests.mutation_suite")
            suite: Suite = module.build_suite(property_examples=property_examples)
            return suite
    raise ValueError("rules mutate needs a source checkout: no tests/mutation_suite.py here or next to the package")


def select(mutants: list[Mutant], sample: int | None, seed: int, match: str | None) -> list[Mutant]:
    chosen = [m for m in mutants if match is None or match in m.id]
    if sample is not None and sample < len(chosen):
        chosen = sorted(random.Random(seed).sample(chosen, sample), key=chosen.index)
    return chosen


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sample", type=int, metavar="N", help="run N mutants drawn at random (default: all)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")
    parser.add_argument("--match", metavar="TEXT", help="only mutants whose id contains TEXT")
    parser.add_argument("--property-examples", type=int, default=40, metavar="N", help="examples per property (40)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def cmd_mutate(args: argparse.Namespace, out: Any) -> int:
    """``returnlaw rules mutate``: exit 0 when every survivor is explained, 1 otherwise."""
    documents = read_documents()
    suite = load_suite(args.property_examples)
    mutants = select(generate(documents), args.sample, args.seed, args.match)
    results = list(run(mutants, documents, suite))
    report = summary(results, suite)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        _print(report, out)
    return 1 if report["unexplained"] else 0


def _print(report: dict[str, Any], out: Any) -> None:
    score = f"{report['score']:.1%}" if report["score"] is not None else "-"
    out.print(
        f"killed {report['killed']} of {report['mutants']} mutants of the rule book "
        f"({report['equivalent']} equivalent, not scored): {score}; "
        f"{len(report['refused'])} more refused by the loader (not counted)",
        highlight=False,
        soft_wrap=True,
    )
    for check in report["checks_excluded"]:
        out.print(f"  check left out (it fails on the unmutated rule book): {check}", soft_wrap=True)
    for s in report["survivors"]:
        why = s["explanation"] or "UNEXPLAINED: no test sees this change"
        out.print(f"  survivor {s['id']}\n    {s['description']}\n    {why}", soft_wrap=True, highlight=False)
