"""The HTTP contract cannot change without a new version: the OpenAPI document the service publishes
must equal the snapshot of its ``info.version`` (``API_VERSION`` in ``returnlaw/server_contract.py``).

To change the contract on purpose (a field of a scenario or a decision, a limit, an error, a label):
bump ``API_VERSION`` (minor for additions a client may ignore, major otherwise), say what changed in
docs/platform.md, then write the new snapshot with
``RETURNLAW_WRITE_SCHEMA=1 .venv/bin/python -m pytest tests/test_openapi_snapshot.py``. It writes
``tests/data/openapi-<new version>.json`` and never overwrites an existing one; keep the old files,
they document the old versions.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from returnlaw.server import create_app
from returnlaw.server_contract import API_VERSION

DATA = Path(__file__).resolve().parent / "data"
SNAPSHOT = DATA / f"openapi-{API_VERSION}.json"


def published() -> str:
    """The document as /openapi.json serves it (tests/test_server.py checks that it is served)."""
    return json.dumps(create_app().openapi(), ensure_ascii=False, indent=2) + "\n"


def test_the_openapi_document_matches_the_snapshot_of_its_version():
    current = published()
    if not SNAPSHOT.exists():
        if os.environ.get("RETURNLAW_WRITE_SCHEMA") == "1":
            SNAPSHOT.write_text(current, encoding="utf-8")
            pytest.skip(f"wrote {SNAPSHOT.name}; review it and commit it with the version bump")
        pytest.fail(
            f"no snapshot for API version {API_VERSION}: if you bumped it on purpose, write {SNAPSHOT.name} "
            "with RETURNLAW_WRITE_SCHEMA=1 (see this module's docstring)"
        )
    assert current == SNAPSHOT.read_text(encoding="utf-8"), (
        f"the OpenAPI document changed but API_VERSION is still {API_VERSION}: bump it in "
        "returnlaw/server_contract.py and write a new snapshot (see this module's docstring)"
    )


def test_every_snapshot_declares_its_own_version():
    snapshots = sorted(DATA.glob("openapi-*.json"))
    assert SNAPSHOT in snapshots
    for path in snapshots:
        assert json.loads(path.read_text(encoding="utf-8"))["info"]["version"] == path.stem.removeprefix("openapi-")


def test_the_docs_say_which_version_to_pin():
    docs = (Path(__file__).resolve().parent.parent / "docs" / "platform.md").read_text(encoding="utf-8")
    assert f"API version {API_VERSION}" in docs
