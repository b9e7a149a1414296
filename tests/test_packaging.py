"""The wheel ships the rule files and the case corpus, and the package finds them once installed."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0:
        pytest.fail(f"building the wheel failed: {proc.stderr[-2000:]}")
    return next(out.glob("returnlaw-*.whl"))


def test_the_wheel_contains_rules_cases_and_type_marker(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for rule_file in (ROOT / "rules").glob("*.yaml"):
        assert f"returnlaw/rules/{rule_file.name}" in names
    for case_file in (ROOT / "cases").glob("*.yaml"):
        assert f"returnlaw/cases/{case_file.name}" in names
    calendar = list((ROOT / "rules" / "calendar").glob("*.yaml"))
    assert len(calendar) > 20 and all(f"returnlaw/rules/calendar/{f.name}" in names for f in calendar)
    assert "returnlaw/py.typed" in names


def test_an_installed_wheel_loads_its_own_rules(wheel, tmp_path):
    zipfile.ZipFile(wheel).extractall(tmp_path)
    code = "import returnlaw; b = returnlaw.load_rulebook(); print(b.source); print(len(b.rules))"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    source, count = proc.stdout.split()
    assert Path(source) == tmp_path / "returnlaw" / "rules"
    assert int(count) > 50
