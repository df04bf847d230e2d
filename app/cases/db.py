"""Engine set-up (durable SQLite by default, PostgreSQL in production) and Alembic migrations."""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, MetaData, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: Milliseconds a SQLite connection waits for a writer's lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: Execution option marking a read-only unit of work (SQLite then uses a deferred BEGIN).
READ_ONLY = "kb_read_only"
#: Execution option marking a write not worth an fsync (a rate-limit counter, a chat turn): it commits without
#: waiting for the disk (SQLite synchronous=NORMAL in WAL, PostgreSQL synchronous_commit=off). A crashed process
#: loses nothing; a machine that stops before the next durable commit or checkpoint loses that write, never more
#: and never the database's consistency. Cases and everything else keep synchronous=FULL.
LAZY_COMMIT = "kb_lazy_commit"
#: Key for pg_advisory_xact_lock so concurrent workers do not migrate at the same time.
_MIGRATION_LOCK_KEY = 0x4B42_0006
#: Seconds a PostgreSQL connection attempt may take: a dead host costs a request this long, not minutes.
PG_CONNECT_TIMEOUT_S = 5
#: Errors meaning "the database cannot be reached or used right now" (not a bug in a query).
UNAVAILABLE = (OperationalError, InterfaceError)
#: One Alembic run at a time in a process: its migration context is a module global, so two threads upgrading two
#: databases at once (a retry, another app's background start-up) would run each other's steps.
_ALEMBIC = threading.Lock()
#: Background migration retries after an unreachable start: first delay, doubling up to the maximum.
RETRY_FIRST_S = 2.0
RETRY_MAX_S = 60.0


NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table in the cases store (named constraints, for migrations)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def normalise_url(url: str | URL) -> URL:
    """postgres:// and postgresql:// mean psycopg 3 (the driver we ship)."""
    u = make_url(url)
    if u.drivername in ("postgres", "postgresql"):
        u = u.set(drivername="postgresql+psycopg")
    return u


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine whose SQLite connections are durable (WAL, synchronous=FULL) and write with BEGIN IMMEDIATE."""
    u = normalise_url(url)
    if u.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        if u.get_backend_name() == "postgresql" and "connect_timeout" not in u.query:
            kwargs["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT_S, **kwargs.get("connect_args", {})}
        engine = create_engine(u, **kwargs)
        if u.get_backend_name() == "postgresql":
            _allow_lazy_commits(engine)
        return engine
    database = u.database or ""
    in_memory = database in ("", ":memory:") or "mode=memory" in str(u)
    if not in_memory and not database.startswith("file:"):
        folder = Path(database).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # connecting will fail too: pages that need the database answer 503
            logger.error("cannot create the database folder %s (%s)", folder, exc.strerror or exc)
    engine = create_engine(u, **kwargs)
    _make_sqlite_durable(engine, wal=not in_memory)
    return engine


def _make_sqlite_durable(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module: we emit BEGIN ourselves (below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            if wal:
                _enter_wal(cursor)
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front, so a read-then-write transaction never
        # deadlocks on lock upgrade (where busy_timeout cannot help). Reads opt out.
        options = conn.get_execution_options()
        if options.get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
            return
        # The safety level cannot change inside a transaction: set it before BEGIN, when it differs.
        level = "NORMAL" if options.get(LAZY_COMMIT) else "FULL"
        info = conn.connection.info
        if info.get("synchronous", "FULL") != level:
            conn.exec_driver_sql(f"PRAGMA synchronous = {level}")
            info["synchronous"] = level
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _enter_wal(cursor: Any) -> None:
    """Switch the file to WAL (kept in the file: a no-op once done). Switching needs an exclusive lock, and SQLite
    answers "database is locked" at once, without the busy wait, while another connection holds one (workers
    starting together on a new file): retry for as long as the busy timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _allow_lazy_commits(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(LAZY_COMMIT):
            conn.exec_driver_sql("SET LOCAL synchronous_commit = off")


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at our migrations; no alembic.ini needed."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` in one transaction; safe to call from every worker at start.

    A database already at the newest revision is left alone without loading Alembic (its import and its reading
    of every migration cost about 0.3 s of each worker's start)."""
    if revision == "head" and _at_head(engine):
        logger.info("case store schema at head (%s)", engine.dialect.name)
        return
    from alembic import command

    cfg = alembic_config()
    with _ALEMBIC, engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_KEY})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    logger.info("case store schema at %s (%s)", revision, engine.dialect.name)


_REVISION_LINE = re.compile(r"""^(down_revision|revision)\b[^=\n]*=\s*(?:["']([^"'\n]+)["']|None)\s*$""", re.M)


def script_head() -> str | None:
    """The newest migration's revision, from the `revision` and `down_revision` lines of migrations/versions (as
    Alembic's own template writes them); None when they do not name exactly one head: then Alembic decides."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict((m.group(1), m.group(2)) for m in _REVISION_LINE.finditer(path.read_text(encoding="utf-8")))
        if not found.get("revision") or "down_revision" not in found:
            return None
        revisions.add(found["revision"])
        parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _at_head(engine: Engine) -> bool:
    """True when the database's recorded revision is the newest migration's."""
    head = script_head()
    if head is None:
        return False
    with engine.connect() as conn:  # an unreachable database raises here, as the upgrade would
        try:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        except SQLAlchemyError:  # no table yet: a new database
            return False
    return rows == [head]


def upgrade_or_retry(engine: Engine, revision: str = "head") -> bool:
    """Migrate now if the database is reachable (True). If not, log it and keep retrying in the background,
    so the site starts and serves what needs no database while pages that do answer 503."""
    try:
        upgrade(engine, revision)
        return True
    except UNAVAILABLE as exc:
        logger.warning("database unavailable at start (%s); will migrate when it is back", describe(exc))
    thread = threading.Thread(target=_retry_upgrade, args=(weakref.ref(engine), revision),
                              name="kb-migrate-retry", daemon=True)  # fmt: skip
    thread.start()
    return False


def _retry_upgrade(ref: weakref.ref[Engine], revision: str) -> None:
    delay = RETRY_FIRST_S
    while True:
        time.sleep(delay)
        delay = min(delay * 2, RETRY_MAX_S)
        engine = ref()
        if engine is None:  # the app that owned it is gone
            return
        try:
            upgrade(engine, revision)
            logger.info("database reachable again: migrations done")
            return
        except UNAVAILABLE as exc:
            logger.warning("database still unavailable (%s); next try in %.0fs", describe(exc), delay)
        except Exception:  # a broken migration: say so loudly, retrying cannot fix it
            logger.exception("migrations failed once the database was reachable")
            return
        finally:
            del engine


def describe(exc: BaseException) -> str:
    """The driver's first line of the error, for logs (no SQL, no parameters)."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return f"{type(orig).__name__}: {lines[0][:200] if lines else ''}"


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
