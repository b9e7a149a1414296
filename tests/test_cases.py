"""The case corpus as tests (one per reported case, named by id), and the replay, what-if,
what-changes, statistics and case-file checks researchers rely on."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from returnlaw import cases as cases_module
from returnlaw.api import default_rulebook
from returnlaw.cases import CaseFileError, Timing, cases_dir, load_case, load_cases
from returnlaw.cli import main
from returnlaw.evaluator import UNDETERMINED
from returnlaw.inputs import InputError, parse_scenario, read_scenario_file
from returnlaw.readings import DEFAULT_READINGS, Readings
from returnlaw.replay import Run, get_engine, law_dates, native_engine, place_timing, replay, run_case, statistics
from returnlaw.whatif import parse_assignments, replay_with, what_changes

BOOK = default_rulebook()
CASES = load_cases(book=BOOK)
RUNS = {run.case.id: run for run in replay(CASES, book=BOOK)}
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _explain(run: Run) -> str:
    """Expected-vs-actual reasoning for a failing case."""
    deciding = "; ".join(f"{r.rule} ({', '.join(r.cite)})" for r in run.deciding) or "none"
    return (
        f"\n{run.case.id}: the court held {run.expected} ({', '.join(run.case.expected.provisions)}): "
        f"{run.case.holding}\nthe engine says {run.actual}, deciding rules: {deciding}; "
        f"questions: {', '.join(run.evaluation.questions[:6]) or '-'}; law as of {run.law_dates}; "
        f"missing warnings: {list(run.missing_warnings) or '-'}\nwhy: {run.reason()}"
    )


def _corpus_params() -> list:
    params = []
    for case in CASES:
        marks = []
        if case.judgement_call or case.known_disagreement:
            kind = "judgement call" if case.judgement_call else "known disagreement"
            why = (case.judgement_reason or case.known_disagreement or "").split("; ")[0][:110]
            # raises=AssertionError: only a disagreement is the expected failure, never a crash
            marks.append(
                pytest.mark.xfail(strict=True, raises=AssertionError, reason=f"{kind} (see the case file): {why}")
            )
        params.append(pytest.param(case.id, id=case.id, marks=marks))
    return params


# -- the corpus -------------------------------------------------------------------------------------


@pytest.mark.parametrize("case_id", _corpus_params())
def test_court_case(case_id):
    """The engine agrees with the court. Explained disagreements are strict xfails: if the engine
    starts agreeing, the case file's explanation is stale and the test says so."""
    run = RUNS[case_id]
    assert run.agrees, _explain(run)


def test_corpus_has_at_least_twenty_cases_with_unique_digest_numbers():
    numbers = [c.digest_no for c in CASES]
    assert len(CASES) >= 20
    assert len(set(numbers)) == len(numbers), numbers


def test_agreement_is_at_least_ninety_percent_of_cases_not_marked_as_judgement_calls():
    stats = statistics(list(RUNS.values()))
    assert stats.rate is not None and stats.rate >= 0.9, [r.reason() for r in RUNS.values() if not r.agrees]


def test_every_disagreement_is_explained_in_its_case_file():
    unexplained = [
        run.case.id
        for run in RUNS.values()
        if not run.agrees and not (run.case.judgement_call or run.case.known_disagreement)
    ]
    assert not unexplained


def test_the_deciding_rules_of_a_decided_case_conclude_its_outcome():
    for run in RUNS.values():
        if run.listing is not None:  # a listing in breach: the rules that found each breach
            assert run.actual != "non_compliant" or run.deciding, run.case.id
            concluded = {r.conclusion for r in run.deciding}
            assert concluded == {f"warning: {code}" for code in run.listing.findings}, run.case.id
            continue
        if run.actual == UNDETERMINED:
            assert run.deciding == ()
            continue
        wanted = "scope = out" if run.actual == "out_of_scope" else f"right = {run.actual}"
        assert wanted in {r.conclusion for r in run.deciding}, (run.case.id, [r.rule for r in run.deciding])
        assert all(r.status == "applied" for r in run.deciding)


def test_replaying_the_bundled_corpus_takes_under_a_second():
    best = min(_timed(lambda: replay(load_cases(book=BOOK), book=BOOK)) for _ in range(3))
    assert best < 1.0, f"{best:.2f} s"


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# -- the law in force and the timing ------------------------------------------------------------------


