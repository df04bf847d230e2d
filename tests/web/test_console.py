"""The staff console through the test client: sign-in, sessions, roles, the queue, resolving, reports."""
from __future__ import annotations

import csv
import io
import logging
import re
import time
from typing import Any

import pytest
from sqlalchemy import text

from app.cases import CaseStatus, Turn
from app.console.accounts import Role
from app.web import auth

PASSWORD = "correct horse battery"
CSRF = "test-csrf"
DIP_REG = "DIP – Registration / General Portal"
XSS = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'


def kb(app):
    return app.extensions["kb"]


def case_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Ada Lovelace", "email": "ada@example.com", "party_id": "ADAPWR", "market_participant_id": "ADAP",
        "cra_market_role": "Supplier", "category": DIP_REG, "scenario_id": "DIP-REG-01",
        "subject": "No DIP invitation link yet",
        "description": "We requested onboarding on the 3rd and have had nothing.",
    }
    data.update(overrides)
    return data


def gen_case(app, **overrides: Any):
    case, _ = kb(app).cases.raise_case(case_form(**overrides))
    return case


def gen_staff(app, role: Role | str = Role.AGENT, email: str | None = None):
    return kb(app).staff.add(email or f"{Role(role).value}@example.com", role, PASSWORD)


def set_csrf(client) -> str:
    with client.session_transaction() as session:
        session["_csrf"] = CSRF
    return CSRF


def login(client, email: str, password: str = PASSWORD, **extra: str):
    set_csrf(client)
    resp = client.post("/console/login", data={"email": email, "password": password, "csrf_token": CSRF, **extra})
    set_csrf(client)  # signing in starts a fresh session (and CSRF token)
    return resp


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    """scrypt at a low work factor: the tests are about behaviour, not the hash's cost."""
    monkeypatch.setattr("app.console.accounts.HASH_METHOD", "scrypt:1024:8:1")


@pytest.fixture
def agent(app, client):
    staff = gen_staff(app, Role.AGENT)
    assert login(client, staff.email).status_code == 302
    return staff


@pytest.fixture
def manager(app, client):
    staff = gen_staff(app, Role.KNOWLEDGE_MANAGER)
    assert login(client, staff.email).status_code == 302
    return staff


@pytest.fixture
def admin(app, client):
    staff = gen_staff(app, Role.ADMIN)
    assert login(client, staff.email).status_code == 302
    return staff


def post(client, path: str, **data: Any):
    return client.post(path, data={"csrf_token": CSRF, **data})


def outbox(app) -> list[str]:
    from pathlib import Path

    return [p.read_text(encoding="utf-8") for p in sorted(Path(app.config["KB_OUTBOX_DIR"]).glob("*.eml"))]


# -- signing in ---------------------------------------------------------------------------------------
def test_login_page_has_a_csrf_field_and_labelled_inputs(client):
    page = client.get("/console/login").text
    assert 'name="csrf_token"' in page
    assert '<label for="login-email">' in page and '<label for="login-password">' in page


def test_signs_in_and_lands_on_the_queue(app, client):
    staff = gen_staff(app)
    resp = login(client, staff.email)
    assert resp.status_code == 302 and resp.location == "/console/"
    assert "Case queue" in client.get("/console/").text
    assert "Console" in client.get("/").text  # the staff link in the site header


def test_wrong_password_is_refused_with_one_message_and_no_session(app, client):
    staff = gen_staff(app)
    resp = login(client, staff.email, "not the password")
    assert resp.status_code == 401
    assert "do not match an active staff account" in resp.text
    assert client.get("/console/").status_code == 302


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(app, client):
    staff = gen_staff(app)
    first = client.get("/console/reports/sla")
    assert first.location == "/console/login?next=/console/reports/sla"
    assert login(client, staff.email, next="/console/reports/sla").location == "/console/reports/sla"
    client.post("/console/logout", data={"csrf_token": CSRF})
    for evil in ("//evil.example/console", "https://evil.example/console/", "/\\evil.example", "/articles/x"):
        assert login(client, staff.email, next=evil).location == "/console/"
        client.post("/console/logout", data={"csrf_token": CSRF})


