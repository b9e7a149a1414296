"""``returnlaw report``: the document for the parties (调解建议书) in Markdown, HTML and PDF — the
facts, what was presumed on whose burden, the view with full citations, each party's duties
with amounts in 大写, deadlines with dates and days remaining, a timeline, signatures."""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest

from returnlaw import default_rulebook, evaluate, read_scenario_file
from returnlaw.cli import main
from returnlaw.report import build_report, to_markdown
from returnlaw.report_html import to_html
from tests.zhcheck import english_words

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
BOOK = default_rulebook()
TODAY = dt.date(2024, 1, 20)


def report_of(name: str, lang: str = "zh", today: dt.date = TODAY):
    scenario = read_scenario_file(EXAMPLES / name)
    decision = evaluate(BOOK, scenario).decision()
    return build_report(decision, BOOK, lang, scenario=scenario, today=today)


def flowing(text: str) -> str:
    return "".join(text.split())


def test_the_markdown_report_holds_what_a_mediation_proposal_holds():
    md = to_markdown(report_of("downjacket.yaml"))
    text = flowing(md)
    for title in (
        "一、纠纷的主要事实",
        "二、争议焦点",
        "三、调解意见",
        "四、建议的解决方案",
        "五、期限",
        "六、适用的规定与解释选项",
        "七、说明",
    ):
        assert title in text
    assert "经双方当事人签署前不具有约束力" in text  # non-binding until signed
    assert "|签收时间|2024年1月12日18时30分|" in text  # facts as established
    assert "依举证责任推定" in text and "推定不利的一方为经营者" in text  # what was presumed, on whose burden
    assert "退回商品是否保持原有品质、功能：是" in text
    # the view: outcome in the law's words, full title on first mention, then the short form
    assert "消费者有权依照《中华人民共和国消费者权益保护法》（以下简称《消费者权益保护法》）第二十五条退货" in text
    assert text.count("《中华人民共和国消费者权益保护法》") == 1
    # duties, one per item, the refund in figures and in capitals
    assert "金额为人民币899.00元（大写：捌佰玖拾玖元整）" in text
    # who pays the return shipping turns on the promise and, since #11, on whether a non-conformity
    # is established (CPL Art. 24): each party's duty with the facts it depends on
    # the consumer claimed nothing beyond the return (#12): no promise of free return shipping and
    # no established defect are in issue, so the consumer pays the return shipping outright
    assert "消费者承担退回商品的运费。" in text and "消费者未提出其他主张，均不在争议之中" in text
    # deadlines with dates and days remaining (today is 2024-01-20)
    assert "|退款期限（收到退回商品之日起七日）|2024年1月22日|尚余2日|" in text
    assert "|发出退货通知的最后一日|2024年1月19日|已遵守|" in text
    assert "期间计算：自签收次日起算" in text  # readings used
    assert "甲方（签名、盖章或者按指印）" in text and "（调解组织印章）" in text and "一式三份" in text
    # each provision's text once, in the annex
    assert text.count("消费者退货的商品应当完好。经营者应当自收到退回商品之日起七日内") == 1
    assert english_words(md, ["down jacket"]) == []


def test_an_undetermined_report_names_the_open_facts_and_proposes_only_conditionally():
    report = report_of("downjacket-order.yaml")
    text = flowing(to_markdown(report))
    assert report.outcome == "undetermined"
    assert "尚不能确定，取决于以下事实" in text and "以下事实尚未查明" in text
    assert "结论尚不能确定；如认定可以退货，双方的义务如下。" in text
    assert "一次性了结" not in text  # no finality clause for an open case


def test_the_timeline_marks_day_seven_and_its_roll_over_past_the_national_day_holiday():
    report = report_of("late-notice-national-day.yaml", today=dt.date(2024, 10, 9))
    events = {e.key: e.day for e in report.timeline.events}
    assert events["signed"] == dt.date(2024, 9, 26)
    assert events["day7"] == dt.date(2024, 10, 3)
    assert events["rolled"] == dt.date(2024, 10, 8)  # the first working day after the holiday
    assert events["notice"] == dt.date(2024, 10, 8) and events["today"] == dt.date(2024, 10, 9)
    assert events["penalty_return_processing"] == dt.date(2024, 10, 23)