def test_a_known_purchase_date_picks_its_own_law():
    run = RUNS["sz-wuzhong-split-shipment"]
    assert run.law_dates == (dt.date(2022, 1, 17),)
    assert run.evaluation.as_of == dt.date(2022, 1, 17)


def test_an_unreported_purchase_date_is_replayed_under_every_version_in_the_window():
    case = next(c for c in CASES if c.id == "bjic-2024-downjacket-17h")  # from 2014-03-15, reported in 2024
    assert law_dates(case, case.scenario, BOOK) == [dt.date(2014, 3, 15), *BOOK.boundaries()[1:]]
    month = next(c for c in CASES if c.id == "bjic-2024-phones-77-returns")  # April 2024 only
    assert law_dates(month, month.scenario, BOOK) == [dt.date(2024, 4, 1)]


def test_versions_of_the_law_that_disagree_leave_the_case_undetermined():
    case = next(c for c in CASES if c.id == "sz-internet-livestream-starcards")
    # Without the (implied) prominence of the notice the versions disagree: from 2024-07-01 Regs
    # Art. 19(2) needs a prominent marking before an exclusion by nature applies; before, it did not.
    listing = case.scenario.listing.model_copy(update={"marking_prominent": None})
    case = case.model_copy(update={"scenario": case.scenario.model_copy(update={"listing": listing})})
    run = run_case(case, book=BOOK)
    assert len(run.law_dates) > 1 and run.actual == UNDETERMINED
    assert run.evaluation.questions[0] == "purchase.date"
    assert "disagree" in run.evaluation.notes[-1]


@settings(max_examples=60, deadline=None)
@given(
    anchor=st.dates(dt.date(2014, 3, 15), dt.date(2026, 11, 30)),  # the consequences end within the holiday data
    days=st.integers(0, 7),
    hours=st.none() | st.integers(0, 168),
    counting=st.sampled_from(["civil_code", "calendar_only", "platform_168h"]),
)
def test_placing_a_reported_interval_of_up_to_seven_days_never_makes_the_notice_late(anchor, days, hours, counting):
    """The claim Timing rests on: wherever replay puts the dates, the late-notice rule cannot apply."""
    case = next(c for c in CASES if c.id == "bjic-2024-downjacket-17h")
    interval = {"hours": hours} if hours is not None else {"days": days}
    timing = Timing.model_validate({"notice_within": interval, "basis": "reported", "note": "test"})
    scenario, placed = place_timing(case.scenario, timing, anchor)
    assert placed == ("delivery.signed_at", "return.notice_sent_at")
    decision = native_engine(BOOK)(scenario, as_of=anchor, readings=Readings(counting=counting)).decision()
    status = {r.rule: r.status for r in decision.reasons}
    assert status["cpl-25-1-late-notice"] == "not_applicable"


def test_timing_fills_only_the_date_the_report_does_not_give():
    case = next(c for c in CASES if c.id == "fountain-pen-ink-test")  # ordered 07-20, notice 07-24, within 4 days
    run = RUNS[case.id]
    assert run.placed == ("delivery.signed_at",)
    assert run.evaluation.scenario.delivery.signed_at == dt.date(2024, 7, 20)
    assert run.evaluation.scenario.return_.notice_sent_at == dt.date(2024, 7, 24)


def test_reported_only_drops_exactly_the_implied_facts():
    case = next(c for c in CASES if c.id == "bj-belts-bulk-returns")
    run = run_case(case, book=BOOK, reported_only=True)
    filled = {fact: rule for fact, _, rule in run.evaluation.presumed}
    for path in case.implied_facts:
        section, _, name = path.partition(".")
        # dropped: unknown, unless a derivation or presumption filled it (and the decision lists it)
        value = getattr(getattr(run.evaluation.scenario, section), name)
        assert value is None or path in filled, path
    assert run.evaluation.scenario.condition.packaging_opened is True  # reported, kept
    # The shop's only ground, abuse (reported), leaves the belts' condition and the exclusions out
    # of issue: the reports alone decide it, through presumptions the decision lists.
    assert run.agrees and {"burden-seller-no-allegation", "issue-custom-made-not-raised"} <= set(filled.values())
    strict = run_case(case, book=BOOK, reported_only=True, readings=Readings(issues="strict"))
    assert strict.actual == UNDETERMINED and not strict.agrees


# -- what-if -------------------------------------------------------------------------------------------