def test_login_form_needs_the_csrf_token(app, client):
    staff = gen_staff(app)
    assert client.post("/console/login", data={"email": staff.email, "password": PASSWORD}).status_code == 400


def test_failed_logins_are_throttled_and_logged(app, client, caplog):
    staff = gen_staff(app)
    with caplog.at_level(logging.WARNING):
        for _ in range(5):
            assert login(client, staff.email, "a wrong password").status_code == 401
        resp = login(client, staff.email)  # even the right password is refused now
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) > 0 and "Too many failed sign-in attempts" in resp.text
    assert "staff login throttled" in caplog.text and "a wrong password" not in caplog.text


def test_sessions_expire_after_inactivity(app, client, agent):
    assert client.get("/console/").status_code == 200
    with client.session_transaction() as session:
        session["staff_seen"] = int(time.time()) - app.config["KB_SESSION_MINUTES"] * 60 - 5
    resp = client.get("/console/")
    assert resp.status_code == 302 and resp.location.startswith("/console/login")
    assert "Your session expired" in client.get(resp.location).text
    assert client.get("/console/").status_code == 302  # and it stays ended


def test_activity_keeps_the_session_alive(app, client, agent, monkeypatch):
    start = time.time()
    minutes = app.config["KB_SESSION_MINUTES"]
    for step in range(1, 4):  # three visits, each just inside the idle limit of the one before
        monkeypatch.setattr(auth, "_now", lambda step=step: start + step * (minutes * 60 - 10))
        assert client.get("/console/").status_code == 200


def test_sessions_end_after_the_absolute_limit_however_active(app, client, agent, monkeypatch):
    monkeypatch.setattr(auth, "_now", lambda: time.time() + auth.MAX_SESSION_HOURS * 3600 + 1)
    with client.session_transaction() as session:
        session["staff_seen"] = int(auth._now())
    assert client.get("/console/").status_code == 302


def test_sign_out_kills_the_cookie_even_if_someone_kept_a_copy(app, client, agent):
    with client.session_transaction() as session:
        stolen = dict(session)
    assert post(client, "/console/logout").location == "/console/login"
    assert client.get("/console/").status_code == 302
    with client.session_transaction() as session:
        session.update(stolen)
    assert client.get("/console/").status_code == 302


def test_deactivating_staff_ends_their_session(app, client, agent):
    kb(app).staff.set_active(agent.id, False)
    assert client.get("/console/").status_code == 302


# -- deny by default ----------------------------------------------------------------------------------
SAMPLE_ARGS = {"reference": "CS0000001", "staff_id": 1, "key": "abc123"}
EXEMPT = {"auth.login", "auth.logout"}


def console_rules(app):
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/console") and r.endpoint not in EXEMPT]


def test_every_console_route_refuses_anonymous_requests(app, client):
    gen_case(app)
    rules = console_rules(app)
    assert len(rules) >= 20
    set_csrf(client)
    for rule in rules:
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<{name}>", str(SAMPLE_ARGS[name])).replace(f"<int:{name}>", str(SAMPLE_ARGS[name]))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = client.open(url, method=method, data={"csrf_token": CSRF})
            assert resp.status_code == 302, (method, url, resp.status_code)
            assert resp.location.startswith("/console/login"), (method, url)


def test_every_console_view_declares_the_roles_it_allows(app):
    for rule in console_rules(app):
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "kb_roles", None), f"{rule.endpoint} has no @require_role"


def test_logout_of_nobody_just_goes_to_the_login_page(client):
    set_csrf(client)
    assert post(client, "/console/logout").location == "/console/login"