class _Tags(HTMLParser):
    VOID: ClassVar[set[str]] = {"meta", "br", "img", "hr", "input", "link", "rect", "line", "circle", "path"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.seen: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.seen.add(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.seen.add(tag)

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def test_the_html_report_is_self_contained_with_a_timeline_and_prints_on_a4():
    html = to_html(report_of("downjacket.yaml"))
    tags = _Tags()
    tags.feed(html)
    assert tags.problems == [] and tags.stack == []
    assert {"svg", "table", "ol", "style"} <= tags.seen
    assert not {"script", "link", "img", "iframe"} & tags.seen  # nothing to fetch, nothing to run
    assert re.findall(r"https?://[^\"' ]+", html) == ["http://www.w3.org/2000/svg"]
    assert "@page { size: A4" in html and "@media print" in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    for label in (
        "签收",
        "发出退货通知",
        "经营者收到退货",
        "第七日",
        "退款期限",
        "十五日：办理退货",
        "十五日：退款",
        "今日",
    ):
        assert f">{label}</tspan>" in svg, label
    assert '<span class="nobr">2024年1月22日</span>' in html  # dates never broken
    assert "《中华人民共和国消费者权益保护法》（以下简称《消费者权益保护法》）" in html


def test_the_english_report():
    md = to_markdown(report_of("downjacket.yaml", "en"))
    assert md.startswith("# Mediation proposal")
    assert "Consumer Rights and Interests Protection Law of the PRC (CPL) Art. 25" in md
    assert "2024-01-22 | 2 days left" in md


# -- the command -------------------------------------------------------------------------------------


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_report_writes_the_html_page(tmp_path, capsys):
    out = tmp_path / "r.html"
    code, printed, _ = run(
        capsys, "report", str(EXAMPLES / "downjacket.yaml"), "--lang", "zh", "--format", "html", "-o", str(out)
    )
    assert code == 0 and "已写出调解建议书" in printed
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "report.docx"], "cannot tell the report's format; use --format md or html or pdf"),
        (["missing.yaml"], "cannot read missing.yaml"),
    ],
)
def test_a_bad_report_request_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    files = [a for a in args if a.endswith(".yaml")] or [str(EXAMPLES / "downjacket.yaml")]
    rest = [a for a in args if not a.endswith(".yaml")]
    code, _, err = run(capsys, "report", *files, *rest)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "report.docx").exists()


def test_pdf_without_a_chinese_font_says_what_to_install(tmp_path, capsys, monkeypatch):
    pytest.importorskip("fpdf", reason="PDF reports need the 'report' extra (fpdf2)")
    monkeypatch.setenv("RETURNLAW_CJK_FONT", str(tmp_path / "no-such-font.ttf"))
    code, _, err = run(capsys, "report", str(EXAMPLES / "downjacket.yaml"), "-o", str(tmp_path / "r.pdf"))
    assert code == 2 and "RETURNLAW_CJK_FONT" in err and "no such font file" in err
    assert not (tmp_path / "r.pdf").exists()


def test_the_pdf_report_embeds_a_chinese_font(tmp_path, capsys):
    pytest.importorskip("fpdf", reason="PDF reports need the 'report' extra (fpdf2)")
    from returnlaw.report_pdf import cjk_font

    if cjk_font() is None:
        pytest.skip("no Chinese font: apt-get install fonts-wqy-microhei (or set RETURNLAW_CJK_FONT)")
    out = tmp_path / "r.pdf"
    code, _, _ = run(capsys, "report", str(EXAMPLES / "downjacket.yaml"), "--lang", "zh", "-o", str(out))
    data = out.read_bytes()
    assert code == 0 and data.startswith(b"%PDF-")
    assert b"/FontFile2" in data and b"/ToUnicode" in data  # the font is embedded, text can be copied
    assert len(re.findall(rb"/Type /Page\b", data)) >= 2


def test_ask_writes_the_report_at_the_end_of_the_interview(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    out = tmp_path / "r.md"
    code, printed, _ = run(
        capsys,
        "ask",
        str(EXAMPLES / "downjacket-order.yaml"),
        "--answers",
        str(EXAMPLES / "answers" / "downjacket.yaml"),
        "--report",
        str(out),
        "--lang",
        "zh",
    )
    assert code == 0 and "已写出调解建议书" in printed
    text = flowing(out.read_text(encoding="utf-8"))
    assert text.startswith("#调解建议书") and "消费者有权依照《中华人民共和国消费者权益保护法》" in text
    assert "|经营者对商品不完好的证据|有，但不足以证明|" in text  # what the interview established


def test_ask_checks_the_report_format_before_the_interview(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("1\n"))
    code, printed, err = run(capsys, "ask", "--report", str(tmp_path / "r.odt"), "--lang", "en")
    assert code == 2 and "cannot tell the report's format" in err and "Question" not in printed


class _Visible(HTMLParser):
    """The text a reader sees (no style sheet, no markup)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag == "style"

    def handle_endtag(self, tag):
        self.hidden -= tag == "style"

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def test_the_chinese_html_report_has_no_english_word():
    seen = _Visible()
    seen.feed(to_html(report_of("downjacket.yaml")))
    assert english_words(" ".join(seen.parts), ["down jacket"]) == []
