"""Chinese output a court clerk would accept (spec/zh-style.md): every word Chinese, citations as a
court writes them, laid out in 80 columns without a line starting with 、 or 。 and without a
date or an amount cut in two — for check (compact and --full), ask, audit, replay and rules."""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

import pytest
import yaml

from returnlaw import decide, default_rulebook, read_scenario_file
from returnlaw.cli import main
from returnlaw.facts import FACTS
from tests.zhcheck import english_words, layout_problems

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SCENARIOS = sorted(
    p for p in EXAMPLES.glob("*.*") if p.suffix in (".yaml", ".json") and p.name not in ("listings.yaml",)
)
TODAY = dt.date(2024, 1, 20)


@pytest.fixture(autouse=True)
def eighty_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr("returnlaw.render.reference_day", lambda: TODAY)


def run(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err, err
    return code, out


def typed_strings(path: Path) -> list[str]:
    """What the user typed into a scenario or listing file (descriptions, ids, order numbers)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("description", "id", "order_id", "name") and isinstance(value, str):
                    found.append(value)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    return found


def assert_reads_as_chinese(out: str, typed: list[str] = ()) -> None:  # type: ignore[assignment]
    assert english_words(out, typed) == [], english_words(out, typed)[:20]
    assert layout_problems(out) == []
    assert "《消法》" not in out
    for path in FACTS:
        assert path not in out


# -- the done-when of the issue ---------------------------------------------------------------------


def test_the_down_jacket_in_chinese_fits_in_60_lines_with_no_field_name_and_no_english(capsys):
    code, out = run(capsys, "check", str(EXAMPLES / "downjacket.yaml"), "--lang", "zh")
    assert code == 0
    assert len(out.splitlines()) <= 60, len(out.splitlines())
    assert_reads_as_chinese(out, typed_strings(EXAMPLES / "downjacket.yaml"))
    assert out.startswith("结论：消费者有权依照《中华人民共和国消费者权益保护法》（以下简称《消费者权益保护")
    flowing = "".join(line.strip() for line in out.splitlines())
    assert flowing.count("消费者退货的商品应当完好。") == 1  # CPL 25(3)'s text, once
    assert "2024年1月22日，已届满" not in flowing  # today is 2024-01-20 here
    assert "退款期限（收到退回商品之日起七日）：2024年1月22日，尚余2日" in flowing
    assert "899.00元（大写：捌佰玖拾玖元整）" in flowing
    # the consumer claimed nothing beyond the return (#12): neither a promise of free return
    # shipping nor an established defect is in issue, so the consumer pays the return shipping
    assert "消费者：" in out and "· 承担退回商品的运费" in out
    assert "另有2项义务取决于尚未查明的事实（信用卡手续费" in flowing
    assert "消费者未提出其他主张，均不在争议之中（《民事诉讼法》第六十七条第一款" in flowing


def test_full_still_gives_the_whole_trace(capsys):
    _, out = run(capsys, "check", str(EXAMPLES / "downjacket.yaml"), "--lang", "zh", "--full")
    flowing = "".join(line.strip() for line in out.splitlines())
    decision = decide(read_scenario_file(EXAMPLES / "downjacket.yaml"))
    for reason in decision.reasons:  # every rule of the trace, applied or not
        assert reason.title_zh.replace(" ", "") in flowing, reason.rule
    assert_reads_as_chinese(out, typed_strings(EXAMPLES / "downjacket.yaml"))


# -- every example, every command ----------------------------------------------------------------------


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
@pytest.mark.parametrize("full", [False, True], ids=["compact", "full"])
def test_check_reads_as_chinese(capsys, path, full):
    _, out = run(capsys, "check", str(path), "--lang", "zh", *(["--full"] if full else []))
    assert_reads_as_chinese(out, typed_strings(path))


def test_an_undetermined_decision_names_only_the_facts_that_could_change_it(capsys):
    _, out = run(capsys, "check", str(EXAMPLES / "downjacket-order.yaml"), "--lang", "zh")
    assert out.startswith("结论：尚不能确定，取决于以下事实：")
    # what the dispute is about first (#12), then what the grounds turn on
    assert "一、经营者以什么理由拒绝退货？（可多选；未拒绝则不选）" in out
    assert "二、消费者买这件商品是为了什么？" in out
    assert_reads_as_chinese(out, typed_strings(EXAMPLES / "downjacket-order.yaml"))


def test_ask_in_chinese_reads_as_chinese(monkeypatch, capsys, tmp_path):
    answers = tmp_path / "answers.yaml"
    data = yaml.safe_load((EXAMPLES / "answers" / "downjacket.yaml").read_text(encoding="utf-8"))
    # a claimed defect no longer decides (#11): abuse does, once the seller raises it (#12)
    data["dispute.seller_grounds"] = ["not_intact", "abuse"]
    data["conduct.abuse_established"] = "不知道"
    answers.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    _, out = run(capsys, "ask", str(EXAMPLES / "downjacket-order.yaml"), "--answers", str(answers), "--lang", "zh")
    assert "问题 1" in out and "结论仍取决于答为“不知道”的事实" in out
    assert_reads_as_chinese(out, typed_strings(EXAMPLES / "downjacket-order.yaml"))


def test_audit_reads_as_chinese(capsys):
    path = EXAMPLES / "listings.yaml"
    _, out = run(capsys, "audit", str(path), "--lang", "zh", "--as-of", "2024-08-01")
    assert "存在违规" in out and "合规" in out and "尚缺：" in out
    assert_reads_as_chinese(out, typed_strings(path))


def in_chinese_only(case):
    """A case whose own words (English summaries, court names, links) are replaced by Chinese
    placeholders: what is left in English is the program's."""
    zh = "（案例原文）"
    return case.model_copy(
        update={
            "title": case.title.model_copy(update={"en": zh, "zh": case.title.zh or zh}),
            "court": case.court.model_copy(update={"en": zh, "zh": case.court.zh or zh}),
            "facts": zh,
            "holding": zh,
            "uncertain": zh if case.uncertain else None,
            "judgement_reason": zh if case.judgement_reason else None,
            "known_disagreement": zh if case.known_disagreement else None,
            "sources": tuple(s.model_copy(update={"url": "https://例子"}) for s in case.sources),
            "implied": tuple(g.model_copy(update={"because": zh}) for g in case.implied),
        }
    )


@pytest.mark.parametrize(
    "args",
    [
        ["replay"],
        ["replay", "--stats"],
        ["replay", "--explain", "bjic-2024-downjacket-17h"],
        ["replay", "bjic-2024-downjacket-17h", "--set", "dispute.hours_held=48"],
    ],
    ids=["overview", "stats", "explain", "what-if"],
)
def test_replay_reads_as_chinese(monkeypatch, capsys, args):
    import returnlaw.cli_replay as cli_replay

    load = cli_replay.load_cases
    monkeypatch.setattr(cli_replay, "load_cases", lambda *a, **k: [in_chinese_only(c) for c in load(*a, **k)])
    _, out = run(capsys, *args, "--lang", "zh")
    assert layout_problems(out, width=80) == []
    ids = [c.id for c in load()]
    assert english_words(out, [*ids, "https"]) == []


@pytest.mark.parametrize("args", [["rules", "list"], ["rules", "show", "measures-8-3-reasonable-trial"]])
def test_rules_read_as_chinese(capsys, args):
    _, out = run(capsys, *args, "--lang", "zh")
    ids = list(default_rulebook().rules)
    assert english_words(out, ids) == []
    assert layout_problems(out) == []


def test_no_chinese_text_calls_an_instrument_by_a_colloquial_name():
    """spec/zh-style.md §2: the instruments by their official titles or short forms in 书名号
    (《消费者权益保护法》), never the spoken 消法 — in rule titles, warnings, questions and help."""
    root = Path(__file__).resolve().parent.parent
    files = [*sorted((root / "rules").glob("*.yaml")), *sorted((root / "returnlaw").glob("*.yaml"))]
    found = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            said = (
                not line.lstrip().startswith("#") and "short_zh:" not in line
            )  # comments and the table's own abbreviation aside
            if said and "消法" in line:
                found.append(f"{path.name}:{number}: {line.strip()[:60]}")
    assert not found, found
