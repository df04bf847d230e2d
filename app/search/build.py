"""`make index`: bring the keyword (and, when available, semantic) index up to date with the content."""
from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from app.content.repository import ContentRepository
from app.search import analysis
from app.search.keyword import build_keyword_index
from app.search.store import IndexStore

logger = logging.getLogger(__name__)

#: bump when the keyword index folder's contents change (2: postings.npz for the array scorer; 3: one file per
#: part instead of a compound segment, which Whoosh copied whole into memory: 23 MB less at 1,000 articles;
#: 4: statistics of live documents only in postings.npz, so incremental and full builds score alike).
KEYWORD_FORMAT = "4"


@dataclass(frozen=True)
class BuildReport:
    kind: str
    rebuilt: bool
    documents: int
    seconds: float
    detail: str = ""
    embedded: int = 0  # passages sent to the embedding model (semantic index only)
    error: str | None = None  # why this index could not be built (the others still were)


def protected_terms(repo: ContentRepository) -> list[str]:
    """Acronyms the glossary defines: kept whole by the tokenizer even when typed in lower case."""
    names = {n for t in repo.glossary for n in (t.acronym, *t.aliases) if n and " " not in n}
    return sorted(n.lower() for n in names if analysis.is_identifier(n) or (n.isupper() and len(n) >= 2))


def keyword_fingerprint(repo: ContentRepository) -> str:
    h = hashlib.sha256(repo.fingerprint().encode())
    h.update(analysis.VERSION.encode())
    h.update(KEYWORD_FORMAT.encode())
    return h.hexdigest()


def build_keyword(repo: ContentRepository, store: IndexStore, force: bool = False) -> BuildReport:
    """Rebuild only when the content or tokenising changed; a failed build leaves the old index."""
    started = time.perf_counter()
    fingerprint = keyword_fingerprint(repo)
    current = store.entry("keyword")
    if not force and current and current.get("fingerprint") == fingerprint and store.path("keyword"):
        return BuildReport("keyword", False, int(current.get("documents", 0)), time.perf_counter() - started,
                           "up to date")
    articles = [a for a in repo.all_articles() if a.is_public]
    protected = protected_terms(repo)
    schema = hashlib.sha256("\n".join([analysis.VERSION, KEYWORD_FORMAT, *protected]).encode()).hexdigest()
    previous = store.path("keyword") if current and current.get("schema") == schema and not force else None
    with store.staging("keyword") as tmp:
        count, indexed = build_keyword_index(tmp, articles, repo.glossary, protected, previous=previous)
        store.publish("keyword", tmp, {"fingerprint": fingerprint, "schema": schema, "documents": count})
    seconds = time.perf_counter() - started
    logger.info("keyword index: indexed %d of %d documents in %.2fs", indexed, count, seconds)
    return BuildReport("keyword", True, count, seconds, f"indexed {indexed} of {count} documents")


def build_all(services, force: bool = False, texts: Mapping[str, Sequence[str]] | None = None) -> list[BuildReport]:
    """Every index the server uses: the keyword index and, unless search by meaning is off (KB_SEMANTIC=off), the
    semantic index and the stored vectors of `texts` (kind -> texts another layer embeds: the CLI gives the
    assistant's evidence, app.search.text_vectors). A store that fails to build leaves the others built."""
    repo = services.content  # every index from the same reading of the content
    reports = [build_keyword(repo, services.index_store, force=force)]
    semantic = services.search.semantic
    if getattr(semantic, "build", None) is None:
        logger.info("semantic index not built: search by meaning is off")
        return reports
    steps: list[tuple[str, Callable[[], BuildReport]]] = [("semantic", lambda: semantic.build(force=force, repo=repo))]
    steps += [(kind, functools.partial(semantic.build_vectors, kind, list(kind_texts), force=force))
              for kind, kind_texts in (texts or {}).items()]
    for kind, step in steps:
        started = time.perf_counter()
        try:
            reports.append(step())
        except Exception as exc:  # e.g. the model package missing: keep the keyword index and serve with it
            logger.exception("%s not built", kind)
            reports.append(BuildReport(kind, False, 0, time.perf_counter() - started,
                                       error=f"{type(exc).__name__}: {exc}"))
    return reports
