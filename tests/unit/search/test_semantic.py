"""Semantic index and search with the FakeEmbedder: incremental builds, folding, degrading to keyword."""
import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from app.content.repository import ContentRepository
from app.search.build import build_keyword
from app.search.embedder import FakeEmbedder
from app.search.passages import article_passages
from app.search.semantic import DisabledSemantic, SemanticSearcher
from app.search.semantic_index import PASSAGES_FILE, SemanticIndex, build_semantic
from app.search.service import SearchService
from app.search.store import IndexStore

LONG_ARTICLE = """---
title: Looking after DIP certificates and keys
summary: Renewing certificates and rotating signing keys.
category: certificates
tags: [renewal, rotation]
status: published
scenarios: [DIP-ANNUAL-01]
---
{intro}

## Renewing the certificate every year

{renew}

## Rotating signing keys

{rotate}
"""
INTRO = " ".join(["An overview of the regular jobs that keep your connection trusted and working."] * 6)
RENEW = " ".join(["Certificate renewal happens once a year before the expiry date, through GlobalSign vetting."] * 8)
ROTATE = " ".join(["Key rotation replaces the private signing key and uploads the new public key to the portal."] * 8)


class SlowLoadingEmbedder(FakeEmbedder):
    """A model that takes as long to load as the test says."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def load(self) -> None:
        assert self.release.wait(10)
        super().load()


@pytest.fixture
def repo(content_dir: Path) -> ContentRepository:
    (content_dir / "articles" / "certificates-and-keys.md").write_text(
        LONG_ARTICLE.format(intro=INTRO, renew=RENEW, rotate=ROTATE), encoding="utf-8")
    return ContentRepository(content_dir)


@pytest.fixture
def store(tmp_path: Path) -> IndexStore:
    return IndexStore(tmp_path / "index")


@pytest.fixture
def embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def searcher(repo, store, embedder) -> SemanticSearcher:
    build_keyword(repo, store)
    build_semantic(repo, store, embedder)
    s = SemanticSearcher(repo, store, embedder)
    assert s.wait_ready(5)
    return s


@pytest.fixture
def service(repo, store, searcher) -> SearchService:
    return SearchService(repo, store, semantic=searcher)


def slugs(hits):
    return [h.slug for h in hits]


# Building

def test_first_build_embeds_every_passage_and_a_second_build_embeds_none(repo, store, embedder):
    first = build_semantic(repo, store, embedder)
    assert first.rebuilt and first.documents > 0 and first.embedded == first.documents == embedder.encoded
    version, folder = store.version(), store.path("semantic")

    second = build_semantic(ContentRepository(repo.content_dir), store, embedder)
    assert (second.rebuilt, second.embedded, embedder.encoded) == (False, 0, first.embedded)
    assert (store.version(), store.path("semantic")) == (version, folder)  # not republished


def test_changing_one_article_embeds_only_its_changed_passages(repo, store, embedder):
    build_semantic(repo, store, embedder)
    embedder.texts.clear()
    path = repo.content_dir / "articles" / "certificates-and-keys.md"
    path.write_text(path.read_text(encoding="utf-8").replace("uploads the new public key", "shares the new key"),
                    encoding="utf-8")
    edited = ContentRepository(repo.content_dir)

    report = build_semantic(edited, store, embedder)

    passages = article_passages(edited.get_article("certificates-and-keys"))
    rotate = [p for p in passages if p.section == "rotating-signing-keys"]
    assert report.rebuilt and report.embedded == len(rotate) == len(embedder.texts) >= 1
    assert all("Rotating signing keys" in t for t in embedder.texts)
    assert report.documents == len(SemanticIndex.open(store.path("semantic")))


def test_an_edit_that_changes_no_passage_embeds_nothing_and_does_not_republish(repo, store, embedder):
    build_semantic(repo, store, embedder)
    version = store.version()
    path = repo.content_dir / "articles" / "message-bounce-back.md"
    path.write_text(path.read_text(encoding="utf-8").replace("owner: Test team", "owner: Other team"), encoding="utf-8")
    report = build_semantic(ContentRepository(repo.content_dir), store, embedder)
    assert (report.rebuilt, report.embedded, store.version()) == (False, 0, version)


def test_removing_an_article_republishes_without_embedding(repo, store, embedder):
    first = build_semantic(repo, store, embedder)
    (repo.content_dir / "articles" / "webhook-not-working.md").unlink()
    report = build_semantic(ContentRepository(repo.content_dir), store, embedder)
    assert report.rebuilt and report.embedded == 0 and report.documents < first.documents
    index = SemanticIndex.open(store.path("semantic"))
    assert "webhook-not-working" not in {r.slug for r in index.records}


def test_manifest_records_model_dimension_and_a_hash_per_passage(repo, store, embedder):
    build_semantic(repo, store, embedder)
    entry = store.entry("semantic")
    expected = (embedder.model_id, embedder.dim, len(embedder.texts))
    assert (entry["model_id"], entry["dim"], entry["passages"]) == expected
    stored = json.loads((store.path("semantic") / PASSAGES_FILE).read_text(encoding="utf-8"))
    by_id = {p.id: p.hash for a in repo.published() for p in article_passages(a)}
    articles = [p for p in stored["passages"] if p["kind"] == "article"]
    assert articles and all(by_id[p["id"]] == p["hash"] for p in articles)
    assert stored["model_id"] == embedder.model_id


def test_reused_vectors_equal_freshly_embedded_ones(repo, store, embedder):
    build_semantic(repo, store, embedder)
    (repo.content_dir / "articles" / "raise-a-case.md").unlink()
    build_semantic(ContentRepository(repo.content_dir), store, embedder)
    index = SemanticIndex.open(store.path("semantic"))
    fresh = FakeEmbedder().encode([p.embed_text for a in sorted(ContentRepository(repo.content_dir).published(),
                                                                 key=lambda a: a.slug) for p in article_passages(a)])
    assert np.allclose(index.vectors()[: len(fresh)], fresh)


def test_force_and_a_new_model_embed_everything(repo, store, embedder):
    total = build_semantic(repo, store, embedder).documents
    assert build_semantic(repo, store, embedder, force=True).embedded == total
    assert build_semantic(repo, store, FakeEmbedder(model_id="another-model")).embedded == total


def test_a_failed_build_leaves_the_old_index_serving(repo, store, embedder):
    build_semantic(repo, store, embedder)
    before = store.path("semantic")

    class Broken(FakeEmbedder):
        def encode(self, texts):
            raise RuntimeError("out of memory")

    with pytest.raises(RuntimeError):
        build_semantic(repo, store, Broken(), force=True)
    assert store.path("semantic") == before
    assert not [p for p in store.root.iterdir() if p.name.startswith(".semantic-building")]


# Searching

def test_a_paraphrase_finds_the_article_with_one_hit_per_article(service):
    r = service.search("my messages keep bouncing", mode="semantic")
    assert not r.degraded
    assert r.hits[0].slug == "message-bounce-back"
    assert len(slugs(r.hits)) == len(set(slugs(r.hits)))
    assert r.hits[0].why["similarity"] > 0 and r.hits[0].why["semantic_rank"] == 1


def test_semantic_hits_link_to_the_best_section(searcher):
    [hit, *_] = searcher.search("rotation of the private signing key", 5, None)
    assert (hit.slug, hit.section) == ("certificates-and-keys", "rotating-signing-keys")
    assert "signing key" in hit.snippet
    [hit, *_] = searcher.search("renewal happens once a year before the expiry date", 5, None)
    assert (hit.slug, hit.section) == ("certificates-and-keys", "renewing-the-certificate-every-year")


def test_category_filter_and_drafts(searcher):
    assert set(slugs(searcher.search("certificate", 10, "certificates"))) == {"certificate-upload-fails",
                                                                            "certificates-and-keys"}
    assert "draft-article" not in slugs(searcher.search("draft secrets", 20, None))


def test_hybrid_explains_each_result(service):
    r = service.search("message bounced back", mode="hybrid")
    assert not r.degraded
    top = r.hits[0]
    assert top.slug == "message-bounce-back"
    assert top.why["fused_rank"] == 1 and top.why["keyword_terms"] and top.why["similarity"] > 0
    assert [h.why["fused_rank"] for h in r.hits] == list(range(1, len(r.hits) + 1))


def test_hybrid_takes_the_section_from_the_semantic_side(service):
    r = service.search("rotating the signing key", mode="hybrid")
    hit = next(h for h in r.hits if h.slug == "certificates-and-keys")
    assert hit.section == "rotating-signing-keys"


# Degrading

def test_degrades_to_keyword_when_the_semantic_index_is_deleted(service, store):
    assert not service.search("bounced", mode="hybrid").degraded
    shutil.rmtree(store.path("semantic"))
    r = service.search("bounced", mode="hybrid")
    assert r.degraded and "semantic index has not been built" in r.notice
    assert slugs(r.hits)[0] == "message-bounce-back"
    assert "fused_rank" not in r.hits[0].why


def test_degrades_when_the_index_was_built_with_another_model(repo, store):
    build_keyword(repo, store)
    build_semantic(repo, store, FakeEmbedder(model_id="some-other-model"))
    searcher = SemanticSearcher(repo, store, FakeEmbedder())
    assert searcher.wait_ready(5)
    r = SearchService(repo, store, semantic=searcher).search("bounced", mode="semantic")
    assert r.degraded and "different model" in r.notice and slugs(r.hits)[0] == "message-bounce-back"


def test_keyword_serves_while_the_model_loads(repo, store, embedder):
    build_keyword(repo, store)
    build_semantic(repo, store, embedder)
    slow = SlowLoadingEmbedder()
    searcher = SemanticSearcher(repo, store, slow)
    searcher.start()
    service = SearchService(repo, store, semantic=searcher)
    r = service.search("bounced", mode="hybrid")
    assert r.degraded and "starting up" in r.notice and slugs(r.hits)[0] == "message-bounce-back"
    slow.release.set()
    assert searcher.wait_ready(5)
    assert not service.search("bounced", mode="hybrid").degraded


def test_a_model_that_fails_to_load_degrades_instead_of_failing(repo, store):
    class Broken(FakeEmbedder):
        def load(self):
            raise OSError("weights missing")

    searcher = SemanticSearcher(repo, store, Broken())
    assert not searcher.wait_ready(5)
    assert "could not be loaded" in searcher.status()


def test_picks_up_a_new_semantic_build_without_restart(repo, store, embedder):
    build_keyword(repo, store)
    build_semantic(repo, store, FakeEmbedder(model_id="some-other-model"))
    searcher = SemanticSearcher(repo, store, embedder)
    assert searcher.wait_ready(5)
    service = SearchService(repo, store, semantic=searcher)
    assert service.search("bounced", mode="hybrid").degraded
    build_semantic(repo, store, embedder)  # `make index` while the server runs
    r = service.search("bounced", mode="hybrid")
    assert not r.degraded and r.hits[0].why["fused_rank"] == 1


def test_disabled_semantic_says_why():
    assert "KB_SEMANTIC=off" in DisabledSemantic().status()


def test_only_changed_articles_are_split_again(repo, store, embedder, monkeypatch):
    import app.search.semantic_index as semantic_index

    build_semantic(repo, store, embedder)
    split = []
    real = semantic_index.article_passages
    monkeypatch.setattr(semantic_index, "article_passages", lambda a: split.append(a.slug) or real(a))
    path = repo.content_dir / "articles" / "raise-a-case.md"
    path.write_text(path.read_text(encoding="utf-8").replace("support portal", "Elexon portal"), encoding="utf-8")
    report = build_semantic(ContentRepository(repo.content_dir), store, embedder)
    assert split == ["raise-a-case"] and report.rebuilt and report.embedded >= 1


# The relevance floor

@pytest.fixture
def floored(repo, store) -> SearchService:
    """Search with a model whose relevance floor is set (the real one's is calibrated in app.search.embedder)."""
    embedder = FakeEmbedder(relevance_floor=0.3)
    build_keyword(repo, store)
    build_semantic(repo, store, embedder)
    searcher = SemanticSearcher(repo, store, embedder)
    assert searcher.wait_ready(5)
    return SearchService(repo, store, semantic=searcher)


@pytest.mark.parametrize("text", ["xyzzy", "flibbertigibbet", "pizza recipe", "chocolate cake without eggs"])
@pytest.mark.parametrize("mode", ["semantic", "hybrid"])
def test_a_question_unlike_anything_gets_no_results(floored, text, mode):
    response = floored.search(text, mode=mode)
    assert response.hits == () and response.total == 0 and not response.degraded


@pytest.mark.parametrize("mode", ["semantic", "hybrid"])
def test_results_above_the_floor_are_kept(floored, mode):
    response = floored.search("renewing certificates and rotating signing keys", mode=mode)
    assert "certificates-and-keys" in slugs(response.hits)
    if mode == "semantic":
        assert all(h.why["similarity"] >= 0.3 for h in response.hits)


def test_hybrid_keeps_keyword_results_when_most_words_are_known_even_if_meaning_finds_nothing(repo, store):
    embedder = FakeEmbedder(relevance_floor=1.01)  # no passage can reach it
    build_keyword(repo, store)
    build_semantic(repo, store, embedder)
    searcher = SemanticSearcher(repo, store, embedder)
    assert searcher.wait_ready(5)
    service = SearchService(repo, store, semantic=searcher)
    assert service.search("certificate renewal", mode="semantic").hits == ()
    assert "certificates-and-keys" in slugs(service.search("certificate renewal", mode="hybrid").hits)
    assert service.search("certificate pizza lasagne sourdough", mode="hybrid").hits == ()


def test_a_real_word_near_a_knowledge_base_word_is_not_counted_as_its_typo(repo, store):
    # "trussed" is one edit from "trusted", but it is an English word: a question about trussed keys is not
    # about trusted ones, so with nothing near in meaning it gets no results; a real typo still counts
    searcher = SemanticSearcher(repo, store, FakeEmbedder(relevance_floor=1.01))  # no passage can reach it
    build_keyword(repo, store)
    build_semantic(repo, store, searcher.embedder)
    assert searcher.wait_ready(5)
    service = SearchService(repo, store, semantic=searcher)
    assert service.search("trussed keys", mode="hybrid").hits == ()
    assert "certificates-and-keys" in slugs(service.search("certficate renewal", mode="hybrid").hits)


def test_pages_of_results_cover_the_ranking_once(service):
    first = service.search("message certificate", mode="hybrid", limit=2)
    second = service.search("message certificate", mode="hybrid", limit=2, offset=2)
    everything = service.search("message certificate", mode="hybrid", limit=50)
    assert first.total == second.total == everything.total == len(everything.hits) > 3
    assert slugs(first.hits) + slugs(second.hits) == slugs(everything.hits)[:4]
