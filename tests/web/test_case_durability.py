"""An acknowledged case survives the server being killed (SIGKILL) straight after its 201."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from app.cases.db import make_engine
from app.cases.store import CaseStore

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_CONTENT = ROOT / "tests" / "fixtures" / "content"

SERVER = """
import sys
from werkzeug.serving import make_server
from app import create_app
server = make_server("127.0.0.1", 0, create_app({"TESTING": False}), threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""

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
    proc, port = _start(env)
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/cases", data=json.dumps(CASE).encode(),
            headers={"Content-Type": "application/json"}, method="POST",
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

    token = body["tracking_url"].split("token=", 1)[1]
    restarted, port = _start(env)
    try:
        url = f"http://127.0.0.1:{port}/api/cases/{body['reference']}?token={token}"
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


def _start(env: dict[str, str]) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen([sys.executable, "-c", SERVER], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    line = proc.stdout.readline()  # type: ignore[union-attr]
    if not line:
        proc.kill()
        pytest.fail("the test server did not start")
    return proc, int(line)
