"""Security (OWASP ASVS level 2 as the yardstick): CSRF on every form, rate limits on the public JSON
endpoints, headers on every response, escaping of everything users type, object-level access, and no
internals in responses. Article HTML sanitising is tested in tests/unit/content/test_render.py."""
from __future__ import annotations

import csv
import io
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import gen_account, sign_in, use_token
from sqlalchemy import inspect, text

from app import create_app
from app.cases import CaseStatus
from app.cases.store import MAX_COMMENT
from app.console.accounts import Role
from app.web import auth

PASSWORD = "correct horse battery"
DIP_REG = "DIP – Registration / General Portal"
ARTICLE = "message-bounce-back"
#: Script, attribute-breaking and template payloads in one string, so every input carries all of them.
XSS = """<script>alert(1)</script>"><img src=x onerror=alert(1)>'><svg onload=alert(1)> {{7*7}}"""
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
RAW = ("<script>alert(1)", "<img src=x", "<svg onload", '"><img', "'><svg")
URL_XSS = "https://example.com/?q=\"><img/src=x/onerror=alert(1)>"


# -- helpers ----------------------------------------------------------------------------------------
class Page(HTMLParser):
    """The parts of an HTML page these tests look at: forms, every tag's attributes, inline scripts."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.forms: list[dict[str, Any]] = []
        self.inline_scripts: list[str] = []
        self._form: dict[str, Any] | None = None
        self._script = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        a = dict(attrs)
        if tag == "form":
            self._form = {"method": (a.get("method") or "get").lower(), "action": a.get("action") or "", "fields": {}}
            self.forms.append(self._form)
        elif tag in ("input", "textarea", "select", "button") and self._form is not None and a.get("name"):
            self._form["fields"].setdefault(a["name"], a.get("value") or "")
        self._script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        if tag == "script":
            self._script = False

    def handle_data(self, data: str) -> None:
        if self._script and data.strip():
            self.inline_scripts.append(data)

    def post_forms(self) -> list[dict[str, Any]]:
        return [f for f in self.forms if f["method"] == "post"]


BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
URL_ATTRS = {"href", "src", "action", "formaction", "cite", "xlink:href", "data", "poster", "background"}


def assert_inert(html: str, *, shown: bool = True) -> None:
    """User text appears only escaped: no raw payload, no event-handler attribute, no javascript: URL,
    no inline script, no template evaluation. With ``shown``, the escaped payload must be on the page."""
    for raw in RAW:
        assert raw not in html, f"raw {raw!r} on the page"
    page = Page(html)
    for tag, attrs in page.tags:
        for name, value in attrs:
            assert not name.startswith("on"), f"event handler attribute {name} on <{tag}>"
            if name in URL_ATTRS and value:
                squeezed = re.sub(r"[\x00-\x20]", "", value).lower()
                assert not squeezed.startswith(BAD_SCHEMES), f"<{tag} {name}={value!r}>"
        assert tag not in ("iframe", "frame", "object", "embed", "base", "meta") or (
            tag == "meta" and not dict(attrs).get("http-equiv")), f"<{tag}> on the page"
        if tag == "script":
            assert (dict(attrs).get("src") or "").startswith("/static/"), f"script from {attrs}"
    assert page.inline_scripts == [], "inline script on the page"
    if shown:
        assert XSS_ESCAPED in html, "the payload is not on this page, so the check proves nothing"
        assert "{{7*7}}" in html, "user text was evaluated as a template"


def kb(app):
    return app.extensions["kb"]


def token_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def fresh_token(client, path: str = "/cases/link") -> str:
    return token_of(client.get(path).get_data(as_text=True))


def post(client, path: str, data: dict[str, Any], *, from_page: str = "/cases/link", **kwargs):
    return client.post(path, data={**data, "csrf_token": fresh_token(client, from_page)}, **kwargs)


def case_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Ada Lovelace", "email": "ada@example.com", "party_id": "ADAPWR", "market_participant_id": "ADAP",
        "cra_market_role": "Supplier", "category": DIP_REG, "scenario_id": "DIP-REG-01",
        "subject": "No DIP invitation link yet",
        "description": "We requested onboarding on the 3rd and have had nothing.",
    }
    data.update(overrides)
    return data


def raise_case(app, **overrides: Any) -> tuple[str, str]:
    case, token = kb(app).cases.raise_case(case_form(**overrides))
    return case.reference, token


def gen_staff(app, role: Role | str, email: str | None = None):
    return kb(app).staff.add(email or f"{Role(role).value}@example.com", role, PASSWORD)


def login(client, email: str, password: str = PASSWORD, **extra: str):
    token = fresh_token(client, "/console/login")
    return client.post("/console/login", data={"email": email, "password": password, "csrf_token": token, **extra})


def snapshot(app) -> dict[str, list[str]]:
    """Every row of every table, and the outbox: what "nothing changed" means."""
    engine = kb(app).case_store.engine
    with engine.connect() as conn:
        tables = sorted(inspect(conn).get_table_names())
        rows = {t: sorted(repr(tuple(r)) for r in conn.execute(text(f'SELECT * FROM "{t}"'))) for t in tables}
    rows["outbox"] = sorted(p.name for p in Path(app.config["KB_OUTBOX_DIR"]).glob("**/*") if p.is_file())
    return rows


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    """scrypt at a low work factor: these tests are about access, not the hash's cost."""
    monkeypatch.setattr("app.console.accounts.HASH_METHOD", "scrypt:1024:8:1")