# -- roles ---------------------------------------------------------------------------------------------
def test_an_agent_cannot_do_admin_things(app, client, agent):
    assert client.get("/console/staff").status_code == 403
    resp = post(client, "/console/staff", email="mole@example.com", role="admin", password=PASSWORD, confirm=PASSWORD)
    assert resp.status_code == 403
    assert kb(app).staff.by_email("mole@example.com") is None
    other = gen_staff(app, Role.ADMIN, "boss@example.com")
    assert post(client, f"/console/staff/{other.id}/active", active="no").status_code == 403
    assert kb(app).staff.get(other.id).active


def test_an_agent_works_cases_but_does_not_see_knowledge_reports(app, client, agent):
    assert client.get("/console/reports/sla").status_code == 200
    for path in ("/console/reports/gaps", "/console/reports/kcs", "/console/reports/deflection.csv",
                 "/console/reports/articles"):
        assert client.get(path).status_code == 403, path
    index = client.get("/console/reports/").text
    assert "Knowledge gaps" not in index and "SLA compliance" in index


def test_a_knowledge_manager_reads_cases_and_reports_but_cannot_work_cases(app, client, manager):
    case = gen_case(app)
    page = client.get(f"/console/cases/{case.reference}").text
    assert case.subject in page and "Resolve case" not in page
    assert post(client, f"/console/cases/{case.reference}/resolve", resolution="done").status_code == 403
    assert post(client, f"/console/cases/{case.reference}/reply", body="hello").status_code == 403
    assert client.get("/console/reports/gaps").status_code == 200
    assert client.get("/console/staff").status_code == 403


def test_an_admin_manages_staff(app, client, admin):
    page = client.get("/console/staff").text
    assert admin.email in page and 'name="csrf_token"' in page
    resp = post(client, "/console/staff", email="New@Example.com", role="agent", password=PASSWORD, confirm=PASSWORD)
    assert resp.status_code == 302
    new = kb(app).staff.by_email("new@example.com")
    assert new.role is Role.AGENT
    assert post(client, f"/console/staff/{new.id}/active", active="no").status_code == 302
    assert not kb(app).staff.get(new.id).active
    assert post(client, f"/console/staff/{admin.id}/active", active="no").status_code == 409


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "x@example.com", "role": "agent", "password": "short", "confirm": "short"}, "at least 12"),
        ({"email": "x@example.com", "role": "agent", "password": PASSWORD, "confirm": "different one"}, "differ"),
        ({"email": "nope", "role": "agent", "password": PASSWORD, "confirm": PASSWORD}, "valid email"),
        ({"email": "x@example.com", "role": "owner", "password": PASSWORD, "confirm": PASSWORD}, "Role must be"),
    ],
)
def test_adding_staff_explains_what_is_wrong(client, admin, data, message):
    resp = post(client, "/console/staff", **data)
    assert resp.status_code == 400 and message in resp.text


# -- the queue ----------------------------------------------------------------------------------------
def _force(app, reference: str, **columns: Any) -> None:
    sets = ", ".join(f"{k} = :{k}" for k in columns)
    with kb(app).case_store.engine.begin() as conn:
        conn.execute(text(f"UPDATE cases SET {sets} WHERE reference = :ref"), {**columns, "ref": reference})


