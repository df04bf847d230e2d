"""An acknowledged case survives the server being killed (SIGKILL) straight after its 201, and its confirmation
email, queued in the same transaction, is delivered after a crash right after the commit (SQLite and PostgreSQL)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from app.accounts.store import Accounts
from app.cases.db import make_engine, upgrade
from app.cases.store import CaseStore

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_CONTENT = ROOT / "tests" / "fixtures" / "content"

SERVER = """
import os, signal, sys
from werkzeug.serving import make_server
from app import create_app
if os.environ.get("CRASH_AFTER_COMMIT"):  # die by SIGKILL once the case and its email are committed, before sending
    from app.cases.service import CaseService
    from app.services import Services
    CaseService._deliver = lambda self, hook: os.kill(os.getpid(), signal.SIGKILL)
    Services.start_worker = lambda self: None
server = make_server("127.0.0.1", 0, create_app({"TESTING": False}), threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""


def participant_token(url: str) -> str:
    """A participant account and its API token, made before the server starts (raising a case needs one)."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        accounts = Accounts(engine)
        return accounts.create_token(accounts.add("ada@example.com", "Ada", "Lovelace").id, "durability")[1]
    finally:
        engine.dispose()

CASE = {
    "name": "Ada Lovelace", "email": "ada@example.com", "party_id": "ADAPWR", "market_participant_id": "ADAP",
    "cra_market_role": "Supplier", "category": "Choreography", "impact": "High", "urgency": "High",
    "subject": "DTN down", "description": "No flows since 09:00.",
}  # fmt: skip


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SIGKILL semantics tested on Linux only")
def test_case_acknowledged_with_201_survives_kill_9(tmp_path: Path) -> None:
    db = tmp_path / "instance" / "kb.sqlite3"
    env = {
        **os.environ,
        "KB_DATABASE_URL": f"sqlite:///{db}",
        "KB_OUTBOX_DIR": str(tmp_path / "outbox"),
        "KB_INDEX_DIR": str(tmp_path / "index"),
        "KB_CONTENT_DIR": str(FIXTURE_CONTENT),
        "KB_SEMANTIC": "off",
        "KB_SECRET_KEY": "durability-test",
    }
    env.pop("KB_SMTP_URL", None)
    token = participant_token(env["KB_DATABASE_URL"])
    proc, port = _start(env)
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/cases", data=json.dumps(CASE).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"}, method="POST",
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=30) as resp:
            assert resp.status == 201
            body = json.loads(resp.read())
        os.kill(proc.pid, signal.SIGKILL)  # no clean shutdown, no checkpoint
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    restarted, port = _start(env)
    try:
        url = urllib.request.Request(f"http://127.0.0.1:{port}/api/cases/{body['reference']}",
                                     headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(url, timeout=30) as resp:
            found = json.loads(resp.read())
    finally:
        restarted.kill()
        restarted.wait(timeout=10)
    assert (found["reference"], found["subject"], found["priority"]) == (body["reference"], "DTN down", "P1")
    # exactly one case, not a duplicate from a retried request
    engine = make_engine(f"sqlite:///{db}")
    try:
        assert CaseStore(engine).list_cases().total == 1
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'instance' / 'kb.sqlite3'}"
        return
    admin_url = os.environ.get("KB_TEST_POSTGRES_URL")
    if not admin_url:
        pytest.skip("set KB_TEST_POSTGRES_URL to run against PostgreSQL")
    from sqlalchemy import make_url, text

    name = f"kb_crash_{uuid.uuid4().hex[:10]}"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SIGKILL semantics tested on Linux only")
def test_confirmation_email_is_delivered_after_a_kill_9_right_after_the_commit(tmp_path: Path, database_url: str
                                                                                ) -> None:
    outbox = tmp_path / "outbox"
    env = {**os.environ, "KB_DATABASE_URL": database_url, "KB_OUTBOX_DIR": str(outbox),
           "KB_INDEX_DIR": str(tmp_path / "index"), "KB_CONTENT_DIR": str(FIXTURE_CONTENT), "KB_SEMANTIC": "off",
           "KB_SECRET_KEY": "durability-test"}  # fmt: skip
    env.pop("KB_SMTP_URL", None)
    token = participant_token(database_url)
    proc, port = _start({**env, "CRASH_AFTER_COMMIT": "1"})
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/cases", data=json.dumps(CASE).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"}, method="POST",
    )  # fmt: skip
    with pytest.raises((urllib.error.URLError, ConnectionError, http.client.HTTPException)):
        urllib.request.urlopen(request, timeout=30)  # the server dies before it can answer
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert not list(outbox.glob("*.eml"))  # nothing was sent before the crash
    engine = make_engine(database_url)
    try:
        [case] = CaseStore(engine).list_cases().items  # committed, with its email queued beside it
    finally:
        engine.dispose()

    restarted, port = _start(env)
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30).close()  # a serving process starts its worker
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not list(outbox.glob("*.eml")):
            time.sleep(0.1)
    finally:
        restarted.kill()
        restarted.wait(timeout=10)
    [mail] = list(outbox.glob("*.eml"))
    text = mail.read_text(encoding="utf-8")
    assert f"[{case.reference}] Case received" in text and "To: ada@example.com" in text
    assert f"/cases/{case.reference}" in text


def _start(env: dict[str, str]) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen([sys.executable, "-c", SERVER], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    line = proc.stdout.readline()  # type: ignore[union-attr]
    if not line:
        proc.kill()
        pytest.fail("the test server did not start")
    return proc, int(line)
