"""Session-wide reporting: the property-coverage table (tests/test_properties.py) in the summary."""

from __future__ import annotations

import sys


def pytest_terminal_summary(terminalreporter):
    module = sys.modules.get("tests.test_properties")
    if module is None or not module.TALLY:
        return
    terminalreporter.section("property coverage (tests/test_properties.py)")
    for line in module.coverage_table():
        terminalreporter.write_line(line)
