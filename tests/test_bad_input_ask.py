"""Bad answers to ``returnlaw ask`` (answers file and start scenario): exit 2, one line naming the
fact and the reason, and no file saved."""

from __future__ import annotations

import json

import pytest

from returnlaw.cli import main
from tests.test_atomic_outputs import answers, needs_ask

ASK_BAD = [
    ("item.custom_mad: true\n", "did you mean 'item.custom_made'?"),
    ("purchase.date: 2099-01-01\n", "purchase.date: 2099-01-01 is in the future"),
    ("- item.custom_made\n", "expected a mapping of facts to answers"),
    ("", "is empty"),
    ("item: {custom_made: true\n", "invalid YAML"),
    ("purchase.date: 2024-08-01\npurchase.date: 2024-08-02\n", "given twice"),
]


@needs_ask
@pytest.mark.parametrize(("text", "reason"), ASK_BAD, ids=[f"answers-{i}" for i in range(len(ASK_BAD))])
def test_bad_answers_exit_2_with_one_line_and_save_nothing(tmp_path, capsys, text, reason):
    path, saved = tmp_path / "answers.yaml", tmp_path / "saved.yaml"
    path.write_text(text, encoding="utf-8")
    code = main(["ask", "--answers", str(path), "--save", str(saved), "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("returnlaw: error: ") and err.count("\n") == 1 and reason in err
    assert not saved.exists()


@needs_ask
def test_a_bad_start_scenario_gets_the_message_check_gives(tmp_path, capsys):
    start, saved = tmp_path / "start.json", tmp_path / "saved.yaml"
    start.write_text('{"item": {"categry": "clothing"}}', encoding="utf-8")
    code = main(["ask", str(start), "--answers", str(answers(tmp_path)), "--save", str(saved)])
    err = capsys.readouterr().err
    assert code == 2
    assert "item.categry: unknown field; did you mean 'category'?" in err
    assert not saved.exists()


@needs_ask
def test_an_answer_to_a_question_not_reached_is_still_checked(tmp_path, capsys):
    path = tmp_path / "answers.yaml"
    path.write_text("purchase.date: 2024-08-01\npurchase.channel: online\nitem.custom_made: maybe\n")
    code = main(["ask", "--answers", str(path), "--lang", "en"])
    assert code == 2 and "item.custom_made" in capsys.readouterr().err


@needs_ask
def test_an_answer_to_a_question_not_reached_is_saved(tmp_path, capsys):
    path, saved = tmp_path / "answers.yaml", tmp_path / "saved.json"
    path.write_text("purchase.date: 2024-08-01\npurchase.channel: online\nitem.custom_made: true\n")
    main(["ask", "--answers", str(path), "--save", str(saved), "--lang", "en"])
    assert json.loads(saved.read_text())["item"] == {"custom_made": True}
