"""JSON API for cases: POST /api/cases, GET /api/cases and GET /api/cases/<reference> with a personal access token
(`Authorization: Bearer ...`); GET /api/cases/<reference>?token= keeps working for cases raised before accounts."""

from __future__ import annotations

import unicodedata
from typing import Any

import jsonschema_rs
from flask import Blueprint, jsonify, request, url_for

from app.cases import CaseNotFound
from app.cases.forms import FIELD_BY_NAME, FIELDS, validate_case_form
from app.cases.records import Case
from app.cases.routing import known_categories, subcategories
from app.servicemodel import LEVELS, load_service_model
from app.web.account_auth import bearer_account
from app.web.cases import allowed, case_view, private, raisers_case, retry_after
from app.web.deps import services
from app.web.jsonbody import json_object
from app.web.openapi import register_paths

bp = Blueprint("cases_api", __name__, url_prefix="/api/cases")


UNAUTHORISED = "Send a personal access token as 'Authorization: Bearer <token>' (create one at /account/tokens)."


def _error(message: str, status: int, fields: dict[str, str] | None = None):
    return jsonify({"error": message, "fields": fields or {}}), status


def _unauthorised():
    resp, status = _error(UNAUTHORISED, 401)
    resp.headers["WWW-Authenticate"] = 'Bearer realm="MHHS Service Desk"'
    return resp, status


def case_url(reference: str) -> str:
    """The case page, from KB_BASE_URL (as in the emails), never from the request's Host header."""
    notifier = services().cases.notifier
    return notifier.case_url(reference) if notifier else url_for("cases.track", reference=reference)


def case_summary(case: Case) -> dict[str, Any]:
    view = case_view(case)
    return {
        "reference": case.reference,
        "url": case_url(case.reference),
        "status": case.status.value,
        "subject": case.subject,
        "priority": case.priority,
        "sla_due": case.sla_due_at.isoformat(),
        "sla_state": view["sla_state"],
        "updated_at": case.updated_at.isoformat(),
    }


def case_json(case: Case) -> dict[str, Any]:
    view = case_view(case)
    return {
        "reference": case.reference,
        "status": case.status.value,
        "type": case.type,
        "category": case.category,
        "subcategory": case.subcategory,
        "subject": case.subject,
        "description": case.description,
        "report_to": case.report_to,
        "priority": case.priority,
        "scenario_id": case.scenario_id,
        "created_at": case.created_at.isoformat(),
        "sla_due": case.sla_due_at.isoformat(),
        "sla_target": view["target"],
        "sla_state": view["sla_state"],
        "history": [
            {
                "kind": e.kind.value,
                "author": e.author_kind.value,
                "body": e.body,
                "status": e.to_status.value if e.to_status else None,
                "created_at": e.created_at.isoformat(),
            }
            for e in case.events
        ],
    }


@bp.post("")
def create():
    """Raise a case from the form's fields as JSON, as the token's account (whose email receives the updates)."""
    account = bearer_account()
    if account is None:
        return _unauthorised()
    if not request.is_json:
        return _error("Send the case as JSON (Content-Type: application/json).", 415)
    data = json_object()
    data = {k: v for k, v in data.items() if v != "" or k in REQUIRED}  # an empty optional field is not given
    errors = schema_errors(data)
    if errors:
        return _error("Some fields need attention.", 400, errors)
    # The rules the schema cannot state alone; mail goes to the token's account, whose address was verified.
    clean, errors = validate_case_form({**data, "email": account.email}, services().model)
    if errors:
        return _error("Some fields need attention.", 400, errors)
    if not allowed("case-create"):
        resp, status = _error("Too many cases from your network in the last hour. Please try again later.", 429)
        resp.headers["Retry-After"] = str(retry_after("case-create"))
        return resp, status
    case, _ = services().cases.raise_case({**clean, "account_id": account.id,
                                           "organisation_id": account.organisation_id})
    body = {
        "reference": case.reference,
        "tracking_url": case_url(case.reference),
        "status": case.status.value,
        "priority": case.priority,
        "sla_due": case.sla_due_at.isoformat(),
        "type": case.type,
        "report_to": case.report_to,
        "sla_target": case_view(case)["target"],
    }
    resp = jsonify(body)
    resp.status_code = 201
    resp.headers["Location"] = body["tracking_url"]
    return private(resp)


