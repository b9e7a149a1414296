"""A legal review's scenarios (tests/data/review_legal/, copied from shared/review/legal/): every
row of its expected.yaml must hold under the default readings — the outcome, the warnings the
decision must raise and those it must not, rules that must not be listed as applied, and amounts
some obligation must carry."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from returnlaw import decide, read_scenario_file

REVIEW = Path(__file__).parent / "data" / "review_legal"
EXPECTED: dict[str, dict] = yaml.safe_load((REVIEW / "expected.yaml").read_text(encoding="utf-8"))
KEYS = {"outcome", "warnings", "not_warnings", "not_applied", "amounts", "why"}


def scenario_file(name: str) -> Path:
    (path,) = [p for p in REVIEW.glob(f"{name}.*") if p.suffix in (".json", ".yaml")]
    return path


def test_every_scenario_file_has_a_row_and_every_row_only_known_keys():
    files = {p.stem for p in REVIEW.iterdir() if p.suffix in (".json", ".yaml") and p.stem != "expected"}
    assert files == set(EXPECTED)
    for name, row in EXPECTED.items():
        assert set(row) <= KEYS, f"{name}: the runner does not check {sorted(set(row) - KEYS)}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_review_row(name: str):
    row = EXPECTED[name]
    decision = decide(read_scenario_file(scenario_file(name)))
    applied = {r.rule for r in decision.reasons if r.status == "applied"}
    warnings = {w.code for w in decision.warnings}
    why = f"{name} ({row['why']}): applied {sorted(applied)}; warnings {sorted(warnings)}"
    assert decision.outcome == row["outcome"], why
    assert set(row.get("warnings", [])) <= warnings, why
    assert not set(row.get("not_warnings", [])) & warnings, why
    assert not set(row.get("not_applied", [])) & applied, why
    amounts = {o.amount for o in decision.obligations}
    for amount in row.get("amounts", []):
        assert Decimal(str(amount)) in amounts, (
            f"{why}; obligations {[(o.duty, o.amount) for o in decision.obligations]}"
        )
