"""Article lifecycle on the site: drafts for staff only, retired articles gone (410) with their replacement,
history from Git (and without it), votes tied to a commit, and fresh content after `index build`."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from app import create_app
from app.web import auth

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def set_front(content_dir: Path, slug: str, **fields: str) -> None:
    path = content_dir / "articles" / f"{slug}.md"
    text = path.read_text(encoding="utf-8")
    for name, value in fields.items():
        if re.search(rf"^{name}:", text, flags=re.M):
            text = re.sub(rf"^{name}:.*$", f"{name}: {value}", text, count=1, flags=re.M)
        else:
            text = text.replace("\n---\n", f"\n{name}: {value}\n---\n", 1)
    path.write_text(text, encoding="utf-8")


def git(cwd: Path, *args: str, author: str = "Alice Author", date: str = "2026-03-02T10:00:00+00:00") -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": "a@example.org", "GIT_AUTHOR_DATE": date,
           "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": "a@example.org", "GIT_COMMITTER_DATE": date,
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def staff(monkeypatch):
    """Signed in as staff (sign-in itself is the console's job: pages only ask auth.is_staff())."""
    monkeypatch.setattr(auth, "is_staff", lambda: True)


def votes(app) -> list[tuple]:
    """The votes the app's own store recorded: (slug, helpful, reason, commit)."""
    return [(v.slug, v.helpful, v.reason, v.commit) for v in app.extensions["kb"].case_store.list_votes()]


def vote(client, slug: str, helpful: str = "yes"):
    html = client.get(f"/articles/{slug}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    return client.post(f"/articles/{slug}/vote", data={"helpful": helpful, "csrf_token": token})


# Drafts and review


@pytest.mark.parametrize("url", ["/articles/draft-article", "/articles/draft-article/history",
                                 "/api/articles/draft-article"])
def test_the_public_never_sees_a_draft(client, url):
    assert client.get(url).status_code == 404


def test_in_review_articles_are_hidden_like_drafts(app_config, content_dir):
    set_front(content_dir, "raise-a-case", status="in_review")
    client = create_app(app_config).test_client()
    assert client.get("/articles/raise-a-case").status_code == 404
    assert "How to raise and track a case" not in client.get("/articles/").get_data(as_text=True)


def test_staff_see_a_draft_with_a_banner_and_no_shared_caching(client, staff):
    r = client.get("/articles/draft-article")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Draft:</strong> only signed-in staff can see this article" in html
    assert r.headers["Cache-Control"] == "private, no-store"
    assert "Was this helpful?" not in html  # votes are for published articles
    assert client.get("/articles/draft-article/history").status_code == 200
    assert client.get("/api/articles/draft-article").status_code == 404  # the API is public


def test_published_articles_have_no_banner(client, staff):
    r = client.get("/articles/message-bounce-back")
    assert "only signed-in staff" not in r.get_data(as_text=True)
    assert "no-store" not in r.headers.get("Cache-Control", "")


# Retired


@pytest.fixture
def retired_client(app_config, content_dir):
    set_front(content_dir, "webhook-not-working", status="retired", replaced_by="message-bounce-back")
    set_front(content_dir, "raise-a-case", status="retired")
    set_front(content_dir, "message-bounce-back", related="[]")
    return create_app(app_config).test_client()


def test_a_retired_article_is_gone_and_links_to_its_replacement(retired_client):
    r = retired_client.get("/articles/webhook-not-working")
    assert r.status_code == 410
    html = r.get_data(as_text=True)
    assert "This article has been retired" in html
    assert '<a href="/articles/message-bounce-back">My DIP message bounced back</a>' in html


def test_a_retired_article_without_a_replacement_offers_search(retired_client, staff):
    r = retired_client.get("/articles/raise-a-case")
    assert r.status_code == 410  # staff too: retired is retired
    assert 'action="/search"' in r.get_data(as_text=True)


def test_the_api_says_gone_and_names_the_replacement(retired_client):
    r = retired_client.get("/api/articles/webhook-not-working")
    assert r.status_code == 410
    assert r.get_json() == {"error": "Article 'webhook-not-working' has been retired.", "status": 410,
                            "replaced_by": "message-bounce-back", "replacement_url": "/articles/message-bounce-back"}
    assert retired_client.get("/api/articles/raise-a-case").get_json()["replaced_by"] is None
    assert "webhook-not-working" not in {a["slug"] for a in retired_client.get("/api/articles").get_json()["articles"]}


# History from Git


@pytest.fixture
def git_content(content_dir):
    """The fixture corpus as a Git checkout with two commits to one article, by different people."""
    git(content_dir, "init", "-q", "-b", "main")
    git(content_dir, "add", ".")
    git(content_dir, "commit", "-q", "-m", "Add articles")
    set_front(content_dir, "message-bounce-back", summary="Why a message comes back.")
    git(content_dir, "commit", "-q", "-am", "Clarify the bounce summary", "-m",
        "Reader-Summary: The summary now says why a message\n  comes back.", author="Bob Reviewer",
        date="2026-11-20T09:30:00+00:00")
    return content_dir


@needs_git
def test_article_page_shows_the_last_change_and_links_the_history_without_naming_people(app_config, git_content):
    html = create_app(app_config).test_client().get("/articles/message-bounce-back").get_data(as_text=True)
    assert re.search(r"Last changed <time datetime=\"2026-11-20T09:30:00\+00:00\">20 November 2026</time> \(", html)
    assert "Bob Reviewer" not in html
    assert 'href="/articles/message-bounce-back/history"' in html


@needs_git
def test_staff_see_who_made_the_last_change(app_config, git_content, staff):
    html = create_app(app_config).test_client().get("/articles/message-bounce-back").get_data(as_text=True)
    assert re.search(r"20 November 2026</time> by Bob Reviewer", html)


@needs_git
def test_the_public_history_gives_dates_and_summaries_for_readers(app_config, git_content):
    r = create_app(app_config).test_client().get("/articles/message-bounce-back/history")
    html = r.get_data(as_text=True)
    rows = re.findall(r"<tr><td><time[^>]*>([^<]+)</time></td><td>([^<]+)</td></tr>", html)
    assert rows == [("20 November 2026", "The summary now says why a message comes back."),
                    ("2 March 2026", "First published")]
    assert "Bob Reviewer" not in html and "Clarify the bounce summary" not in html


@needs_git
def test_staff_history_lists_every_commit_newest_first(app_config, git_content, staff):
    r = create_app(app_config).test_client().get("/articles/message-bounce-back/history")
    html = r.get_data(as_text=True)
    rows = re.findall(r"<tr><td><time[^>]*>([^<]+)</time></td><td>([^<]+)</td><td>([^<]+)</td>", html)
    assert rows == [("20 November 2026", "Bob Reviewer", "Clarify the bounce summary"),
                    ("2 March 2026", "Alice Author", "Add articles")]
    assert "a@example.org" not in html  # names, never email addresses


@needs_git
def test_a_vote_records_the_articles_current_commit(app_config, git_content):
    app = create_app(app_config)
    assert vote(app.test_client(), "message-bounce-back", "no").status_code == 302
    head = git(git_content, "log", "-1", "--format=%H", "--", "articles/message-bounce-back.md").strip()
    assert votes(app) == [("message-bounce-back", False, None, head)]


def test_without_git_history_the_page_falls_back_to_the_review_date(app, client):
    html = client.get("/articles/message-bounce-back").get_data(as_text=True)
    assert "Last reviewed" in html and "Last changed" not in html
    history = client.get("/articles/message-bounce-back/history").get_data(as_text=True)
    assert "history is not available on this server" in history
    vote(client, "message-bounce-back")
    assert votes(app) == [("message-bounce-back", True, None, None)]


# Fresh content after `index build`


def test_the_running_server_picks_up_new_content_after_index_build(built_app, content_dir):
    client, runner = built_app.test_client(), built_app.test_cli_runner()
    assert client.get("/articles/webhook-not-working").status_code == 200
    set_front(content_dir, "webhook-not-working", title="Webhook stopped receiving DIP messages")
    new = (content_dir / "articles" / "raise-a-case.md").read_text().replace(
        "How to raise and track a case", "Escalate a stuck zebracorn case")
    (content_dir / "articles" / "escalate-a-case.md").write_text(new)
    # Edited files alone change nothing: the server serves what the published index was built from.
    assert "<h1>Webhook not receiving DIP messages</h1>" in client.get("/articles/webhook-not-working").get_data(
        as_text=True)
    assert client.get("/articles/escalate-a-case").status_code == 404

    result = runner.invoke(args=["index", "build"])
    assert result.exit_code == 0, result.output
    assert "<h1>Webhook stopped receiving DIP messages</h1>" in client.get("/articles/webhook-not-working").get_data(
        as_text=True)
    assert client.get("/articles/escalate-a-case").status_code == 200
    hits = client.get("/api/search?q=zebracorn&mode=keyword").get_json()["results"]
    assert [h["slug"] for h in hits] == ["escalate-a-case"]


def test_a_failed_build_keeps_the_old_index_and_content(built_app, content_dir, monkeypatch):
    import app.search.build as build

    client, runner = built_app.test_client(), built_app.test_cli_runner()
    assert client.get("/articles/webhook-not-working").status_code == 200
    set_front(content_dir, "webhook-not-working", title="Half-built title")

    def fail(folder, *args, **kwargs):
        (Path(folder) / "partial").write_text("half written")
        raise OSError("disk full")

    monkeypatch.setattr(build, "build_keyword_index", fail)
    assert runner.invoke(args=["index", "build"]).exit_code != 0
    assert "<h1>Webhook not receiving DIP messages</h1>" in client.get("/articles/webhook-not-working").get_data(
        as_text=True)
    assert not list((Path(built_app.config["KB_INDEX_DIR"])).glob(".keyword-building-*"))
    hits = client.get("/api/search?q=webhook&mode=keyword").get_json()
    assert hits["degraded"] is False and hits["results"][0]["title"] == "Webhook not receiving DIP messages"