@bp.get("")
def list_cases():
    """The token owner's cases (and their organisation's, when they may see them), latest update first."""
    account = bearer_account()
    if account is None:
        return _unauthorised()
    found = services().case_store.list_for_account(*account.scope)
    return private(jsonify({"total": len(found), "cases": [case_summary(c) for c in found]}))


@bp.get("/<reference>")
def read(reference: str):
    """The case for its raiser's token (or their organisation's); 404 for someone else's case exactly as for a
    missing one. ?token= still opens a case raised before accounts."""
    token = request.args.get("token", "")
    account = None if token else bearer_account()
    if not token and account is None:
        return _unauthorised()
    try:
        if account is not None:
            case = services().case_store.get_case_for_account(reference, *account.scope)
        else:
            case = raisers_case(reference, token)  # wrong tokens count against the client
    except CaseNotFound:
        return _error("No such case.", 404)
    return private(jsonify(case_json(case)))


_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}


def _format_chars() -> str:
    """The format characters (Cf) of the Basic Multilingual Plane as regex ranges: the server trims them."""
    cf = [c for c in range(0x10000) if unicodedata.category(chr(c)) == "Cf"]
    ranges: list[list[int]] = []
    for c in cf:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return "".join(f"\\u{a:04x}" + (f"-\\u{b:04x}" if b > a else "") for a, b in ranges)


#: At least one visible character (what the server's cleaning leaves non-empty).
_VISIBLE = f"[^\\s\\x00-\\x1f\\x7f-\\x9f{_format_chars()}]"
_IDENT = "^([A-Za-z0-9][A-Za-z0-9 _./-]*)?$"
_ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_EMAIL = f"^{_ATOM}(\\.{_ATOM})*@([A-Za-z0-9]([A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?\\.)+[A-Za-z]{{2,63}}$"
_URL = "^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9.-]+(:[0-9]{1,5})?([/?#][^\\s]*)?$"
_UUID = "^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$"
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": _STR, "fields": {"type": "object", "additionalProperties": _STR}},
}


REQUIRED = ("name", "cra_market_role", "category", "subject", "description")


