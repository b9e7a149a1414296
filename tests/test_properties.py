"""Properties of the law that must hold for every scenario (hypothesis), from ``tests/properties.py``.

Each property is one hypothesis test over bytes (see ``tests/strategies.py``); it records
``hypothesis.event()``s (``--hypothesis-show-statistics`` shows them) and rejects, with
``assume``, the examples where its premise does not hold, so the statistics show how often the
assertion was reached. The last test asserts that every property reached its assertion in at
least half of its examples and that its perturbation changed the outcome in some of them, and the
mix over all properties (every outcome, reading value and version of the law); the coverage table
is printed at the end of the run. ``RETURNLAW_PROPERTY_EXAMPLES`` sets the examples
per property (300 by default).
"""

from __future__ import annotations

import os
import re
from collections import Counter

from hypothesis import HealthCheck, assume, event, given, settings

from returnlaw import default_rulebook
from tests.properties import BITES, PROPERTIES, TALLY, Property, Tally
from tests.strategies import READING_VALUES, raw_cases

EXAMPLES = int(os.environ.get("RETURNLAW_PROPERTY_EXAMPLES", "300"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BOOK = default_rulebook()
REACHED, MOST = "reached the assertion", 0.5
# Floors for the mix over all properties, per 300 examples of each.
FLOOR_OUTCOME, FLOOR_READING, FLOOR_LAW, FLOOR_BITES = 40, 150, 20, 10


def property_test(prop: Property):
    """The hypothesis test of one property: it records what each example showed (TALLY and
    hypothesis events) and rejects, with ``assume``, the examples where the premise does not hold."""

    @SETTINGS
    @given(raw_cases)
    def test(raw: bytes) -> None:
        seen = prop.run(BOOK, raw)
        TALLY.setdefault(prop.name, Tally()).add(seen)
        for name in seen.events:
            event(name)
        event(REACHED if seen.reached else "premise not met")
        assume(seen.reached)

    test.__name__ = test.__qualname__ = "test_" + re.sub(r"\W+", "_", prop.name).strip("_")
    return test


# One collected test per property (named after it), so that --hypothesis-show-statistics shows each.
for _prop in PROPERTIES:
    _test = property_test(_prop)
    globals()[_test.__name__] = _test


def scaled(floor: int) -> int:
    return max(1, floor * EXAMPLES // 300)


def test_every_property_reaches_its_assertion_and_the_mix_covers_the_law():
    """Runs the properties this session has not run yet, then checks that each reached its
    assertion in most examples and bit (changed the outcome) in some, and the mix over all of them;
    the table is printed at the end of the run."""
    for prop in PROPERTIES:
        if prop.name not in TALLY:
            property_test(prop)()
    below = {n: f"{t.share:.0%}" for n, t in TALLY.items() if t.share < MOST}
    assert not below, f"properties reaching their assertion in less than half of their examples: {below}"
    toothless = [p.name for p in PROPERTIES if p.bites and TALLY[p.name].events[BITES] < scaled(FLOOR_BITES)]
    assert not toothless, f"properties whose change never moved the outcome: {toothless}"
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
