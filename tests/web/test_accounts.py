"""Participant accounts: register and sign in with a one-time code, my cases, organisation scoping, reopening,
auto-close, personal access tokens, and the case form's hand-over kept through sign-in."""
from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import FakeClock, gen_account, sign_in, use_token

CSRF = "test-csrf"
CASE = {
    "name": "Ada Lovelace", "party_id": "ADAPWR", "market_participant_id": "ADAP", "cra_market_role": "Supplier",
    "category": "DIP – Registration / General Portal", "scenario_id": "DIP-REG-01",
    "subject": "No DIP invitation link yet", "description": "We requested onboarding on the 3rd and have had nothing.",
}  # fmt: skip
ORGS = """name,party_id,market_participant_ids,roles
Ada Power Ltd,ADAPWR,ADAP;ADA2,Supplier
Babbage Networks,BABNET,BABN,LDSO|Supplier
"""


def kb(app):
    return app.extensions["kb"]


def mails(app) -> list[email.message.EmailMessage]:
    folder = Path(app.config["KB_OUTBOX_DIR"])
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for p in sorted(folder.glob("*.eml"))]


def last_code(app, to: str) -> str:
    for msg in reversed(mails(app)):
        if msg["To"] == to and (m := re.search(r"code is (\d{6})", msg.get_content())):
            return m.group(1)
    raise AssertionError(f"no code mailed to {to}")


@pytest.fixture
def csrf(client) -> str:
    with client.session_transaction() as session:
        session["_csrf"] = CSRF
    return CSRF