def _case_input() -> dict[str, Any]:
    """The case form as JSON Schema, as strict as the server: schema-valid input is accepted."""
    model = load_service_model()
    spec = {f.name: f for f in FIELDS}

    def text(name: str, pattern: str | None = None) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "maxLength": spec[name].max_length}
        if pattern:
            schema["pattern"] = pattern
        return schema

    levels = {"enum": list(LEVELS)}
    subcategory_rules = [
        {"if": {"required": ["category"], "properties": {"category": {"const": category}}},
         "then": {"properties": {"subcategory": {"enum": ["", *subcategories(category, model)]}}}}
        for category in dict.fromkeys(c.category for c in model.incident_categories.values())
    ]  # fmt: skip
    return {
        "type": "object",
        "required": list(REQUIRED),
        "properties": {
            "name": text("name", _VISIBLE),
            "email": {**text("email", f"^$|{_EMAIL}"),
                      "description": "Ignored: mail goes to the token's account, whose address was verified"},
            "organisation": text("organisation"),
            "party_id": text("party_id", _IDENT),
            "no_party_id": {"type": "boolean"},
            "unregistered_organisation": text("unregistered_organisation"),
            "no_organisation_name": {"type": "boolean"},
            "market_participant_id": text("market_participant_id", _IDENT),
            "no_market_participant_id": {"type": "boolean"},
            "cra_market_role": text("cra_market_role", _VISIBLE),
            "category": {"enum": known_categories(model)},
            "subcategory": text("subcategory"),
            "subject": text("subject", _VISIBLE),
            "description": text("description", _VISIBLE),
            "url": text("url", f"^$|{_URL}"),
            "impact": {**levels, "description": "Section 6.3 impact; Medium when not given"},
            "urgency": {**levels, "description": "Section 6.3 urgency; Medium when not given"},
            "scenario_id": {"enum": ["", *model.scenarios, *model.service_requests],
                            "description": "DIP-... scenario or SR-... service request id"},
            "conversation_id": {"type": "string", "pattern": _UUID,
                                "description": "The assistant conversation that led here"},
            **{name: {"type": "string", "maxLength": 100, "description": "Assistant draft; the server derives its own"}
               for name in ("type", "report_to", "priority")},
        },
        "additionalProperties": False,
        "allOf": [
            {"anyOf": [  # Party ID, or no Party ID and an unregistered name, or no name either
                {"required": ["party_id"], "properties": {"party_id": {"minLength": 1}}},
                {"required": ["no_party_id", "unregistered_organisation"],
                 "properties": {"no_party_id": {"const": True}, "unregistered_organisation": {"pattern": _VISIBLE}}},
                {"required": ["no_party_id", "no_organisation_name"],
                 "properties": {"no_party_id": {"const": True}, "no_organisation_name": {"const": True}}},
            ]},
            {"anyOf": [
                {"required": ["market_participant_id"], "properties": {"market_participant_id": {"minLength": 1}}},
                {"required": ["no_market_participant_id"], "properties": {"no_market_participant_id": {"const": True}}},
            ]},
            *subcategory_rules,
        ],
    }  # fmt: skip


CASE_INPUT = _case_input()
_VALIDATOR = jsonschema_rs.validator_for(CASE_INPUT)
#: Messages for a field that is missing or has no visible text (the HTML form says the same).
_MISSING = {
    "name": "Enter your name",
    "email": "Enter your email address",
    "cra_market_role": "Enter your CRA Market Role",
    "category": "Choose what your request is about",
    "subject": "Enter a subject",
    "description": "Describe the issue or request",
    "party_id": "Enter your Party ID, or set no_party_id and give unregistered_organisation or no_organisation_name",
    "market_participant_id": "Enter your Market Participant ID, or set no_market_participant_id",
}
_FORMAT = {
    "email": "Enter an email address in the correct format, like name@example.com",
    "url": "Enter a web address starting with http:// or https://",
    "party_id": "Party ID can only contain letters, numbers, spaces and - _ . /",
    "market_participant_id": "Market Participant ID can only contain letters, numbers, spaces and - _ . /",
    "conversation_id": "Unknown conversation",
}


def schema_errors(data: dict[str, Any]) -> dict[str, str]:
    """The body checked against CASE_INPUT (the published schema itself): {field: message}."""
    errors: dict[str, str] = {}
    for error in _VALIDATOR.iter_errors(data):
        kind = error.kind
        path = list(error.instance_path)
        schema_path = [str(p) for p in error.schema_path]
        if kind.name == "additionalProperties":
            for name in kind.unexpected[:20]:
                errors.setdefault(str(name)[:50], "Unknown field")
            continue
        if kind.name == "required":
            field = str(kind.property)
        elif "anyOf" in schema_path:  # the organisation rules
            field = "party_id" if schema_path[:2] == ["allOf", "0"] else "market_participant_id"
            errors.setdefault(field, _MISSING[field])
            continue
        elif path:
            field = str(path[0])
        else:
            errors.setdefault("_body", "The request body must be a JSON object")
            continue
        if kind.name == "type":
            message = "Must be true or false" if field.startswith("no_") else "Must be a string"
        elif kind.name == "maxLength":
            spec = FIELD_BY_NAME.get(field)
            message = f"{spec.label if spec else field} must be {kind.limit:,} characters or fewer"
        elif kind.name in ("enum", "const"):
            message = "Choose one of the listed values"
        elif kind.name in ("required", "minLength") or (kind.name == "pattern" and field not in _FORMAT):
            message = _MISSING.get(field, "Required")
        else:
            message = _FORMAT.get(field, "Not valid")
        errors.setdefault(field, message)
    return errors


