"""The composition root: builds every service from settings. No Flask here."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from app import background, heap
from app.assistant.conversations import conversation_log_for, rate_limiter_for
from app.assistant.service import Assistant
from app.cases.db import make_engine, upgrade_or_retry
from app.cases.mail import Mailer
from app.cases.notify import Notifier
from app.cases.service import CaseService
from app.cases.store import CaseStore
from app.console.accounts import StaffAccounts
from app.console.searchlog import SearchLog
from app.console.store import ConsoleStore
from app.console.views import ViewCounter
from app.content.history import ContentHistory
from app.content.repository import ContentRepository
from app.content.source import ContentSource
from app.search.embedder import Embedder, SentenceTransformerEmbedder
from app.search.process import ProcessPolicy
from app.search.semantic import DisabledSemantic, SemanticSearcher
from app.search.service import SearchService
from app.search.store import IndexStore
from app.servicemodel import ServiceModel, load_service_model

#: The server's process policy, handed to the services that run work in the background.
SERVER_PROCESS = ProcessPolicy(start=background.start, settle=heap.settle, stopping=background.stopping)


@dataclass
class Services:
    config: dict[str, Any]
    model: ServiceModel
    source: ContentSource  # the content as of the latest published index (reloads without a restart)
    history: ContentHistory  # who changed each article and when, from Git
    index_store: IndexStore
    search: SearchService
    case_store: CaseStore  # cases, conversations, votes, rate limits (one database)
    cases: CaseService  # case_store plus raiser notifications: use this to raise and update cases
    mailer: Mailer
    records: CaseStore  # the same store, for votes and conversations
    staff: StaffAccounts  # console sign-in: staff accounts and login throttling
    console: ConsoleStore  # articles linked to case resolutions, knowledge requests
    views: ViewCounter  # article page views, for the articles report
    searches: SearchLog  # searches counted per normalised query and day, for the knowledge-gaps report


    @cached_property
    def assistant(self) -> Assistant:
        """The deflection assistant; conversations and rate limits go to the cases store when there is one."""
        store = getattr(self, "records", None)
        return Assistant(lambda: self.content, self.model, self.search,
                         conversations=conversation_log_for(store), limiter=rate_limiter_for(store),
                         clock=clock_from(self.config.get("KB_NOW")))

    @property
    def content(self) -> ContentRepository:
        """The current articles and glossary; ask again per request, it changes when a new index is published."""
        return self.source.current()


def clock_from(pinned: str | None) -> Callable[[], datetime]:
    """The server's clock, or the fixed time KB_NOW gives (naive times are UK time)."""
    if not pinned:
        return lambda: datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(str(pinned))
    except ValueError as exc:
        raise ValueError(f"KB_NOW must be an ISO date and time, e.g. 2026-11-04T11:00:00: {pinned!r}") from exc
    moment = moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("Europe/London"))
    return lambda: moment


def build_services(config: dict[str, Any], embedder: Embedder | None = None) -> Services:
    content_dir = Path(config["KB_CONTENT_DIR"])
    store = IndexStore(Path(config["KB_INDEX_DIR"]))
    source = ContentSource(lambda: ContentRepository(content_dir), store.version)
    search = SearchService(source, store, semantic=build_semantic_search(config, source, store, embedder))
    engine = make_engine(config["KB_DATABASE_URL"])
    upgrade_or_retry(engine)  # an unreachable database does not stop the site: pages needing it answer 503
    case_store = CaseStore(engine)
    mailer = Mailer(config.get("KB_SMTP_URL"), config["KB_OUTBOX_DIR"], config["KB_MAIL_FROM"])
    cases = CaseService(case_store, Notifier(mailer, config["KB_BASE_URL"]))
    return Services(config=config, model=load_service_model(), source=source,
                    history=ContentHistory(content_dir), index_store=store, search=search,
                    case_store=case_store, cases=cases, mailer=mailer, records=case_store,
                    staff=StaffAccounts(engine, notify=mailer.send), console=ConsoleStore(engine),
                    views=ViewCounter(engine), searches=SearchLog(engine))


def build_semantic_search(config: dict[str, Any], content: ContentSource, store: IndexStore,
                          embedder: Embedder | None = None) -> SemanticSearcher | DisabledSemantic:
    """KB_SEMANTIC=on: the model loads in the background from the server's first request (see app.web.search),
    so keyword search serves meanwhile and CLI commands never import torch."""
    if str(config.get("KB_SEMANTIC", "on")).strip().lower() not in ("on", "1", "true", "yes"):
        return DisabledSemantic()
    return SemanticSearcher(content, store, embedder or SentenceTransformerEmbedder(), process=SERVER_PROCESS)
