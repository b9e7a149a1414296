"""The tests, as one in-process check of a rule book, for the mutation score
(``returnlaw rules mutate``, ``tests/test_mutation.py``).

Checks: every law example (tests/law/, as tests/test_law.py checks it), every golden decision
(tests/golden/), every review scenario against its ``expected.yaml`` (when the review scenarios
are in the repository), and a fixed slice of each property of the law (tests/properties.py, on
inputs drawn once from a seeded random source). A check that fails on the unmutated rule book is
left out and reported, so a mutant is killed only by a check that the real rule book passes.

For speed, the checks that name the mutated rule, provision or instrument go first, and within
each group every expected outcome is compared (evaluation only, no explanation) before the full
checks run.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from returnlaw import Readings, decide, default_rulebook, read_scenario_file
from returnlaw.evaluator import outcome_of
from returnlaw.rulebook import RuleBook
from tests import golden
from tests.lawcases import load_cases, problems, scenario_of
from tests.properties import PROPERTIES
from tests.strategies import CHOICES, GENOME_SIZE

HERE = Path(__file__).resolve().parent
SURVIVORS = HERE / "data" / "mutation-survivors.yaml"
REVIEW = HERE / "data" / "review_legal"
PARTS = ("law", "golden", "review", "properties")
Run = Callable[[RuleBook, Mapping[str, str] | None], str | None]  # (book, default readings) -> failure or None


@dataclass(frozen=True)
class Check:
    name: str
    full: Run
    quick: Run | None = None  # the outcome alone: cheap, tried for every check before any full one
    about: frozenset[str] = frozenset()  # rule ids, provisions and instruments the check names


def _readings(defaults: Mapping[str, str] | None, named: Mapping[str, str] | None = None) -> Readings:
    return Readings(**{**(defaults or {}), **(named or {})})


def _outcome_is(want: str, scenario: Any, as_of: Any = None, named: Mapping[str, str] | None = None) -> Run:
    def quick(book: RuleBook, defaults: Mapping[str, str] | None) -> str | None:
        got = outcome_of(book, scenario, as_of=as_of, readings=_readings(defaults, named))
        return None if got == want else f"outcome {got}, expected {want}"

    return quick


def _law_checks() -> list[Check]:
    checks = []
    for case in load_cases():
        s = scenario_of(case)

        def full(book: RuleBook, defaults: Mapping[str, str] | None, case: Any = case, s: Any = s) -> str | None:
            found = problems(case, decide(s, as_of=case.as_of, readings=_readings(defaults, case.readings), book=book))
            return found[0] if found else None

        quick = _outcome_is(case.output["outcome"], s, case.as_of, case.readings)
        checks.append(Check(f"law example {case.file}: {case.name}", full, quick, _named(case.output)))
    return checks


def _golden_checks() -> list[Check]:
    checks = []
    for source in golden.SOURCES:
        want = golden.load(source) if (golden.ROOT / source).is_dir() else None
        if want is None:
            continue
        scenarios, _ = golden.scan(source)
        for name, s in scenarios.items():
            entry = want["decisions"].get(name)
            if entry is None:
                continue

            def full(
                book: RuleBook, defaults: Mapping[str, str] | None, n: str = name, s: Any = s, w: Any = entry
            ) -> str | None:
                now = {"not_scenarios": [], "decisions": {n: golden.summary(s, book, dict(defaults or {}))}}
                found = golden.compare(now, {"not_scenarios": [], "decisions": {n: w}})
                return found[0] if found else None

            checks.append(Check(f"golden {source}/{name}", full, _outcome_is(entry["outcome"], s), _named(entry)))
    return checks


def _review_checks() -> list[Check]:
    """The legal review's scenarios against its expected.yaml (outcome, warnings raised and not
    raised, rules not applied, amounts owed), under the default readings."""
    table = REVIEW / "expected.yaml"
    if not table.is_file():
        return []
    checks = []
    for stem, want in (yaml.safe_load(table.read_text(encoding="utf-8")) or {}).items():
        files = [p for p in REVIEW.glob(f"{stem}.*") if p.suffix in golden.SUFFIXES]
        if len(files) != 1:
            continue
        s = read_scenario_file(files[0], today=golden.TODAY)

        def full(book: RuleBook, defaults: Mapping[str, str] | None, s: Any = s, w: Any = want) -> str | None:
            d = decide(s, readings=_readings(defaults), book=book, today=golden.TODAY)
            warnings = {x.code for x in d.warnings}
            applied = {r.rule for r in d.reasons if r.status == "applied"}
            amounts = {o.amount for o in d.obligations if o.amount is not None}
            found = [f"outcome {d.outcome}"] if d.outcome != w["outcome"] else []
            found += [f"no warning {c}" for c in w.get("warnings", []) if c not in warnings]
            found += [f"warning {c}" for c in w.get("not_warnings", []) if c in warnings]
            found += [f"{r} applied" for r in w.get("not_applied", []) if r in applied]
            found += [f"no amount {a}" for a in w.get("amounts", []) if not any(x == a for x in amounts)]
            return found[0] if found else None

        about = frozenset(want.get("not_applied", []))
        checks.append(Check(f"review scenario {files[0].name}", full, _outcome_is(want["outcome"], s), about))
    return checks


def _property_checks(examples: int, seed: int) -> list[Check]:
    rng = random.Random(seed)
    checks = []
    for prop in PROPERTIES:
        if not prop.law:
            continue
        inputs = []
        for raw in [rng.randbytes(CHOICES + GENOME_SIZE) for _ in range(examples)]:
            try:
                inputs.append(prop.build(raw))
            except ValueError:  # the rare input the generator cannot make valid
                continue

        def full(book: RuleBook, defaults: Mapping[str, str] | None, p: Any = prop, xs: Any = inputs) -> str | None:
            for x in xs:
                try:
                    p.check(book, x)
                except AssertionError as err:
                    return f"property {p.name}: {err}"
            return None

        checks.append(Check(f"property {prop.name}", full))
    return checks


def _named(expected: Mapping[str, Any]) -> frozenset[str]:
    """The rule ids, provisions and instruments an expected output names."""
    rules = ("applied", "defeated", "not_applicable", "undetermined", "decided_by")
    refs = [r for key in ("in_force", "not_in_force") for r in expected.get(key) or []]
    ids = [r for key in rules for r in expected.get(key) or [] if isinstance(r, str)]
    return frozenset([*ids, *refs, *(r.split(" ")[0] for r in refs)])


class RuleBookChecks:
    """The checks, as :class:`returnlaw.mutate.Suite`."""

    def __init__(self, checks: Iterable[Check], explanations: Mapping[str, str]) -> None:
        book = default_rulebook()
        checks = list(checks)
        self.excluded = [c.name for c in checks if _safe(c.full, book, None) is not None]
        self.checks = [c for c in checks if c.name not in self.excluded]
        self.explanations = explanations

    def check(
        self, book: RuleBook, default_readings: Mapping[str, str] | None = None, about: str | None = None
    ) -> str | None:
        named = [c for c in self.checks if about in c.about]
        others = [c for c in self.checks if about not in c.about]
        for checks, stage in ((named, "quick"), (named, "full"), (others, "quick"), (others, "full")):
            for c in checks:
                run = c.quick if stage == "quick" else c.full
                failed = _safe(run, book, default_readings) if run is not None else None
                if failed is not None:
                    return f"{c.name}: {failed}"
        return None


def _safe(run: Run, book: RuleBook, defaults: Mapping[str, str] | None) -> str | None:
    try:
        return run(book, defaults)
    except Exception as err:  # a check that crashes under a mutant fails, as the test would
        return f"crashed: {type(err).__name__}: {err}"


def explanations() -> dict[str, str]:
    data = yaml.safe_load(SURVIVORS.read_text(encoding="utf-8")) if SURVIVORS.is_file() else None
    return {k: " ".join(str(v).split()) for k, v in (data or {}).items()}


def build_suite(property_examples: int = 40, seed: int = 0, parts: Iterable[str] = PARTS) -> RuleBookChecks:
    chosen = set(parts)
    checks = [
        *(_law_checks() if "law" in chosen else []),
        *(_golden_checks() if "golden" in chosen else []),
        *(_review_checks() if "review" in chosen else []),
        *(_property_checks(property_examples, seed) if "properties" in chosen else []),
    ]
    return RuleBookChecks(checks, explanations())