@pytest.fixture
def desk(app):
    """One account per role and a case with its token."""
    people = {role: gen_staff(app, role) for role in Role}
    reference, token = raise_case(app)
    participant = participant_with_a_resolved_case(app, app.test_client())
    incidents = kb(app).incidents
    resolved = incidents.declare(title="DTN outage", impact="No D0010", severity="P2", scenario="SC18").reference
    incidents.resolve(resolved, "Fixed")
    open_mi = incidents.declare(title="DIP down", impact="No messages", severity="P1", scenario="SC1").reference
    follower = incidents.follow_by_email(open_mi, "pat@example.com")
    return {"staff": people, "case": reference, "token": token, "participant": participant, "incident": open_mi,
            "resolved": resolved, "follower": follower.token}


# == CSRF =============================================================================================
def _forms_on(client, paths: list[str]) -> dict[str, list[dict[str, Any]]]:
    found = {}
    for path in paths:
        resp = client.get(path)
        assert resp.status_code == 200, (path, resp.status_code)
        found[path] = Page(resp.get_data(as_text=True)).post_forms()
    return found


def test_every_post_form_carries_the_sessions_csrf_token(app, client, desk):
    conversation = client.post("/assist", data={"message": "My DIP message bounced back",
                                                "csrf_token": fresh_token(client, "/assist")})
    assert conversation.status_code == 200
    public = ["/", f"/articles/{ARTICLE}", "/assist", "/cases/new", "/cases/link", "/console/login",
              f"/cases/{desk['case']}?token={desk['token']}", "/search?q=certificate", "/glossary/",
              "/account/login", "/account/register", f"/status/{desk['incident']}",
              f"/status/unfollow/{desk['follower']}"]
    forms = _forms_on(client, public)
    participant = app.test_client()
    participant.get("/cases/link")  # the session's CSRF token
    member = desk["participant"]
    sign_in(participant, member["account"])
    forms |= {f"participant {p}": f for p, f in _forms_on(participant, [
        "/cases/form", "/account/cases", "/account/tokens", "/account/organisation", f"/cases/{member['case']}",
    ]).items()}
    forms["/assist (answered)"] = Page(conversation.get_data(as_text=True)).post_forms()
    answered = client.post("/assist",
                           data={"message": "What is the DIP?", "csrf_token": fresh_token(client, "/assist")})
    forms["/assist (self-help answer)"] = Page(answered.get_data(as_text=True)).post_forms()
    staff = app.test_client()
    assert login(staff, desk["staff"][Role.ADMIN].email).status_code == 302
    forms |= {f"staff {p}": f for p, f in _forms_on(staff, [
        "/console/", f"/console/cases/{desk['case']}", "/console/staff", "/console/reports/",
        "/console/reports/kcs", "/console/reports/gaps", "/console/incidents/new",
        f"/console/incidents/{desk['incident']}?since=72", f"/console/incidents/{desk['resolved']}"]).items()}

    tokens = {}
    for who, c in (("public", client), ("staff", staff), ("participant", participant)):
        with c.session_transaction() as s:
            tokens[who] = s["_csrf"]
    adapter = app.url_map.bind("localhost")
    endpoints = set()
    for where, post_forms in forms.items():
        for form in post_forms:
            expected = tokens[where.split(" ")[0] if where.startswith(("staff", "participant")) else "public"]
            assert form["fields"].get("csrf_token") == expected, (where, form["action"])
            endpoints.add(adapter.match(urlsplit(form["action"]).path, method="POST")[0])
    # Every route that accepts a POST outside the JSON API was reached through one of these forms.
    html_posts = {r.endpoint for r in app.url_map.iter_rules()
                  if "POST" in r.methods and not r.rule.startswith("/api/")}
    assert html_posts <= endpoints, f"POST routes without a form checked: {html_posts - endpoints}"


def participant_with_a_resolved_case(app, client) -> dict[str, Any]:
    """Sign ``client`` in as an organisation admin with a colleague, an API token and a resolved case."""
    kb(app).accounts.import_organisations([{"name": "Ada Power", "party_id": "ADAPWR", "market_participant_ids":
                                            ["ADAP"], "roles": ["Supplier"]}])
    admin = gen_account(app, "boss@example.com", party_id="ADAPWR", org_admin=True)
    gen_account(app, "colleague@example.com", party_id="ADAPWR")
    sign_in(client, admin)
    token = kb(app).accounts.create_token(admin.id, "script")[0]
    case, _ = kb(app).cases.raise_case({**case_form(), "account_id": admin.id,
                                        "organisation_id": admin.organisation_id})
    kb(app).cases.change_status(case.reference, "Resolved", "agent@example.com", "Done")
    return {"account": admin, "case": case.reference, "token_id": token.id}


