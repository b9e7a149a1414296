"""The HTTP service, through real HTTP on 127.0.0.1: decisions, audits, rules, OpenAPI from the same
models, structured errors for malformed and oversize bodies."""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Iterator

import pytest

httpx = pytest.importorskip("httpx")
uvicorn = pytest.importorskip("uvicorn")

from returnlaw import decide_json  # noqa: E402
from returnlaw.server_contract import API_VERSION, REQUEST_EXAMPLES  # noqa: E402
from returnlaw.server_limits import Limits  # noqa: E402
from tests.http_servers import running  # noqa: E402
from tests.lawcases import load_cases  # noqa: E402

LIMIT = 64_000
TODAY = dt.date(2026, 1, 1)
TIMEOUT = httpx.Timeout(10.0)
JSON = {"content-type": "application/json"}
BODY_TIMEOUT = 0.5


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running(Limits(max_body=LIMIT, body_timeout=BODY_TIMEOUT, processes=1), TODAY) as url:
        yield url


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=TIMEOUT) as client:
        yield client


def errors(response) -> list[dict]:
    body = response.json()
    assert set(body) == {"error"} and body["error"]["status"] == response.status_code
    return body["error"]["errors"]


CASES = load_cases()


def scenario_json(i: int = 0) -> str:
    data = CASES[i].data
    return json.dumps(data, default=lambda v: v.isoformat() if isinstance(v, dt.date) else str(v))


def test_decide_returns_the_same_decision_as_the_library(http):
    body = scenario_json()
    response = http.post("/decide", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert response.json() == json.loads(decide_json(body))


def test_decide_takes_readings_and_as_of_as_query_parameters(http):
    body = scenario_json()
    response = http.post("/decide?as_of=2013-01-01&counting=calendar_only", content=body, headers=JSON)
    decision = response.json()
    assert decision["outcome"] == "out_of_scope" and decision["as_of"] == "2013-01-01"
    assert decision["readings"]["counting"] == "calendar_only"
    bad = http.post("/decide?counting=lunar", content=body, headers=JSON)
    assert bad.status_code == 400 and errors(bad)[0]["field"] == "counting"


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("as-of=2013-01-01", "as-of", "unknown query parameter; did you mean 'as_of'?"),
        ("as_of=2013-01-01&as_of=2024-08-01", "as_of", "given 2 times"),
        ("counting=civil_code&lang=zh", "lang", "unknown query parameter; allowed: as_of, burden_of_proof"),
    ],
)
def test_a_query_parameter_not_declared_or_given_twice_is_refused(http, query, field, words):
    """As in a body: a typo must not silently decide under another law, and a repeat is ambiguous."""
    response = http.post(f"/decide?{query}", content=scenario_json(), headers=JSON)
    assert response.status_code == 400
    assert errors(response)[0]["field"] == field and words in errors(response)[0]["reason"]


@pytest.mark.parametrize("value", ["0", "20240801", "2024-8-1", "2024-02-30", "2024-08-01T00:00"])
def test_query_dates_are_read_as_strictly_as_body_dates(http, value):
    response = http.post(f"/decide?as_of={value}", content=scenario_json(), headers=JSON)
    assert response.status_code == 400
    assert errors(response)[0]["field"] == "as_of"