CASE_CREATED = {
    "type": "object",
    "required": ["reference", "tracking_url", "status", "priority", "sla_due"],
    "properties": {
        "reference": {"type": "string", "pattern": "^CS[0-9]{7,}$"},
        "tracking_url": _STR,
        "status": _STR,
        "priority": {"enum": ["P1", "P2", "P3", "P4"]},
        "sla_due": {"type": "string", "format": "date-time"},
        "type": _STR,
        "report_to": _STR,
        "sla_target": _STR,
    },
}
CASE = {
    "type": "object",
    "required": ["reference", "status", "priority", "sla_due", "sla_state", "history"],
    "properties": {
        "reference": _STR, "status": _STR, "type": _STR, "category": _STR, "subcategory": _NSTR,
        "subject": _STR, "description": _STR, "report_to": _STR, "priority": _STR, "scenario_id": _NSTR,
        "created_at": _STR, "sla_due": _STR, "sla_target": _STR,
        "sla_state": {"enum": ["In SLA", "Nearly breached", "Breached", "Paused", "Met"]},
        "history": {"type": "array", "items": {"type": "object", "properties": {
            "kind": _STR, "author": _STR, "body": _STR, "status": _NSTR, "created_at": _STR}}},
    },
}  # fmt: skip


def _resp(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


CASE_SUMMARY = {
    "type": "object",
    "required": ["reference", "url", "status", "subject", "priority", "sla_due", "sla_state", "updated_at"],
    "properties": {"reference": _STR, "url": _STR, "status": _STR, "subject": _STR, "priority": _STR,
                   "sla_due": _STR, "sla_state": _STR, "updated_at": _STR},
}
BEARER = [{"bearer": []}]
_UNAUTHORISED = {"401": _resp(ERROR, "No personal access token, or a revoked one")}
_REFERENCE = {"name": "reference", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 20}}

register_paths(
    {
        "/api/cases": {
            "post": {
                "summary": "Raise a case (the case form as JSON) as the token's account; routing and priority are "
                           "derived on the server. An empty optional field counts as not given.",
                "security": BEARER,
                "requestBody": {"required": True, "content": {"application/json": {"schema": CASE_INPUT}}},
                "responses": {
                    "201": _resp(CASE_CREATED, "Case created; tracking_url is its case page"),
                    "400": _resp(ERROR, "Invalid input, with a message per field"),
                    **_UNAUTHORISED,
                    "415": _resp(ERROR, "Body is not JSON"),
                    "429": _resp(ERROR, "Too many cases from this client"),
                },
            },
            "get": {
                "summary": "The token owner's cases (and their organisation's, for organisation viewers)",
                "security": BEARER,
                "responses": {
                    "200": _resp({"type": "object", "required": ["total", "cases"], "properties": {
                        "total": {"type": "integer"}, "cases": {"type": "array", "items": CASE_SUMMARY}}},
                        "The cases, latest update first"),
                    **_UNAUTHORISED,
                },
            },
        },
        "/api/cases/{reference}": {
            "get": {
                "summary": "A case as its raiser sees it: with a personal access token, or the tracking token of a "
                           "case raised before accounts",
                "security": [*BEARER, {}],
                "parameters": [
                    _REFERENCE,
                    {"name": "token", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 100},
                     "description": "Tracking token of a case raised before accounts"},
                ],
                "responses": {
                    "200": _resp(CASE, "The case"),
                    **_UNAUTHORISED,
                    "404": _resp(ERROR, "No such case, or not one this token (or tracking token) may see"),
                    "429": _resp(ERROR, "Too many wrong references or tokens from this client"),
                },
            }
        },
    }
)