def _bad_posts(app, desk) -> list[tuple[str, str, dict[str, Any]]]:
    """(who, path, data) for every state-changing HTML form, with valid data apart from the token."""
    conversation = kb(app).assistant.answer("My DIP message bounced back", None).conversation_id
    agent = desk["staff"][Role.AGENT]
    ref = desk["case"]
    return [
        ("anon", f"/articles/{ARTICLE}/vote", {"helpful": "no", "reason": "vague"}),
        ("anon", "/assist", {"message": "My DIP message bounced back"}),
        ("anon", "/assist/feedback", {"conversation_id": conversation, "solved": "no"}),
        ("anon", "/cases/form", {**case_form(), "action": "submit"}),
        ("anon", f"/cases/{ref}/comments", {"token": desk["token"], "body": "any news?"}),
        ("anon", "/cases/link", {"reference": ref, "email": "ada@example.com"}),
        ("anon", "/account/register", {"first_name": "E", "last_name": "Ve", "email": "eve@example.com",
                                       "action": "get_code"}),
        ("anon", "/account/login", {"email": "ada@example.com", "action": "get_code"}),
        ("participant", "/account/tokens", {"name": "stolen"}),
        ("participant", f"/account/tokens/{desk['participant']['token_id']}/revoke", {}),
        ("participant", "/account/logout-everywhere", {}),
        ("participant", f"/cases/{desk['participant']['case']}/reopen", {"reason": "again"}),
        ("participant", f"/cases/{desk['participant']['case']}/comments", {"body": "hi"}),
        ("anon", "/console/login", {"email": agent.email, "password": PASSWORD}),
        ("admin", "/console/logout", {}),
        ("admin", f"/console/cases/{ref}/status", {"status": "In Progress", "note": "on it"}),
        ("admin", f"/console/cases/{ref}/assign", {"group": next(iter(kb(app).model.resolver_groups.values())).name}),
        ("admin", f"/console/cases/{ref}/note", {"body": "internal"}),
        ("admin", f"/console/cases/{ref}/reply", {"body": "hello"}),
        ("admin", f"/console/cases/{ref}/resolve", {"resolution": "fixed", "article": ARTICLE}),
        ("admin", "/console/staff", {"email": "eve@example.com", "role": "admin", "password": PASSWORD,
                                     "confirm": PASSWORD}),
        ("admin", f"/console/staff/{agent.id}/active", {"active": "no"}),
        ("anon", f"/status/{desk['incident']}/follow", {"email": "eve@example.com"}),
        ("anon", f"/status/unfollow/{desk['follower']}", {}),
        ("admin", "/console/incidents/", {"title": "T", "impact": "I", "severity": "P1", "scenario": "SC1"}),
        ("admin", f"/console/incidents/{desk['incident']}/update", {"text": "update"}),
        ("admin", f"/console/incidents/{desk['incident']}/link", {"case": ref}),
        ("admin", f"/console/incidents/{desk['incident']}/resolve", {"resolution": "fixed"}),
        ("admin", f"/console/incidents/{desk['resolved']}/close", {}),
    ]


@pytest.mark.parametrize("token", ["missing", "other session's", "empty"])
def test_posts_without_the_sessions_token_are_refused_and_change_nothing(app, desk, token):
    for who, path, data in _bad_posts(app, desk):
        client = app.test_client()
        if who == "admin":
            assert login(client, desk["staff"][Role.ADMIN].email).status_code == 302
        elif who == "participant":
            client.get("/cases/link")
            sign_in(client, desk["participant"]["account"])
        else:
            client.get("/cases/link")  # a session with its own token exists, the attacker just lacks it
        sent = dict(data)
        if token == "other session's":
            sent["csrf_token"] = fresh_token(app.test_client())
        elif token == "empty":
            sent["csrf_token"] = ""
        before = snapshot(app)
        resp = client.post(path, data=sent)
        assert resp.status_code == 400, (path, resp.status_code)
        assert "session expired" in resp.get_data(as_text=True)
        assert snapshot(app) == before, f"{path} changed state without a CSRF token"
        if who == "admin":
            assert client.get("/console/").status_code == 200, "still signed in: the logout did not happen"


def test_the_token_in_a_header_works_for_script_posts(client):
    token = fresh_token(client, f"/articles/{ARTICLE}")
    resp = client.post(f"/articles/{ARTICLE}/vote", data={"helpful": "yes"}, headers={"X-CSRF-Token": token})
    assert resp.status_code == 302


