"""Every Python the package claims (issue 18): the classifiers, the README and .ci/run agree on
the versions tested, and each run says plainly whether it cross-checked the native engine with
durable_rules. The durable engine runs on Python 3.11 and 3.12 only (durable-rules 2.0.28 does not
import on 3.13); there the differential tests skip, and the one test below says in the summary
that the run checked the native engine alone, so a green 3.13 run is never mistaken for a
cross-checked one."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import platform
import re
import sys
import tomllib
from pathlib import Path

import pytest

from returnlaw import default_rulebook, evaluate, parse_scenario
from returnlaw.durable_backend import MAX_PYTHON, unavailable_reason
from returnlaw.engines import summary

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SCENARIO = {
    "purchase": {"date": "2024-08-01", "channel": "online"},
    "item": {"category": "clothing", "custom_made": False},
    "delivery": {"signed_at": "2024-08-03"},
    "return": {"notice_sent_at": "2024-08-05"},
}


def claimed() -> list[str]:
    prefix = "Programming Language :: Python :: "
    versions = [c.removeprefix(prefix) for c in PYPROJECT["project"]["classifiers"] if c.startswith(prefix)]
    return [v for v in versions if re.fullmatch(r"3\.\d+", v)]


def _installed(distribution: str) -> bool:
    try:
        importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def test_this_run_cross_checks_the_native_engine_with_durable_rules():
    reason = unavailable_reason()
    if reason is not None:
        if sys.version_info < MAX_PYTHON and _installed("durable-rules"):
            pytest.fail(f"durable-rules is installed but the durable engine cannot run: {reason}")
        pytest.skip(
            f"NO DURABLE CROSS-CHECK on Python {platform.python_version()}: {reason}. "
            "The differential tests are skipped: this run checks the native engine alone."
        )
    from returnlaw.durable_worker import DurableWorker  # a crash in the C engine fails this test only

    scenario = parse_scenario(SCENARIO, today=dt.date(2025, 1, 1))
    with DurableWorker() as worker:
        status, theirs = worker.evaluate(scenario)
    assert status == "ok", theirs
    assert theirs == summary(evaluate(default_rulebook(), scenario))


def test_the_classifiers_name_every_supported_python_from_requires_python_on():
    floor = PYPROJECT["project"]["requires-python"].removeprefix(">=")
    versions = claimed()
    assert versions[0] == floor, (floor, versions)
    minors = [int(v.split(".")[1]) for v in versions]
    assert minors == list(range(minors[0], minors[0] + len(minors))), "no version is skipped"
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in versions, "this Python is not one the package claims"


def test_the_durable_extra_is_installed_exactly_where_the_engine_runs():
    durable = PYPROJECT["project"]["optional-dependencies"]["durable"]
    assert durable == [f"durable-rules==2.0.28; python_version < '{MAX_PYTHON[0]}.{MAX_PYTHON[1]}'"]


def test_the_readme_says_which_pythons_are_tested_and_which_are_cross_checked():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Test (one command)", 1)[1].split("\n## ", 1)[0]
    cross_checked = [v for v in claimed() if tuple(map(int, v.split("."))) < MAX_PYTHON]
    plain = [v for v in claimed() if v not in cross_checked]
    assert f"Pythons tested: {', '.join(claimed())}" in section
    assert f"with the durable cross-check: {', '.join(cross_checked)}" in section
    assert f"without it: {', '.join(plain)}" in section