def refs(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/console/cases/(CS\d+)"', page)


def test_queue_filters_sorts_by_sla_and_flags_breaches(app, client, agent):
    from datetime import datetime, timedelta

    p3 = gen_case(app)
    p4 = gen_case(app, category="Service Users", scenario_id="SR-01", subject="Bulk upload")
    breached = gen_case(app, subject="Late one")
    _force(app, breached.reference, sla_due_at=(datetime.utcnow() - timedelta(hours=1)), priority="P2")
    kb(app).case_store.assign(p4.reference, "St Clements")
    closed = gen_case(app, subject="Done already")
    kb(app).cases.change_status(closed.reference, CaseStatus.CLOSED, "agent@example.com")

    page = client.get("/console/").text
    assert refs(page) == [breached.reference, p3.reference, p4.reference]  # open ones, soonest due first
    assert 'class="row-breached"' in page and "Breached</span>" in page
    assert re.search(r'<span class="n">1</span> Closed', page) and re.search(r'<span class="n">1</span> Breached', page)
    assert refs(client.get("/console/?priority=P4").text) == [p4.reference]
    assert refs(client.get("/console/?group=St+Clements").text) == [p4.reference]
    assert refs(client.get("/console/?category=Service+Users").text) == [p4.reference]
    assert refs(client.get("/console/?sla=Breached").text) == [breached.reference]
    assert refs(client.get("/console/?status=Closed").text) == [closed.reference]
    assert len(refs(client.get("/console/?status=all").text)) == 4
    assert refs(client.get("/console/?q=bulk").text) == [p4.reference]
    assert len(refs(client.get("/console/?priority=P9&status=nonsense").text)) == 3  # bad filters are ignored


# -- the case page ------------------------------------------------------------------------------------
def test_case_page_shows_what_the_raiser_gave_and_the_conversation(app, client, agent):
    store = kb(app).case_store
    conv = store.save_turn(None, Turn("My webhook gets nothing", "self_help", None, ("webhook-not-working",), 0.8))
    store.set_feedback(conv.id, "no")
    case = gen_case(app, conversation_id=conv.id, url="https://example.com/doc")
    page = client.get(f"/console/cases/{case.reference}").text
    for expected in ("Ada Lovelace", "ada@example.com", "ADAPWR", "ADAP", "Supplier", DIP_REG, case.description,
                     "My webhook gets nothing", "Webhook not receiving DIP messages", "self help",
                     '"Did this solve it?": No', 'href="https://example.com/doc"', "DIP Manager"):
        assert expected in page, expected
    assert client.get("/console/cases/CS9999999").status_code == 404


def test_status_changes_replies_and_notes(app, client, agent):
    case = gen_case(app)
    sent = len(outbox(app))
    resp = post(client, f"/console/cases/{case.reference}/status", status="In Progress", note="Looking now")
    assert resp.status_code == 302
    assert kb(app).case_store.get_case_for_staff(case.reference).status is CaseStatus.IN_PROGRESS
    assert post(client, f"/console/cases/{case.reference}/reply", body="Please send the logs").status_code == 302
    assert post(client, f"/console/cases/{case.reference}/note", body="Suspect the DCP").status_code == 302
    mails = outbox(app)[sent:]
    assert len(mails) == 2 and "In Progress" in mails[0] and "Please send the logs" in mails[1]
    assert not any("Suspect the DCP" in m for m in mails)
    page = client.get(f"/console/cases/{case.reference}").text
    assert "Suspect the DCP" in page and "Internal" in page
    assert post(client, f"/console/cases/{case.reference}/status", status="New").status_code == 409
    assert post(client, f"/console/cases/{case.reference}/status", status="Resolved").status_code == 400
    assert post(client, f"/console/cases/{case.reference}/reply", body="  ").status_code == 400


def test_assigns_only_resolver_groups_from_the_service_model(app, client, agent):
    case = gen_case(app)
    assert post(client, f"/console/cases/{case.reference}/assign", group="Made-up team").status_code == 400
    assert post(client, f"/console/cases/{case.reference}/assign", group="DIP Monitoring Team").status_code == 302
    assert kb(app).case_store.get_case_for_staff(case.reference).resolver_group == "DIP Monitoring Team"


def test_article_search_works_without_javascript(app, client, agent):
    case = gen_case(app)
    page = client.get(f"/console/cases/{case.reference}?article_q=webhook").text
    assert re.search(r'href="/console/cases/CS\d+\?article_q=webhook&amp;link=webhook-not-working#resolve"', page)
    chosen = client.get(f"/console/cases/{case.reference}?article_q=webhook&link=webhook-not-working").text
    assert 'name="article" value="webhook-not-working" id="art-webhook-not-working" checked' in chosen
    assert 'data-search-url="/api/search"' in chosen
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", chosen) == []  # no inline scripts (CSP)


def test_resolving_needs_a_note_and_keeps_what_was_typed(app, client, agent):
    case = gen_case(app)
    resp = post(client, f"/console/cases/{case.reference}/resolve", resolution=" ", article="webhook-not-working")
    assert resp.status_code == 400 and "Write a resolution note" in resp.text
    assert 'value="webhook-not-working" id="art-webhook-not-working" checked' in resp.text
    assert kb(app).case_store.get_case_for_staff(case.reference).status is CaseStatus.NEW


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"article": "no-such-article"}, "Link only published knowledge articles"),
        ({"article": "draft-article"}, "Link only published knowledge articles"),
        ({"article": "raise-a-case", "no_article": "yes"}, "not both"),
    ],
)
def test_resolving_refuses_bad_links(app, client, agent, data, message):
    case = gen_case(app)
    resp = post(client, f"/console/cases/{case.reference}/resolve", resolution="Fixed", **data)
    assert resp.status_code == 400 and message in resp.text