# -- rate limits on the public JSON endpoints ----------------------------------------------------------
@pytest.mark.parametrize(("path", "name", "body"), [
    ("/api/assist", "assist-api", {"message": "My DIP message bounced back"}),
    ("/api/cases", "case-create", case_form()),
])
def test_public_json_endpoints_answer_429_with_retry_after_past_their_limit(app_config, path, name, body):
    app = create_app({**app_config, "KB_RATE_LIMITS": f"{name}=3/120"})
    client = app.test_client()
    use_token(app, client, gen_account(app))
    codes = [client.post(path, json=body).status_code for _ in range(3)]
    assert all(c in (200, 201) for c in codes), codes
    limited = client.post(path, json=body)
    assert limited.status_code == 429 and limited.is_json and limited.get_json()["error"]
    assert 0 < int(limited.headers["Retry-After"]) <= 120
    other = client.post(path, json=body, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert other.status_code in (200, 201), "the limit is per client"


@pytest.mark.parametrize(("path", "name", "data"), [
    ("/cases/form", "case-create", {**case_form(), "action": "submit"}),
    ("/cases/link", "case-link", {"reference": "CS0000001", "email": "ada@example.com"}),
])
def test_public_html_forms_answer_429_with_retry_after_past_their_limit(app_config, path, name, data):
    app = create_app({**app_config, "KB_RATE_LIMITS": f"{name}=2/600"})
    client = app.test_client()
    sign_in(client, gen_account(app))
    assert [post(client, path, data).status_code for _ in range(2)] in ([303, 303], [200, 200])
    limited = post(client, path, data)
    assert limited.status_code == 429 and "try again later" in limited.get_data(as_text=True)
    assert 0 < int(limited.headers["Retry-After"]) <= 600


@pytest.mark.parametrize("value", ["case-create=0/60", "case-create=ten/60", "nonsense", "unknown-name=1/60"])
def test_bad_rate_limit_settings_stop_the_app_from_starting(app_config, value):
    with pytest.raises(ValueError, match="KB_RATE_LIMITS"):
        create_app({**app_config, "KB_RATE_LIMITS": value})


# == headers ==========================================================================================
def _header_urls(app, desk) -> list[tuple[str, str, str | None]]:
    """(who, method path, body) covering every kind of response: pages, errors, JSON, CSV, static, console."""
    ref, token = desk["case"], desk["token"]
    return [
        ("anon", "GET /", None), ("anon", f"GET /articles/{ARTICLE}", None), ("anon", "GET /articles/", None),
        ("anon", "GET /glossary/", None), ("anon", "GET /search?q=certificate", None), ("anon", "GET /assist", None),
        ("anon", "GET /cases/new", None), ("anon", "GET /cases/form", None), ("anon", "GET /cases/link", None),
        ("anon", "GET /account/login", None), ("anon", "GET /account/register", None), ("anon", "GET /privacy", None),
        ("anon", "GET /api/cases", None),
        ("anon", f"GET /cases/{ref}?token={token}", None), ("anon", "GET /console/login", None),
        ("anon", "GET /static/css/site.css", None), ("anon", "GET /static/js/site.js", None),
        ("anon", "GET /api/articles", None), ("anon", "GET /api/search?q=webhook", None),
        ("anon", "GET /api/openapi.json", None), ("anon", f"GET /api/cases/{ref}?token={token}", None),
        ("anon", "POST /api/assist", '{"message": "webhook"}'),
        # errors: 404 page and JSON, wrong token, 405, 400 (CSRF), 401 JSON, 302 to login
        ("anon", "GET /no-such-page", None), ("anon", "GET /api/no-such", None),
        ("anon", f"GET /cases/{ref}?token=wrong", None), ("anon", "GET /api/cases/CS9999999?token=x", None),
        ("anon", "PUT /", None), ("anon", "DELETE /api/cases", None), ("anon", "POST /cases/link", ""),
        ("anon", "POST /api/assist", "{}"), ("anon", "GET /console/", None),
        ("anon", "POST /api/assist", '{"message": "' + "x" * 1024 * 1024 + '"}'),  # 413
        ("agent", "GET /console/", None), ("agent", f"GET /console/cases/{ref}", None),
        ("agent", "GET /console/staff", None),  # 403
        ("admin", "GET /console/staff", None), ("admin", "GET /console/reports/kcs", None),
        ("admin", "GET /console/reports/kcs.csv", None), ("admin", "GET /console/cases/CS9999999", None),
    ]


REFERRER_POLICIES = ("same-origin", "no-referrer", "strict-origin-when-cross-origin")


def test_security_headers_on_every_kind_of_response(app, desk):
    clients = {"anon": app.test_client()}
    for role in ("agent", "admin"):
        clients[role] = app.test_client()
        assert login(clients[role], desk["staff"][Role(role)].email).status_code == 302
    seen_statuses = set()
    for who, request, body in _header_urls(app, desk):
        method, path = request.split(" ", 1)
        kwargs = {"data": body, "content_type": "application/json"} if body else {}
        resp = clients[who].open(path, method=method, **kwargs)
        seen_statuses.add(resp.status_code)
        csp = {d.split()[0]: d.split()[1:] for d in resp.headers.get("Content-Security-Policy", "").split(";")
               if d.strip()}
        where = f"{who} {request} -> {resp.status_code}"
        script_src = csp.get("script-src", csp.get("default-src"))
        assert script_src and "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, where
        assert csp.get("frame-ancestors") == ["'none'"], where
        assert csp.get("object-src") == ["'none'"], where
        assert resp.headers.get("X-Content-Type-Options") == "nosniff", where
        assert resp.headers.get("Referrer-Policy") in REFERRER_POLICIES, where
    assert {200, 302, 400, 403, 404, 405, 413} <= seen_statuses


def test_pages_holding_a_case_token_are_not_cached_or_referred(client, app):
    ref, token = raise_case(app)
    for path in (f"/cases/{ref}?token={token}", f"/api/cases/{ref}?token={token}"):
        resp = client.get(path)
        assert resp.headers["Cache-Control"] == "no-store" and resp.headers["Referrer-Policy"] == "no-referrer"


def test_staff_pages_are_never_stored_by_a_cache(app, desk):
    """Case details and raisers' personal data must not stay in a proxy or the browser's cache after sign-out."""
    client = app.test_client()
    assert "no-store" in client.get("/console/login").headers.get("Cache-Control", "")
    login(client, desk["staff"][Role.AGENT].email)
    for path in ("/console/", f"/console/cases/{desk['case']}", "/console/reports/sla", "/console/reports/sla.csv",
                 "/console/staff", "/console/cases/CS9999999", "/console/login"):
        resp = client.get(path)
        assert "no-store" in resp.headers.get("Cache-Control", ""), f"{path} -> {resp.status_code}"


def test_production_tells_browsers_to_use_https_only(app_config, app):
    production = create_app({**app_config, "KB_ENV": "production"})
    hsts = production.test_client().get("/", base_url="https://kb.example.com").headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31_536_000
    assert "Strict-Transport-Security" not in app.test_client().get("/").headers  # plain http in development


def test_json_endpoints_refuse_bodies_a_cross_site_form_could_send(app, client):
    """A cross-site form can post text/plain or urlencoded bodies but never application/json without CORS."""
    use_token(app, client, gen_account(app))
    body = '{"message": "My DIP message bounced back"}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        assert client.post("/api/assist", data=body, content_type=content_type).status_code == 400
        assert client.post("/api/cases", data=body, content_type=content_type).status_code == 415
    assert "Access-Control-Allow-Origin" not in client.options("/api/cases").headers


def _cookie(resp, name: str = "session") -> str:
    return next(c for c in resp.headers.getlist("Set-Cookie") if c.startswith(f"{name}="))


def test_session_cookie_is_httponly_and_samesite_lax(app, client):
    staff = gen_staff(app, Role.AGENT)
    cookie = _cookie(login(client, staff.email))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development on http://127.0.0.1 must still work


def test_session_cookie_is_secure_in_production(app_config):
    app = create_app({**app_config, "KB_ENV": "production"})
    resp = app.test_client().get("/cases/link", base_url="https://kb.example.com")
    cookie = _cookie(resp)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


# == escaping: every input, every page that shows it ======================================================
@pytest.fixture(scope="module")
def injected(tmp_path_factory):
    """Every input filled with the payload, the way a user or a staff member would; returns what to look at."""
    import shutil

    from tests.conftest import FIXTURES

    tmp = tmp_path_factory.mktemp("xss")
    shutil.copytree(FIXTURES, tmp / "content")
    app = create_app({
        "TESTING": True, "KB_CONTENT_DIR": str(tmp / "content"), "KB_INDEX_DIR": str(tmp / "index"),
        "KB_DATABASE_URL": f"sqlite:///{tmp / 'kb.sqlite3'}", "KB_OUTBOX_DIR": str(tmp / "outbox"),
        "KB_SEMANTIC": "off", "KB_SECRET_KEY": "xss-secret",
    })
    assert app.test_cli_runner().invoke(args=["index", "build"]).exit_code == 0
    user, staff = app.test_client(), app.test_client()
    sign_in(user, gen_account(app, "user@example.com", "Us", "Er"))
    pages: dict[str, str] = {}

    def get(client, path: str, **query: str) -> str:
        return client.get(path, query_string=query).get_data(as_text=True)

    def send(client, path: str, data: dict[str, Any], from_page: str = "/cases/link") -> str:
        return post(client, path, data, from_page=from_page).get_data(as_text=True)

    def work(path: str, data: dict[str, Any]) -> str:
        return send(staff, path, data, "/console/")

    # a market participant: search, vote, chat, the case form, comments, lost link
    pages["search"] = get(user, "/search", q=XSS)
    send(user, f"/articles/{ARTICLE}/vote", {"helpful": "no", "reason": XSS})
    pages["chat answer"] = send(user, "/assist", {"message": f"{XSS} my DIP certificate upload fails"})
    cid = Page(pages["chat answer"]).forms[-1]["fields"]["conversation_id"]
    pages["chat raise step"] = send(user, "/cases/form", {  # the case form as the chat's hand-over posts it
        "action": "prefill", "subject": XSS, "description": XSS, "category": XSS, "subcategory": XSS, "scenario": XSS,
        "conversation_id": cid})
    pages["chat history"] = get(user, "/assist", conversation_id=cid)
    pages["case doors"] = get(user, "/cases/new", q=XSS)
    pages["case form prefilled"] = get(user, "/cases/form", subject=XSS, description=XSS, category=XSS,
                                       subcategory=XSS, scenario=XSS)
    typed = case_form(name=XSS, party_id="", no_party_id="on", unregistered_organisation=XSS, cra_market_role=XSS,
                      subject=XSS, description=XSS, url=URL_XSS, conversation_id=cid)
    pages["case form errors"] = send(user, "/cases/form", {**typed, "email": XSS, "url": "javascript:alert(1)",
                                                           "action": "submit"})
    pages["case form preview"] = send(user, "/cases/form", {**typed, "action": "preview"})
    created = post(user, "/cases/form", {**typed, "action": "submit"})
    assert created.status_code == 303, created.get_data(as_text=True)[:500]
    pages["confirmation"] = get(user, created.headers["Location"])
    link = next(href for tag, attrs in Page(pages["confirmation"]).tags if tag == "a"
                for href in [dict(attrs).get("href") or ""] if re.fullmatch(r"/cases/CS\d+", href))
    ref = link.rsplit("/", 1)[1]
    send(user, f"/cases/{ref}/comments", {"body": XSS})
    pages["comment error"] = send(user, f"/cases/{ref}/comments", {"body": XSS + "x" * MAX_COMMENT})
    pages["lost link errors"] = send(user, "/cases/link", {"reference": "", "email": XSS})

    # the desk: sign in, notes, replies, status, resolution, knowledge request, staff accounts
    admin = gen_staff(app, Role.ADMIN)
    pages["login error"] = login(staff, XSS).get_data(as_text=True)
    login(staff, admin.email)
    second_ref, _ = raise_case(app, subject=XSS, description=XSS, name=XSS)
    work(f"/console/cases/{ref}/note", {"body": XSS})
    work(f"/console/cases/{ref}/reply", {"body": XSS})
    work(f"/console/cases/{ref}/status", {"status": "In Progress", "note": XSS})
    pages["console resolve errors"] = work(f"/console/cases/{ref}/resolve", {"resolution": XSS, "article": XSS})
    work(f"/console/cases/{ref}/resolve", {"resolution": XSS, "no_article": "yes", "gap_note": XSS})
    work(f"/console/cases/{second_ref}/resolve", {"resolution": XSS, "article": ARTICLE})
    pages["staff add errors"] = work("/console/staff", {"email": XSS, "role": XSS, "password": "x", "confirm": "x"})

    # every page that shows it
    pages["tracking"] = get(user, f"/cases/{ref}")
    pages["my cases"] = get(user, "/account/cases")
    pages["console queue"] = get(staff, "/console/", status="all")
    pages["console queue filtered"] = get(staff, "/console/", q=XSS, category=XSS)
    pages["console case"] = get(staff, f"/console/cases/{ref}")
    pages["console case search"] = get(staff, f"/console/cases/{second_ref}", article_q=XSS, link=XSS)
    for report in ("deflection", "kcs", "gaps", "articles", "sla"):
        pages[f"report {report}"] = get(staff, f"/console/reports/{report}", period="all")
    csvs = {name: staff.get(f"/console/reports/{name}.csv?period=all")
            for name in ("deflection", "kcs", "gaps", "articles", "sla", "reviews")}
    return {"pages": pages, "csvs": csvs}


SHOWN = ["search", "chat answer", "chat raise step", "chat history", "case form prefilled", "case form errors",
         "case form preview", "confirmation", "tracking", "comment error", "lost link errors", "case doors",
         "login error", "console queue", "console queue filtered", "console case", "console case search",
         "console resolve errors", "staff add errors", "report gaps"]
NOT_SHOWN = ["report deflection", "report kcs", "report articles", "report sla"]


@pytest.mark.parametrize("name", SHOWN)
def test_user_text_is_escaped_where_it_is_shown(injected, name):
    assert_inert(injected["pages"][name], shown=True)


@pytest.mark.parametrize("name", NOT_SHOWN)
def test_pages_that_summarise_user_text_stay_inert(injected, name):
    assert_inert(injected["pages"][name], shown=False)


def test_every_field_of_the_case_reaches_the_console_escaped(injected):
    html = injected["pages"]["console case"]
    # name, organisation, market role, subject, description, comment, note, reply, status note,
    # resolution and knowledge request: each is shown, escaped, at least once.
    assert html.count(XSS_ESCAPED) >= 10
    page = Page(html)
    hrefs = [dict(a).get("href") for t, a in page.tags if t == "a"]
    assert URL_XSS in hrefs  # an attribute value, quoted
    assert all(not (h or "").lower().startswith("javascript") for h in hrefs)


def test_tracking_page_shows_the_raisers_and_the_desks_text_escaped(injected):
    html = injected["pages"]["tracking"]
    assert html.count(XSS_ESCAPED) >= 6  # subject, description, comment, reply, status note, resolution


def test_javascript_urls_are_refused_by_the_case_form(injected):
    html = injected["pages"]["case form errors"]
    assert "Enter a web address starting with http:// or https://" in html
    values = [dict(a).get("value") for t, a in Page(html).tags if t == "input" and dict(a).get("name") == "url"]
    assert values == ["javascript:alert(1)"]  # kept as typed, inside a value attribute, never as a link


@pytest.mark.parametrize("name", ["deflection", "kcs", "gaps", "articles", "sla", "reviews"])
def test_csv_reports_are_attachments_never_rendered_as_html(injected, name):
    resp = injected["csvs"][name]
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), f"formula cell {cell!r}"


