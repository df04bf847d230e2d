"""The case form of section 4.2: field table, server-side validation and cleaning.

``validate_case_form`` takes what a browser or JSON client sent and returns the cleaned values plus
one message per field at fault; the caller re-shows the form with everything typed kept.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from app.cases.routing import (
    DRAFT_FIELDS,
    Routing,
    category_kind,
    derive_routing,
    draft_disagreements,
    subcategories,
)
from app.servicemodel import LEVELS, ServiceModel, load_service_model

__all__ = ["FIELDS", "FieldSpec", "Routing", "derive_routing", "parse_bool", "trim", "validate_case_form"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    max_length: int
    multiline: bool = False
    hint: str = ""


#: Every text field of the form, in order, with its label and length limit (templates use this too).
FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("name", "Your name", 200),
    FieldSpec("email", "Email address", 254, hint="We send the case reference and updates here."),
    FieldSpec("organisation", "Organisation name/Party ID", 200,
              hint="Your organisation's name, or its Party ID: a Party ID typed here fills Party ID."),
    FieldSpec("party_id", "Party ID", 40, hint="Your company's Party ID."),
    FieldSpec("unregistered_organisation", "Unregistered Organisation name", 200),
    FieldSpec("market_participant_id", "Market Participant ID", 40),
    FieldSpec("cra_market_role", "CRA Market Role", 100, hint="For example Supplier or LDSO."),
    FieldSpec("category", "Category", 150),
    FieldSpec("subcategory", "Subcategory", 200),
    FieldSpec("subject", "Subject", 200, hint="A short summary of the issue or request."),
    FieldSpec("description", "Description", 10_000, multiline=True),
    FieldSpec("url", "URL of related page or document", 2000),
)
FIELD_BY_NAME = {f.name: f for f in FIELDS}
CHECKBOXES = ("no_party_id", "no_organisation_name", "no_market_participant_id")
_TRUE = {"1", "on", "true", "yes", "y"}

_EMAIL = re.compile(
    r"^(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})$"
)
_IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _./-]*$")
_SCENARIO_ID = re.compile(r"^(?:DIP-[A-Z]+-\d{2}|SR-\d{2})$")


def parse_bool(value: Any) -> bool:
    """Checkbox values from HTML ('on') or JSON (true)."""
    if isinstance(value, bool):
        return value
    return isinstance(value, str | int) and str(value).strip().lower() in _TRUE


def _invisible(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) == "Cf"


def trim(text: str) -> str:
    """``text`` without whitespace or format characters (zero-width spaces, direction overrides such as
    U+202E) at either end: what is left is what a reader sees; empty when nothing visible was typed."""
    start, end = 0, len(text)
    while start < end and _invisible(text[start]):
        start += 1
    while end > start and _invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def _clean_text(value: Any, *, multiline: bool) -> str:
    """Strip, drop control characters; single-line fields also fold newlines into spaces."""
    if value is None:
        return ""
    # No Unicode normalisation: cleaning must never make a value longer than the client sent it.
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = text.replace("\n", " ").replace("\t", " ")
    keep = "\n\t" if multiline else ""
    text = "".join(ch for ch in text if ch in keep or unicodedata.category(ch) not in ("Cc", "Cs"))
    if not multiline:
        text = " ".join(text.split())
    return trim(text)


def is_valid_email(value: str) -> bool:
    """Dot-atom local part @ a domain with a TLD; the API's JSON Schema states the same pattern."""
    return _EMAIL.match(value) is not None


def is_valid_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in value)


