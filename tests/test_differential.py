"""Differential tests: the native engine and the durable_rules engine — an independent
implementation over the same rule files — must agree on every scenario: the same outcome, the
same rules applied, every rule's (applicable, defeated) status, the legal variables and the
presumptions (``returnlaw.engines.summary``).

The durable engine runs in a worker process (``returnlaw.durable_worker``): a crash in its C
extension fails the example that caused it instead of killing pytest. Sizes: 10,000 complete
generated scenarios, a fifth as many partial ones and a tenth from the shared strategy by
default; ``RETURNLAW_DIFF_EXAMPLES=100000`` for a longer local run. A disagreement fails with the
minimal scenario (hypothesis shrinks it) as JSON, with its as-of date, readings and differences.

Scenarios come from a *genome* (``tests.strategies.from_genome``): hypothesis draws one byte
string and every fact is read from it; shrinking zeroes bytes, which moves each fact to its
ordinary value. Both engines share the rule files, the period counting and the in-force dates, so
this test cannot see defects there: the law examples, the golden decisions and the rule-book
mutation score (``tests/test_mutation.py``) are what pin them. Where durable_rules cannot run,
``test_the_durable_cross_check_runs_on_this_python`` says so in the summary.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from returnlaw import durable_backend
from returnlaw.api import default_rulebook
from returnlaw.durable_translate import translate
from returnlaw.durable_worker import DurableWorker, WorkerCrashed
from returnlaw.engines import differences, summary
from returnlaw.evaluator import evaluate
from returnlaw.inputs import InputError, parse_scenario, read_scenario_file
from returnlaw.periods import CalendarCoverageError
from returnlaw.readings import DEFAULT_READINGS, Readings
from returnlaw.scenario import (
    Scenario,
)
from tests.lawcases import load_cases as load_law_cases
from tests.strategies import FIRST_DAY, GENOME_SIZE, LAST_DAY, ORDINARY_TRUE, forget, from_genome, readings, scenarios

EXAMPLES = int(os.environ.get("RETURNLAW_DIFF_EXAMPLES", "10000"))
PARTIAL_EXAMPLES = max(1, EXAMPLES // 5)
SHARED_EXAMPLES = max(1, EXAMPLES // 10)
ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2030, 1, 1)
BOOK = default_rulebook()
READINGS = [
    *(
        Readings(counting=c, burden_of_proof=b)
        for c in ("civil_code", "calendar_only", "platform_168h")
        for b in ("seller_asserting_damage", "consumer_claiming_return")
    ),
    # the readings added by issue #11, each away from its default once
    Readings(oral_notice_confirmation="confirmation"),
    Readings(return_leg_risk="not_allocated", burden_of_proof="consumer_claiming_return"),
    Readings(short_hold_hours=48, burden_of_proof="consumer_claiming_return"),
    # issue #12: every fact must be established, with either burden of proof
    Readings(issues="strict"),
    Readings(issues="strict", burden_of_proof="consumer_claiming_return"),
]

UNAVAILABLE = durable_backend.unavailable_reason()
needs_durable = pytest.mark.skipif(
    UNAVAILABLE is not None, reason="no durable cross-check here (see test_the_durable_cross_check_runs_on_this_python)"
)
# The only error an engine may give instead of a decision: a date the holiday calendar does not cover.
EXPECTED_ERRORS = (CalendarCoverageError,)


class Workers:
    """The worker process, restarted after a crash so that hypothesis can shrink crashing examples."""

    def __init__(self, rules_dir: Path | None = None) -> None:
        self.rules_dir = rules_dir
        self.current: DurableWorker | None = None

    def submit(self, scenario: Scenario, as_of: dt.date | None, r: Readings) -> None:
        if self.current is None:
            self.current = DurableWorker(self.rules_dir)
        self._guard(lambda w: w.submit(scenario, as_of=as_of, readings=r))

    def receive(self) -> tuple[str, Any]:
        return self._guard(lambda w: w.receive())

    def _guard(self, call: Any) -> Any:
        assert self.current is not None
        try:
            return call(self.current)
        except WorkerCrashed:
            self.current.close()
            self.current = None
            raise

    def close(self) -> None:
        if self.current is not None:
            self.current.close()


@pytest.fixture(scope="module")
def workers() -> Iterator[Workers]:
    w = Workers()
    yield w
    w.close()


def native(scenario: Scenario, as_of: dt.date | None, r: Readings) -> tuple[str, Any]:
    """The native summary, or an expected error as "Type: message" (the worker's form). Any other
    native error propagates: a crash is a failure even if the durable engine crashes the same way."""
    try:
        return "ok", summary(evaluate(BOOK, scenario, as_of=as_of, readings=r))
    except EXPECTED_ERRORS as err:
        return "error", f"{type(err).__name__}: {err}"


def check(workers: Workers, scenario: Scenario, as_of: dt.date | None = None, r: Readings = DEFAULT_READINGS) -> str:
    """Fail with the scenario and the differences unless both engines agree; the outcome."""
    try:
        workers.submit(scenario, as_of, r)  # the worker decides while this process does too
        ours = native(scenario, as_of, r)
        theirs = workers.receive()
    except WorkerCrashed as crash:
        raise AssertionError(f"{crash}\n{_describe(scenario, as_of, r)}") from None
    if ours != theirs:
        if ours[0] == theirs[0] == "ok":
            diff = differences(ours[1], theirs[1])
        else:
            diff = [f"native {ours[0]}: {_short(ours[1])}", f"durable {theirs[0]}: {_short(theirs[1])}"]
        lines = "\n".join(f"  - {d}" for d in diff)
        raise AssertionError(f"the engines disagree (native vs durable):\n{lines}\n{_describe(scenario, as_of, r)}")
    return ours[1]["outcome"] if ours[0] == "ok" else "error"


def _short(value: Any) -> str:
    return value if isinstance(value, str) else f"outcome {value['outcome']}, applied {value['applied']}"


def _describe(scenario: Scenario, as_of: dt.date | None, r: Readings) -> str:
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    data = {k: v for k, v in data.items() if v not in ({}, [])}
    return (
        f"as_of: {as_of}; readings: {r.model_dump(mode='json')}\n"
        f"scenario: {json.dumps(data, ensure_ascii=False, sort_keys=True)}"
    )


def test_the_durable_cross_check_runs_on_this_python():
    """Where durable_rules cannot run (Python 3.13 and later), this test says so in the summary:
    a green run there is not a cross-checked one. Where it can, the worker decides an example as
    the native engine does."""
    if UNAVAILABLE is not None:
        pytest.skip(
            f"NO DURABLE CROSS-CHECK on Python {sys.version.split()[0]}: {UNAVAILABLE}. "
            "The differential tests of tests/test_differential.py did not run."
        )
    scenario = read_scenario_file(ROOT / "examples" / "downjacket.yaml")
    with DurableWorker() as worker:
        assert worker.evaluate(scenario) == native(scenario, None, DEFAULT_READINGS)


# -- the translation -------------------------------------------------------------------------------


def test_the_durable_translation_expresses_every_rule_of_the_book():
    unsupported = translate(BOOK).unsupported
    assert not unsupported, f"rules the durable engine cannot express (extend durable_translate): {unsupported}"


def test_unsupported_rules_are_listed_by_id(tmp_path):
    """A rule the translation cannot express is named, with the reason, never dropped."""
    rules = tmp_path / "rules"
    rules.mkdir()
    for f in (ROOT / "rules").glob("*.yaml"):
        (rules / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    extra = (
        "\n  - id: extra-reads-its-own-variable\n    cite: [cpl 25(1)]\n    title_zh: 甲\n    title_en: a\n"
        "    exception_to: [cpl-25-1-scope]\n    when: {var: scope, eq: in}\n    then: {set: {scope: out}}\n"
        "  - id: extra-inexact-number\n    cite: [cpl 25(1)]\n    title_zh: 乙\n    title_en: b\n"
        "    when: {fact: dispute.hours_held, gt: 0.1}\n    then: {warning: over_broad_exclusion}\n"
    )
    cpl = rules / "cpl.yaml"
    cpl.write_text(cpl.read_text(encoding="utf-8").replace("\nrules:\n", "\nrules:" + extra, 1), encoding="utf-8")
    from returnlaw.loader import load_rulebook

    tr = translate(load_rulebook(rules))
    assert sorted(tr.unsupported) == ["extra-inexact-number", "extra-reads-its-own-variable"]
    assert "variable its own group settles" in tr.unsupported["extra-reads-its-own-variable"]
    assert "0.1 is not exactly representable" in tr.unsupported["extra-inexact-number"]
    assert all(set(p.unsupported) == set(tr.unsupported) for p in tr.plans if p.epoch.steps)


# -- the differential runs ---------------------------------------------------------------------------


GENOME = st.binary(min_size=GENOME_SIZE, max_size=GENOME_SIZE)


@needs_durable
def test_engines_agree_on_generated_complete_scenarios(workers):
    seen: list[str] = []

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(GENOME)
    def agree(genome: bytes) -> None:
        data, r = from_genome(genome)
        seen.append(check(workers, parse_scenario(data, today=TODAY), None, r))

    agree()
    assert len(seen) >= EXAMPLES, f"only {len(seen)} scenarios were generated"
    spread = {o: seen.count(o) for o in sorted(set(seen))}
    assert {"returnable", "not_returnable", "out_of_scope"} <= set(spread), spread


@needs_durable
def test_engines_agree_on_generated_partial_scenarios(workers):
    """Facts unknown (the purchase date too), and as-of dates other than the purchase date."""
    seen: list[str] = []

    @settings(max_examples=PARTIAL_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(GENOME, st.binary(min_size=100, max_size=100), st.none() | st.dates(FIRST_DAY, LAST_DAY))
    def agree(genome: bytes, drop: bytes, as_of: dt.date | None) -> None:
        data, r = from_genome(genome)
        try:  # a fact in four is forgotten
            scenario = parse_scenario(forget(data, [b % 4 == 3 for b in drop]), today=TODAY)
        except InputError:
            return
        seen.append(check(workers, scenario, as_of, r))

    agree()
    assert "undetermined" in seen


@needs_durable
def test_engines_agree_on_the_shared_scenario_strategy(workers):
    """tests.strategies.scenarios, as the property tests draw them (slower to generate)."""

    @settings(max_examples=SHARED_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(scenarios(), readings)
    def agree(data: dict[str, Any], r: Readings) -> None:
        check(workers, parse_scenario(data, today=TODAY), None, r)

    agree()


@needs_durable
def test_a_planted_difference_is_found_and_shrunk_to_a_minimal_scenario(tmp_path):
    """The durable worker reads a rule book in which perishable goods are excluded only when they
    are food: hypothesis must find the difference and report the simplest scenario showing it."""
    rules = tmp_path / "rules"
    rules.mkdir()
    for f in (ROOT / "rules").glob("*.yaml"):
        (rules / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    cpl = rules / "cpl.yaml"
    text = cpl.read_text(encoding="utf-8")
    planted = "when: {all: [{fact: item.perishable, is: true}, {fact: item.category, in: [food, fresh_food]}]}"
    assert text.count("when: {fact: item.perishable, is: true}") == 1
    cpl.write_text(text.replace("when: {fact: item.perishable, is: true}", planted), encoding="utf-8")
    different = Workers(rules)

    @settings(max_examples=5000, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(GENOME)
    def agree(genome: bytes) -> None:
        data, r = from_genome(genome)
        check(different, parse_scenario(data, today=TODAY), None, r)

    try:
        with pytest.raises(AssertionError) as found:
            agree()
    finally:
        different.close()
    report = str(found.value)
    assert "the engines disagree" in report and "cpl-25-1-2-perishable" in report, report
    scenario = json.loads(report.split("scenario: ", 1)[1].splitlines()[0])
    # perishable goods of a category other than food (clothing, the simplest, cannot be perishable:
    # rules/categories.yaml settles it, and the scenario refuses the contradiction)
    item = scenario["item"]
    assert item["perishable"] is True and item["category"] not in ("food", "fresh_food", "clothing"), scenario
    strays = [k for k, v in scenario["condition"].items() if v != (k in ORDINARY_TRUE)]
    assert not strays, f"not minimal: {strays}"


@needs_durable
def test_engines_agree_on_every_law_example_under_every_reading(workers):
    for case in load_law_cases():
        scenario = parse_scenario(case.data)
        for r in {Readings(**case.readings), *READINGS}:
            check(workers, scenario, case.as_of, r)


@needs_durable
def test_engines_agree_on_every_bundled_case(workers):
    try:
        from returnlaw.cases import load_cases
    except ImportError as err:
        pytest.skip(f"no case corpus in this checkout ({err})")
    cases = load_cases()
    if not cases:
        pytest.skip("no bundled cases yet")
    for case in cases:
        for r in READINGS:
            check(workers, case.scenario, None, r)


@needs_durable
def test_engines_agree_on_the_examples(workers):
    checked = 0
    for path in sorted((ROOT / "examples").glob("*")):
        try:
            scenario = read_scenario_file(path)
        except InputError:
            continue  # not a scenario (listings, interview answers)
        for r in READINGS:
            check(workers, scenario, None, r)
        checked += 1
    assert checked >= 4


# -- safe use of durable_rules -------------------------------------------------------------------------


class FakeHost:
    """Stands in for durable's Host: results as scripted, sessions tracked."""

    def __init__(self, results: list[Any], records: list[tuple] | None = None) -> None:
        self.results = results
        self.records = records if records is not None else [("done",)]
        self.posted: list[str] = []
        self.deleted: list[str] = []

    def assert_fact(self, ruleset: str, message: dict[str, Any]) -> Any:
        self.posted.append(message["sid"])
        durable_backend._SINK.extend(self.records)
        return self.results.pop(0)

    post = assert_fact

    def delete_state(self, ruleset: str, sid: str) -> None:
        self.deleted.append(sid)


def _facts_ruleset() -> Any:
    return translate(BOOK).selector


def test_a_missing_result_is_retried_on_a_fresh_session():
    host = FakeHost([None, {"sid": "x"}], [("epoch", 1), ("done",)])
    records = durable_backend._Session(host).fire(_facts_ruleset(), {"day": 1})
    assert records == [("epoch", 1)]
    assert len(set(host.posted)) == 2 and host.deleted == host.posted


def test_a_result_missing_every_time_is_an_engine_error_not_an_outcome():
    host = FakeHost([None] * durable_backend.ATTEMPTS)
    with pytest.raises(durable_backend.DurableEngineError, match="no result"):
        durable_backend._Session(host).fire(_facts_ruleset(), {"day": 1})
    assert host.deleted == host.posted and len(host.posted) == durable_backend.ATTEMPTS


def test_a_post_whose_rules_did_not_all_run_is_an_engine_error():
    host = FakeHost([{"sid": "x"}], [("epoch", 1)])  # no catch-all record
    with pytest.raises(durable_backend.DurableEngineError, match="did not run every rule"):
        durable_backend._Session(host).fire(_facts_ruleset(), {"day": 1})
    assert host.deleted == host.posted


@needs_durable
def test_threads_share_one_host_safely():
    """Several threads evaluating at once (behind the lock) give the native decisions; a crash of
    the child process fails the test without taking pytest down."""
    code = (
        "import threading\n"
        "from returnlaw import default_rulebook, evaluate, parse_scenario, Readings\n"
        "from returnlaw import durable_backend\n"
        "from returnlaw.engines import summary\n"
        "from tests.lawcases import load_cases\n"
        "book = default_rulebook()\n"
        "items = [(parse_scenario(c.data), c.as_of, Readings(**c.readings)) for c in load_cases()]\n"
        "want = [summary(evaluate(book, s, as_of=a, readings=r)) for s, a, r in items]\n"
        "bad = []\n"
        "def work():\n"
        "    for (s, a, r), w in zip(items, want):\n"
        "        if summary(durable_backend.evaluate(book, s, as_of=a, readings=r)) != w: bad.append(s)\n"
        "threads = [threading.Thread(target=work) for _ in range(4)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(len(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "0"


# -- the command line -----------------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "returnlaw", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


@needs_durable
@pytest.mark.parametrize(
    "args",
    [
        ("examples/downjacket.yaml", "--json"),
        ("examples/late-notice-national-day.yaml", "--lang", "en", "--full-trace"),
        ("examples/custom-made-suit.yaml", "--lang", "zh", "--as-of", "2016-01-01"),
    ],
)
def test_check_with_the_durable_engine_prints_the_same_decision(args):
    native_out, durable_out = _cli("check", *args), _cli("check", *args, "--engine", "durable")
    assert (durable_out.returncode, durable_out.stderr) == (native_out.returncode, "")
    assert durable_out.stdout == native_out.stdout


@needs_durable
def test_replay_with_the_durable_engine_gives_the_same_report():
    native_out, durable_out = _cli("replay", "--json"), _cli("replay", "--json", "--engine", "durable")
    assert (durable_out.returncode, durable_out.stderr) == (native_out.returncode, "")
    assert durable_out.stdout == native_out.stdout and json.loads(durable_out.stdout)


@needs_durable
def test_the_benchmark_measures_the_durable_engine():
    code = (
        "from returnlaw import default_rulebook, parse_scenario\n"
        "from returnlaw.durable_backend import durable_us_median\n"
        "from tests.lawcases import load_cases\n"
        "print(durable_us_median(default_rulebook(), [parse_scenario(c.data) for c in load_cases()]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout) > 0


def test_an_unavailable_engine_is_one_clear_line(monkeypatch, capsys):
    from returnlaw.cli import EXIT_ENGINE_ERROR, main

    monkeypatch.setattr(durable_backend, "unavailable_reason", lambda: "durable_rules is not installed")
    code = main(["check", str(ROOT / "examples" / "downjacket.yaml"), "--engine", "durable"])
    err = capsys.readouterr().err
    assert code == EXIT_ENGINE_ERROR
    assert "durable engine is not available: durable_rules is not installed" in err
    assert "Traceback" not in err
