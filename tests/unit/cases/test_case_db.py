from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from app.cases.db import Base, alembic_config, current_revision, make_engine, normalise_url, script_head, upgrade

CASES_DIR = Path(__file__).resolve().parents[3] / "app" / "cases"


def _declared(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Compare only tables some imported model declares (other layers add their own migrations)."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return table is None or table.name in Base.metadata.tables


def test_migrations_create_every_table_the_models_declare(engine: Engine) -> None:
    assert current_revision(engine) is not None
    with engine.connect() as conn:
        opts = {"compare_type": True, "include_object": _declared}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)
    assert diff == []
    assert {"cases", "case_events", "votes", "conversations", "search_counts", "rate_limits"} <= set(
        inspect(engine).get_table_names()
    )


def test_the_head_read_from_the_migration_files_is_alembics() -> None:
    """A database at this revision is left alone without loading Alembic: it must be the one Alembic would reach."""
    from alembic.script import ScriptDirectory

    assert script_head() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_a_database_one_migration_behind_is_brought_to_head(engine: Engine) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "-1")
    assert current_revision(engine) != head
    upgrade(engine)
    assert current_revision(engine) == head


def test_upgrade_is_idempotent(engine: Engine) -> None:
    """A worker starting on an up-to-date database changes nothing and keeps the rows already there."""
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO votes (slug, helpful, created_at) VALUES ('kept', :yes, CURRENT_TIMESTAMP)"),
                     {"yes": True})
    before = (current_revision(engine), sorted(inspect(engine).get_table_names()))
    upgrade(engine)
    upgrade(engine)
    assert (current_revision(engine), sorted(inspect(engine).get_table_names())) == before
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT slug FROM votes").scalars().all() == ["kept"]


def test_sqlite_connections_are_durable(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new' / 'folder' / 'kb.sqlite3'}")
    assert (tmp_path / "new" / "folder").is_dir()  # instance/ is created on demand
    with engine.connect() as conn:
        for _ in range(2):  # every pooled connection, not just the first
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    engine.dispose()


def test_sqlite_writes_begin_immediate(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    seen: list[str] = []
    from sqlalchemy import event

    @event.listens_for(engine, "before_cursor_execute")
    def _log(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    with engine.begin() as conn:
        conn.exec_driver_sql("SELECT 1")
    assert "BEGIN IMMEDIATE" in seen
    engine.dispose()


def test_postgres_urls_use_psycopg3() -> None:
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgres://u@h/db").drivername == "postgresql+psycopg"


def test_cases_layer_imports_only_servicemodel_from_the_project() -> None:
    for path in CASES_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] != "flask", f"{path.name} imports Flask"
                if name.startswith("app."):
                    assert name.startswith(("app.cases", "app.servicemodel")), f"{path.name} imports {name}"