def test_gaps_csv_carries_the_users_words_as_data(injected):
    body = injected["csvs"]["gaps"].get_data(as_text=True)
    assert "alert(1)" in body  # the text itself, intact for the knowledge manager


def test_formulas_typed_by_users_are_neutralised_in_csv(app, client):
    staff = gen_staff(app, Role.KNOWLEDGE_MANAGER)
    for formula in ('=HYPERLINK("http://evil.example","x")', "+1+1", "@SUM(A1)", "-2+3"):
        post(client, f"/articles/{ARTICLE}/vote", {"helpful": "no", "reason": formula})
    login(client, staff.email)
    rows = list(csv.reader(io.StringIO(client.get("/console/reports/gaps.csv?period=all").get_data(as_text=True))))
    cells = [c for row in rows[1:] for c in row]
    assert any(c.startswith("'=HYPERLINK") for c in cells)
    assert not any(c.startswith(("=", "+", "@")) for c in cells)


@pytest.mark.parametrize("query", [{"letter": XSS}, {"per_page": XSS}, {"letter": XSS, "per_page": XSS, "page": XSS}])
def test_glossary_parameters_are_never_reflected_raw(client, query):
    resp = client.get("/glossary/", query_string=query)
    assert resp.status_code in (200, 400)
    assert_inert(resp.get_data(as_text=True), shown=False)


