from app.content.repository import ContentRepository


def test_malformed_file_is_skipped_and_reported_while_the_rest_load(content_dir):
    (content_dir / "articles" / "broken.md").write_text("---\ntitle: [oops\n---\nbody", encoding="utf-8")
    repo = ContentRepository(content_dir)
    assert repo.get_article("broken") is None
    assert repo.get_article("message-bounce-back") is not None
    [problem] = repo.problems
    assert problem.path == "articles/broken.md" and problem.line == 2


def test_only_published_articles_are_public(content_dir):
    repo = ContentRepository(content_dir)
    assert "draft-article" not in {a.slug for a in repo.published()}
    assert repo.get_article("draft-article") is not None


def test_glossary_pages_by_letter_and_size(content_dir):
    repo = ContentRepository(content_dir)
    page = repo.glossary_page(None, 1, 10)
    assert (page.total, len(page.terms), page.first, page.last, page.pages) == (26, 10, 1, 10, 3)
    last = repo.glossary_page(None, 3, 10)
    assert (len(last.terms), last.first, last.last) == (6, 21, 26)
    assert repo.glossary_page("B", 1, 50).total == 8
    everything = repo.glossary_page(None, 1, None)
    assert len(everything.terms) == 26 and everything.pages == 1
    assert repo.glossary_page("Z", 1, 10).total == 0


def test_finds_terms_by_acronym_alias_any_case_and_mentions(content_dir):
    repo = ContentRepository(content_dir)
    assert repo.find_term("ldso").slug == "ldso"
    assert repo.find_term("Distribution Network Operator").slug == "ldso"
    article = repo.get_article("ldso-registration-delays")
    assert "ldso" in [t.slug for t in repo.terms_in(article)]


def test_fingerprint_changes_when_content_changes(content_dir):
    before = ContentRepository(content_dir).fingerprint()
    (content_dir / "glossary" / "dip.md").write_text("---\nterm: DIP\n---\nChanged.", encoding="utf-8")
    assert ContentRepository(content_dir).fingerprint() != before
