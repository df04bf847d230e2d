"""The composition root: builds every service from settings. No Flask here."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from app import background
from app.accounts.store import Accounts
from app.assistant.conversations import conversation_log_for, rate_limiter_for
from app.assistant.service import Assistant
from app.cases.db import make_engine, upgrade_or_retry
from app.cases.mail import Mailer
from app.cases.notify import Notifier
from app.cases.outbox import Outbox
from app.cases.service import CaseService
from app.cases.store import CaseStore
from app.console.accounts import StaffAccounts
from app.console.searchlog import SearchLog
from app.console.store import ConsoleStore
from app.console.views import ViewCounter
from app.content.history import ContentHistory
from app.content.repository import ContentRepository
from app.content.source import ContentSource
from app.incidents.catalogue import load_catalogue
from app.incidents.notify import IncidentNotifier
from app.incidents.service import IncidentService
from app.incidents.store import IncidentStore
from app.search.embedder import Embedder, SentenceTransformerEmbedder
from app.search.onnx_embedder import OnnxEmbedder
from app.search.semantic import DisabledSemantic, SemanticSearcher
from app.search.service import SearchService
from app.search.store import IndexStore
from app.servicemodel import ServiceModel, load_service_model

logger = logging.getLogger(__name__)

#: Seconds between runs of the background worker (outbox delivery, auto-close).
WORKER_SECONDS = 15.0
_WORKER_LOCK = threading.Lock()


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
    accounts: Accounts  # participant accounts, organisations, one-time codes, API tokens
    outbox: Outbox  # case emails queued with the change they report, delivered with retries
    incidents: IncidentService  # major incidents, their followers and linked cases
    _worker: threading.Thread | None = field(default=None, repr=False)

    def start_worker(self, interval: float = WORKER_SECONDS) -> threading.Thread:
        """The background worker of a serving process: delivers the outbox (what a crash or an SMTP outage left)
        and closes cases resolved more than 10 business days ago. Safe with many workers: messages are claimed."""
        def run() -> None:
            while not background.stopping():
                for job in (self.outbox.deliver, self.cases.close_expired_resolutions):
                    try:
                        job()
                    except Exception:  # the database may be down for a while: try again next round
                        logger.exception("background job %s failed", getattr(job, "__name__", job))
                background.wait(interval)

        with _WORKER_LOCK:
            if self._worker is None:
                self._worker = background.start(run, "kb-outbox")
            return self._worker

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
    outbox = Outbox(engine, mailer)
    cases = CaseService(case_store, Notifier(config["KB_BASE_URL"]), outbox)
    model = load_service_model()
    incidents = IncidentService(IncidentStore(engine), case_store, model, load_catalogue(),
                                IncidentNotifier(mailer, config["KB_BASE_URL"]))
    return Services(config=config, model=model, source=source,
                    history=ContentHistory(content_dir), index_store=store, search=search,
                    case_store=case_store, cases=cases, mailer=mailer, records=case_store,
                    staff=StaffAccounts(engine, notify=mailer.send), console=ConsoleStore(engine),
                    views=ViewCounter(engine), searches=SearchLog(engine), accounts=Accounts(engine),
                    outbox=outbox, incidents=incidents)


def build_semantic_search(config: dict[str, Any], content: ContentSource, store: IndexStore,
                          embedder: Embedder | None = None) -> SemanticSearcher | DisabledSemantic:
    """KB_SEMANTIC=on: the model loads in the background from the server's first request (see app.web.search),
    so keyword search serves meanwhile; queries are embedded by onnxruntime, so a server never imports torch
    (`make index` builds with sentence-transformers and exports the model). KB_SEMANTIC=torch embeds queries
    with sentence-transformers too."""
    setting = str(config.get("KB_SEMANTIC", "on")).strip().lower()
    if setting == "torch":
        return SemanticSearcher(content, store, embedder or SentenceTransformerEmbedder())
    if setting not in ("on", "1", "true", "yes"):
        return DisabledSemantic()
    return SemanticSearcher(content, store, embedder or OnnxEmbedder(store.root))
