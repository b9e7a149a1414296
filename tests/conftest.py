"""Session-wide settings and reporting: the hypothesis profile, the property-coverage table
(tests/test_properties.py) and the rule-book mutation score (tests/test_mutation.py) in the summary
of the run."""

from __future__ import annotations

import os
import sys

from hypothesis import settings

# CI (.ci/run sets HYPOTHESIS_PROFILE=ci) replays the same examples every run, so a submission
# lands or fails on its own merits; a local run (the default profile) explores new examples.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_terminal_summary(terminalreporter):
    properties = sys.modules.get("tests.test_properties")
    if properties is not None and properties.TALLY:
        terminalreporter.section("property coverage (tests/test_properties.py)")
        for line in properties.coverage_table():
            terminalreporter.write_line(line)
    mutation = sys.modules.get("tests.test_mutation")
    if mutation is not None and mutation.LAST:
        r = mutation.LAST
        terminalreporter.section(f"rule-book mutation score (RETURNLAW_MUTANTS={r['size']})")
        terminalreporter.write_line(
            f"killed {r['killed']} of {r['mutants']} mutants ({r['equivalent']} proved equivalent): "
            f"score {r['score']:.1%}; {len(r['survivors'])} survivors, {r['unexplained']} unexplained; "
            f"{len(r['refused'])} refused by the loader"
        )
