"""Bad rule books (tests/rules_bad/*): each is refused with its expected message, one line, exit 2
from ``rules lint``; the good mini book (tests/rules_good/) loads and decides."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

import returnlaw
from returnlaw import RuleFileError, load_rulebook
from returnlaw.cli import main

HERE = Path(__file__).resolve().parent
GOOD = HERE / "rules_good"
BAD = sorted(p for p in (HERE / "rules_bad").iterdir() if p.is_dir())

# Faults the loader does not report yet; the fix for each is described in the robustness report.
KNOWN_GAPS: dict[str, str] = {}  # folder -> why the loader still fails it (marked xfail, strict)

WHOLE_FILE_FAULTS = {"not-a-mapping", "not-utf8"}  # faults that change every line of the file


def expected(folder: Path) -> list[str]:
    text = (folder / "expected.txt").read_text(encoding="utf-8")
    return [line.replace("{dir}", str(folder)) for line in text.splitlines() if line]


def marks(folder: Path) -> list[pytest.MarkDecorator]:
    gap = KNOWN_GAPS.get(folder.name)
    return [pytest.mark.xfail(reason=gap, strict=True)] if gap else []


CASES = [pytest.param(folder, id=folder.name, marks=marks(folder)) for folder in BAD]


def test_there_is_a_bad_example_for_every_kind_of_fault_the_issue_names():
    names = {p.name for p in BAD}
    wanted = {
        "yaml-syntax-error",
        "unknown-fact",
        "unknown-operator",
        "dangling-exception",
        "exception-cycle",
        "conflict",
        "outside-in-force-dates",
        "citation-to-missing-article",
        "python-tag",
        "unknown-vocabulary-duty",
        "duplicate-rule-id",
    }
    assert wanted <= names


@pytest.mark.parametrize("folder", CASES)
def test_the_loader_refuses_it_with_the_expected_message(folder: Path):
    with pytest.raises(RuleFileError) as caught:
        load_rulebook(folder)
    message = str(caught.value)
    assert "\n" not in message
    for fragment in expected(folder):
        assert fragment in message


@pytest.mark.parametrize("folder", CASES)
def test_rules_lint_prints_one_line_and_exits_2(folder: Path, capsys):
    code = main(["rules", "lint", str(folder)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith("returnlaw: error: ") and err.count("\n") == 1
    assert all(fragment in err for fragment in expected(folder))


@pytest.mark.parametrize("folder", BAD, ids=lambda p: p.name)
def test_each_example_changes_one_file_of_the_good_book(folder: Path):
    names = {p.name for p in [*GOOD.iterdir(), *folder.iterdir()] if p.suffix == ".yaml"}
    changed = [n for n in sorted(names) if _content(GOOD / n) != _content(folder / n)]
    assert len(changed) == 1, changed
    before, after = _content(GOOD / changed[0]), _content(folder / changed[0])
    if before and after and changed[0] == "cpl.yaml":  # an edit, not a file added or removed
        diff = [d for d in difflib.ndiff(before.splitlines(), after.splitlines()) if d[:1] in "+-"]
        assert len(diff) <= 6 or folder.name in WHOLE_FILE_FAULTS, diff


def _content(path: Path) -> str | None:
    if not path.exists():
        return None
    return path.read_bytes().decode("utf-8", errors="replace")


def test_the_good_mini_book_loads_and_decides():
    book = load_rulebook(GOOD)
    assert sorted(book.rules) == [
        "cpl-25-1-1-custom-made",
        "cpl-25-1-distance-sale",
        "cpl-25-1-not-distance-sale",
        "cpl-25-1-right",
        "cpl-25-3-return-shipping",
    ]
    online = {"purchase": {"date": "2024-08-01", "channel": "online"}}
    outcome = {
        "custom": returnlaw.decide({**online, "item": {"custom_made": True}}, book=book).outcome,
        "plain": returnlaw.decide({**online, "item": {"custom_made": False}}, book=book).outcome,
        "in store": returnlaw.decide({"purchase": {"date": "2024-08-01", "channel": "in_store"}}, book=book).outcome,
        "unknown": returnlaw.decide(online, book=book).outcome,
    }
    assert outcome == {
        "custom": "not_returnable",
        "plain": "returnable",
        "in store": "out_of_scope",
        "unknown": "undetermined",
    }


def test_rules_lint_accepts_the_good_mini_book(capsys):
    assert main(["rules", "lint", str(GOOD)]) == 0
    assert "ok: 5 rules, 3 provisions, 1 instruments" in capsys.readouterr().out


def test_a_folder_that_does_not_exist(tmp_path, capsys):
    code = main(["rules", "lint", str(tmp_path / "nowhere")])
    assert code == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'nowhere'}: cannot read the rule folder: No such file or directory" in err
    assert "vocabulary.yaml" not in err  # the folder is missing, not its vocabulary


def test_check_with_a_bad_rules_dir_prints_nothing_on_stdout(capsys):
    scenario = HERE.parent / "examples" / "downjacket.yaml"
    code = main(["check", str(scenario), "--json", "--rules-dir", str(HERE / "rules_bad" / "conflict")])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert "conflicts with rule cpl-25-1-1-custom-made" in err