def test_what_if_reports_the_flip_and_the_rules_that_caused_it():
    case = next(c for c in CASES if c.id == "bjic-2024-phones-77-returns")
    result = replay_with(case, set={"conduct.abuse_established": False, "condition.inspection_only": True})
    assert result.before.actual == "not_returnable"
    rules = {c.name: c for c in result.changes if c.kind == "rule"}
    assert rules["cpl-4-abuse-of-right"].before == "applied" and rules["cpl-4-abuse-of-right"].after == "not_applicable"
    assert "reads conduct.abuse_established" in rules["cpl-4-abuse-of-right"].why


def test_what_if_with_nothing_changed_changes_nothing():
    case = next(c for c in CASES if c.id == "pdd-iphone12-activated")
    result = replay_with(case)
    assert result.changes == () and not result.outcome_changed


def test_what_if_a_reading_names_the_reading_as_the_cause():
    case = next(c for c in CASES if c.id == "bjic-2024-downjacket-17h")
    undecided = replay_with(case, readings={"burden_of_proof": "consumer_claiming_return"})
    assert undecided.after.actual == UNDETERMINED  # now the consumer's evidence matters, and it is unknown
    assert "dispute.consumer_evidence" in {c.name for c in undecided.changes if c.kind == "question"}
    # Kept five days instead of 17 hours, no presumption from ordinary experience helps the consumer
    # (evidence-10-1-4-short-hold); nor was the condition verified at a pickup.
    facts = {
        "dispute.consumer_evidence": "none",
        "dispute.condition_verified_at_pickup": False,
        "dispute.hours_held": 120,
    }
    result = replay_with(case, set=facts, readings={"burden_of_proof": "consumer_claiming_return"})
    assert result.after.actual == "not_returnable"
    assert any(c.kind == "rule" and "reading burden_of_proof" in c.why for c in result.changes)


def test_what_if_a_custom_made_item_is_excluded():
    case = next(c for c in CASES if c.id == "bjic-2024-downjacket-17h")
    # Lü claimed nothing beyond the return (consumer_claims [], reported): a promise covering even
    # excluded goods is not in issue, so a made-to-order jacket is excluded at once
    at_once = replay_with(case, set={"item.custom_made": True})
    assert at_once.after.actual == "not_returnable"
    open_question = replay_with(case, set={"item.custom_made": True, "dispute.consumer_claims": None})
    assert open_question.after.actual == UNDETERMINED  # a promise could cover even excluded goods
    result = replay_with(case, set={"item.custom_made": True, "promise.covers_excluded_goods": False})
    assert result.after.actual == "not_returnable"
    assert ("rule", "cpl-25-1-1-custom-made", "applied") in {(c.kind, c.name, c.after) for c in result.changes}


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        (["item.categry=clothing"], "did you mean item.category"),
        (["item.custom_made"], "expected FIELD=VALUE"),
        (["gifts.any_unreturned=true"], "derived fact"),
    ],
)
def test_bad_assignments_name_the_field(pairs, message):
    with pytest.raises(InputError, match=message):
        parse_assignments(pairs)


def test_a_what_if_value_of_the_wrong_type_names_the_field():
    case = next(c for c in CASES if c.id == "bjic-2024-downjacket-17h")
    with pytest.raises(InputError, match=r"item\.custom_made"):
        replay_with(case, set=parse_assignments(["item.custom_made=perhaps"]))


# -- what changes the outcome -----------------------------------------------------------------------------


def test_what_changes_finds_the_missing_confirmation_of_a_blind_box():
    """The confirmed blind box (the example, with the goods' condition, the dispute and their delivery
    stated) is not returnable; each way the confirmation could fail makes it returnable, and
    what-changes names every one. A confirmation outside the checkout flow still confirms (#11: an
    express acknowledgement; the missing step is the seller's breach), so that change flips nothing."""
    data = json.loads((EXAMPLES / "blindbox-opened-online.json").read_text(encoding="utf-8"))
    intact = ("quality_function_preserved", "appearance_preserved", "accessories_complete", "labels_complete")
    stated = {"used_beyond_inspection": False, "damaged": False, "inspection_only": True, "packaging_opened": False}
    data["condition"] |= dict.fromkeys(intact, True) | stated
    data["delivery"] = {"signed_at": "2024-09-05"}  # the notice came before delivery: in time
    data["dispute"] = {"seller_alleges_not_intact": False}
    data["promise"] |= {"return_days": 7}
    base, flips = what_changes(parse_scenario(data), book=BOOK)
    assert base.outcome == "not_returnable"
    assert all(f.outcome not in (base.outcome, UNDETERMINED) for f in flips)
    returnable = {f.fact: f.after for f in flips if f.outcome == "returnable"}
    assert returnable["listing.consumer_confirmed"] is False
    assert returnable["listing.confirmation_preselected"] is True
    assert "listing.confirmation_in_checkout_flow" not in returnable
    assert returnable["condition.opened_online"] is False  # the exclusion's trigger did not happen
    unconfirmed = next(f for f in flips if f.fact == "listing.consumer_confirmed")
    assert "-cpl-25-2-contents-revealed" in unconfirmed.because  # the exclusion no longer applies


