"""Determinism and a stable contract: the same input gives byte-identical JSON whichever path or
process produces it (what it decides is pinned by the golden decisions, tests/test_golden.py), and
the decision's JSON Schema cannot change without a new ``schema_version``.

To change the decision JSON on purpose: bump ``SCHEMA_VERSION`` in ``returnlaw/decision.py``
(and the heading of ``docs/decision-json.md``), describe the change in the docs, then write the
new snapshot with ``RETURNLAW_WRITE_SCHEMA=1 .venv/bin/python -m pytest tests/test_determinism.py``.
It writes ``tests/data/decision-schema-<new version>.json`` and never overwrites an existing
version's snapshot; keep the old files, they document the old versions.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import returnlaw
from returnlaw import SCHEMA_VERSION, decision_json, default_rulebook, evaluate, parse_scenario
from returnlaw.cli import main
from returnlaw.inputs import InputError
from tests.lawcases import load_cases

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


def is_scenario(path: Path) -> bool:
    """examples/ also holds listings (for audit) and interview answers (for ask)."""
    try:
        returnlaw.read_scenario_file(path)
    except InputError:
        return False
    return True


EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.suffix in (".yaml", ".json") and is_scenario(p))
SNAPSHOT = DATA / f"decision-schema-{SCHEMA_VERSION}.json"
TODAY = dt.date(2030, 1, 1)


def cli_stdout(*argv: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(list(argv))
    return out.getvalue()


# -- the schema and its version --------------------------------------------------------------------


def test_the_decision_schema_matches_the_snapshot_of_its_version():
    current = cli_stdout("schema", "decision")
    if not SNAPSHOT.exists():
        if os.environ.get("RETURNLAW_WRITE_SCHEMA") == "1":
            SNAPSHOT.write_text(current, encoding="utf-8")
            pytest.skip(f"wrote {SNAPSHOT.name}; review it and commit it with the version bump")
        pytest.fail(
            f"no snapshot for schema_version {SCHEMA_VERSION}: if you bumped the version on purpose, "
            f"write {SNAPSHOT.name} with RETURNLAW_WRITE_SCHEMA=1 (see this module's docstring)"
        )
    assert current == SNAPSHOT.read_text(encoding="utf-8"), (
        f"the decision JSON Schema changed but schema_version is still {SCHEMA_VERSION}: bump SCHEMA_VERSION "
        "in returnlaw/decision.py and write a new snapshot (see this module's docstring)"
    )


def test_the_scenario_examples_are_found():
    assert len(EXAMPLES) >= 5


def test_every_snapshot_declares_its_own_version():
    snapshots = sorted(DATA.glob("decision-schema-*.json"))
    assert SNAPSHOT in snapshots
    for path in snapshots:
        version = path.stem.removeprefix("decision-schema-")
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert schema["properties"]["schema_version"]["default"] == version, path.name


def test_decisions_carry_the_schema_version_and_the_keys_of_the_snapshot():
    schema = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    for path in EXAMPLES:
        data = json.loads(returnlaw.decide_json(path.read_bytes()))
        assert data["schema_version"] == SCHEMA_VERSION
        assert list(data) == list(schema["properties"]), "keys and their order are part of the contract"


def test_the_docs_name_the_current_version():
    heading = (ROOT / "docs" / "decision-json.md").read_text(encoding="utf-8").splitlines()[0]
    assert f"(schema version {SCHEMA_VERSION})" in heading


# -- byte-identical output -------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_the_cli_the_fast_path_and_the_model_give_the_same_bytes(path: Path):
    """Three code paths, one output (what each file decides is pinned by tests/golden/)."""
    fast = returnlaw.decide_json(path.read_bytes())
    assert cli_stdout("check", str(path), "--json") == fast + "\n"
    assert returnlaw.decide(returnlaw.read_scenario_file(path)).model_dump_json() == fast


def test_the_fast_path_and_the_model_give_the_same_bytes_for_every_law_example():
    book = default_rulebook()
    for case in load_cases():
        ev = evaluate(book, parse_scenario(case.data, today=TODAY))
        assert decision_json(ev) == ev.decision().model_dump_json().encode(), case.name


def test_key_order_in_the_input_does_not_change_the_output():
    path = ROOT / "examples" / "blindbox-opened-online.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    shuffled = {k: dict(reversed(v.items())) if isinstance(v, dict) else v for k, v in reversed(data.items())}
    assert returnlaw.decide_json(json.dumps(shuffled)) == returnlaw.decide_json(json.dumps(data))


SCRIPT = "import sys, returnlaw; [print(returnlaw.decide_json(open(p, 'rb').read())) for p in sys.argv[1:]]"


def test_other_processes_give_the_same_bytes_whatever_their_hash_seed():
    outputs = set()
    for seed in ("0", "1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run(
            [sys.executable, "-c", SCRIPT, *map(str, EXAMPLES)],
            capture_output=True,
            env=env,
            cwd=ROOT,
            timeout=120,
            check=True,
        )
        outputs.add(proc.stdout)
    assert len(outputs) == 1
