"""Properties of the law that must hold for every scenario (hypothesis), from ``tests/properties.py``.

Each property is run here by hypothesis over bytes (see ``tests/strategies.py``); it records
``hypothesis.event()``s (``--hypothesis-show-statistics`` shows them) and rejects, with
``assume``, the examples where its premise does not hold, so the statistics show how often the
assertion was reached. Each test then asserts that its property reached the assertion in at least
half of its examples and that the perturbation changed the outcome in some of them; the last test
asserts the mix over all properties (every outcome, reading value and version of the law) and
prints the coverage table at the end of the run. ``RETURNLAW_PROPERTY_EXAMPLES`` sets the examples
per property (300 by default).
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, assume, event, given, settings

from returnlaw import default_rulebook
from tests.properties import BITES, BY_NAME, PROPERTIES, TALLY, Property, Tally
from tests.strategies import READING_VALUES, raw_cases

EXAMPLES = int(os.environ.get("RETURNLAW_PROPERTY_EXAMPLES", "300"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BOOK = default_rulebook()
REACHED, MOST = "reached the assertion", 0.5
# Floors for the mix over all properties, per 300 examples of each.
FLOOR_OUTCOME, FLOOR_READING, FLOOR_LAW, FLOOR_BITES = 40, 150, 20, 10


def run(prop: Property) -> Tally:
    """Run one property under hypothesis and return what its examples showed."""
    tally = TALLY[prop.name] = Tally()

    @SETTINGS
    @given(raw_cases)
    def examples(raw: bytes) -> None:
        seen = prop.run(BOOK, raw)
        tally.add(seen)
        for name in seen.events:
            event(name)
        event(REACHED if seen.reached else "premise not met")
        assume(seen.reached)

    examples()
    return tally


def scaled(floor: int) -> int:
    return max(1, floor * EXAMPLES // 300)


@pytest.mark.parametrize("name", [p.name for p in PROPERTIES])
def test_property(name):
    prop = BY_NAME[name]
    tally = run(prop)
    assert tally.share >= MOST, f"{name}: reached its assertion in {tally.share:.0%} of {tally.examples} examples"
    if prop.bites:
        assert tally.events[BITES] >= scaled(FLOOR_BITES), f"{name}: the change never mattered ({tally.events})"


def test_every_property_reaches_its_assertion_and_the_mix_covers_the_law():
    """Runs what this session has not run yet, then checks the mix and prints the table."""
    for prop in PROPERTIES:
        if prop.name not in TALLY:
            run(prop)
    below = {n: f"{t.share:.0%}" for n, t in TALLY.items() if t.share < MOST}
    assert not below, f"properties reaching their assertion in less than half of their examples: {below}"
    total = sum((t.events for t in TALLY.values()), Counter())
    wanted = {f"outcome: {o}": FLOOR_OUTCOME for o in ("returnable", "not_returnable", "out_of_scope", "undetermined")}
    wanted |= {f"{name}: {v}": FLOOR_READING for name, values in READING_VALUES.items() for v in values}
    wanted |= {_law(e.start): FLOOR_LAW for e in BOOK.epochs}
    short = {k: total[k] for k, floor in wanted.items() if total[k] < scaled(floor)}
    assert not short, f"too few examples of {short} (floors per 300 examples: {wanted})"


def _law(start) -> str:
    return f"law: from {start}" if start else "law: before any seven-day rule"


def coverage_table() -> list[str]:
    """One line per property run in this session: examples, share reaching the assertion, bites."""
    lines = [f"{'property':<58} {'examples':>8} {'reached':>8} {'bites':>6}"]
    for name, t in TALLY.items():
        lines.append(f"{name:<58} {t.examples:>8} {t.share:>8.0%} {t.events[BITES]:>6}")
    return lines