@pytest.mark.parametrize(
    "case_id", ["pdd-iphone12-activated", "bjic-2024-blindbox-luckybags", "sz-wuzhong-split-shipment"]
)
def test_every_flip_really_flips(case_id):
    """Soundness: applying the reported change gives the reported outcome."""
    case = next(c for c in CASES if c.id == case_id)
    base, flips = what_changes(case, book=BOOK, explain=False)
    for flip in flips:
        if flip.fact.startswith("reading "):
            run = run_case(case, book=BOOK, readings=Readings(**{flip.fact[8:]: flip.after}))
        else:
            changed = replay_with(case, set={flip.fact: flip.after}, book=BOOK).after
            run = changed
        assert run.actual == flip.outcome != base.outcome, flip


def test_what_changes_finds_the_first_late_day_and_the_reading_that_drops_the_holiday():
    scenario = read_scenario_file(EXAMPLES / "late-notice-national-day.yaml")  # last day moved to 2024-10-08
    base, flips = what_changes(scenario, book=BOOK)
    found = {f.fact: f for f in flips}
    assert base.outcome == "returnable"
    late = found["return.notice_sent_at"]
    assert (late.after, late.size, late.outcome) == (dt.date(2024, 10, 9), 1, "not_returnable")
    assert "+cpl-25-1-late-notice" in late.because
    assert found["reading counting"].after == "calendar_only"


def test_what_changes_skips_dates_beyond_the_holiday_calendar():
    scenario = read_scenario_file(EXAMPLES / "late-notice-national-day.yaml")
    late = scenario.model_copy(
        update={
            "purchase": scenario.purchase.model_copy(update={"date": dt.date(2026, 9, 20)}),
            "delivery": scenario.delivery.model_copy(update={"signed_at": dt.date(2026, 9, 26)}),
            "return_": scenario.return_.model_copy(update={"notice_sent_at": dt.date(2026, 10, 2)}),
        }
    )
    base, flips = what_changes(late, book=BOOK, explain=False)  # +365 days lies past the calendar's years
    assert base.outcome == "returnable"
    assert any(f.fact == "return.notice_sent_at" and f.outcome == "not_returnable" for f in flips)


def test_a_fact_that_only_opens_questions_is_no_flip():
    """Under the strict reading, moving the late notice of the split shipment into time does not
    decide it: the garment's condition is unreported, so the outcome would be undetermined, which
    is not a flip."""
    case = next(c for c in CASES if c.id == "sz-wuzhong-split-shipment")
    _, flips = what_changes(case, book=BOOK, explain=False, readings=Readings(issues="strict"))
    assert "return.notice_sent_at" not in {f.fact for f in flips}
    assert {f.outcome for f in flips if not f.fact.startswith("reading ")} == {"out_of_scope"}
    # the other reading of the issues decides it as the court did: only the timing was raised
    assert {(f.fact, f.outcome) for f in flips if f.fact.startswith("reading ")} == {
        ("reading issues", "not_returnable")
    }


def test_a_timely_notice_decides_where_timing_was_the_only_ground():
    """The shop argued only that the notice was late (seller_grounds [out_of_time], reported): the
    garment's condition is not in issue (reading as_raised), so a notice in time makes it returnable."""
    case = next(c for c in CASES if c.id == "sz-wuzhong-split-shipment")
    _, flips = what_changes(case, book=BOOK, explain=False)
    assert {f.outcome for f in flips if f.fact == "return.notice_sent_at"} == {"returnable"}


# -- statistics -------------------------------------------------------------------------------------------


