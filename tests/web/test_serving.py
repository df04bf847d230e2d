"""Production serving: gunicorn with several workers boots on a fresh database (each worker runs the
migrations at start, safely) and serves pages and cases; `make serve` runs the same command."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
CASE = {
    "name": "Ada Lovelace", "email": "ada@example.com", "party_id": "ADAPWR", "market_participant_id": "ADAP",
    "cra_market_role": "Supplier", "category": "DIP – Registration / General Portal", "scenario_id": "DIP-REG-01",
    "subject": "No DIP invitation link yet", "description": "We requested onboarding on the 3rd and have had nothing.",
}  # fmt: skip


def test_make_serve_runs_gunicorn_with_overridable_workers_threads_and_port() -> None:
    out = subprocess.run(["make", "-n", "serve", "WORKERS=3", "THREADS=5", "PORT=8123"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    line = next(x for x in out.replace("\\\n", " ").splitlines() if "gunicorn" in x)
    assert "--workers 3" in line and "--threads 5" in line and "127.0.0.1:8123" in line
    assert '"app:create_app()"' in line


def test_make_run_mails_links_to_the_port_it_serves_on_unless_kb_base_url_is_set() -> None:
    def run_line(env: dict[str, str]) -> str:
        out = subprocess.run(["make", "-n", "run", "PORT=8123"], cwd=ROOT, capture_output=True, text=True,
                             check=True, env=env).stdout
        return next(x for x in out.splitlines() if "flask --app app run" in x)

    env = {k: v for k, v in os.environ.items() if k != "KB_BASE_URL"}
    line = run_line(env)
    assert "--port 8123" in line
    def base_url(env: dict[str, str]) -> str:  # what the server would see, running the line up to flask
        shell = line.split(" .venv/")[0] + " printenv KB_BASE_URL"
        return subprocess.run(["sh", "-c", shell], capture_output=True, text=True, env=env, check=True).stdout.strip()

    assert base_url(env) == "http://127.0.0.1:8123"
    assert base_url({**env, "KB_BASE_URL": "https://kb.example"}) == "https://kb.example"


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed in this environment")
def test_gunicorn_workers_boot_together_on_a_fresh_database_and_serve(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "KB_ENV": "production", "KB_SECRET_KEY": "serving-test-" + "x" * 32,
        "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'kb.sqlite3'}",
        "KB_OUTBOX_DIR": str(tmp_path / "outbox"), "KB_INDEX_DIR": str(tmp_path / "index"),
        "KB_CONTENT_DIR": str(ROOT / "tests" / "fixtures" / "content"), "KB_SEMANTIC": "off",
    }  # fmt: skip
    env.pop("KB_SMTP_URL", None)
    log = tmp_path / "gunicorn.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [str(GUNICORN), "--workers", "3", "--threads", "2", "--bind", "127.0.0.1:0", "app:create_app()"],
            cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        port = _wait_for_workers(log, 3, proc)
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", "account", "add", "ada@example.com",
                        "--first-name", "Ada", "--last-name", "Lovelace"], cwd=ROOT, env=env, check=True,
                       capture_output=True)  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        for _ in range(6):  # several requests, so more than one worker answers
            with urllib.request.urlopen(f"{base}/articles/webhook-not-working", timeout=30) as r:
                assert r.status == 200
        token = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "account", "token", "ada@example.com"],
                               cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.strip()
        request = urllib.request.Request(f"{base}/api/cases", data=json.dumps(CASE).encode(), method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": f"Bearer {token}"})  # fmt: skip
        with urllib.request.urlopen(request, timeout=30) as r:
            assert r.status == 201 and json.loads(r.read())["reference"] == "CS0000001"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    text = log.read_text()
    assert "Traceback" not in text and "Worker failed to boot" not in text, text[-3000:]
    assert "case store schema at head" in text  # migrated by the first worker that needed the database


def _wait_for_workers(log: Path, workers: int, proc: subprocess.Popen, seconds: float = 60) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = log.read_text()
        listening = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", text)
        if listening and text.count("Booting worker") >= workers:
            return int(listening.group(1))
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited: {text[-3000:]}")
        time.sleep(0.1)
    pytest.fail(f"gunicorn workers did not start: {log.read_text()[-3000:]}")