@pytest.mark.parametrize("path", ["/glossary/<script>alert(1)</script>", "/articles/<script>alert(1)</script>",
                                  "/cases/<script>alert(1)</script>", "/categories/\"><img src=x onerror=alert(1)>"])
def test_paths_are_never_reflected_raw(client, path):
    resp = client.get(path)
    assert resp.status_code == 404
    assert_inert(resp.get_data(as_text=True), shown=False)


def test_search_snippets_escape_markup_in_article_text(app_config, content_dir):
    article = content_dir / "articles" / "webhook-not-working.md"
    article.write_text(article.read_text(encoding="utf-8") + "\n\nSend `<img src=x onerror=alert(1)>` as the "
                       "zebrafish header.\n", encoding="utf-8")
    app = create_app(app_config)
    assert app.test_cli_runner().invoke(args=["index", "build"]).exit_code == 0
    html = app.test_client().get("/search?q=zebrafish").get_data(as_text=True)
    assert "Send &lt;img src=x onerror=alert(1)&gt; as the" in html
    assert_inert(html, shown=False)


# == object-level access =================================================================================
def test_a_case_is_only_visible_with_its_own_token(app, client):
    mine, my_token = raise_case(app, subject="Mine")
    theirs, their_token = raise_case(app, subject="Theirs")
    assert client.get(f"/cases/{mine}?token={my_token}").status_code == 200
    missing = client.get(f"/cases/CS9999999?token={my_token}")
    for path in (f"/cases/{theirs}?token={my_token}", f"/cases/{theirs}?token=wrong",
                 f"/cases/{theirs}?token={their_token[:-1]}"):
        resp = client.get(path)
        assert resp.status_code == 404, path
        assert resp.get_data() == missing.get_data(), "a wrong token must look exactly like a missing case"
        assert "Theirs" not in resp.get_data(as_text=True)
    for path in (f"/cases/{theirs}", f"/cases/{theirs}?token="):  # no token: only a signed-in raiser gets further
        resp = client.get(path)
        assert resp.status_code == 302 and "/account/login" in resp.headers["Location"], path


