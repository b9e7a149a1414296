"""The HTTP contract, checked from its own OpenAPI document: schemathesis generates requests from
``/openapi.json`` (valid ones, invalid ones, undeclared methods, and sequences that follow its links)
and sends them to the ASGI application in process, with every check enabled.

Seeded and CI-sized by default. Knobs: ``RETURNLAW_HTTP_EXAMPLES`` (examples per operation, default
25; for a long run try 600), ``RETURNLAW_HTTP_SEED``. A failure prints the request as a curl command.
The same settings (``schemathesis.toml``) apply to ``schemathesis run`` against ``returnlaw serve``.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
hypothesis = pytest.importorskip("hypothesis")

from schemathesis.config import SchemathesisConfig  # noqa: E402

from returnlaw.server import create_app  # noqa: E402
from returnlaw.server_limits import Limits  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("RETURNLAW_HTTP_EXAMPLES", "25"))
SEED = int(os.environ.get("RETURNLAW_HTTP_SEED", "20240801"))
TODAY = dt.date(2026, 1, 1)  # pinned: "in the future" must not move with the clock


def config() -> SchemathesisConfig:
    data = tomllib.loads((ROOT / "schemathesis.toml").read_text(encoding="utf-8"))
    data.update(seed=SEED)
    data["checks"] = {"enabled": True, **data.get("checks", {})}
    data["phases"] = {"enabled": True}
    data["generation"] = {"max-examples": EXAMPLES, "database": "none", **data.get("generation", {})}
    return SchemathesisConfig.from_dict(data)


APP = create_app(today=TODAY, limits=Limits(processes=0))  # bodies read in threads: the same code, no spawn
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=config())


@schema.parametrize()
@hypothesis.settings(deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
def test_every_operation_keeps_its_contract(case):
    case.call_and_validate()


def test_sequences_that_follow_the_links_keep_the_contract():
    settings = hypothesis.settings(
        max_examples=max(EXAMPLES // 5, 3),
        stateful_step_count=5,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    schema.as_state_machine().run(settings=settings)


def test_the_suite_covers_every_operation():
    labels = {op.ok().label for op in schema.get_all_operations()}
    assert labels == {
        "POST /decide",
        "POST /audit/listing",
        "POST /audit/timeline",
        "GET /rules",
        "GET /rules/{rule_id}",
        "GET /health",
    }