def test_resolves_with_linked_articles_and_staff_see_the_count_on_the_article(app, client, agent):
    case = gen_case(app)
    sent = len(outbox(app))
    resp = client.post(f"/console/cases/{case.reference}/resolve", data={
        "csrf_token": CSRF, "resolution": "Re-sent the invitation.",
        "article": ["webhook-not-working", "raise-a-case"]})
    assert resp.status_code == 302
    resolved = kb(app).case_store.get_case_for_staff(case.reference)
    assert resolved.status is CaseStatus.RESOLVED
    assert [link.slug for link in kb(app).console.links_for_case(case.id)] == ["webhook-not-working", "raise-a-case"]
    assert "Re-sent the invitation." in outbox(app)[sent]
    assert "Linked to 1 resolved case(s)" in client.get("/articles/webhook-not-working").text
    assert "Resolved with:" in client.get(f"/console/cases/{case.reference}").text
    anonymous = app.test_client().get("/articles/webhook-not-working").text
    assert "resolved case" not in anonymous and "For staff" not in anonymous


def test_no_article_exists_creates_a_knowledge_request_with_the_cases_words(app, client, agent):
    case = gen_case(app, subject="Portal shows error 4711", description="The portal says 4711 when I log in.")
    resp = post(client, f"/console/cases/{case.reference}/resolve", resolution="Cleared the cache.", no_article="yes",
                gap_note="Needs a portal errors article")
    assert resp.status_code == 302
    (request,) = kb(app).console.requests_for_case(case.id)
    assert "Portal shows error 4711" in request.text and "4711 when I log in" in request.text
    assert request.note == "Needs a portal errors article" and request.created_by == agent.email


# -- reports -------------------------------------------------------------------------------------------
def _resolved_with_gap(app, client, subject: str) -> None:
    case = gen_case(app, subject=subject, description=subject)
    post(client, f"/console/cases/{case.reference}/resolve", resolution="Done", no_article="yes")


def test_gap_report_groups_similar_wording_and_exports_a_draft_stub(app, client):
    agent = gen_staff(app, Role.AGENT)
    login(client, agent.email)
    _resolved_with_gap(app, client, "Portal error 4711 on login")
    _resolved_with_gap(app, client, "portal error 4711 at login")
    kb(app).searches.record("portal error 4711", "keyword", 0, None)
    kb(app).case_store.record_vote("raise-a-case", False, "Nothing about error 4711 on the portal login")
    post(client, "/console/logout")
    manager = gen_staff(app, Role.KNOWLEDGE_MANAGER)
    login(client, manager.email)
    page = client.get("/console/reports/gaps").text
    key = re.search(r'href="/console/reports/gaps/([0-9a-f]+)\.md', page).group(1)
    assert "Agent flagged: no article exists: 2" in page and "Search with no or poor results: 1" in page
    stub = client.get(f"/console/reports/gaps/{key}.md")
    assert stub.mimetype == "text/markdown" and "attachment" in stub.headers["Content-Disposition"]
    assert "status: draft" in stub.text and f"owner: {manager.email}" in stub.text
    assert "category: getting-help" in stub.text  # the vote was about an article in getting-help
    assert client.get("/console/reports/gaps/000000000000.md").status_code == 404
    rows = list(csv.reader(io.StringIO(client.get("/console/reports/gaps.csv").text)))
    assert rows[0][:3] == ["Group", "Suggested title", "Items"] and rows[1][2] == "4"