def test_the_api_answers_a_wrong_token_exactly_like_a_missing_case(app, client):
    mine, my_token = raise_case(app)
    theirs, _ = raise_case(app)
    missing = client.get(f"/api/cases/CS9999999?token={my_token}")
    other = client.get(f"/api/cases/{theirs}?token={my_token}")
    assert missing.status_code == other.status_code == 404
    assert missing.get_json() == other.get_json()


def test_commenting_on_another_case_with_my_token_is_refused(app, client):
    mine, my_token = raise_case(app)
    theirs, _ = raise_case(app)
    before = snapshot(app)
    resp = post(client, f"/cases/{theirs}/comments", {"token": my_token, "body": "sneaky"})
    after = snapshot(app)
    counted = after.pop("rate_limits")  # the failed token check counts against this client (issue 19.8)
    assert resp.status_code == 404 and len(counted) == 1 and "case-token:" in counted[0]
    before.pop("rate_limits")
    assert after == before


def test_internal_notes_and_staff_identities_never_reach_the_raiser(app, desk):
    staff = app.test_client()
    agent = desk["staff"][Role.AGENT]
    login(staff, agent.email)
    ref, token = desk["case"], desk["token"]
    post(staff, f"/console/cases/{ref}/note", {"body": "Internal: suspect their DCP"}, from_page="/console/")
    post(staff, f"/console/cases/{ref}/reply", {"body": "Please send the logs"}, from_page="/console/")
    raiser = app.test_client()
    page = raiser.get(f"/cases/{ref}?token={token}").get_data(as_text=True)
    api = raiser.get(f"/api/cases/{ref}?token={token}").get_data(as_text=True)
    mail = "\n".join(p.read_text(encoding="utf-8") for p in Path(app.config["KB_OUTBOX_DIR"]).glob("*.eml"))
    for where, text_ in (("tracking page", page), ("API", api), ("emails", mail)):
        assert "Please send the logs" in text_, where
        assert "suspect their DCP" not in text_ and agent.email not in text_, where


def test_tokens_are_long_random_and_stored_only_as_hashes(app, client):
    tokens = {raise_case(app)[1] for _ in range(20)}
    assert len(tokens) == 20
    for token in tokens:
        assert len(token) >= 43 and re.fullmatch(r"[A-Za-z0-9_-]+", token)  # 32 random bytes, base64url
    dump = repr(snapshot(app))
    assert not any(t in dump for t in tokens), "tracking tokens must not be stored in the clear"
    csrf = {fresh_token(app.test_client()) for _ in range(5)}
    assert len(csrf) == 5 and all(len(t) >= 43 for t in csrf)


def test_references_are_sequential_but_useless_without_the_token(app, client):
    first, _ = raise_case(app)
    second, _ = raise_case(app)
    assert int(second[2:]) == int(first[2:]) + 1  # guessable by design: the token is the secret
    stranger = app.test_client()
    sign_in(stranger, gen_account(app, "stranger@example.com"))
    use_token(app, stranger, kb(app).accounts.by_email("stranger@example.com"))
    for guess in (first, second):
        assert client.get(f"/cases/{guess}").status_code == 302  # sign in first
        assert client.get(f"/api/cases/{guess}").status_code == 401
        assert stranger.get(f"/cases/{guess}").status_code == 404  # signed in, but not theirs
        assert stranger.get(f"/api/cases/{guess}").status_code == 404


