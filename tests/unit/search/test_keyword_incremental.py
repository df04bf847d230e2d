"""`make index` after editing one article re-indexes that article only, and searches as a full build would."""
from pathlib import Path

from app.content.repository import ContentRepository
from app.search.build import build_keyword
from app.search.service import SearchService
from app.search.store import IndexStore
from app.search.synonyms import Synonyms

QUERIES = ["webhook", "message bounced back", "zebra crossing", "certificate", "IF-036", "raise a case", "webhok"]


def results(content_dir: Path, store: IndexStore) -> dict[str, list[tuple[str, float, tuple[str, ...]]]]:
    svc = SearchService(ContentRepository(content_dir), store, Synonyms([["bounce", "returned"]]))
    out = {}
    for q in QUERIES:
        r = svc.search(q, mode="keyword", limit=20)
        out[q] = [(h.slug, round(h.score, 9), tuple(h.why["keyword_terms"])) for h in r.hits]
    return out


def edit(content_dir: Path) -> None:
    path = content_dir / "articles" / "webhook-not-working.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Check your listener is reachable.",
                                                             "Check your zebra crossing listener."), encoding="utf-8")
    (content_dir / "articles" / "raise-a-case.md").unlink()
    (content_dir / "articles" / "zebra.md").write_text(
        "---\ntitle: Zebra crossings\nsummary: Stripes.\ncategory: messaging\nstatus: published\n---\nZebra.\n",
        encoding="utf-8")


def test_one_changed_article_is_reindexed_alone_and_results_equal_a_full_build(content_dir, tmp_path):
    store = IndexStore(tmp_path / "incremental")
    first = build_keyword(ContentRepository(content_dir), store)
    assert first.detail == f"indexed {first.documents} of {first.documents} documents"
    edit(content_dir)

    report = build_keyword(ContentRepository(content_dir), store)
    assert report.rebuilt and report.detail == f"indexed 2 of {report.documents} documents"  # edited + added

    fresh = IndexStore(tmp_path / "full")
    build_keyword(ContentRepository(content_dir), fresh, force=True)
    incremental, full = results(content_dir, store), results(content_dir, fresh)
    assert [s for s, _, _ in incremental["zebra crossing"]][:2] == ["zebra", "webhook-not-working"]
    assert "raise-a-case" not in [s for s, _, _ in incremental["raise a case"]]
    for q in QUERIES:
        assert incremental[q] == full[q], q  # same documents, same scores, same order, same matched terms


def test_a_new_glossary_acronym_changes_the_schema_and_forces_a_full_build(content_dir, tmp_path):
    store = IndexStore(tmp_path / "ix")
    build_keyword(ContentRepository(content_dir), store)
    (content_dir / "glossary" / "mpan.md").write_text(
        "---\nterm: Meter Point Administration Number\nacronym: MPAN\nsource: Industry\n---\nThe meter's number.\n",
        encoding="utf-8")
    report = build_keyword(ContentRepository(content_dir), store)
    assert report.detail == f"indexed {report.documents} of {report.documents} documents"