def test_statistics_group_every_case():
    stats = statistics(list(RUNS.values()))
    assert stats.total == len(CASES) == stats.counted + stats.judgement_calls
    assert sum(g.cases for g in stats.by_expected.values()) == stats.total
    assert sum(g.cases for g in stats.by_category.values()) == stats.total
    assert stats.by_topic["scope"].cases == sum("scope" in c.topics for c in CASES)
    assert "cpl 4" in stats.by_provision  # the 77-phones case rests on good faith
    data = stats.as_json()
    assert data["agree"] == stats.agree and data["agreement_rate"] == stats.rate


# -- case files -----------------------------------------------------------------------------------------


def _good_case() -> dict:
    return yaml.safe_load((cases_dir() / "bjic-2024-downjacket-17h.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["scenario"]["item"].update(category="clothes"), "scenario.item.category"),
        (lambda d: d["expected"].update(outcome="undetermined"), "expected.outcome"),
        (lambda d: d.update(reported="2024-13"), "reported"),
        (lambda d: d.update(judgement_call=True), "judgement_reason"),
        (lambda d: d.update(judgement_call="yes"), "judgement_call"),
        (lambda d: d["timing"]["notice_within"].update(hours=200), "timing.notice_within"),
        (lambda d: d.update(implied=[{"facts": ["buyer.purpos"], "because": "x"}]), "did you mean buyer.purpose"),
        (
            lambda d: d.update(implied=[{"facts": ["dispute.consumer_evidence"], "because": "x"}]),
            "unknown in the scenario",
        ),
        (lambda d: d["sources"][0].update(grade="D"), "sources.0.grade"),
        (lambda d: d.pop("expected"), "expected: missing"),
        (lambda d: d.update(colour="red"), "colour: unknown field"),
        (lambda d: d["purchased"].update({"from": "2025-01", "to": "2024-01"}), "is after to"),
        (lambda d: d.pop("scenario"), "scenario: missing"),
    ],
)
def test_a_bad_case_file_names_the_file_and_the_field(tmp_path, change, field):
    data = _good_case()
    change(data)
    path = tmp_path / "bjic-2024-downjacket-17h.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CaseFileError) as err:
        load_case(path, book=BOOK)
    assert str(path) in str(err.value) and field in str(err.value)


def test_an_unknown_warning_code_is_refused_against_the_rule_book(tmp_path):
    data = _good_case()
    data["expected"]["warnings"] = ["no_such_warning"]
    path = _write(tmp_path, data)
    with pytest.raises(CaseFileError, match=r"expected\.warnings\.0: unknown warning code"):
        load_case(path, book=BOOK)
    assert load_case(path).expected.warnings == ("no_such_warning",)  # only the rule book knows the codes


