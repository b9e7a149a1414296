"""The HTTP service's published contract: the OpenAPI document, finished and versioned.

FastAPI derives the document from the library's pydantic models. What pydantic cannot say is added
here, from the same sources the service enforces it with: the size and shape limits of the reader
(``returnlaw.inputs``) and of the service (:class:`Limits`), the exact text forms of amounts and
date-times, the zh/en label of every allowed value (``questions.yaml``, ``value_labels.yaml``), the
rules a schema-valid request may still be refused by (422), and links for clients that walk the API.

``API_VERSION`` versions the document: a snapshot of each version is kept in
``tests/data/openapi-<version>.json`` and a test fails when the document changes without a new version.
``/docs`` serves Swagger UI from the installed ``fastapi-offline`` package, never from a CDN.
"""

from __future__ import annotations

import datetime as dt
import enum
import typing
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import yaml
from fastapi import FastAPI
from pydantic import BaseModel

from .inputs import MAX_DEPTH, MAX_DIGITS, MAX_NODES
from .questions import choice_labels, default_wording
from .scenario import Channel, Scenario
from .server_errors import MAX_PROBLEMS
from .server_limits import Limits

API_VERSION = "1.0"

# The text forms the service reads (returnlaw.scenario.parse_moment), within RFC 3339's date-time.
DATE_TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:[0-5]\d(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"
# The form the service writes: China time (UTC+8) without an offset, as the decision JSON has it.
LOCAL_TIME = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$",
    "description": "China time (UTC+8), written without an offset",
}

# The rules a request that matches the document may still be refused by (422).
RULES_422 = (
    "an event (purchase, signing, notice, shipping, receipt, refund) more than one day after `today` "
    "(the request's `today`, else the service's date): it has not happened yet",
    "events in an impossible order (signing before the purchase, the seller receiving the goods before "
    "they were shipped, ...), or `conduct.return_history.returns` more than its `orders`",
    "a listing whose `marking.prominent` contradicts its `marking.placement`",
    "`today` (or a listing's `as_of`) after 9999-12-30, or a date so close to 0001-01-01 or 9999-12-31 "
    "that its deadlines (or its China time) fall off the calendar",
)


def finish_openapi(app: FastAPI, limits: Limits, bodies: list[type[BaseModel]], answers: list[type[BaseModel]]) -> None:
    """Make ``app.openapi()`` return the finished document (built once); ``bodies``: the request
    models, ``answers``: the response models."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = finished(build(), limits, bodies, answers)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def finished(
    doc: dict[str, Any], limits: Limits, bodies: list[type[BaseModel]], answers: list[type[BaseModel]]
) -> dict[str, Any]:
    schemas = doc["components"]["schemas"]
    doc["info"]["description"] = _description(limits)
    for operation in _operations(doc):
        if "requestBody" in operation:
            operation["requestBody"]["description"] = _body_limits(limits)
        else:  # FastAPI's 422 for a path parameter: a rule id is any text, and an unknown one is 404
            operation["responses"].pop("422", None)
    for name in ("HTTPValidationError", "ValidationError"):  # FastAPI's own error shape: never sent
        schemas.pop(name, None)
    _state_amounts_and_times(schemas, bodies)
    _state_local_times(schemas, answers)
    _label_values(schemas, bodies)
    _listing_channels(schemas)
    _link_rules(doc)
    _request_examples(doc)
    return doc


def _operations(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in doc["paths"].values():
        yield from item.values()


def _description(limits: Limits) -> str:
    rules = "\n".join(f"  - {rule};" for rule in RULES_422)
    return f"""\
Decisions under the PRC seven-day no-reason return law (七日无理由退货), each citing the provisions
it rests on. Bodies are JSON (`Content-Type: application/json`); every field of a scenario may be
omitted, and an omitted fact is unknown.

**Errors** all have one shape: `{{"error": {{"status", "errors": [{{"field", "reason"}}], "omitted"}}}}`;
`field` is the dotted path of the field at fault (null for the request as a whole). At most
{MAX_PROBLEMS} problems are listed, `omitted` counts the rest; long texts are clipped.
- **400**: the request does not match this document.
- **422**: it matches this document, but one of these rules refuses it (each problem names its field):
{rules}
- **404** unknown path or rule, **405** undeclared method (with `Allow`), **408** the body did not
  arrive within {limits.body_timeout:g} s, **413** a body over {limits.max_body} bytes, **415** a body not
  sent as `application/json`, **503** more than {limits.concurrency} requests in progress (retry after
  `Retry-After` seconds), **500** a fault of the service.

