"""Load the law's own examples (tests/law/*.yaml) as scenarios with expected results."""

from __future__ import annotations

import copy
import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

LAW_DIR = Path(__file__).parent / "law"
TODAY = dt.date(2030, 1, 1)  # the day examples are decided on (as the golden decisions are)


@dataclass(frozen=True)
class LawCase:
    file: str
    name: str
    provision: str
    data: dict[str, Any]
    output: dict[str, Any]
    readings: dict[str, str]
    as_of: dt.date | None


def merge(base: dict, change: dict) -> dict:
    """Deep-merge ``change`` into a copy of ``base``; a None value deletes the key (fact unknown)."""
    out = copy.deepcopy(base)
    for key, value in change.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser where installed: much faster


@functools.lru_cache(maxsize=1)
def _base() -> dict:
    return yaml.load((LAW_DIR / "_base.yaml").read_text(encoding="utf-8"), Loader=SAFE_LOADER)


def base_scenario(period: dt.date) -> dict:
    base = copy.deepcopy(_base())
    signed = period + dt.timedelta(days=2)
    base["purchase"]["date"] = period
    base["delivery"]["signed_at"] = signed
    base["return"] = {"notice_sent_at": signed + dt.timedelta(days=3)}
    return base


def load_cases() -> list[LawCase]:
    cases = []
    for path in sorted(LAW_DIR.glob("[!_]*.yaml")):
        for entry in yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER):
            period = entry["period"]
            data = merge(base_scenario(period), entry.get("input") or {})
            cases.append(
                LawCase(
                    path.name,
                    entry["name"],
                    entry["provision"],
                    data,
                    entry["output"],
                    entry.get("readings") or {},
                    entry.get("as_of"),
                )
            )
    return cases


# -- checking a decision against a law example ------------------------------------------------------

STATUSES = ("applied", "defeated", "not_applicable", "undetermined")
# The lists an example may declare complete with ``exact: [...]`` ("exactly these", not "at least").
EXACT_KEYS = ("applied", "defeated", "warnings", "remarks", "obligations")
OUTPUT_KEYS = frozenset(
    {"outcome", *STATUSES, "not_applied", "warnings", "no_warnings", "remarks", "no_remarks", "deadlines"}
    | {"obligations", "no_obligations", "if_returnable", "questions"}
    | {"exact", "decided_by", "presumptions", "in_force", "not_in_force"}
)


def decide_case(case: LawCase, book: Any = None, default_readings: dict[str, str] | None = None) -> Any:
    """The decision for a law example (under ``book``, the bundled rule book by default);
    ``default_readings`` replaces the defaults of the readings the example does not name."""
    from returnlaw import Readings, decide

    readings = Readings(**{**(default_readings or {}), **case.readings})
    return decide(scenario_of(case), as_of=case.as_of, readings=readings, book=book)


def scenario_of(case: LawCase) -> Any:
    """The example's scenario, validated as on a fixed day (TODAY), as the goldens are. (Examples
    must still not lie after the real today: other tests parse them with the clock.)"""
    from returnlaw import parse_scenario

    return parse_scenario(case.data, today=TODAY)