def validate_case_form(
    data: Mapping[str, Any], model: ServiceModel | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """(clean values, {field: message}); the case can be created only when the errors are empty."""
    model = model or load_service_model()
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {spec.name: _clean_text(data.get(spec.name), multiline=spec.multiline) for spec in FIELDS}
    for spec in FIELDS:
        if len(clean[spec.name]) > spec.max_length:
            errors[spec.name] = f"{spec.label} must be {spec.max_length:,} characters or fewer"
    for box in CHECKBOXES:
        clean[box] = parse_bool(data.get(box))

    _check_requester(clean, errors)
    _check_organisation(clean, errors)
    _check_request(data, clean, errors, model)
    _check_links(data, clean, errors, model)

    for name in DRAFT_FIELDS:  # the assistant's draft, compared with the routing, never trusted
        clean[f"draft_{name}"] = _clean_text(data.get(name), multiline=False)[:100] or None
    routing = None if errors.keys() & {"category", "scenario_id", "impact", "urgency"} else derive_routing(clean, model)
    if routing is not None:
        clean["scenario_id"] = routing.scenario_id
        if routing.subcategory and not clean["subcategory"]:
            clean["subcategory"] = routing.subcategory
        draft_disagreements(clean, routing)
    clean["routing"] = routing
    # Empty optional text is stored as NULL.
    for name in (
        "organisation",
        "party_id",
        "unregistered_organisation",
        "market_participant_id",
        "subcategory",
        "url",
    ):
        clean[name] = clean[name] or None
    return clean, errors


def _check_requester(clean: dict[str, Any], errors: dict[str, str]) -> None:
    if not clean["name"]:
        errors.setdefault("name", "Enter your name")
    if not clean["email"]:
        errors.setdefault("email", "Enter your email address")
    elif not is_valid_email(clean["email"]):
        errors.setdefault("email", "Enter an email address in the correct format, like name@example.com")


def _check_organisation(clean: dict[str, Any], errors: dict[str, str]) -> None:
    # "Organisation name/Party ID" holding a Party ID (one word in capitals or digits, like "BGAS" or
    # "ELEX-01"), with the Party ID box left empty, fills it; an organisation's name ("Octopus Energy") does not.
    organisation = clean["organisation"]
    if not clean["party_id"] and not clean["no_party_id"] and len(organisation.split()) == 1 \
            and _IDENT.match(organisation) and organisation == organisation.upper():
        clean["party_id"] = organisation
    # A value typed wins over a tick left on: the tick means "I have none".
    if clean["party_id"]:
        clean["no_party_id"] = False
        if not _IDENT.match(clean["party_id"]):
            errors.setdefault("party_id", "Party ID can only contain letters, numbers, spaces and - _ . /")
        clean["unregistered_organisation"], clean["no_organisation_name"] = "", False
    elif not clean["no_party_id"]:
        errors.setdefault("party_id", "Enter your Party ID, or tick 'I do not have a Party ID'")
    else:
        if clean["unregistered_organisation"]:
            clean["no_organisation_name"] = False
        elif not clean["no_organisation_name"]:
            errors.setdefault(
                "unregistered_organisation",
                "Enter your organisation's name, or tick 'I do not have an Organisation name'",
            )
    if clean["market_participant_id"]:
        clean["no_market_participant_id"] = False
        if not _IDENT.match(clean["market_participant_id"]):
            errors.setdefault(
                "market_participant_id", "Market Participant ID can only contain letters, numbers, spaces and - _ . /"
            )
    elif not clean["no_market_participant_id"]:
        errors.setdefault(
            "market_participant_id", "Enter your Market Participant ID, or tick 'I do not have Market Participant ID'"
        )
    if not clean["cra_market_role"]:
        errors.setdefault("cra_market_role", "Enter your CRA Market Role")


def _check_request(data: Mapping[str, Any], clean: dict[str, Any], errors: dict[str, str], model: ServiceModel) -> None:
    category = clean["category"]
    kind = category_kind(category, model) if category else None
    if not category:
        errors.setdefault("category", "Choose what your request is about")
    elif kind is None:
        errors.setdefault("category", "Choose a category from the list")
    elif kind == "incident" and clean["subcategory"] and clean["subcategory"] not in subcategories(category, model):
        errors.setdefault("subcategory", "Choose a subcategory that belongs to the chosen category")
    if not clean["subject"]:
        errors.setdefault("subject", "Enter a subject")
    if not clean["description"]:
        errors.setdefault("description", "Describe the issue or request")
    if clean["url"] and "url" not in errors and not is_valid_url(clean["url"]):
        errors["url"] = "Enter a web address starting with http:// or https://"
    for name in ("impact", "urgency"):
        raw = _clean_text(data.get(name), multiline=False)
        clean[name] = None
        if raw:
            if raw.capitalize() in LEVELS:
                clean[name] = raw.capitalize()
            else:
                errors[name] = f"Choose {name} High, Medium or Low"


def _check_links(data: Mapping[str, Any], clean: dict[str, Any], errors: dict[str, str], model: ServiceModel) -> None:
    """Hidden fields carried over from the assistant or the 'Raise a case' doors."""
    sid = _clean_text(data.get("scenario_id") or data.get("scenario") or data.get("sr"), multiline=False)
    clean["scenario_id"] = sid.upper() or None
    if clean["scenario_id"] and not _SCENARIO_ID.match(clean["scenario_id"]):
        errors["scenario_id"] = "Unknown scenario or service request id"
    elif (
        clean["scenario_id"]
        and clean["scenario_id"] not in model.scenarios
        and clean["scenario_id"] not in model.service_requests
    ):
        errors["scenario_id"] = "Unknown scenario or service request id"
    cid = _clean_text(data.get("conversation_id"), multiline=False)
    clean["conversation_id"] = None
    if cid:
        try:
            clean["conversation_id"] = str(uuid.UUID(cid))
        except ValueError:
            errors["conversation_id"] = "Unknown conversation"
