"""Issue 19.7: invisible and direction-overriding text: trimmed at the edges, refused when nothing is left,
and isolated with <bdi> wherever the console shows it."""
from __future__ import annotations

import re

import pytest

from app.cases.forms import trim, validate_case_form
from app.console.accounts import Role

from .test_console import CSRF, case_form, cheap_hashes, gen_case, gen_staff, kb, login, post  # noqa: F401

ZWSP, RLO, LRI, PDI, BOM = "\u200b", "\u202e", "\u2066", "\u2069", "\ufeff"


@pytest.mark.parametrize("subject", [ZWSP * 2, f" {ZWSP} {BOM}\u2060 ", RLO, f"{RLO}{ZWSP}", f"{LRI}{PDI}"])
def test_a_subject_of_only_invisible_characters_is_refused(subject):
    _, errors = validate_case_form(case_form(subject=subject, name=subject))
    assert errors["subject"] == "Enter a subject" and errors["name"] == "Enter your name"


def test_format_characters_at_the_edges_are_stripped_and_inner_ones_kept():
    clean, errors = validate_case_form(case_form(subject=f"{RLO}{ZWSP} Portal down {ZWSP}{RLO}",
                                                 description=f"{BOM}Line one\nfamily 👩\u200d👩\u200d👧{ZWSP}"))
    assert not errors
    assert clean["subject"] == "Portal down"
    assert clean["description"] == "Line one\nfamily 👩\u200d👩\u200d👧"  # the zero-width joiners inside stay
    assert trim(f"{ZWSP}a{ZWSP}b{RLO}") == f"a{ZWSP}b"


def test_the_api_refuses_an_invisible_subject(client, raiser):
    resp = client.post("/api/cases", json=case_form(subject=ZWSP * 2))
    assert resp.status_code == 400 and resp.get_json()["fields"]["subject"] == "Enter a subject"


def test_an_invisible_comment_is_refused_on_the_tracking_page(app, client):
    case, token = kb(app).cases.raise_case(validate_case_form(case_form())[0])
    with client.session_transaction() as session:
        session["_csrf"] = CSRF
    resp = client.post(f"/cases/{case.reference}/comments", data={"csrf_token": CSRF, "token": token,
                                                                  "body": f"{ZWSP}{RLO} {ZWSP}"})
    assert resp.status_code == 400 and "Enter your comment" in resp.text


def test_the_console_isolates_user_text_so_it_cannot_reverse_the_page(app, client):
    case = gen_case(app, subject=f"Invoice {RLO}gpj.exe", description=f"See {RLO}attached")
    login(client, gen_staff(app, Role.AGENT).email)
    post(client, f"/console/cases/{case.reference}/note", body=f"{RLO}note text")
    page = client.get(f"/console/cases/{case.reference}").text
    assert f"<bdi>Invoice {RLO}gpj.exe</bdi>" in page
    assert f"<bdi>See {RLO}attached</bdi>" in page
    assert "<bdi>note text</bdi>" in page  # the leading override was stripped, the rest isolated
    assert f"<bdi>Invoice {RLO}gpj.exe</bdi>" in client.get("/console/").text
    # every override a user typed sits inside a <bdi> on the page
    outside = re.sub(r"<bdi>.*?</bdi>", "", page, flags=re.S)
    assert RLO not in outside
