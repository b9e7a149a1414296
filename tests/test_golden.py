"""Golden decisions (tests/golden/, see tests/golden.py): every scenario file of examples/ (and of
the review scenarios, once in the repository) is decided exactly as its golden records. A
difference fails with what changed; goldens are rewritten only by a human, deliberately."""

from __future__ import annotations

import copy

import pytest

from tests.golden import GOLDEN_DIR, ROOT, SOURCES, compare, current, differences, golden_path, load

PRESENT = [s for s in SOURCES if (ROOT / s).is_dir()]
NOW = current("examples")


@pytest.mark.parametrize("source", PRESENT)
def test_every_scenario_is_decided_as_its_golden_records(source):
    found = differences(source)
    assert not found, (
        f"{source}/ no longer decides as its goldens record:\n  "
        + "\n  ".join(found)
        + f"\nIf the change is deliberate: python -m tests.golden write {source}, then review git diff tests/golden"
    )


def test_every_example_has_a_golden_decision():
    golden = load("examples")
    assert golden is not None and len(golden["decisions"]) >= 6, "examples/ without golden decisions"
    assert golden["not_scenarios"] == ["listings.yaml"]  # the listing-audit input; nothing else may fail to parse


def test_every_golden_file_belongs_to_a_source_directory():
    names = {golden_path(s).name for s in PRESENT}
    stray = sorted(p.name for p in GOLDEN_DIR.glob("*.yaml") if p.name not in names)
    assert not stray, f"goldens for no source directory (add it to tests/golden.py SOURCES or delete): {stray}"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["applied"].append("cpl-25-1-1-custom-made"), "applied"),
        (
            lambda d: (
                d["warnings"].remove("quality_route") if "quality_route" in d["warnings"] else d["warnings"].append("x")
            ),
            "warnings",
        ),
        (lambda d: d.update(outcome="returnable" if d["outcome"] != "returnable" else "not_returnable"), "outcome"),
        (lambda d: d["by_reading"].update({"counting=calendar_only": "undetermined"}), "by_reading"),
    ],
)
def test_a_golden_that_differs_is_reported(change, expected):
    """The comparison can fail: one changed entry of a copy of the goldens is found and named."""
    golden = copy.deepcopy(load("examples"))
    name = sorted(golden["decisions"])[0]
    change(golden["decisions"][name])
    found = compare(NOW, golden)
    assert len(found) == 1 and found[0].startswith(f"{name}: {expected}:"), found