def test_two_files_with_one_id_are_refused(tmp_path):
    for name in ("a", "b"):
        data = _good_case()
        data["id"] = "same-id"
        (tmp_path / name).mkdir()
        (tmp_path / name / "same-id.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CaseFileError, match="also used by"):
        load_cases([tmp_path / "a", tmp_path / "b"])


def test_cases_dir_prefers_the_corpus_inside_an_installed_package(tmp_path, monkeypatch):
    (tmp_path / "cases").mkdir()
    monkeypatch.setattr(cases_module.resources, "files", lambda package: tmp_path)
    assert cases_dir() == tmp_path / "cases"
    monkeypatch.undo()
    assert (cases_dir() / "bjic-2024-downjacket-17h.yaml").is_file()


def test_the_engine_can_be_chosen_by_name_and_an_unknown_one_is_refused():
    """The native engine by name decides a reported case as the court did, over the book it is given."""
    case = next(c for c in CASES if c.id == "sz-wuzhong-split-shipment")  # bought 2022-01-17, held not returnable
    assert get_engine("native", BOOK)(case.scenario).outcome == case.expected.outcome.value == "not_returnable"
    before_2014 = dataclasses.replace(BOOK, epochs=BOOK.epochs[:1])  # only the law before any seven-day rule
    assert get_engine("native", before_2014)(case.scenario).outcome == "out_of_scope"
    with pytest.raises(ValueError, match="unknown engine"):
        get_engine("nope", BOOK)


def test_a_second_engine_replays_the_corpus_through_the_same_interface():
    calls = []

    def counting_engine(scenario, *, as_of=None, readings=DEFAULT_READINGS):
        calls.append(as_of)
        return native_engine(BOOK)(scenario, as_of=as_of, readings=readings)

    runs = replay(CASES, engine=counting_engine, book=BOOK)
    assert [r.actual for r in runs] == [RUNS[c.id].actual for c in CASES]
    assert len(calls) == sum(len(r.law_dates) for r in runs)


# -- the command line -----------------------------------------------------------------------------------


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / f"{data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_cli_replay_exit_codes(tmp_path, capsys):
    good = _write(tmp_path, _good_case())
    assert main(["replay", str(good), "--lang", "en"]) == 0
    wrong = _good_case()
    wrong["id"] = "wrong-expectation"
    wrong["expected"]["outcome"] = "not_returnable"
    assert main(["replay", str(_write(tmp_path, wrong)), "--lang", "en"]) == 1
    broken = _good_case()
    broken["id"] = "broken"
    broken["scenario"]["item"]["custom_made"] = "no"
    assert main(["replay", str(_write(tmp_path, broken))]) == 2
    err = capsys.readouterr().err
    assert "broken.yaml" in err and "scenario.item.custom_made" in err and "Traceback" not in err
    assert main(["replay", "no-such-case-id"]) == 2


def test_cli_replay_json_lists_every_case(capsys):
    """The rows agree with the in-process replay case by case; the exit code follows from the case
    files: 1 while a case that is not a judgement call records a known disagreement, else 0."""
    code = main(["replay", "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert {r["id"]: (r["actual"], r["agrees"]) for r in rows} == {i: (r.actual, r.agrees) for i, r in RUNS.items()}
    assert all({"id", "expected", "actual", "agrees"} <= set(r) for r in rows)
    disagreeing = [c.id for c in CASES if c.known_disagreement and not c.judgement_call]
    assert code == (1 if disagreeing else 0), disagreeing


def test_cli_replay_explain_and_stats(capsys):
    assert main(["replay", "--explain", "bjic-2024-phones-77-returns", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "cpl-4-abuse-of-right" in out and "209 orders" in out
    main(["replay", "--stats", "--json"])
    stats = json.loads(capsys.readouterr().out)
    assert stats["total"] == len(CASES) and "by_deciding_provision" in stats
    assert main(["replay", "--explain", "no-such-id"]) == 2


def test_cli_replay_set_shows_the_change(capsys):
    changes = ["--set", "item.custom_made=true", "--set", "promise.covers_excluded_goods=false"]
    code = main(["replay", "bjic-2024-downjacket-17h", *changes, "--json"])
    [row] = json.loads(capsys.readouterr().out)
    assert (row["before"], row["after"], code) == ("returnable", "not_returnable", 1)
    assert any(c["name"] == "cpl-25-1-1-custom-made" for c in row["changes"])
    assert main(["replay", "bjic-2024-downjacket-17h", "--set", "item.colour=red"]) == 2


def test_cli_what_changes(capsys):
    assert main(["what-changes", str(EXAMPLES / "late-notice-national-day.yaml"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["outcome"] == "returnable"
    assert any(f["fact"] == "item.custom_made" and f["outcome"] == "not_returnable" for f in result["flips"])
    assert main(["what-changes", "sz-wuzhong-split-shipment", "--lang", "en"]) == 0
    assert "buyer.purpose" in capsys.readouterr().out
    assert main(["what-changes", "sz-wuzhong-split-shipment", "--as-of", "2020-01-01"]) == 2


# -- a regulator's decision on a listing (decides: listing) -------------------------------------------

LISTING_CASES = [c for c in CASES if c.decides == "listing"]


def test_a_listing_decision_is_replayed_for_every_purchase_as_the_audit_judges_one():
    assert LISTING_CASES, "the corpus holds regulators' decisions on listings"
    for case in LISTING_CASES:
        run = RUNS[case.id]
        assert run.listing is not None and run.actual == run.listing.verdict == "non_compliant", run.case.id
        seen = run.evaluation.scenario
        assert seen.buyer.purpose is None and seen.purchase.date is None and seen.condition.damaged is None
        assert "over_broad_exclusion" in run.listing.findings
        # reported-only changes nothing: a listing case rests on no implied fact
        assert run_case(case, book=BOOK, reported_only=True).listing == run.listing


def test_replay_json_says_what_a_case_decides(capsys):
    assert main(["replay", "--json", "tz-msa-ropenet-labels", "bjic-2024-downjacket-17h"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["tz-msa-ropenet-labels"]["decides"] == "listing"
    assert rows["tz-msa-ropenet-labels"]["expected"] == rows["tz-msa-ropenet-labels"]["actual"] == "non_compliant"
    assert rows["bjic-2024-downjacket-17h"]["decides"] == "return"


def test_a_listing_that_no_longer_marks_the_goods_is_compliant_and_the_regulator_disagrees():
    case = next(c for c in LISTING_CASES if c.id == "tz-msa-ropenet-labels")
    after = replay_with(case, {"listing.marked_not_returnable": False}).after
    assert after.actual == "compliant" and after.listing.findings == ()
    assert not after.agrees and after.kind == "different_outcome"


def test_a_listing_left_open_on_what_the_goods_are_is_undetermined_and_asks_the_listing():
    case = next(c for c in LISTING_CASES if c.id == "tz-msa-ropenet-labels")
    after = replay_with(case, {"listing.nature_exclusion": None}).after
    assert after.actual == UNDETERMINED
    assert "listing.nature_exclusion" in after.questions
    assert all(not q.startswith(("condition.", "delivery.", "return.", "buyer.")) for q in after.questions)


def test_a_what_if_on_a_fact_of_one_purchase_is_shown_as_not_read(capsys):
    case = LISTING_CASES[0]
    what = replay_with(case, {"condition.damaged": True})
    assert what.after.listing.unread == ("condition.damaged",)
    assert what.after.listing.verdict == what.before.listing.verdict
    assert main(["replay", case.id, "--set", "condition.damaged=true", "--lang", "zh"]) == 0
    assert "未考虑单笔购买的事实：商品是否受损" in "".join(capsys.readouterr().out.split())  # as wrapped


def _listing_case(**changes) -> dict:
    data = yaml.safe_load((cases_dir() / "tz-msa-ropenet-labels.yaml").read_text(encoding="utf-8"))
    for path, value in changes.items():
        section, _, name = path.partition(".")
        if value is None:
            data[section].pop(name, None)
        else:
            data[section] = {**data[section], name: value} if name else value
    return data


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"scenario.condition": {"damaged": False}}, "scenario.condition.damaged: a fact of one purchase"),
        ({"scenario.buyer": {"purpose": "personal_consumption"}}, "scenario.buyer.purpose: a fact of one purchase"),
        ({"expected.outcome": "returnable"}, "gives expected.listing (and no expected.outcome)"),
        ({"expected.listing": None}, "gives expected.listing"),
        ({"decides": "return"}, "gives expected.outcome"),
        ({"timing.": {"notice_within": {"days": 7}, "basis": "implied", "note": "n"}}, "timing: a listing"),
        ({"decides": "shelf"}, "decides: Input should be 'return' or 'listing'"),
    ],
)
def test_a_listing_case_file_with_facts_of_one_purchase_or_a_return_outcome_is_refused(changes, words):
    data = _listing_case()
    for path, value in changes.items():
        section, _, name = path.partition(".")
        if path.startswith("scenario."):
            data["scenario"][name] = value
        elif section == "expected":
            if value is None:
                data["expected"].pop(name)
            else:
                data["expected"][name] = value
        else:
            data[section] = value
    with pytest.raises(CaseFileError) as err:
        cases_module.parse_case(data, "tz.yaml")
    assert words in str(err.value)


def test_a_listing_the_versions_of_the_law_judge_apart_is_undetermined_until_the_date_is_known():
    """An exclusion by nature marked, but not prominently: a breach from 2024-07-01 (Regs Art. 19)
    and not before; in a window across that day the listing's verdict waits for the purchase date."""
    listing = {
        "nature_exclusion": "contents_revealed",
        "marked_not_returnable": True,
        "marking_prominent": False,
        "confirmation_in_checkout_flow": True,
        "confirmation_preselected": False,
    }
    data = _listing_case()
    data["scenario"]["listing"] = listing
    run = run_case(cases_module.parse_case(data, "x.yaml"), book=BOOK)
    assert run.actual == UNDETERMINED and run.questions == ("purchase.date",)
    assert "marking_not_prominent" not in run.listing.findings  # not found under the older versions
    assert any("2017-03-15: compliant" in n and "2024-07-01: non_compliant" in n for n in run.evaluation.notes)
    data["purchased"] = {"from": "2024-07-01", "to": "2024-12-19", "because": "a window after the Regulations"}
    assert run_case(cases_module.parse_case(data, "x.yaml"), book=BOOK).actual == "non_compliant"