def test_reports_render_charts_and_csv_for_a_knowledge_manager(app, client, manager):
    store = kb(app).case_store
    store.set_feedback(store.save_turn(None, Turn("how do I renew", "self_help")).id, "yes")
    conv = store.save_turn(None, Turn("invite missing", "raise_case"))
    case = gen_case(app, conversation_id=conv.id)
    kb(app).cases.change_status(case.reference, CaseStatus.RESOLVED, "agent@example.com", "done")
    kb(app).console.link_articles(case.id, ["raise-a-case"], "agent@example.com")
    client.get("/articles/raise-a-case")
    for name, heading in (("deflection", "Week starting"), ("kcs", "Month resolved"), ("articles", "Article"),
                          ("sla", "Month")):
        page = client.get(f"/console/reports/{name}")
        assert page.status_code == 200, name
        assert "<svg" in page.text and 'role="img"' in page.text, name
        resp = client.get(f"/console/reports/{name}.csv?period=all")
        assert resp.mimetype == "text/csv" and "attachment" in resp.headers["Content-Disposition"], name
        assert next(csv.reader(io.StringIO(resp.text)))[0] == heading, name
    funnel = list(csv.reader(io.StringIO(client.get("/console/reports/deflection.csv").text)))
    assert funnel[1][1:5] == ["2", "1", "0", "1"]  # conversations, confirmed, potential, escalated
    articles = client.get("/console/reports/articles.csv").text
    row = next(r for r in csv.reader(io.StringIO(articles)) if r[1] == "raise-a-case")
    assert row[4] == "1" and row[8] == "1"  # one view, one linked case
    kcs = client.get("/console/reports/kcs").text
    assert "100.0%" in kcs  # the one resolved case has a linked article


def test_deflection_tiles_use_the_tables_labels_and_add_up_to_its_totals(app, client, manager):
    store = kb(app).case_store
    store.set_feedback(store.save_turn(None, Turn("how do I renew", "self_help")).id, "yes")
    store.save_turn(None, Turn("what is the weather", "out_of_scope"))
    page = client.get("/console/reports/deflection").text
    tiles = dict(re.findall(r"<div><dt>([^<]+)</dt><dd>([^<]+)</dd></div>", page))
    rows = list(csv.reader(io.StringIO(client.get("/console/reports/deflection.csv").text)))
    header, body = rows[0], rows[1:]
    for column, label in enumerate(header[1:8], start=1):
        wanted = "Conversations" if label == "Conversations" else label
        assert int(tiles[wanted]) == sum(int(r[column]) for r in body), label
    assert sum(int(tiles[label]) for label in header[2:8]) == int(tiles["Conversations"])


@pytest.fixture
def overdue_article(content_dir):
    """Make one published fixture article past its review date (before the app loads the content)."""
    path = content_dir / "articles" / "message-bounce-back.md"
    text_ = re.sub(r"review_by: .*", "review_by: 2020-01-31", path.read_text(encoding="utf-8"))
    path.write_text(re.sub(r"owner: .*", "owner: Messaging team", text_), encoding="utf-8")
    return "message-bounce-back"


