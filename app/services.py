"""The composition root: builds every service from settings, each on first use. No Flask here."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from app import background, heap
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
from app.content import rendercache
from app.content.history import ContentHistory
from app.content.repository import ContentRepository
from app.content.source import ContentSource
from app.incidents.catalogue import load_catalogue
from app.incidents.notify import IncidentNotifier
from app.incidents.service import IncidentService
from app.incidents.store import IncidentStore
from app.search.embedder import Embedder, SentenceTransformerEmbedder
from app.search.onnx_embedder import OnnxEmbedder
from app.search.process import ProcessPolicy
from app.search.semantic import DisabledSemantic, SemanticSearcher
from app.search.service import SearchService
from app.search.store import IndexStore
from app.servicemodel import ServiceModel, load_service_model

logger = logging.getLogger(__name__)

#: Seconds between runs of the background worker (outbox delivery, auto-close).
WORKER_SECONDS = 15.0

#: The server's process policy, handed to the services that run work in the background.
SERVER_PROCESS = ProcessPolicy(start=background.start, settle=heap.settle, stopping=background.stopping)

#: What a server needs before it can serve every request (GET /readyz names those it still waits for).
READINESS = ("keyword_index", "semantic_search", "database")

T = TypeVar("T")


class lazy(Generic[T]):  # noqa: N801  # used as a decorator, like functools.cached_property
    """A service built on first use and kept, once per Services even when requests race (a lock per service,
    so building a slow one holds up nothing else). Assigning the attribute replaces it, as tests do."""

    def __init__(self, build: Callable[[Services], T]) -> None:
        self.build = build
        self.name = build.__name__
        self.__doc__ = build.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, services: Services | None, owner: type | None = None) -> T:
        if services is None:
            return self  # type: ignore[return-value]
        built = services.__dict__
        if self.name not in built:
            with services.lock_for(self.name):
                if self.name not in built:
                    built[self.name] = self.build(services)
        return built[self.name]


class Services:
    """The composition root: every service of the app, each built from settings when first used, so a command
    or page builds only what it touches (`flask content check` opens no database; a page that needs none
    loads no model). Add a service as a `@lazy` method named after it; nothing else here needs to change."""

    def __init__(self, config: dict[str, Any], embedder: Embedder | None = None) -> None:
        self.config = config
        self.embedder = embedder  # tests pass a fake; None means the real model (loaded in the background)
        self._locks: dict[str, threading.RLock] = {}
        self._locks_lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._start_up: threading.Thread | None = None
        self._starting: set[str] = set()  # parts of READINESS the start-up has not finished yet

    def lock_for(self, name: str) -> threading.RLock:
        with self._locks_lock:
            return self._locks.setdefault(name, threading.RLock())

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

        with self.lock_for("_worker"):
            if self._worker is None:
                self._worker = background.start(run, "kb-outbox")
            return self._worker

    def start_serving(self) -> threading.Thread:
        """A serving process's start-up, in the background (idempotent; gunicorn.conf.py calls it as each worker
        starts, else the first request does): the content and keyword index, the database (migrated) and the
        embedding model, one after the other, as loading them side by side is no faster (each mostly holds the
        GIL); once they are ready, the outbox worker and the assistant's warm-up, which would slow them down."""
        with self.lock_for("_start_up"):
            if self._start_up is None:
                self._starting = set(READINESS)
                self._start_up = background.start(self._start_up_work, "kb-start-up")
            return self._start_up

    def _start_up_work(self) -> None:
        started = time.perf_counter()
        steps = (("keyword_index", lambda: self.search.keyword_index()), ("database", lambda: self.engine),
                 ("semantic_search", self._load_semantic))
        for part, step in steps:
            if background.stopping():
                return
            try:
                step()
                logger.info("start-up: %s ready at %.2fs", part, time.perf_counter() - started)
            except Exception:  # /readyz reports the part as waiting; requests needing it say what is wrong
                logger.exception("start-up: %s failed", part)
            self._starting.discard(part)
        logger.info("ready to serve in %.2fs", time.perf_counter() - started)
        self.start_worker()
        self.assistant.start_warming()

    def _load_semantic(self) -> None:
        wait_ready = getattr(self.search.semantic, "wait_ready", None)  # KB_SEMANTIC=off has nothing to load
        if wait_ready is not None:
            wait_ready()

    def waiting(self) -> list[str]:
        """The parts of READINESS not ready yet (GET /readyz). While the start-up runs, a part it has not finished
        is reported as waiting without waiting for it; any other is checked now."""
        starting = set(self._starting)
        checks = {"keyword_index": self._keyword_ready, "semantic_search": self._semantic_ready,
                  "database": self._database_ready}
        return [part for part in READINESS if part in starting or not checks[part]()]

    def _keyword_ready(self) -> bool:
        """The built index is open (without one, search serves from a temporary index: not ready)."""
        return self.index_store.path("keyword") is not None and self.search.keyword_index()[1] is None

    def _semantic_ready(self) -> bool:
        semantic = self.search.semantic  # KB_SEMANTIC=off (nothing to build) is ready by design
        return getattr(semantic, "build", None) is None or semantic.status() is None

    def _database_ready(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError as exc:
            logger.warning("readiness: database unavailable (%s)", type(exc).__name__)
            return False

    @property
    def content_dir(self) -> Path:
        return Path(self.config["KB_CONTENT_DIR"])

    @property
    def content(self) -> ContentRepository:
        """The current articles and glossary; ask again per request, it changes when a new index is published."""
        return self.source.current()

    # content and search
    @lazy
    def model(self) -> ServiceModel:
        return load_service_model()

    @lazy
    def index_store(self) -> IndexStore:
        return IndexStore(Path(self.config["KB_INDEX_DIR"]))

    @lazy
    def source(self) -> ContentSource:
        """The content as of the latest published index (reloads without a restart)."""
        content_dir, cache = self.content_dir, self.index_store.root / rendercache.FILE_NAME
        return ContentSource(lambda: ContentRepository(content_dir, cache), self.index_store.version)

    @lazy
    def history(self) -> ContentHistory:
        """Who changed each article and when, from Git."""
        return ContentHistory(self.content_dir)

    @lazy
    def search(self) -> SearchService:
        semantic = build_semantic_search(self.config, self.source, self.index_store, self.embedder)
        return SearchService(self.source, self.index_store, semantic=semantic)

    @lazy
    def assistant(self) -> Assistant:
        """The deflection assistant; its conversations and rate limits are kept in the case store."""
        return Assistant(lambda: self.content, self.model, self.search,
                         conversations=conversation_log_for(self.case_store),
                         limiter=rate_limiter_for(self.case_store), clock=clock_from(self.config.get("KB_NOW")),
                         process=SERVER_PROCESS)

    # the database: migrated when first opened
    @lazy
    def engine(self) -> Engine:
        engine = make_engine(self.config["KB_DATABASE_URL"])
        upgrade_or_retry(engine)  # an unreachable database does not stop the site: pages needing it answer 503
        return engine

    @lazy
    def case_store(self) -> CaseStore:
        """Cases, conversations, votes, rate limits (one database)."""
        return CaseStore(self.engine)

    @lazy
    def mailer(self) -> Mailer:
        return Mailer(self.config.get("KB_SMTP_URL"), self.config["KB_OUTBOX_DIR"], self.config["KB_MAIL_FROM"])

    @lazy
    def outbox(self) -> Outbox:
        """Case emails queued with the change they report, delivered with retries."""
        return Outbox(self.engine, self.mailer)

    @lazy
    def cases(self) -> CaseService:
        """The case store plus raiser notifications: use this to raise and update cases."""
        return CaseService(self.case_store, Notifier(self.config["KB_BASE_URL"]), self.outbox)

    @lazy
    def staff(self) -> StaffAccounts:
        """Console sign-in: staff accounts and login throttling."""
        return StaffAccounts(self.engine, notify=self.mailer.send)

    @lazy
    def console(self) -> ConsoleStore:
        """Articles linked to case resolutions, knowledge requests."""
        return ConsoleStore(self.engine)

    @lazy
    def views(self) -> ViewCounter:
        """Article page views, for the articles report."""
        return ViewCounter(self.engine)

    @lazy
    def searches(self) -> SearchLog:
        """Searches counted per normalised query and day, for the knowledge-gaps report."""
        return SearchLog(self.engine)

    @lazy
    def accounts(self) -> Accounts:
        """Participant accounts, organisations, one-time codes, API tokens."""
        return Accounts(self.engine)

    @lazy
    def incidents(self) -> IncidentService:
        """Major incidents, their followers and linked cases."""
        return IncidentService(IncidentStore(self.engine), self.case_store, self.model, load_catalogue(),
                               IncidentNotifier(self.mailer, self.config["KB_BASE_URL"]))


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
    """The services for these settings; nothing is built until it is first used."""
    return Services(config, embedder)


def build_semantic_search(config: dict[str, Any], content: ContentSource, store: IndexStore,
                          embedder: Embedder | None = None) -> SemanticSearcher | DisabledSemantic:
    """KB_SEMANTIC=on: the model loads in the background from the server's first request (see app.web.search),
    so keyword search serves meanwhile; queries are embedded by onnxruntime, so a server never imports torch
    (`make index` builds with sentence-transformers and exports the model). KB_SEMANTIC=torch embeds queries
    with sentence-transformers too."""
    setting = str(config.get("KB_SEMANTIC", "on")).strip().lower()
    if setting == "torch":
        return SemanticSearcher(content, store, embedder or SentenceTransformerEmbedder(), process=SERVER_PROCESS)
    if setting not in ("on", "1", "true", "yes"):
        return DisabledSemantic()
    return SemanticSearcher(content, store, embedder or OnnxEmbedder(store.root), process=SERVER_PROCESS)