@pytest.fixture
def orgs(app, runner, tmp_path) -> None:
    path = tmp_path / "orgs.csv"
    path.write_text(ORGS, encoding="utf-8")
    result = runner.invoke(args=["org", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 organisation(s) added" in result.output


@pytest.fixture
def fake_time(app) -> FakeClock:
    """One clock for the accounts and the cases store, moved by hand."""
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    for store in (kb(app).accounts, kb(app).case_store, kb(app).outbox):
        store._clock = clock
    return clock


def register(client, csrf: str, action: str = "register", **overrides: Any):
    data = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com", "party_id": "ADAPWR",
            "accept": "on", "csrf_token": csrf, "action": action, **overrides}
    return client.post("/account/register", data=data)


def login(client, csrf: str, action: str = "sign_in", **fields: str):
    return client.post("/account/login", data={"csrf_token": csrf, "action": action, **fields})


# -- registration --------------------------------------------------------------------------------------------
def test_register_with_the_emailed_code_signs_in_and_links_the_organisation(client, app, csrf, orgs) -> None:
    sent = register(client, csrf, "get_code")
    assert sent.status_code == 200
    assert "We have sent a 6-digit code to grace@example.com" in sent.get_data(as_text=True)
    code = last_code(app, "grace@example.com")
    done = register(client, csrf, code=code, next="/account/tokens")
    assert done.status_code == 303 and done.headers["Location"].endswith("/account/tokens")
    account = kb(app).accounts.by_email("grace@example.com")
    assert account.name == "Grace Hopper" and account.organisation.name == "Ada Power Ltd"
    assert client.get("/account/cases").status_code == 200


def test_registration_needs_terms_a_known_party_id_or_an_unregistered_name(client, app, csrf, orgs) -> None:
    register(client, csrf, "get_code")
    code = last_code(app, "grace@example.com")
    refused = register(client, csrf, code=code, accept="", party_id="NOPE")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Confirm you have read the privacy policy" in html and "We do not know that Party ID" in html
    assert 'value="Grace"' in html  # nothing typed is lost
    ok = register(client, csrf, code=code, party_id="", no_party_id="on", unregistered_organisation="Hopper Energy")
    assert ok.status_code == 303
    account = kb(app).accounts.by_email("grace@example.com")
    assert account.organisation is None and account.unregistered_organisation == "Hopper Energy"


def test_organisation_search_by_name_or_party_id_without_javascript(client, csrf, orgs) -> None:
    for q in ("babbage", "BABNET"):
        html = register(client, csrf, "search", org_q=q, party_id="").get_data(as_text=True)
        assert "Babbage Networks (BABNET)" in html and "Ada Power" not in html


def test_a_wrong_code_an_expired_code_and_a_sixth_try_are_refused_alike(client, app, csrf, orgs, fake_time) -> None:
    register(client, csrf, "get_code")
    code = last_code(app, "grace@example.com")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        r = register(client, csrf, code=wrong)
        assert r.status_code == 400 and "That code is not right, or it has expired" in r.get_data(as_text=True)
    assert register(client, csrf, code=code).status_code == 400  # five tries used up: the right code is dead too
    register(client, csrf, "get_code")
    fake_time.advance(minutes=10, seconds=1)
    assert register(client, csrf, code=last_code(app, "grace@example.com")).status_code == 400  # expired
    register(client, csrf, "get_code")
    fake_time.advance(minutes=9)
    assert register(client, csrf, code=last_code(app, "grace@example.com")).status_code == 303


def test_a_new_code_replaces_the_previous_one(client, app, csrf, orgs) -> None:
    register(client, csrf, "get_code")
    first = last_code(app, "grace@example.com")
    register(client, csrf, "get_code")
    second = last_code(app, "grace@example.com")
    if first != second:
        assert register(client, csrf, code=first).status_code == 400
    assert register(client, csrf, code=second).status_code == 303


def test_codes_are_rate_limited_per_email_and_per_address(client, app, csrf, orgs) -> None:
    for _ in range(5):
        assert register(client, csrf, "get_code").status_code == 200
    limited = register(client, csrf, "get_code")
    assert limited.status_code == 429 and "Too many codes" in limited.get_data(as_text=True)
    assert len(mails(app)) == 5
    for i in range(14):  # other addresses, same client: 20 an hour from one address
        assert register(client, csrf, "get_code", email=f"user{i}@example.com").status_code == 200
    assert register(client, csrf, "get_code", email="last@example.com").status_code == 429


def test_messages_never_reveal_whether_an_email_is_registered(client, app, csrf, orgs) -> None:
    gen_account(app, "ada@example.com")
    known = register(client, csrf, "get_code", email="ada@example.com").get_data(as_text=True)
    unknown = register(client, csrf, "get_code", email="new@example.com").get_data(as_text=True)
    assert known.replace("ada@", "X@") == unknown.replace("new@", "X@")
    assert "already has an account" in mails(app)[0].get_content()  # only the owner of the address learns it
    known = login(client, csrf, "get_code", email="ada@example.com").get_data(as_text=True)
    unknown = login(client, csrf, "get_code", email="new@example.com").get_data(as_text=True)
    assert known.replace("ada@", "X@") == unknown.replace("new@", "X@")
    assert login(client, csrf, email="new@example.com", code="123456").get_data(as_text=True).replace(
        "new@", "X@") == login(client, csrf, email="ada@example.com", code="123456").get_data(as_text=True).replace(
        "ada@", "X@")


# -- sign in and out -----------------------------------------------------------------------------------------
def test_sign_in_with_a_fresh_code_and_sign_out_everywhere(app, csrf, client) -> None:
    account = gen_account(app, "ada@example.com")
    login(client, csrf, "get_code", email="ADA@example.com ")
    r = login(client, csrf, email="ada@example.com", code=last_code(app, "ada@example.com"))
    assert r.status_code == 303 and r.headers["Location"].endswith("/account/cases")
    other = app.test_client()
    sign_in(other, account)
    assert other.get("/account/cases").status_code == 200
    with client.session_transaction() as session:
        session["_csrf"] = CSRF
    client.post("/account/logout-everywhere", data={"csrf_token": CSRF})
    assert client.get("/account/cases").status_code == 302
    assert other.get("/account/cases").status_code == 302  # the other device is signed out too


def test_a_session_expires_after_inactivity(app, client) -> None:
    sign_in(client, gen_account(app))
    with client.session_transaction() as session:
        session["account_seen"] -= app.config["KB_SESSION_MINUTES"] * 60 + 1
    r = client.get("/account/cases")
    assert r.status_code == 302 and "/account/login" in r.headers["Location"]


def test_privacy_and_terms_pages_exist(client) -> None:
    assert "Privacy policy" in client.get("/privacy").get_data(as_text=True)
    assert "Terms and conditions" in client.get("/terms").get_data(as_text=True)


# -- raising a case needs an account -----------------------------------------------------------------------------
def test_raising_a_case_without_an_account_leads_to_sign_in_and_keeps_the_draft(app, client, csrf) -> None:
    handed = {"scenario": "DIP-CERT-02", "category": "Certificate Admin Reg & Vetting",
              "subject": "Certificate upload fails", "description": "x" * 5000}  # too big for a cookie
    r = client.get("/cases/form", query_string=handed)
    assert r.status_code == 302 and "/account/login" in r.headers["Location"]
    assert client.post("/api/cases", json=CASE).status_code == 401
    account = gen_account(app, "ada@example.com")
    sign_in(client, account)
    html = client.get("/cases/form").get_data(as_text=True)
    assert 'value="Certificate upload fails"' in html and "x" * 5000 in html
    assert 'value="Ada Lovelace"' in html and "ada@example.com" in html  # from the profile


def test_a_posted_hand_over_survives_registration(app, client, csrf, orgs) -> None:
    r = client.post("/cases/form", data={"csrf_token": csrf, "subject": "DTN down", "description": "since 9am",
                                         "category": "Choreography"})
    assert r.status_code == 302 and "next=/cases/form" in r.headers["Location"]
    register(client, csrf, "get_code")
    assert register(client, csrf, code=last_code(app, "grace@example.com"), next="/cases/form").status_code == 303
    html = client.get("/cases/form").get_data(as_text=True)
    assert 'value="DTN down"' in html and "since 9am" in html
    assert 'value="ADAPWR"' in html and 'value="ADAP"' in html and 'value="Supplier"' in html  # organisation


def test_the_form_raises_the_case_as_the_account_whatever_email_is_typed(app, client, csrf, raiser) -> None:
    r = client.post("/cases/form", data={**CASE, "email": "stranger@example.com", "url": "", "csrf_token": csrf,
                                         "action": "submit"})
    assert r.status_code == 303
    [case] = kb(app).case_store.list_for_account(raiser.id)
    assert case.email == "ada@example.com" and case.url is None
    assert mails(app)[-1]["To"] == "ada@example.com"


# -- my cases, the case page, organisation scoping ----------------------------------------------------------------
def raise_api(client, **overrides: Any) -> str:
    r = client.post("/api/cases", json={**CASE, **overrides})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["reference"]


def test_my_cases_lists_and_filters_with_status_and_sla(app, client, raiser) -> None:
    first = raise_api(client, subject="First")
    second = raise_api(client, subject="Second")
    kb(app).cases.change_status(first, _status("Resolved"), "agent", "Done")
    html = client.get("/account/cases").get_data(as_text=True)
    assert first in html and second in html and "P3" in html and "(In SLA)" in html
    assert first not in client.get("/account/cases?show=open").get_data(as_text=True)
    assert second not in client.get("/account/cases?show=resolved").get_data(as_text=True)


def _status(name: str):
    from app.cases import CaseStatus

    return CaseStatus(name)


def test_another_organisations_case_is_404_by_page_and_api(app, client, orgs) -> None:
    ada = gen_account(app, "ada@example.com", party_id="ADAPWR")
    use_token(app, client, ada)
    ref = raise_api(client)
    mallory = gen_account(app, "mallory@example.com", party_id="BABNET", org_admin=True)
    other = app.test_client()
    sign_in(other, mallory)
    use_token(app, other, mallory)
    assert other.get(f"/cases/{ref}").status_code == 404
    assert other.get(f"/api/cases/{ref}").status_code == 404
    assert other.get("/api/cases/CS9999999").get_data() == other.get(f"/api/cases/{ref}").get_data()
    with other.session_transaction() as session:
        session["_csrf"] = CSRF
    assert other.post(f"/cases/{ref}/comments", data={"csrf_token": CSRF, "body": "hi"}).status_code == 404
    assert other.post(f"/cases/{ref}/reopen", data={"csrf_token": CSRF, "reason": "x"}).status_code == 404
    assert other.get("/api/cases").get_json()["total"] == 0


def test_organisation_viewers_see_the_organisations_cases_once_their_admin_allows(app, client, orgs) -> None:
    ada = gen_account(app, "ada@example.com", party_id="ADAPWR")
    use_token(app, client, ada)
    ref = raise_api(client)
    admin = gen_account(app, "boss@example.com", party_id="ADAPWR", org_admin=True)
    colleague = gen_account(app, "col@example.com", party_id="ADAPWR")
    boss, col = app.test_client(), app.test_client()
    sign_in(boss, admin)
    sign_in(col, colleague)
    assert boss.get(f"/cases/{ref}").status_code == 200
    assert ref in boss.get("/account/cases?scope=organisation").get_data(as_text=True)
    assert col.get(f"/cases/{ref}").status_code == 404
    assert col.get("/account/organisation").status_code == 404  # only the admin manages it
    with boss.session_transaction() as session:
        session["_csrf"] = CSRF
    boss.post("/account/organisation", data={"csrf_token": CSRF, "member": colleague.id, "viewer": "yes"})
    assert col.get(f"/cases/{ref}").status_code == 200


def test_the_case_page_shows_history_linked_articles_and_takes_comments(app, client, csrf, raiser) -> None:
    ref = raise_api(client)
    case = kb(app).case_store.get_case_for_account(ref, raiser.id)
    kb(app).cases.reply_as_staff(ref, "Which environment?", "agent@example.com")
    kb(app).cases.add_note(ref, "secret internal note", "agent@example.com")
    kb(app).cases.change_status(ref, _status("Resolved"), "agent@example.com", "Invitation re-sent.")
    kb(app).console.link_articles(case.id, ["certificate-upload-fails"], "agent@example.com")
    html = client.get(f"/cases/{ref}").get_data(as_text=True)
    assert "Which environment?" in html and "Invitation re-sent." in html and "secret internal note" not in html
    assert 'href="/articles/certificate-upload-fails"' in html
    r = client.post(f"/cases/{ref}/comments", data={"csrf_token": csrf, "body": "Thanks, works now."})
    assert r.status_code == 303
    assert "Thanks, works now." in client.get(f"/cases/{ref}").get_data(as_text=True)
    body = mails(app)[-1].get_content()
    assert f"/cases/{ref}" in body and "token=" not in body


def test_reopen_within_ten_business_days_resumes_the_clock_and_flags_it(app, client, csrf, raiser, fake_time) -> None:
    ref = raise_api(client)
    due = kb(app).case_store.get_case_for_staff(ref).sla_due_at
    kb(app).cases.change_status(ref, _status("Resolved"), "agent", "Done")
    fake_time.advance(days=7)
    assert client.post(f"/cases/{ref}/reopen", data={"csrf_token": csrf, "reason": ""}).status_code == 400
    r = client.post(f"/cases/{ref}/reopen", data={"csrf_token": csrf, "reason": "Still broken."})
    assert r.status_code == 303
    case = kb(app).case_store.get_case_for_staff(ref)
    assert case.status == "In Progress" and case.reopened_at == fake_time.now and case.sla_due_at > due
    assert "Reopened" in mails(app)[-1]["Subject"]


def test_reopen_after_the_window_is_refused_and_the_case_closes_itself(app, client, csrf, raiser, fake_time) -> None:
    ref = raise_api(client)
    kb(app).cases.change_status(ref, _status("Resolved"), "agent", "Done")
    fake_time.advance(days=10)  # 10 calendar days are fewer than 10 business days
    assert kb(app).cases.close_expired_resolutions() == []
    fake_time.advance(days=5)
    r = client.post(f"/cases/{ref}/reopen", data={"csrf_token": csrf, "reason": "Still broken."})
    assert r.status_code == 409 and "can no longer be reopened" in r.get_data(as_text=True)
    assert kb(app).cases.close_expired_resolutions() == [ref]
    assert kb(app).case_store.get_case_for_staff(ref).status == "Closed"
    assert "Closed automatically" in client.get(f"/cases/{ref}").get_data(as_text=True)


def test_an_old_tracking_link_still_opens_a_case_raised_before_accounts(app, client, csrf) -> None:
    from app.cases.forms import validate_case_form

    clean, _ = validate_case_form({**CASE, "email": "old@example.com"})
    case, token = kb(app).case_store.create_case(clean)
    assert client.get(f"/cases/{case.reference}?token={token}").status_code == 200
    assert client.get(f"/api/cases/{case.reference}?token={token}").status_code == 200
    r = client.post(f"/cases/{case.reference}/comments", data={"csrf_token": csrf, "token": token, "body": "Hi"})
    assert r.status_code == 303
    assert client.get(f"/cases/{case.reference}").status_code == 302  # no token, no session: sign in


def test_a_case_link_without_a_session_signs_in_with_a_code_then_opens_the_case(app, client, csrf, raiser) -> None:
    ref = raise_api(client)
    anonymous = app.test_client()
    with anonymous.session_transaction() as session:
        session["_csrf"] = CSRF
    r = anonymous.get(f"/cases/{ref}")
    assert r.status_code == 302 and f"next=/cases/{ref}" in r.headers["Location"]
    login(anonymous, CSRF, "get_code", email="ada@example.com")
    r = login(anonymous, CSRF, email="ada@example.com", code=last_code(app, "ada@example.com"), next=f"/cases/{ref}")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/cases/{ref}")
    assert anonymous.get(f"/cases/{ref}").status_code == 200


def test_track_a_case_sends_the_case_page_for_a_case_with_an_account(app, client, csrf, raiser) -> None:
    ref = raise_api(client)
    client.post("/cases/link", data={"csrf_token": csrf, "reference": ref, "email": "ada@example.com"})
    mail = mails(app)[-1]
    assert "Link to your case" in mail["Subject"] and "token=" not in mail.get_content()


# -- tokens and the API -----------------------------------------------------------------------------------------
def test_tokens_are_shown_once_stored_hashed_used_and_revoked(app, client, csrf) -> None:
    from sqlalchemy import select

    from app.accounts.models import AccessTokenRow

    account = gen_account(app)
    sign_in(client, account)
    html = client.post("/account/tokens", data={"csrf_token": csrf, "name": "nightly export"}).get_data(as_text=True)
    secret = re.search(r'<code class="token">(kb_[^<]+)</code>', html).group(1)
    page = client.get("/account/tokens")
    assert secret not in page.get_data(as_text=True) and page.headers["Cache-Control"] == "no-store"
    with kb(app).accounts._read() as s:
        stored = s.scalars(select(AccessTokenRow)).one()
    assert secret not in stored.token_hash and len(stored.token_hash) == 64
    api = app.test_client()
    auth = {"Authorization": f"Bearer {secret}"}
    assert api.post("/api/cases", json=CASE, headers=auth).status_code == 201
    listed = api.get("/api/cases", headers=auth).get_json()
    assert listed["total"] == 1 and api.get(f"/api/cases/{listed['cases'][0]['reference']}", headers=auth).is_json
    assert "Never" not in client.get("/account/tokens").get_data(as_text=True)  # last used is shown
    client.post(f"/account/tokens/{stored.id}/revoke", data={"csrf_token": csrf})
    refused = api.get("/api/cases", headers=auth)
    assert refused.status_code == 401 and refused.get_json()["error"]


def test_the_api_needs_a_token_and_accepts_empty_optional_fields(app, client) -> None:
    for method, path in (("post", "/api/cases"), ("get", "/api/cases"), ("get", "/api/cases/CS0000001")):
        r = getattr(client, method)(path, json=CASE) if method == "post" else client.get(path)
        assert r.status_code == 401 and set(r.get_json()) >= {"error"}
    use_token(app, client, gen_account(app))
    r = client.post("/api/cases", json={**CASE, "url": "", "subcategory": "", "organisation": ""})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["tracking_url"].endswith(f"/cases/{r.get_json()['reference']}")


def test_account_cli_adds_accounts_and_prints_tokens(app, runner, orgs) -> None:
    r = runner.invoke(args=["account", "add", "ops@example.com", "--first-name", "Op", "--last-name", "Erator",
                            "--party-id", "adapwr", "--org-admin"])
    assert r.exit_code == 0 and "Ada Power Ltd, organisation admin" in r.output
    bad = runner.invoke(args=["account", "add", "x@example.com", "--first-name", "X", "--last-name", "Y",
                              "--party-id", "NOPE"])
    assert bad.exit_code != 0 and "--party-id" in bad.output
    token = runner.invoke(args=["account", "token", "ops@example.com", "--name", "script"]).output.strip()
    assert kb(app).accounts.authenticate_token(token).email == "ops@example.com"
    assert runner.invoke(args=["account", "token", "who@example.com"]).exit_code != 0


def test_org_import_names_the_line_of_a_bad_row(runner, tmp_path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("name,party_id,market_participant_ids,roles\nGood,GOOD,,\n,NONAME,,\n", encoding="utf-8")
    r = runner.invoke(args=["org", "import", str(path)])
    assert r.exit_code != 0 and f"{path}:3: name is empty" in r.output
