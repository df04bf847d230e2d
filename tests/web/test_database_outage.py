"""Database unavailable: pages that need it answer 503 (never a stack trace, never half a case); articles,
the glossary and keyword search keep working; the site starts anyway and migrates once the database is back."""

from __future__ import annotations

import os
import socket
import time
import uuid
from pathlib import Path

import pytest
from conftest import gen_account, use_token
from sqlalchemy import event, make_url, text
from sqlalchemy.exc import OperationalError

import app.cases.db as db
from app import create_app
from app.cases.db import current_revision, make_engine, upgrade

CASE = {
    "name": "Ada Lovelace", "email": "ada@example.com", "party_id": "ADAPWR", "market_participant_id": "ADAP",
    "cra_market_role": "Supplier", "category": "DIP – Registration / General Portal", "scenario_id": "DIP-REG-01",
    "subject": "No DIP invitation link yet", "description": "We requested onboarding on the 3rd and have had nothing.",
}  # fmt: skip
#: A token that looks real: checking it needs the database.
SOME_TOKEN = {"Authorization": "Bearer kb_" + "x" * 43}
LEAKS = ("Traceback", "OperationalError", "psycopg", "sqlite3", "SELECT", "INSERT")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unreachable_url(kind: str, tmp_path: Path) -> str:
    if kind == "postgresql down":
        return f"postgresql+psycopg://app@127.0.0.1:{closed_port()}/kb"
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    return f"sqlite:///{blocker / 'instance' / 'kb.sqlite3'}"


@pytest.fixture(params=["postgresql down", "sqlite folder unusable"])
def down_app(request, app_config, tmp_path: Path):
    started = time.monotonic()
    app = create_app({**app_config, "KB_DATABASE_URL": unreachable_url(request.param, tmp_path)})
    assert time.monotonic() - started < 10  # starts promptly: no hanging on the database
    return app


def raiser_client(app):
    """A client carrying a participant's API token (raising a case needs an account)."""
    client = app.test_client()
    use_token(app, client, gen_account(app))
    return client


def csrf_client(app):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_csrf"] = "t"
    return client


def assert_503_json(r) -> None:
    assert r.status_code == 503
    body = r.get_json()
    assert body["status"] == 503 and "database is not available" in body["error"]
    assert r.headers["Retry-After"] == "30"
    assert not any(leak in r.get_data(as_text=True) for leak in LEAKS)


def assert_503_page(r) -> None:
    html = r.get_data(as_text=True)
    assert r.status_code == 503 and r.mimetype == "text/html"
    assert "This part of the service is unavailable" in html and "database is not available" in html
    assert 'class="site-header"' in html and "css/site.css" in html  # the site's own page, not a bare error
    assert not any(leak in html for leak in LEAKS)


def test_case_apis_answer_503_json(down_app) -> None:
    client = down_app.test_client()
    assert_503_json(client.post("/api/cases", json=CASE, headers=SOME_TOKEN))
    assert_503_json(client.get("/api/cases", headers=SOME_TOKEN))
    assert_503_json(client.get("/api/cases/CS0000001?token=abc"))
    assert_503_json(client.post("/api/assist", json={"message": "my webhook is not working"}))


def test_case_pages_answer_503_in_the_sites_style(down_app) -> None:
    client = csrf_client(down_app)
    assert_503_page(client.post("/cases/form", data={**CASE, "csrf_token": "t", "action": "submit"}))
    assert_503_page(client.get("/cases/CS0000001?token=abc"))
    assert_503_page(client.post("/cases/CS0000001/comments", data={"token": "abc", "body": "hi", "csrf_token": "t"}))


@pytest.mark.parametrize("path", [
    "/", "/articles/webhook-not-working", "/glossary/", "/search?q=webhook", "/search?q=webhook&mode=keyword",
    "/api/search?q=webhook&mode=keyword", "/api/articles", "/api/articles/webhook-not-working",
    "/cases/new", "/account/login", "/account/register", "/privacy",
])  # fmt: skip
def test_reading_pages_keep_working_without_the_database(down_app, path: str) -> None:
    r = down_app.test_client().get(path)
    assert r.status_code == 200, path


def test_the_case_form_still_leads_to_sign_in_without_the_database(down_app) -> None:
    r = down_app.test_client().get("/cases/form")
    assert r.status_code == 302 and "/account/login" in r.headers["Location"]


def test_search_finds_articles_without_the_database(down_app) -> None:
    html = down_app.test_client().get("/search?q=webhook&mode=keyword").get_data(as_text=True)
    assert "/articles/webhook-not-working" in html


def test_a_vote_that_cannot_be_recorded_still_thanks_the_reader(down_app) -> None:
    r = csrf_client(down_app).post("/articles/webhook-not-working/vote", data={"helpful": "yes", "csrf_token": "t"})
    assert r.status_code == 302 and "voted=yes" in r.headers["Location"]


