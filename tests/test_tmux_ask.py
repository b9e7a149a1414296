"""A whole ``returnlaw ask`` session in Chinese, typed into a real terminal (tmux): a Chinese date,
"不知道" (the interview goes on), "争议" (the burden of proof takes over), "返回" (undo), then the
decision, the facts it still depends on and the saved scenario. Skipped where tmux is absent."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import yaml

from returnlaw import read_scenario_file
from returnlaw.facts import FACTS
from returnlaw.questions import choice_labels, default_wording

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
WORDING = default_wording()
TMUX = shutil.which("tmux")

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")

# What the mediator types; any other question is answered from the down jacket's facts.
TYPED = {
    "delivery.signed_at": "1月12日 18:30",  # a Chinese date without a year: the purchase's year
    # the seller's grounds by their labels; time and abuse raised, so they are in issue (#12)
    "dispute.seller_grounds": "商品不完好、超过七日、滥用退货权利",
    "conduct.abuse_established": "不知道",
    "condition.quality_function_preserved": "争议",
    "dispute.seller_evidence": "2",
    "dispute.hours_held": "17小时",
}


def typed_answer(fact: str) -> str:
    if fact in TYPED:
        return TYPED[fact]
    value = FACTS[fact].get(read_scenario_file(EXAMPLES / "downjacket.yaml"))
    if value is None:  # the example does not say: the mediator does not know either
        return "不知道"
    labels = choice_labels(WORDING, fact) if WORDING.facts[fact].kind in ("yes_no", "choice", "choices") else {}
    if isinstance(value, tuple):  # several choices: their labels, as a mediator types them
        return "、".join(labels[str(v)].zh for v in value) or "无"
    key = str(value).lower() if isinstance(value, bool) else str(value)
    return labels[key].zh if key in labels else str(value)


class Terminal:
    def __init__(self, name: str) -> None:
        self.name = name

    def tmux(self, *args: str) -> str:
        done = subprocess.run([TMUX, *args], capture_output=True, text=True, timeout=10, check=True)  # type: ignore[list-item]
        return done.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", self.name)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.name, "-l", text)
        self.tmux("send-keys", "-t", self.name, "Enter")

    def wait_for(self, check, timeout: float = 60.0) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            screen = self.screen()
            if check(screen):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"timed out; the screen was:\n{self.screen()[-3000:]}")


def questions_on(screen: str) -> list[tuple[int, str]]:
    """(number, question text) of every question shown so far."""
    lines = screen.splitlines()
    found = []
    for i, line in enumerate(lines):
        if line.startswith("问题 ") and line[3:].strip().isdigit() and i + 1 < len(lines):
            found.append((int(line[3:].strip()), lines[i + 1].strip()))
    return found


def fact_of(question: str) -> str:
    return next(path for path, entry in WORDING.facts.items() if entry.zh == question)


@pytest.fixture
def terminal(tmp_path):
    name = f"returnlaw-{uuid.uuid4().hex[:8]}"
    start = tmp_path / "start.yaml"
    order = yaml.safe_load((EXAMPLES / "downjacket-order.yaml").read_text(encoding="utf-8"))
    del order["delivery"]  # the signing date is asked, and answered as a Chinese date
    start.write_text(yaml.safe_dump(order, allow_unicode=True), encoding="utf-8")
    command = (
        f"cd {ROOT} && {sys.executable} -m returnlaw ask {start} --lang zh --save {tmp_path / 'saved.yaml'}; "
        "echo 结束代码$?; sleep 60"
    )
    subprocess.run(
        [TMUX, "new-session", "-d", "-s", name, "-x", "200", "-y", "50", "-e", "LANG=C.UTF-8",
         "-e", "PYTHONIOENCODING=utf-8", command],
        check=True,
        timeout=10,
    )  # fmt: skip
    subprocess.run([TMUX, "set-option", "-t", name, "history-limit", "20000"], check=True, timeout=10)
    yield Terminal(name), tmp_path
    subprocess.run([TMUX, "kill-session", "-t", name], capture_output=True, timeout=10)


def test_a_whole_interview_in_chinese_in_a_terminal(terminal):
    term, folder = terminal
    answered: list[str] = []
    blocks = 0  # question blocks seen: each answer (or "返回") makes the interview show one more

    def next_block(screen: str, seen: int = 0) -> bool:
        return "结束代码" in screen or len(questions_on(screen)) > seen

    for _ in range(60):  # a bound: an answer the interview keeps refusing must fail, not hang
        screen = term.wait_for(lambda s, seen=blocks: next_block(s, seen))
        if "结束代码" in screen:
            break
        shown = questions_on(screen)
        blocks = len(shown)
        fact = fact_of(shown[-1][1])
        assert "无法接受这个回答" not in screen.split(f"问题 {shown[-1][0]}")[-1], screen[-2000:]
        if not answered:  # the first question: answer, undo, and it is asked again
            term.type(typed_answer(fact))
            term.wait_for(lambda s, seen=blocks: next_block(s, seen))
            term.type("返回")
            screen = term.wait_for(lambda s, seen=blocks + 1: next_block(s, seen))
            assert "已撤回：" in screen
            assert questions_on(screen)[-1][1] == shown[-1][1]
            blocks = len(questions_on(screen))
        answered.append(fact)
        term.type(typed_answer(fact))
    else:
        raise AssertionError(f"the interview did not end after 60 answers: {answered}")
    screen = term.screen()
    flowing = "".join(screen.split())
    assert "delivery.signed_at" in answered and "conduct.abuse_established" in answered
    # "不知道" did not end the interview: the dispute's evidence was asked after it
    assert "dispute.seller_evidence" in answered, answered
    assert answered.index("conduct.abuse_established") < answered.index("dispute.seller_evidence")
    # the seller's grounds already say it disputes the condition (#12): only the evidence is asked
    assert "condition.quality_function_preserved" not in answered, answered
    assert "结论仍取决于答为“不知道”的事实" in flowing
    assert "一、是否已经认定消费者滥用无理由退货权利" in flowing
    assert "结论：尚不能确定，取决于以下事实：" in flowing
    assert "结束代码1" in flowing  # undetermined
    saved = yaml.safe_load((folder / "saved.yaml").read_text(encoding="utf-8"))
    assert str(saved["delivery"]["signed_at"]) in ("2024-01-12T18:30:00", "2024-01-12 18:30:00")  # 1月12日, in 2024
    assert saved["conduct"] == {"abuse_established": None}  # kept as unknown
    assert "not_intact" in saved["dispute"]["seller_grounds"]  # the allegation, as one of the grounds
    assert saved["dispute"]["seller_evidence"] == "insufficient"  # typed as a number: 2
    assert "hours_held" not in saved["dispute"]  # the seller's evidence settled it: not asked
