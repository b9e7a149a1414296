"""The bad inputs of test_bad_input.py through the other entry points: a batch row gets the same
one-line reason as ``returnlaw check`` and the run goes on; the HTTP service answers with its
error shape naming the same field, never a 500; ``replay`` names the case file and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from returnlaw import default_rulebook
from returnlaw.batch import BatchOptions, decide_row, run_batch
from returnlaw.cli import main
from tests.test_bad_input import BAD, GOOD, TODAY, Bad

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from returnlaw.server import create_app  # noqa: E402
from returnlaw.server_limits import Limits  # noqa: E402

BOOK = default_rulebook()
ROOT = Path(__file__).resolve().parent.parent
# Batch rows and HTTP bodies are JSON: the cases written as one line of JSON apply to both.
JSON_CASES = [b for b in BAD if isinstance(b.raw, str) and b.raw.lstrip().startswith(("{", "[")) and "\n" not in b.raw]

BATCH_GAPS: dict[str, str] = {}  # none left: batch rows are read by the library's reader by default

BATCH_WORDING = {"top-level-list": "a row must be a JSON object"}  # batch rows are JSON only


def cases(gaps: dict[str, str]) -> list:
    out = []
    for bad in JSON_CASES:
        mark = [pytest.mark.xfail(reason=gaps[bad.id], strict=True)] if bad.id in gaps else []
        out.append(pytest.param(bad, id=bad.id, marks=mark))
    return out


def test_there_are_enough_json_cases():
    assert len(JSON_CASES) >= 45


@pytest.mark.parametrize("bad", cases(BATCH_GAPS))
def test_a_bad_batch_row_gets_the_reason_check_gives(bad: Bad):
    row = decide_row(bad.raw, 0, BOOK, BatchOptions(today=TODAY))
    assert row["outcome"] is None
    assert row["error"] and "\n" not in row["error"]
    assert BATCH_WORDING.get(bad.id, bad.reason) in row["error"]
    assert bad.field is None or bad.field in row["error"]


def test_a_batch_of_every_bad_row_between_good_rows_decides_the_good_ones(tmp_path):
    lines = [line for bad in JSON_CASES if bad.id not in BATCH_GAPS for line in (bad.raw, GOOD)]
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stats = run_batch(src, dst, jobs=2, today=TODAY, chunk_rows=7)
    rows = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert [r["row"] for r in rows] == list(range(len(lines)))
    assert stats.errors == len(lines) // 2
    assert all(r["error"] for r in rows[0::2])
    assert all(r["error"] is None and r["outcome"] for r in rows[1::2])


@pytest.fixture(scope="module")
def http() -> TestClient:
    return TestClient(create_app(today=TODAY, limits=Limits(processes=0)))


def post(http: TestClient, raw: str) -> tuple[int, list[dict]]:
    response = http.post("/decide", content=raw.encode(), headers={"content-type": "application/json"})
    return response.status_code, response.json().get("error", {}).get("errors", [])


@pytest.mark.parametrize("bad", cases({}))
def test_the_service_names_the_same_field_with_a_4xx(http: TestClient, bad: Bad):
    status, errors = post(http, bad.raw)
    assert status in (400, 413, 422)  # 400: not the OpenAPI document's shape; 422: a rule it states
    assert errors and all("\n" not in (e["reason"] or "") for e in errors)
    field, reason = errors[0]["field"], errors[0]["reason"]
    # a check across fields comes back on the enclosing model, the field it blames leading the reason
    assert field == bad.field or (f"{field}.{reason}" if field else reason).startswith(f"{bad.field}: ")


def test_the_service_suggests_the_field_meant(http: TestClient):
    _, errors = post(http, '{"item": {"categry": "clothing"}}')
    assert "did you mean 'category'?" in errors[0]["reason"]


# -- replay: the same bad scenarios inside a case file ---------------------------------------------

CASE = ROOT / "cases" / "fountain-pen-ink-test.yaml"


def embeddable(bad: Bad) -> bool:
    try:
        json.loads(bad.raw, object_pairs_hook=_refuse_duplicates)
    except (ValueError, RecursionError):
        return False  # not data at all: a problem of the file, tested below
    return True


def _refuse_duplicates(pairs: list) -> dict:
    if len({k for k, _ in pairs}) != len(pairs):
        raise ValueError("duplicate key")
    return dict(pairs)


@pytest.mark.parametrize("bad", [b for b in JSON_CASES if embeddable(b)], ids=lambda b: b.id)
def test_replay_names_the_scenario_field_of_a_bad_case_file(bad: Bad, tmp_path, capsys):
    case = yaml.safe_load(CASE.read_text(encoding="utf-8"))
    case["scenario"] = json.loads(bad.raw)
    path = tmp_path / CASE.name
    path.write_text(yaml.safe_dump(case, allow_unicode=True), encoding="utf-8")
    code = main(["replay", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith(f"returnlaw: error: {path}: ") and err.count("\n") == 1
    assert bad.field is None or f"scenario.{bad.field}: " in err
    assert bad.reason in err


FILE_FAULTS = [b for b in BAD if b.field is None and not embeddable(b) and b.id != "too-large"]


@pytest.mark.parametrize("bad", FILE_FAULTS, ids=lambda b: b.id)
def test_replay_refuses_a_case_file_that_is_not_readable_data(bad: Bad, tmp_path, capsys):
    path = tmp_path / CASE.name
    path.write_bytes(bad.raw if isinstance(bad.raw, bytes) else bad.raw.encode())
    code = main(["replay", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith(f"returnlaw: error: {path}: ") and err.count("\n") == 1
