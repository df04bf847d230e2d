from pathlib import Path

import pytest

from app.content.repository import ContentRepository
from app.search.build import build_keyword
from app.search.keyword import KeywordIndex
from app.search.service import SearchService
from app.search.store import IndexStore
from app.search.synonyms import Synonyms


@pytest.fixture
def service(content_dir: Path, tmp_path: Path) -> SearchService:
    repo = ContentRepository(content_dir)
    store = IndexStore(tmp_path / "index")
    build_keyword(repo, store)
    return SearchService(repo, store, Synonyms([["certificate", "cert"], ["dcp", "dip connection provider"]]))


def slugs(response):
    return [h.slug for h in response.hits]


@pytest.mark.parametrize("query, expected", [
    ("message bounced back", "message-bounce-back"),
    ("webhook not receiving", "webhook-not-working"),
    ("GlobalSign certificate upload", "certificate-upload-fails"),
    ("IF-036", "ldso-registration-delays"),
    ("D0010", "ldso-registration-delays"),
    ("REP002a", "ldso-registration-delays"),
    ("raise a case", "raise-a-case"),
])
def test_the_obvious_article_ranks_first(service, query, expected):
    r = service.search(query, mode="keyword")
    assert slugs(r)[0] == expected


def test_title_outranks_body(service):
    r = service.search("webhook", mode="keyword")
    assert slugs(r)[0] == "webhook-not-working"


def test_synonyms_expand_the_query(service):
    r = service.search("cert upload", mode="keyword")
    assert slugs(r)[0] == "certificate-upload-fails"
    assert r.hits[0].why["expansions"] == {"cert": ["certificate"]}


def test_typos_still_find_the_article_and_suggest_a_spelling(service):
    r = service.search("webhok", mode="keyword")
    assert "webhook-not-working" in slugs(r)
    assert r.suggestion == "webhook"


def test_the_suggestion_keeps_the_question_as_typed_around_the_corrected_word(service):
    r = service.search("Why isn't the webhok receiving?", mode="keyword")
    assert r.suggestion == "Why isn't the webhook receiving?"


def test_a_short_word_two_edits_from_anything_known_is_left_alone(service):
    # "hook" -> "webhook" is out (first letter), and no known h-word is one edit from "hoik"
    assert service.search("hoik", mode="keyword").suggestion is None
    assert service.search("certficate", mode="keyword").suggestion == "certificate"


def test_glossary_entry_leads_when_the_query_is_a_term(service):
    r = service.search("ldso", mode="keyword")
    assert (r.hits[0].kind, r.hits[0].slug) == ("glossary", "ldso")


def test_category_filter_and_draft_exclusion(service):
    r = service.search("check", mode="keyword", category="certificates", limit=20)
    assert slugs(r) == ["certificate-upload-fails"]
    assert "draft-article" not in slugs(service.search("draft secrets", mode="keyword"))


def test_snippets_highlight_matches_and_escape_text(content_dir, tmp_path):
    (content_dir / "articles" / "xss.md").write_text(
        "---\ntitle: Angle brackets\nsummary: s\ncategory: messaging\nstatus: published\n---\n"
        "Use `<script>alert(1)</script>` never; brackets matter.\n", encoding="utf-8")
    repo = ContentRepository(content_dir)
    store = IndexStore(tmp_path / "ix2")
    build_keyword(repo, store)
    r = SearchService(repo, store, Synonyms([])).search("brackets", mode="keyword")
    snippet = r.hits[0].snippet
    assert "<mark" in snippet and "<script>" not in snippet


def test_semantic_modes_degrade_to_keyword_without_a_semantic_index(service):
    r = service.search("bounced", mode="hybrid")
    assert r.degraded and r.notice
    assert slugs(r)[0] == "message-bounce-back"


def test_rebuild_only_when_content_changes_and_failed_build_keeps_old_index(content_dir, tmp_path, monkeypatch):
    repo = ContentRepository(content_dir)
    store = IndexStore(tmp_path / "ix3")
    assert build_keyword(repo, store).rebuilt
    assert not build_keyword(repo, store).rebuilt
    before = store.path("keyword")

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("app.search.build.build_keyword_index", boom)
    with pytest.raises(RuntimeError):
        build_keyword(repo, store, force=True)
    assert store.path("keyword") == before
    assert [p.name for p in (tmp_path / "ix3").iterdir() if p.name.startswith(".keyword-building")] == []
    assert KeywordIndex.open(before, Synonyms([])).doc_count > 0


def test_serves_from_memory_when_no_index_was_built(content_dir, tmp_path):
    repo = ContentRepository(content_dir)
    svc = SearchService(repo, IndexStore(tmp_path / "none"), Synonyms([]))
    r = svc.search("webhook", mode="keyword")
    assert slugs(r)[0] == "webhook-not-working"
    assert r.degraded and "make index" in r.notice


def test_picks_up_a_new_build_without_restart(content_dir, tmp_path):
    repo = ContentRepository(content_dir)
    store = IndexStore(tmp_path / "ix4")
    build_keyword(repo, store)
    svc = SearchService(repo, store, Synonyms([]))
    assert "zebra-article" not in slugs(svc.search("zebra", mode="keyword"))
    (content_dir / "articles" / "zebra-article.md").write_text(
        "---\ntitle: Zebra crossings\nsummary: s\ncategory: messaging\nstatus: published\n---\nZebra.\n",
        encoding="utf-8")
    build_keyword(ContentRepository(content_dir), store)
    assert "zebra-article" in slugs(svc.search("zebra", mode="keyword"))


@pytest.mark.parametrize("query", ["message bounced back", "certifcate upload", "webhook"])
def test_ranking_only_search_ranks_the_same_without_the_explanations(service, query):
    index, _ = service.keyword_index()
    full, _ = index.search(query, limit=20)
    lean, suggestion = index.search(query, limit=20, explain=False)
    assert [(h.kind, h.slug, h.score) for h in lean] == [(h.kind, h.slug, h.score) for h in full]
    assert suggestion is None
    assert all(not h.why["keyword_terms"] and "<mark>" not in h.snippet for h in lean)
    assert any(h.why["keyword_terms"] for h in full)