def problems(case: LawCase, decision: Any) -> list[str]:
    """How the decision differs from what the example expects (empty: it agrees)."""
    expected = case.output
    out = [f"unknown key {k!r} in the expected output" for k in sorted(set(expected) - OUTPUT_KEYS)]
    exact = set(expected.get("exact", []))
    out += [f"exact: {k!r} cannot be exact (only {', '.join(EXACT_KEYS)})" for k in sorted(exact - set(EXACT_KEYS))]
    by_status: dict[str, set[str]] = {}
    for reason in decision.reasons:
        by_status.setdefault(reason.status, set()).add(reason.rule)
    trace = {s: sorted(r) for s, r in by_status.items() if s != "not_applicable"}
    if decision.outcome != expected["outcome"]:
        out.append(f"outcome {decision.outcome}, expected {expected['outcome']}; trace {trace}")
    for status in STATUSES:
        want, have = set(expected.get(status, [])), by_status.get(status, set())
        out += _compare(status, want, have, status in exact)
    applied = by_status.get("applied", set())
    out += [f"{rule} applied" for rule in expected.get("not_applied", []) if rule in applied]
    if "decided_by" in expected:
        out += _compare("deciding rules", set(expected["decided_by"]), deciding_rules(decision), exact=True)
    if "presumptions" in expected:  # exactly these facts presumed, with these values
        presumed = {p.fact: p.value for p in decision.presumptions}
        if presumed != expected["presumptions"]:
            out.append(f"presumed {presumed}, expected {expected['presumptions']}")
    # warnings, remarks and deadlines as decided; those that hold only 'if returnable' under if_returnable
    for key in ("warnings", "remarks"):
        codes = {x.code for x in getattr(decision, key) if x.if_outcome is None}
        out += _compare(key, set(expected.get(key, [])), codes, key in exact)
        out += [f"{key[:-1]} {c} was given" for c in expected.get(f"no_{key}", []) if c in codes]
    out += _deadlines("deadline", expected.get("deadlines"), decision, None)
    conditional = expected.get("if_returnable") or {}
    for key in ("warnings", "remarks"):
        codes = {x.code for x in getattr(decision, key) if x.if_outcome == "returnable"}
        out += _compare(f"{key} if returnable", set(conditional.get(key, [])), codes, exact=False)
    out += _deadlines("deadline if returnable", conditional.get("deadlines"), decision, "returnable")
    obligations = {(o.party, o.duty, o.if_outcome): o for o in decision.obligations}
    wanted = {_obligation(o) for o in expected.get("obligations", [])}
    out += _compare("obligations", wanted, set(obligations), "obligations" in exact)
    for item in expected.get("obligations", []):
        key = _obligation(item)
        amount = None if item.get("amount") is None else Decimal(str(item["amount"]))
        if key in obligations and "amount" in item and obligations[key].amount != amount:
            out.append(f"obligation {key}: amount {obligations[key].amount}, expected {amount}")
    out += [
        f"obligation {_obligation(o)} is owed"
        for o in expected.get("no_obligations", [])
        if _obligation(o) in obligations
    ]
    out += [
        f"question {f} not asked; questions were {decision.questions}"
        for f in expected.get("questions", [])
        if f not in decision.questions
    ]
    # provisions the rules in force cite and the decision counts as in force on its date
    cited = {ref for reason in decision.reasons for ref in reason.cite}
    out += [
        f"{ref} not in force (in force: {sorted(cited)})" for ref in expected.get("in_force", []) if ref not in cited
    ]
    out += [f"{ref} in force" for ref in expected.get("not_in_force", []) if ref in cited]
    return out


def _obligation(item: dict[str, Any]) -> tuple[str, str, str | None]:
    return item["party"], item["duty"], item.get("if_outcome")


def _deadlines(what: str, expected: dict | None, decision: Any, if_outcome: str | None) -> list[str]:
    dated = {d.name: d.date for d in decision.deadlines if d.if_outcome == if_outcome}
    return [f"{what} {n}: {dated.get(n)}, expected {day}" for n, day in (expected or {}).items() if dated.get(n) != day]


def deciding_rules(decision: Any) -> set[str]:
    """The rules the decision rests on: those that applied to settle scope, intact, right or a
    presumption, and the exceptions that defeated one of the rules (an exception that applied but
    had nothing to defeat decided nothing, nor did a presumption that found no unknown fact to fill)."""
    defeating = {d for r in decision.reasons if r.status == "defeated" for d in r.defeated_by}
    presuming = {p.rule for p in decision.presumptions}
    return {
        r.rule
        for r in decision.reasons
        if r.status == "applied"
        and r.group != "effects"
        and (not r.conclusion.startswith("defeats:") or r.rule in defeating)
        and (not r.conclusion.startswith("presume:") or r.rule in presuming)
    }


def _compare(what: str, want: set, have: set, exact: bool) -> list[str]:
    out = [f"expected {what} {sorted(want - have)}; have {sorted(have)}"] if want - have else []
    if exact and have - want:
        out.append(f"exactly these {what} expected; also {sorted(have - want)}")
    return out