def test_knowledge_managers_see_overdue_reviews_with_their_owner(overdue_article, app, client, manager):
    assert "1 published article is past its review date" in client.get("/console/reports/").text
    page = client.get("/console/reports/articles").text
    assert "Reviews overdue (1)" in page and "Messaging team" in page
    rows = list(csv.reader(io.StringIO(client.get("/console/reports/reviews.csv").text)))
    assert rows[0] == ["Article", "Slug", "Owner", "Review by", "Days overdue"]
    assert rows[1][1:4] == ["message-bounce-back", "Messaging team", "2020-01-31"] and int(rows[1][4]) > 2000


# -- escaping ------------------------------------------------------------------------------------------
def test_user_text_is_escaped_on_every_staff_page(app, client):
    store = kb(app).case_store
    conv = store.save_turn(None, Turn(XSS, "raise_case", None, (XSS,)))
    case = gen_case(app, name=f"Eve {XSS}"[:200], subject=f"S {XSS}"[:200], description=XSS, url="javascript:alert(1)",
                    organisation=XSS, conversation_id=conv.id)
    kb(app).searches.record(XSS, "keyword", 0, None)
    store.record_vote("raise-a-case", False, XSS)
    agent = gen_staff(app, Role.AGENT)
    login(client, agent.email)
    post(client, f"/console/cases/{case.reference}/note", body=XSS)
    post(client, f"/console/cases/{case.reference}/resolve", resolution=XSS, no_article="yes")
    post(client, "/console/logout")
    admin = gen_staff(app, Role.ADMIN)
    login(client, admin.email)
    pages = [client.get(p).text for p in (
        "/console/?status=all", f"/console/cases/{case.reference}", f"/console/?q={case.reference}&status=all",
        f"/console/cases/{case.reference}?article_q={XSS}", "/console/reports/gaps", "/console/staff")]
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page
    case_page = pages[1]
    assert "&lt;script&gt;" in case_page and 'href="javascript:' not in case_page
    assert "&lt;script&gt;" in pages[4]


# -- CLI ----------------------------------------------------------------------------------------------
def test_cli_adds_staff_from_the_environment_or_a_prompt(app, runner, monkeypatch):
    monkeypatch.setenv("KB_STAFF_PASSWORD", PASSWORD)
    result = runner.invoke(args=["staff", "add", "Desk@Example.com", "--role", "knowledge_manager"])
    assert result.exit_code == 0, result.output
    assert kb(app).staff.by_email("desk@example.com").role is Role.KNOWLEDGE_MANAGER
    monkeypatch.delenv("KB_STAFF_PASSWORD")
    result = runner.invoke(args=["staff", "add", "two@example.com", "--role", "admin"],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert kb(app).staff.authenticate("two@example.com", PASSWORD, "127.0.0.1").role is Role.ADMIN
    listed = runner.invoke(args=["staff", "list"]).output
    assert "desk@example.com\tknowledge_manager\tactive" in listed
    assert runner.invoke(args=["staff", "deactivate", "two@example.com"]).exit_code == 0
    assert not kb(app).staff.by_email("two@example.com").active


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["staff", "add", "x@example.com", "--role", "owner"], PASSWORD, "Invalid value for '--role'"),
        (["staff", "add", "x@example.com", "--role", "agent"], "short", "at least 12"),
        (["staff", "add", "x@example.com", "--role", "agent"], "passwordpassword", "too easy to guess"),
        (["staff", "add", "x@example.com", "--role", "agent"], "123456789012", "too easy to guess"),
        (["staff", "add", "ada.lovelace@example.com", "--role", "agent"], "ada.lovelace@example.com",
         "must not contain your email address or name"),
        (["staff", "deactivate", "nobody@example.com"], PASSWORD, "No staff account"),
    ],
)
def test_cli_reports_mistakes(runner, monkeypatch, args, env, message):
    monkeypatch.setenv("KB_STAFF_PASSWORD", env)
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and message in result.output