**Query parameters** are only those declared; an unknown one (`as-of` for `as_of`) or one given
twice is refused (400), as an unknown or repeated key in a body is.

**Dates** are `YYYY-MM-DD` (never a number); signing and the notice may carry a time,
`YYYY-MM-DDTHH:MM:SS[.ffffff]` with `Z` or an offset, read as China time (UTC+8).

**Version**: this document's `info.version` changes whenever the contract does; pin it (see
docs/platform.md)."""


def _body_limits(limits: Limits) -> str:
    return (
        f"At most {limits.max_body} bytes (else 413), sent within {limits.body_timeout:g} s (else 408); "
        f"at most {MAX_DEPTH} levels of nesting, {MAX_NODES} values in all, {MAX_DIGITS} digits in a "
        "number, and no key given twice in one object (else 400)."
    )


# -- amounts and date-times ------------------------------------------------------------------------


def _state_amounts_and_times(schemas: dict[str, Any], bodies: list[type[BaseModel]]) -> None:
    """Amounts have at most two decimal places; date-times are the RFC 3339 forms the service reads."""
    for model, name, field in _fields(*bodies):
        prop = schemas.get(model.__name__, {}).get("properties", {}).get(name)
        if prop is None:
            continue
        decimal = _decimal_constraints(field)
        for branch in prop.get("anyOf", [prop]):
            if decimal and branch.get("type") == "number":
                branch["multipleOf"] = 0.01
            elif decimal and branch.get("type") == "string":
                branch["pattern"] = _amount_pattern(decimal)
            elif branch.get("format") == "date-time":
                branch["pattern"] = DATE_TIME_PATTERN


def _state_local_times(schemas: dict[str, Any], answers: list[type[BaseModel]]) -> None:
    """Times in responses are China time without an offset, which RFC 3339's date-time is not."""
    for model, name, field in _fields(*answers):
        prop = schemas.get(model.__name__, {}).get("properties", {}).get(name)
        if prop is None or not _has_type(field.annotation, dt.datetime):
            continue
        branches = prop.get("anyOf", [prop])
        for i, branch in enumerate(branches):
            if branch.get("format") == "date-time":
                branches[i] = dict(LOCAL_TIME)


def _fields(*models: type[BaseModel]) -> Iterator[tuple[type[BaseModel], str, Any]]:
    """Every (model, field name as sent, field) reachable from ``models``."""
    seen: set[type[BaseModel]] = set()
    todo = list(models)
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for name, field in current.model_fields.items():
            yield current, field.alias or name, field
            todo.extend(_models_in(field.annotation))


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def _decimal_constraints(field: Any) -> dict[str, Any] | None:
    """The ``le`` and ``decimal_places`` of a Decimal field (``Money``, also inside ``| None``), else None."""
    if not _has_type(field.annotation, Decimal):
        return None
    found: dict[str, Any] = {}
    for meta in _metadata(field):
        for key in ("le", "decimal_places"):
            if getattr(meta, key, None) is not None:
                found[key] = getattr(meta, key)
    return found


def _metadata(field: Any) -> list[Any]:
    """A field's constraints: its own, or those of an ``Annotated`` type inside its union."""
    found = list(field.metadata)
    for arg in typing.get_args(field.annotation):
        inner = getattr(arg, "__metadata__", ())
        found += [m for info in inner for m in (getattr(info, "metadata", None) or [info])]
    return found


def _has_type(annotation: Any, kind: type) -> bool:
    if annotation is kind:
        return True
    origin = getattr(annotation, "__origin__", None)
    return origin is kind or any(_has_type(a, kind) for a in typing.get_args(annotation))


def _amount_pattern(decimal: dict[str, Any]) -> str:
    whole = len(str(int(decimal.get("le", Decimal("1e12"))))) - 1  # 1e12: up to 12 digits, or 1e12 itself
    places = decimal.get("decimal_places", 2)
    return rf"^(\d{{1,{whole}}}(\.\d{{1,{places}}})?|1{'0' * whole}(\.0{{1,{places}}})?)$"


# -- labels of allowed values ------------------------------------------------------------------------


@cache
def value_labels() -> dict[str, dict[str, dict[str, str]]]:
    """{schema name: {value: {zh, en}}}: ``value_labels.yaml``, and the choices of the scenario's facts."""
    text = resources.files("returnlaw").joinpath("value_labels.yaml").read_text(encoding="utf-8")
    labels: dict[str, dict[str, dict[str, str]]] = yaml.safe_load(text)
    wording = default_wording()
    for _, name, field in _fields(Scenario):
        kind = _enum_in(field.annotation)
        if kind is None:
            continue
        for path, entry in wording.facts.items():
            worded = entry.kind in ("choice", "choices") and path.endswith(f".{name}")
            if worded and set(entry.choices) == {m.value for m in kind}:
                labels[kind.__name__] = {
                    v: {"zh": lab.zh, "en": lab.en} for v, lab in choice_labels(wording, path).items()
                }
    return labels


