"""Rule-file errors suggest the intended name for a misspelt rule field or exception target."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from returnlaw import RuleFileError, load_rulebook

GOOD = Path(__file__).resolve().parent / "rules_good"


def broken(tmp_path: Path, old: str, new: str) -> Path:
    shutil.copytree(GOOD, tmp_path / "book")
    path = tmp_path / "book" / "cpl.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path / "book"


def test_a_misspelt_exception_target_is_named_with_a_suggestion(tmp_path):
    with pytest.raises(RuleFileError, match=r"no such rule; did you mean 'cpl-25-1-right'\?"):
        load_rulebook(broken(tmp_path, "exception_to: [cpl-25-1-right]", "exception_to: [cpl-25-1-rihgt]"))


def test_a_misspelt_rule_field_is_named_with_a_suggestion(tmp_path):
    with pytest.raises(RuleFileError, match=r"did you mean 'exception_to'\?"):
        load_rulebook(broken(tmp_path, "exception_to: [cpl-25-1-right]", "exceptions_to: [cpl-25-1-right]"))