def test_every_console_route_needs_a_signed_in_role(app):
    client = app.test_client()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("console."):
            continue
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "kb_roles", None), f"{rule.endpoint} has no require_role"
        path = re.sub(r"<(?:int:)?(\w+)>", lambda m: "1" if m.group(0).startswith("<int:") else "CS0000001", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            resp = client.open(path, method=method, data={"csrf_token": fresh_token(client)})
            assert resp.status_code in (302, 401), f"{method} {path} -> {resp.status_code} anonymously"
            if resp.status_code == 302:
                assert urlsplit(resp.location).path == "/console/login"


def test_an_agent_cannot_do_admin_actions(app, desk):
    client = app.test_client()
    login(client, desk["staff"][Role.AGENT].email)
    target = desk["staff"][Role.KNOWLEDGE_MANAGER]
    before = snapshot(app)
    assert client.get("/console/staff").status_code == 403
    assert post(client, "/console/staff", {"email": "eve@example.com", "role": "admin", "password": PASSWORD,
                                            "confirm": PASSWORD}, from_page="/console/").status_code == 403
    deactivate = post(client, f"/console/staff/{target.id}/active", {"active": "no"}, from_page="/console/")
    assert deactivate.status_code == 403
    assert snapshot(app) == before
    assert kb(app).staff.get(target.id).active


def test_a_knowledge_manager_cannot_change_a_case(app, desk):
    client = app.test_client()
    login(client, desk["staff"][Role.KNOWLEDGE_MANAGER].email)
    ref = desk["case"]
    assert client.get(f"/console/cases/{ref}").status_code == 200  # may read it
    before = snapshot(app)
    for action, data in (("status", {"status": "In Progress"}), ("assign", {"group": ""}), ("note", {"body": "x"}),
                         ("reply", {"body": "x"}), ("resolve", {"resolution": "x", "article": ARTICLE})):
        resp = post(client, f"/console/cases/{ref}/{action}", data, from_page="/console/")
        assert resp.status_code == 403, action
    assert snapshot(app) == before
    assert kb(app).case_store.get_case_for_staff(ref).status == CaseStatus.NEW


def test_an_agent_cannot_read_knowledge_reports(app, desk):
    client = app.test_client()
    login(client, desk["staff"][Role.AGENT].email)
    for path in ("/console/reports/kcs", "/console/reports/gaps.csv", "/console/reports/deflection"):
        assert client.get(path).status_code == 403, path
    assert client.get("/console/reports/sla").status_code == 200


@pytest.mark.parametrize("stale", ["idle", "too old"])
def test_an_expired_staff_session_is_sent_back_to_sign_in(app, desk, stale):
    client = app.test_client()
    login(client, desk["staff"][Role.AGENT].email)
    assert client.get("/console/").status_code == 200
    now = time.time()
    with client.session_transaction() as s:
        if stale == "idle":
            s["staff_seen"] = now - int(app.config["KB_SESSION_MINUTES"]) * 60 - 1
        else:
            s["staff_since"] = now - auth.MAX_SESSION_HOURS * 3600 - 1
            s["staff_seen"] = now
    resp = client.get(f"/console/cases/{desk['case']}")
    assert resp.status_code == 302 and urlsplit(resp.location).path == "/console/login"
    assert "session expired" in client.get(resp.location).get_data(as_text=True)
    assert client.get("/console/").status_code == 302, "the expired session is gone, not revived"


def test_the_session_clock_expires_a_session_left_idle(app, desk, monkeypatch):
    client = app.test_client()
    login(client, desk["staff"][Role.AGENT].email)
    later = time.time() + int(app.config["KB_SESSION_MINUTES"]) * 60 + 5
    monkeypatch.setattr(auth, "_now", lambda: later)
    assert client.get("/console/").status_code == 302


def test_a_session_cookie_replayed_after_sign_out_is_rejected(app, desk):
    client = app.test_client()
    login(client, desk["staff"][Role.AGENT].email)
    assert client.get("/console/").status_code == 200
    stolen = client.get_cookie("session").value
    assert post(client, "/console/logout", {}, from_page="/console/").status_code == 302
    attacker = app.test_client()
    attacker.set_cookie("session", stolen)
    assert attacker.get("/console/").status_code == 302
    assert attacker.get(f"/console/cases/{desk['case']}").status_code == 302


def test_signing_in_starts_a_new_session_so_a_planted_one_is_useless(app, desk):
    client = app.test_client()
    planted_token = fresh_token(client, "/console/login")
    planted_cookie = client.get_cookie("session").value
    login(client, desk["staff"][Role.AGENT].email)
    assert fresh_token(client, "/console/") != planted_token
    fixated = app.test_client()
    fixated.set_cookie("session", planted_cookie)
    assert fixated.get("/console/").status_code == 302


def test_a_deactivated_accounts_session_stops_working(app, desk):
    client = app.test_client()
    agent = desk["staff"][Role.AGENT]
    login(client, agent.email)
    kb(app).staff.set_active(agent.id, False)
    assert client.get("/console/").status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/console", "/\\evil.example",
                                    "javascript:alert(1)", "/console/../\\evil.example"])
def test_sign_in_never_redirects_off_site(app, desk, target):
    client = app.test_client()
    resp = login(client, desk["staff"][Role.AGENT].email, next=target)
    assert resp.status_code == 302
    location = urlsplit(resp.location)
    assert not location.netloc and location.path.startswith("/console")


# == no internals in responses ===========================================================================
@pytest.fixture
def failing_app(app_config):
    app = create_app({**app_config, "KB_ENV": "production", "TESTING": False})

    @app.get("/boom")
    def boom():
        raise RuntimeError(f"secret internals {app.config['SECRET_KEY']} at {__file__}")

    @app.get("/api/boom")
    def api_boom():
        raise KeyError("secret internals")

    return app


@pytest.mark.parametrize("path", ["/boom", "/api/boom"])
def test_unexpected_errors_show_no_trace_message_or_secret(failing_app, path):
    resp = failing_app.test_client().get(path)
    assert resp.status_code == 500
    body = resp.get_data(as_text=True)
    for leak in ("Traceback", "secret internals", failing_app.config["SECRET_KEY"], __file__, "RuntimeError",
                 "KeyError", "site-packages", "werkzeug"):
        assert leak not in body, leak
    assert resp.headers["Content-Security-Policy"]


def test_production_is_never_in_debug_mode(app_config, monkeypatch):
    app = create_app({**app_config, "KB_ENV": "production"})
    assert app.debug is False and app.config["DEBUG"] is False
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(RuntimeError, match="debug"):
        create_app({**app_config, "KB_ENV": "production"})


def test_config_and_secrets_are_not_in_any_page(app, desk):
    client = app.test_client()
    login(client, desk["staff"][Role.ADMIN].email)
    secret = app.config["SECRET_KEY"]
    for path in ("/", "/console/", f"/console/cases/{desk['case']}", "/console/staff", "/api/openapi.json",
                 "/no-such-page"):
        body = client.get(path).get_data(as_text=True)
        assert secret not in body and "scrypt:" not in body and app.config["KB_DATABASE_URL"] not in body, path