def test_read_only_database_serves_cases_but_refuses_new_ones_with_503(app, app_config, tmp_path: Path) -> None:
    raiser = raiser_client(app)
    created = raiser.post("/api/cases", json=CASE).get_json()
    path = Path(make_url(app_config["KB_DATABASE_URL"]).database)
    app.extensions["kb"].case_store.engine.dispose()
    read_only = create_app({**app_config, "KB_DATABASE_URL": f"sqlite:///file:{path}?mode=ro&uri=true"})
    client = read_only.test_client()
    client.environ_base.update(raiser.environ_base)  # the same token
    assert client.get(f"/api/cases/{created['reference']}").status_code == 200
    assert_503_json(client.post("/api/cases", json=CASE))
    assert client.get("/search?q=webhook").status_code == 200  # the search log cannot be written: no matter
    assert app.extensions["kb"].case_store.list_cases().total == 1


def test_a_failure_inside_case_creation_leaves_no_half_written_case(app) -> None:
    store = app.extensions["kb"].case_store
    engine = store.engine

    def fail_on_history(conn, cursor, statement, *args):  # the case row is in, its first event is not
        if statement.lstrip().upper().startswith("INSERT INTO CASE_EVENTS"):
            raise OperationalError(statement, {}, Exception("disk I/O error"))

    client = raiser_client(app)
    event.listen(engine, "before_cursor_execute", fail_on_history)
    try:
        assert_503_json(client.post("/api/cases", json=CASE))
    finally:
        event.remove(engine, "before_cursor_execute", fail_on_history)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM cases")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM case_events")).scalar() == 0
        assert conn.execute(text("SELECT value FROM counters WHERE name = 'case'")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM outbox")).scalar() == 0
    assert not list(Path(app.config["KB_OUTBOX_DIR"]).glob("**/*.eml"))  # no email for a case that does not exist
    again = client.post("/api/cases", json=CASE)
    assert again.status_code == 201 and again.get_json()["reference"] == "CS0000001"


def wait_for(condition, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_site_started_without_its_database_migrates_once_it_is_back(app_config, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(db, "RETRY_FIRST_S", 0.05)
    blocker = tmp_path / "instance"
    blocker.write_text("not yet a folder")
    url = f"sqlite:///{blocker / 'kb.sqlite3'}"
    app = create_app({**app_config, "KB_DATABASE_URL": url})
    assert_503_json(app.test_client().post("/api/cases", json=CASE, headers=SOME_TOKEN))
    blocker.unlink()
    blocker.mkdir()  # the database comes back (empty: never migrated)
    engine = app.extensions["kb"].case_store.engine
    assert wait_for(lambda: current_revision(engine) is not None)
    assert raiser_client(app).post("/api/cases", json=CASE).status_code == 201


@pytest.mark.postgres
def test_postgres_missing_at_start_is_migrated_when_it_appears(app_config, monkeypatch) -> None:
    admin_url = os.environ.get("KB_TEST_POSTGRES_URL")
    if not admin_url:
        pytest.skip("set KB_TEST_POSTGRES_URL to run against PostgreSQL")
    monkeypatch.setattr(db, "RETRY_FIRST_S", 0.05)
    name = f"kb_late_{uuid.uuid4().hex[:10]}"
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    app = create_app({**app_config, "KB_DATABASE_URL": url})
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        assert_503_json(app.test_client().post("/api/cases", json=CASE, headers=SOME_TOKEN))
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine = app.extensions["kb"].case_store.engine
        assert wait_for(lambda: current_revision(engine) is not None)
        assert raiser_client(app).post("/api/cases", json=CASE).status_code == 201
    finally:
        app.extensions["kb"].case_store.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_or_retry_reports_whether_it_migrated(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    assert db.upgrade_or_retry(engine) is True
    upgrade(engine)  # still idempotent
    engine.dispose()


@pytest.mark.parametrize(("method", "path", "data"), [
    ("GET", "/cases/CS0000001?token=abc", None),
    ("POST", "/cases/CS0000001/comments", {"token": "abc", "body": "hi"}),
    ("POST", "/cases/form", {**CASE, "action": "submit"}),
    ("POST", "/cases/link", {"reference": "CS0000001", "email": "ada@example.com"}),
    ("POST", "/assist", {"message": "my webhook is not working"}),
    ("POST", "/console/login", {"email": "ada@example.com", "password": "correct horse battery"}),
    ("JSON", "/api/cases", CASE),
    ("JSON", "/api/assist", {"message": "my webhook is not working"}),
    ("GET", "/api/cases/CS0000001?token=abc", None),
])  # fmt: skip
def test_every_503_says_when_to_retry(down_app, method: str, path: str, data) -> None:
    """Issue 19: each page and API that answers 503 while the database is down carries Retry-After."""
    client = csrf_client(down_app)
    if method == "GET":
        r = client.get(path)
    elif method == "JSON":  # the case API needs a token: looking it up is the first database access
        r = client.post(path, json=data, headers={"Authorization": "Bearer kb_any"} if path == "/api/cases" else {})
    else:
        r = client.post(path, data={**data, "csrf_token": "t"})
    assert r.status_code == 503 and r.headers["Retry-After"] == "30", (path, r.status_code)
