"""The compiled rule book (``returnlaw.compiled``) against the interpreter it replaces on the hot
path (``returnlaw.evaluator.evaluate_reference``): the same ``Evaluation`` (outcome, both trace
tuples, legal variables in the same order, presumptions and the scenario after them, notes,
questions, the as-if-returnable pass) on generated scenarios.

Sizes: 10,000 scenarios by default from the durable differential's genome (every reading, number
readings included, times of day), a third with facts forgotten (unknown purchase dates among
them), a quarter moved years ahead past the holiday data, a fifth under an explicit as-of date;
``RETURNLAW_COMPILED_EXAMPLES=100000`` for a longer local run. A disagreement fails with the
minimal scenario (hypothesis shrinks it) and the fields that differ.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from returnlaw.api import default_rulebook
from returnlaw.compiled import CompiledEpoch, LazyCompiled, compile_epoch
from returnlaw.evaluator import Evaluation, evaluate, evaluate_reference, outcome_of
from returnlaw.inputs import InputError, parse_scenario
from returnlaw.loader import load_rulebook
from returnlaw.scenario import Scenario
from tests.strategies import forget
from tests.test_differential import GENOME, TODAY, from_genome

EXAMPLES = int(os.environ.get("RETURNLAW_COMPILED_EXAMPLES", "10000"))
BOOK = default_rulebook()
MASKS = st.binary(min_size=120, max_size=120) | st.just(b"")
SHIFT_DAYS = (0, 0, 0, 366 * 1, 366 * 2, 366 * 3)  # one in two: past the holiday data (to 2029)
AS_OF = [None, None, None, None, dt.date(2014, 6, 1), dt.date(2016, 1, 1), dt.date(2019, 1, 1), dt.date(2029, 6, 1)]


def shifted(data: Any, days: int) -> Any:
    """Every date and moment of the scenario moved ``days`` ahead (their order is kept)."""
    if isinstance(data, dict):
        return {k: shifted(v, days) for k, v in data.items()}
    if isinstance(data, list):
        return [shifted(v, days) for v in data]
    if isinstance(data, dt.date):
        return data + dt.timedelta(days=days)
    return data


def differing(a: Evaluation, b: Evaluation) -> list[str]:
    out = [f for f in Evaluation._fields if getattr(a, f) != getattr(b, f)]
    if list(a.variables) != list(b.variables):
        out.append(f"order of variables {list(a.variables)} vs {list(b.variables)}")
    return out


def compare(scenario: Scenario, readings: Any, as_of: dt.date | None) -> None:
    fast = evaluate(BOOK, scenario, as_of=as_of, readings=readings)
    ref = evaluate_reference(BOOK, scenario, as_of=as_of, readings=readings)
    diff = differing(fast, ref)
    assert not diff, (
        f"compiled and interpreted evaluations differ in {diff}: compiled "
        f"{[getattr(fast, f) for f in diff if f in Evaluation._fields and f != 'scenario']} vs "
        f"{[getattr(ref, f) for f in diff if f in Evaluation._fields and f != 'scenario']}\n"
        f"as_of {as_of}; readings {readings.model_dump(mode='json')}\n"
        f"scenario {json.dumps(scenario.model_dump(mode='json', by_alias=True, exclude_none=True), sort_keys=True)}"
    )
    assert outcome_of(BOOK, scenario, as_of=as_of, readings=readings) == ref.outcome


def case(genome: bytes, mask: bytes, shift: int, as_of: dt.date | None) -> tuple[Scenario, Any] | None:
    """The scenario and readings a genome describes; a mask byte below 64 forgets that fact."""
    data, readings = from_genome(genome)
    data = shifted(data, shift)
    if mask:
        data = forget(data, [b < 64 for b in mask])
    try:
        return parse_scenario(data, today=TODAY), readings
    except InputError:  # a forgotten fact another one needs (validation refuses it): not a scenario
        return None


def seeded_cases(n: int, seed: int) -> Iterator[tuple[Scenario, Any, dt.date | None, int]]:
    """(scenario, readings, as-of date, days shifted) of ``n`` seeded random genomes (a third with
    facts forgotten), leaving out those validation refuses."""
    rng = random.Random(seed)
    for i in range(n):
        genome = rng.randbytes(300)
        mask = rng.randbytes(120) if i % 3 == 0 else b""
        shift, as_of = rng.choice(SHIFT_DAYS), rng.choice(AS_OF)
        built = case(genome, mask, shift, as_of)
        if built is not None:
            yield built[0], built[1], as_of, shift


def test_the_compiled_rule_book_gives_the_interpreters_evaluation_on_many_scenarios():
    """The bulk run: seeded random genomes (hypothesis's per-example cost would make 10,000 take
    minutes); ``RETURNLAW_COMPILED_SEED`` picks another sequence."""
    compared, unknown_dates, shifted_ahead, timed = 0, 0, 0, 0
    for scenario, readings, as_of, shift in seeded_cases(
        EXAMPLES, int(os.environ.get("RETURNLAW_COMPILED_SEED", "15"))
    ):
        compare(scenario, readings, as_of)
        compared += 1
        unknown_dates += scenario.purchase.date is None and as_of is None
        shifted_ahead += shift > 0
        timed += isinstance(scenario.delivery.signed_at, dt.datetime)
    # the run covers what it claims to (a change to the genome could silently narrow it)
    assert compared >= EXAMPLES * 0.9
    assert unknown_dates >= EXAMPLES // 100 and shifted_ahead >= EXAMPLES // 3 and timed >= EXAMPLES // 10


@settings(max_examples=max(50, EXAMPLES // 40), deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(GENOME, MASKS, st.sampled_from(SHIFT_DAYS), st.sampled_from(AS_OF))
def test_the_compiled_rule_book_gives_the_interpreters_evaluation(genome, mask, shift, as_of):
    """The same comparison under hypothesis, which shrinks a disagreement to its minimal scenario."""
    built = case(genome, mask, shift, as_of)
    if built is not None:
        compare(*built, as_of)


def test_the_generated_source_holds_no_literal_of_the_rule_files():
    """Values, conclusions and names from the YAML reach the function as numbered constants in
    its globals, never as text in its source."""
    literals: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, str):
            literals.add(node)
        elif hasattr(node, "items"):
            for k, v in node.items():
                if k != "fact":  # fact paths become attribute reads of the pydantic model
                    walk(v)
        elif isinstance(node, tuple | list):
            for v in node:
                walk(v)

    for rule in BOOK.rules.values():
        walk(rule.when_data)
        walk(rule.then_data)
    for epoch in BOOK.epochs:
        source = epoch.compiled.source
        quoted = sorted(lit for lit in literals if repr(lit) in source or f'"{lit}"' in source)
        assert not quoted, f"literals pasted into the generated source: {quoted[:5]}"
        assert "'" not in source and '"' not in source, "the generated source holds a string literal"


def test_an_operator_the_compiler_does_not_know_falls_back_to_the_interpreter():
    """``interpreted_only`` compiles every condition as a call of the interpreter's closure (what
    happens to a rule whose condition uses an operator added to the vocabulary later): the same
    evaluations."""
    epoch = BOOK.epoch_for(dt.date(2025, 1, 1))
    slow = compile_epoch(epoch, interpreted_only=True)
    assert slow.source.count("(s, _vars(") > len(epoch.steps)  # every rule, and the as-if pass
    data, readings = from_genome(bytes(i % 256 for i in range(1, 301)))
    for gap in range(0, 120, 7):
        scenario = parse_scenario(forget(data, [i % gap == 0 if gap else False for i in range(120)]), today=TODAY)
        ours = slow.run(BOOK, epoch, scenario, readings, dt.date(2025, 1, 1))
        ref = evaluate_reference(BOOK, scenario, as_of=dt.date(2025, 1, 1), readings=readings)
        assert not differing(ours, ref)


@pytest.mark.parametrize("day", ["2014-06-01", "2025-01-01"])
def test_every_epoch_has_its_generated_function(day):
    epoch = BOOK.epoch_for(dt.date.fromisoformat(day))
    assert epoch.compiled is not None
    assert epoch.compiled.source.startswith("def run(book, epoch, s, r, day, consequences=True):")
    assert all(f"a{i} = " in epoch.compiled.source for i in range(len(epoch.steps)))


def test_every_condition_of_the_bundled_rules_is_compiled_natively():
    """No rule of the bundled book falls back to the interpreter's closure (every operator it
    uses, ``known`` included, has generated code): the fallback is for rule folders of tomorrow."""
    for epoch in BOOK.epochs:
        assert "(s, _vars(" not in epoch.compiled.source, epoch.start


def test_an_epoch_is_compiled_on_first_use_once_even_when_threads_race():
    """The load leaves every epoch's function to its first use (load_rules_ms); eight threads that
    decide at once under a fresh rule book compile each epoch once and decide as the interpreter."""
    book = load_rulebook()
    assert all(isinstance(e.compiled, LazyCompiled) for e in book.epochs)
    data, readings = from_genome(bytes(i % 256 for i in range(7, 307)))
    scenario = parse_scenario(data, today=TODAY)
    day = dt.date(2025, 1, 1)
    with ThreadPoolExecutor(max_workers=8) as pool:
        runs = list(pool.map(lambda _: evaluate(book, scenario, as_of=day, readings=readings), range(8)))
    ref = evaluate_reference(book, scenario, as_of=day, readings=readings)
    assert all(not differing(run, ref) for run in runs)
    used = book.epoch_for(day)
    assert isinstance(used.compiled, CompiledEpoch)
    compiled = used.compiled
    evaluate(book, scenario, as_of=day, readings=readings)
    assert used.compiled is compiled  # compiled once, kept
    assert isinstance(book.epoch_for(dt.date(2014, 6, 1)).compiled, LazyCompiled)  # not used: not compiled
