"""Online backup and restore of the cases database (cases, events, votes, conversations, staff: everything).

SQLite uses sqlite3's backup API: a consistent snapshot taken while the site keeps serving and
writing, never a file copy (a copy of a WAL database can miss committed pages or be torn).
PostgreSQL uses ``pg_dump --format=custom`` and ``pg_restore``, which must be on PATH.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess  # nosec B404  # fixed argument lists only, never a shell (see each call)
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from app.cases.db import upgrade

logger = logging.getLogger(__name__)

#: Tables whose rows are bookkeeping, not data: a database holding only these counts as empty.
BOOKKEEPING = frozenset({"alembic_version", "counters", "rate_limits", "login_failures"})


class BackupError(Exception):
    """A backup or restore could not be made; the message says what to do."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    backend: str  # "sqlite" | "postgresql"
    rows: dict[str, int]  # table -> row count in the backup (SQLite) or at the time of the dump (PostgreSQL)
    size: int

    def summary(self) -> str:
        shown = ", ".join(f"{self.rows.get(t, 0)} {t.replace('_', ' ')}" for t in ("cases", "case_events", "votes"))
        return f"{shown} ({self.size / 1024:,.0f} KB, {self.backend})"


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table, for reports and for the 'is this database empty?' check."""
    with engine.connect() as conn:
        names = inspect(conn).get_table_names()
        preparer = engine.dialect.identifier_preparer
        # B608: n is a table name from the schema, quoted by the dialect.
        return {n: int(conn.execute(text(f"SELECT count(*) FROM {preparer.quote(n)}")).scalar_one())  # nosec B608
                for n in names}


def holds_data(engine: Engine) -> bool:
    """True when any table other than the bookkeeping ones has a row (restoring would overwrite it)."""
    return any(count for table, count in row_counts(engine).items() if table not in BOOKKEEPING)


def backup(engine: Engine, dest: Path, *, overwrite: bool = False) -> BackupReport:
    """Write a consistent backup of the live database to ``dest`` (atomically: all or nothing)."""
    dest = Path(dest)
    if dest.exists() and not overwrite:
        raise BackupError(f"{dest} already exists; choose another path or pass --yes to replace it")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        return _backup_sqlite(engine, dest)
    if engine.dialect.name == "postgresql":
        return _backup_postgres(engine, dest)
    raise BackupError(f"no backup method for {engine.dialect.name}")


def restore(engine: Engine, source: Path, *, overwrite: bool = False) -> BackupReport:
    """Replace the database's contents with a backup; refuses a database holding data unless ``overwrite``."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} is not a backup file")
    if holds_data(engine) and not overwrite:
        raise BackupError("the database already holds cases or other records; pass --yes to replace them")
    if engine.dialect.name == "sqlite":
        _restore_sqlite(engine, source)
    elif engine.dialect.name == "postgresql":
        _restore_postgres(engine, source)
    else:
        raise BackupError(f"no restore method for {engine.dialect.name}")
    engine.dispose()  # pooled connections may hold the old schema's cached statements
    upgrade(engine)  # a backup from an older release is brought up to this release's schema
    logger.info("database restored from %s", source.name)
    return BackupReport(source, engine.dialect.name, row_counts(engine), source.stat().st_size)


# -- SQLite ------------------------------------------------------------------------------------------
def _backup_sqlite(engine: Engine, dest: Path) -> BackupReport:
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    raw = engine.raw_connection()
    try:
        target = sqlite3.connect(partial)
        try:
            raw.driver_connection.backup(target)  # one step: a single consistent snapshot
            target.execute("PRAGMA journal_mode = DELETE")  # a self-contained file, no -wal beside it
            _check_sqlite(target, dest)
            rows = _sqlite_counts(target)
        finally:
            target.close()
    finally:
        raw.close()
    with open(partial, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(partial, dest)
    logger.info("SQLite backup written to %s", dest)
    return BackupReport(dest, "sqlite", rows, dest.stat().st_size)


def _restore_sqlite(engine: Engine, source: Path) -> None:
    backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        _check_sqlite(backup_db, source)
        raw = engine.raw_connection()
        try:
            # The backup API writes every page into the live database under its lock: readers see
            # the old or the new database, never a mixture.
            backup_db.backup(raw.driver_connection)
        finally:
            raw.close()
    finally:
        backup_db.close()


def _check_sqlite(conn: sqlite3.Connection, path: Path) -> None:
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database ({exc})") from exc
    if result != "ok":
        raise BackupError(f"{path} failed SQLite's integrity check: {result}")
    if "alembic_version" not in tables or "cases" not in tables:
        raise BackupError(f"{path} is not a backup of the cases database")


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    quoted = {n: '"' + n.replace('"', '""') + '"' for n in names if not n.startswith("sqlite_")}
    # B608: q is a quoted table name from sqlite_master.
    return {n: conn.execute(f"SELECT count(*) FROM {q}").fetchone()[0]  # nosec B608
            for n, q in quoted.items()}


# -- PostgreSQL --------------------------------------------------------------------------------------
def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not on PATH. Install the PostgreSQL client tools matching the server "
            f"(Debian: apt-get install postgresql-client) and run the command again."
        )
    return path


def _pg_target(engine: Engine) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and an environment carrying it (not on the command line)."""
    url = engine.url
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    # B603: argv list from _pg_tool and the configured database URL, no shell.
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=3600, check=False)  # noqa: S603  # nosec B603
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip()[-2000:]}")


def _backup_postgres(engine: Engine, dest: Path) -> BackupReport:
    pg_dump = _pg_tool("pg_dump")
    uri, env = _pg_target(engine)
    rows = row_counts(engine)
    partial = dest.with_name(dest.name + ".partial")
    _run([pg_dump, "--format=custom", "--no-owner", "--file", str(partial), "--dbname", uri], env, "pg_dump")
    os.replace(partial, dest)
    logger.info("PostgreSQL backup written to %s", dest)
    return BackupReport(dest, "postgresql", rows, dest.stat().st_size)


def _restore_postgres(engine: Engine, source: Path) -> None:
    pg_restore = _pg_tool("pg_restore")
    uri, env = _pg_target(engine)
    engine.dispose()
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
          "--dbname", uri, str(source)], env, "pg_restore")  # fmt: skip