@pytest.mark.parametrize(
    ("body", "status", "field", "words"),
    [
        (b'{"purchase": {"date": "2024-08-01"', 400, None, "invalid JSON"),
        (b"", 400, None, "a JSON body is required"),
        (b"[1, 2, 3]", 400, None, "expected a mapping of fields, got a list"),
        (b'{"item": {"custom_made": "yes"}}', 400, "item.custom_made", "expected true or false, got 'yes'"),
        (b'{"itme": {}}', 400, "itme", "unknown field; did you mean 'item'?"),
        (b'{"purchase": {"date": "2026-03-01"}}', 422, "purchase.date", "in the future"),
        (
            b'{"purchase": {"date": "2024-08-10"}, "delivery": {"signed_at": "2024-08-01"}}',
            422,
            "delivery.signed_at",
            "is before purchase.date",
        ),
        (
            b'{"conduct": {"return_history": {"orders": 1, "returns": 2}}}',
            422,
            "conduct.return_history.returns",
            "more than orders",
        ),
        (b"\x80{}", 400, None, "not UTF-8"),
        (b"[" * 5000, 400, None, "nested too deeply"),
        (b'{"purchase": {"date": "2024-08-01"}, "purchase": {}}', 400, None, "given twice"),
        (b'{"payment": {"amount_paid": 1' + b"0" * 100 + b"}}", 400, "payment.amount_paid", "too long"),
        (b'{"payment": {"amount_paid": 1.005}}', 400, "payment.amount_paid", "decimal"),
    ],
)
def test_malformed_bodies_get_field_and_reason(http, body, status, field, words):
    """400: the body does not match the OpenAPI document; 422: it does, but a stated rule refuses it."""
    response = http.post("/decide", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status
    first = errors(response)[0]
    assert first["field"] == field
    assert words in first["reason"]


def test_unknown_paths_and_methods_get_the_same_error_shape(http):
    assert errors(http.get("/nowhere"))[0]["reason"] == "Not Found"
    assert http.get("/decide").status_code == 405 and errors(http.get("/decide"))[0]["field"] is None


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/decide", {"POST"}),  # HEAD and OPTIONS are not served either
        ("/audit/listing", {"POST"}),
        ("/audit/timeline", {"POST"}),
        ("/rules", {"GET"}),
        ("/rules/cpl-25-1-1-custom-made", {"GET"}),
        ("/health", {"GET"}),
    ],
)
def test_a_405_names_the_allowed_methods(http, path, allowed):
    """RFC 9110 15.5.6: a 405 carries Allow."""
    for method in ("TRACE", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"):
        response = http.request(method, path)
        assert response.status_code == 405
        assert {m.strip() for m in response.headers["allow"].split(",")} == allowed


def test_a_body_not_sent_as_json_is_refused_with_the_reason(http):
    response = http.post("/decide", content=scenario_json(), headers={"content-type": "text/plain"})
    assert response.status_code == 415
    assert "application/json" in errors(response)[0]["reason"]


def test_every_problem_is_listed(http):
    response = http.post("/decide", json={"item": {"custom_made": 1, "perishable": "no"}, "buyer": {"purpos": 1}})
    assert response.status_code == 400
    assert {e["field"] for e in errors(response)} == {"item.custom_made", "item.perishable", "buyer.purpos"}


def test_an_oversize_body_is_refused_by_its_length(http):
    response = http.post("/decide", content=b"{" + b" " * LIMIT + b"}", headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert str(LIMIT) in errors(response)[0]["reason"]


def test_an_oversize_streamed_body_is_refused_while_it_arrives(http):
    def chunks() -> Iterator[bytes]:
        yield b'{"item": {"description": "'
        for _ in range(100):
            yield b"x" * 1000
        yield b'"}}'

    response = http.post("/decide", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "passed" in errors(response)[0]["reason"]


def test_a_streamed_body_under_the_limit_is_decided(http):
    body = scenario_json().encode()
    response = http.post(
        "/decide", content=iter([body[:100], body[100:]]), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200 and response.json()["outcome"] == "returnable"


def test_audit_listing(http):
    listing = REQUEST_EXAMPLES["/audit/listing"]["value"]  # a bag marked not returnable at the page bottom
    audit = http.post("/audit/listing", json=listing).json()
    assert audit["compliant"] is False
    assert {f["code"] for f in audit["penalties"]} == {"penalty_over_broad_exclusion", "penalty_marking_not_prominent"}
    bad = http.post("/audit/listing", json={**listing, "marking": {"shown": True, "placement": "top"}})
    assert bad.status_code == 400 and errors(bad)[0]["field"] == "marking.placement"
    contradiction = {**listing, "marking": {"shown": True, "placement": "title", "prominent": False}}
    refused = http.post("/audit/listing", json=contradiction)
    assert refused.status_code == 422 and errors(refused)[0]["field"] == "marking.prominent"
    in_store = http.post("/audit/listing", json={**listing, "channel": "in_store"})
    assert in_store.status_code == 400 and errors(in_store)[0]["field"] == "channel"


def test_audit_timeline(http):
    events = {
        "purchase_date": "2024-08-01",
        "signed_at": "2024-08-03",
        "notice_sent_at": "2024-08-05",
        "address_given_at": "2024-08-06",
        "received_by_seller_at": "2024-08-09",
    }
    audit = http.post("/audit/timeline", json={"events": events, "today": "2024-08-30"}).json()
    assert audit["penalty_thresholds_crossed"] == ["penalty_refund"]
    assert audit["assumed_outcome"] == "returnable"
    late = http.post("/audit/timeline", json={"events": {**events, "refunded_at": "2024-09-30"}, "today": "2024-09-01"})
    assert late.status_code == 422 and errors(late)[0]["field"] == "refunded_at"


def test_rules(http):
    rules = http.get("/rules").json()
    assert any(r["id"] == "cpl-25-1-1-custom-made" for r in rules)
    rule = http.get("/rules/cpl-25-1-1-custom-made").json()
    assert rule["when"] == {"fact": "item.custom_made", "is": True}
    assert rule["citations"][0]["zh"].startswith("（一）消费者定作的")
    missing = http.get("/rules/no-such-rule")
    assert missing.status_code == 404 and errors(missing)[0]["field"] == "rule_id"


def test_openapi_is_generated_from_the_library_models(http):
    spec = http.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for name in ("Scenario", "Decision", "ProductListing", "ListingAudit", "TimelineAudit", "ErrorResponse"):
        assert name in schemas
    decide = spec["paths"]["/decide"]["post"]
    assert decide["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/Scenario")
    assert decide["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Decision")
    assert decide["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")


def test_openapi_json_serves_the_finished_versioned_document(http):
    spec = http.get("/openapi.json").json()
    assert spec["info"]["version"] == API_VERSION
    assert "422" in spec["info"]["description"] and "HTTPValidationError" not in spec["components"]["schemas"]
    decide = spec["paths"]["/decide"]["post"]
    assert {"400", "408", "413", "415", "422", "500", "503"} <= set(decide["responses"])
    example = decide["responses"]["400"]["content"]["application/json"]["example"]
    assert set(example["error"]) == {"status", "errors", "omitted"}


@pytest.mark.parametrize("path", sorted(REQUEST_EXAMPLES))
def test_the_request_examples_of_the_document_are_decided(http, path):
    response = http.post(path, json=REQUEST_EXAMPLES[path]["value"])
    assert response.status_code == 200, response.text


def test_a_stalled_body_times_out_and_does_not_block_others(base_url):
    """A raw socket announces 50 bytes and sends one: other requests are served meanwhile, and the
    stalled one gets 408 after the body timeout."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall(
            b"POST /decide HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"
        )
        with httpx.Client(base_url=base_url, timeout=TIMEOUT) as other:
            assert other.get("/rules").status_code == 200
        answer = b""
        while b"}}" not in answer:  # the headers and the JSON body may arrive in separate packets
            chunk = raw.recv(4096)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"did not arrive within" in answer