def _enum_in(annotation: Any) -> type[enum.Enum] | None:
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return annotation
    return next((e for a in typing.get_args(annotation) if (e := _enum_in(a))), None)


def _label_values(schemas: dict[str, Any], bodies: list[type[BaseModel]]) -> None:
    labels = value_labels()
    kinds = {kind.__name__ for _, _, field in _fields(*bodies) if (kind := _enum_in(field.annotation))}
    missing = kinds - set(labels)
    if missing:  # every allowed value is labelled: a new value set needs its words first
        raise ValueError(f"no zh/en labels for {sorted(missing)}: add them to returnlaw/value_labels.yaml")
    for name in kinds:
        schemas[name]["description"] = _labelled(schemas[name]["enum"], labels[name])


def _labelled(values: list[str], labels: dict[str, dict[str, str]]) -> str:
    return "\n".join(f"- `{v}`: {labels[v]['zh']} / {labels[v]['en']}" for v in values)


def _listing_channels(schemas: dict[str, Any]) -> None:
    """A listing audit is for distance sales: the listing's channel excludes ``in_store``."""
    prop = schemas["ProductListing"]["properties"]["channel"]
    allowed = [c.value for c in Channel if c is not Channel.IN_STORE]
    labels = value_labels()["Channel"]
    schemas["ProductListing"]["properties"]["channel"] = {
        "type": "string",
        "enum": allowed,
        "default": prop.get("default", "online"),
        "description": "a distance sale\n" + _labelled(allowed, labels),
    }


def _link_rules(doc: dict[str, Any]) -> None:
    """``GET /rules`` lists ids that ``GET /rules/{rule_id}`` opens (for clients and stateful tests)."""
    target = doc["paths"]["/rules/{rule_id}"]["get"]["operationId"]
    ok = doc["paths"]["/rules"]["get"]["responses"]["200"]
    ok["links"] = {
        "OneRule": {
            "operationId": target,
            "parameters": {"rule_id": "$response.body#/0/id"},
            "description": "the first rule listed, in full",
        }
    }


# Requests as a platform sends them: shown in /docs, and sent by schemathesis's examples phase.
REQUEST_EXAMPLES: dict[str, dict[str, Any]] = {
    "/decide": {
        "summary": "a made-to-measure suit (定作西装), no promise covers it",
        "value": {
            "purchase": {"date": "2023-05-06", "channel": "online"},
            "seller": {"is_operator": True},
            "buyer": {"purpose": "personal_consumption"},
            "item": {"subject": "goods", "category": "clothing", "custom_made": True, "defect_claimed": False},
            "listing": {"statutory_exclusion_labelled": True, "marked_not_returnable": True},
            "promise": {"covers_excluded_goods": False},
            "delivery": {"signed_at": "2023-05-20"},
            "return": {"notice_sent_at": "2023-05-22"},
        },
    },
    "/audit/listing": {
        "summary": "a bag marked not returnable at the bottom of the page",
        "value": {
            "id": "bag-1",
            "as_of": "2024-08-01",
            "category": "bags",
            "statutory_natures": [],
            "exclusion_nature": "none",
            "marking": {"shown": True, "placement": "page_bottom"},
            "confirmation": {"step": "none"},
            "promise": {},
        },
    },
    "/audit/timeline": {
        "summary": "goods received back on 9 August, no refund by 30 August",
        "value": {
            "events": {
                "purchase_date": "2024-08-01",
                "signed_at": "2024-08-03T10:00:00+08:00",
                "notice_sent_at": "2024-08-05",
                "address_given_at": "2024-08-06",
                "received_by_seller_at": "2024-08-09",
            },
            "today": "2024-08-30",
        },
    },
}


def _request_examples(doc: dict[str, Any]) -> None:
    for path, example in REQUEST_EXAMPLES.items():
        doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["examples"] = {"example": example}


# -- /docs without a CDN -----------------------------------------------------------------------------


def offline_docs(app: FastAPI) -> None:
    """Swagger UI at ``/docs`` from the assets of the installed ``fastapi-offline`` package."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles

    assets = resources.files("fastapi_offline") / "static"
    app.mount("/docs-assets", StaticFiles(directory=str(assets)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="returnlaw - Swagger UI",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon.png",
        )
