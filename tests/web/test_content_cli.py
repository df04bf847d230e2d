"""`flask content check` and `flask content new`, through the app's CLI runner."""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from app.content.authoring import add_months


def test_check_reports_path_line_and_summary_and_passes_on_warnings_only(runner):
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == ("articles/raise-a-case.md:11: warning: "
                        "published article lists no scenarios, topics or service_requests")
    assert lines[-1] == "0 errors, 1 warning in 1 file (6 articles and 26 glossary terms checked)."


def test_check_fails_on_an_error(runner, content_dir):
    page = content_dir / "articles" / "webhook-not-working.md"
    page.write_text(page.read_text().replace("related: []", "related: [no-such-article]"))
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1
    assert ("articles/webhook-not-working.md:10: error: related article 'no-such-article' does not exist"
            in result.output)
    assert result.output.splitlines()[-1].startswith("1 error, 1 warning in 2 files")


def test_check_files_reports_only_the_named_files(runner, content_dir, monkeypatch):
    monkeypatch.chdir(content_dir)
    (content_dir / "articles" / "message-bounce-back.md").unlink()  # the fixture's only related link now breaks
    clean = runner.invoke(args=["content", "check", "--files", "articles/raise-a-case.md"])
    assert clean.exit_code == 0
    assert "message-bounce-back" not in clean.output
    assert clean.output.splitlines()[-1].endswith("; reporting on 1 changed file).")
    changed = runner.invoke(args=["content", "check", "--files", "articles/webhook-not-working.md"])
    assert changed.exit_code == 0 and "No problems" in changed.output
    broken = content_dir / "articles" / "raise-a-case.md"
    broken.write_text(broken.read_text() + "\nSee [bounces](/articles/message-bounce-back).\n")
    result = runner.invoke(args=["content", "check", "--files", "articles/raise-a-case.md"])
    assert result.exit_code == 1
    assert "link to a missing article 'message-bounce-back'" in result.output


def test_new_writes_a_draft_from_the_template_that_passes_the_check(runner, content_dir):
    result = runner.invoke(args=["content", "new", "Webhook: certificate expired", "--category", "messaging"])
    assert result.exit_code == 0, result.output
    path = content_dir / "articles" / "webhook-certificate-expired.md"
    front = yaml.safe_load(path.read_text().split("---")[1])
    today = dt.date.today()
    assert front["title"] == "Webhook: certificate expired"
    assert (front["status"], front["category"], front["owner"]) == ("draft", "messaging", "Test team")
    assert (front["reviewed"], front["review_by"]) == (today, add_months(today, 6))
    assert "## What to check first" in path.read_text()
    check = runner.invoke(args=["content", "check"])
    assert check.exit_code == 0, check.output
    assert "webhook-certificate-expired" not in check.output  # a draft may keep its TODOs


def test_new_refuses_to_overwrite_and_checks_the_category(runner, content_dir):
    before = (content_dir / "articles" / "raise-a-case.md").read_text()
    result = runner.invoke(args=["content", "new", "Raise a case", "--category", "getting-help"])
    assert result.exit_code == 1 and "already exists" in result.output
    assert (content_dir / "articles" / "raise-a-case.md").read_text() == before
    result = runner.invoke(args=["content", "new", "Something", "--category", "nope"])
    assert result.exit_code == 2 and "'nope' is not one of: certificates, getting-help, messaging" in result.output


def test_add_months_keeps_the_day_or_ends_the_month():
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 11, 26), 6) == dt.date(2027, 5, 26)
    assert add_months(dt.date(2027, 9, 30), 5) == dt.date(2028, 2, 29)


def test_pre_commit_runs_the_check_on_changed_content_files_only():
    config = yaml.safe_load((Path(__file__).parents[2] / ".pre-commit-config.yaml").read_text())
    [hook] = [h for repo in config["repos"] for h in repo["hooks"] if h["id"] == "content-check"]
    assert hook["entry"].endswith("flask --app app content check --files") and hook["pass_filenames"]
    files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])

    def runs_on(path: str) -> bool:
        return bool(files.search(path)) and not exclude.search(path)

    assert runs_on("articles/x.md") and runs_on("glossary/y.md") and runs_on("articles/categories.yaml")
    assert not runs_on("articles/README.md") and not runs_on("app/content/checks.py")


def test_content_check_on_a_fresh_clone_opens_no_database_and_loads_no_model(tmp_path, content_dir):
    """Services are built on first use: the pre-commit hook's command touches the content and nothing else."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "KB_CONTENT_DIR": str(content_dir), "KB_INDEX_DIR": str(tmp_path / "index"),
           "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'kb.sqlite3'}",
           "KB_OUTBOX_DIR": str(tmp_path / "outbox"), "KB_SECRET_KEY": "k" * 40, "KB_SEMANTIC": "on"}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "content", "check"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "articles and" in done.stdout and "glossary terms checked" in done.stdout
    assert not (tmp_path / "instance").exists()  # no database file, not even its folder
    assert not (tmp_path / "index").exists() and not (tmp_path / "outbox").exists()


def test_services_are_built_when_first_used(app):
    services = app.extensions["kb"]
    assert "case_store" not in vars(services) and "search" not in vars(services)
    assert services.case_store is services.case_store  # built once, then kept
    assert "engine" in vars(services) and "search" not in vars(services)
