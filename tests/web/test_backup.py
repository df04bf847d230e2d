"""Backups: taken online while cases keep arriving, restored into a fresh database with nothing lost."""

from __future__ import annotations

import os
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from conftest import gen_account, use_token
from sqlalchemy import Engine, make_url, text

from app import create_app
from app.cases.backup import BackupError, backup, restore
from app.cases.db import make_engine, upgrade
from app.cases.forms import validate_case_form
from app.cases.records import AuthorKind
from app.cases.store import CaseStore
from app.servicemodel import load_service_model

TABLES = ("cases", "case_events", "votes", "conversations", "counters", "search_counts")
FORM = {
    "name": "Ada Lovelace", "email": "ada@example.com", "party_id": "ADAPWR", "market_participant_id": "ADAP",
    "cra_market_role": "Supplier", "category": "DIP – Registration / General Portal", "scenario_id": "DIP-REG-01",
    "subject": "No DIP invitation link yet", "description": "We requested onboarding on the 3rd and have had nothing.",
}  # fmt: skip


def clean_form(n: int) -> dict[str, Any]:
    clean, errors = validate_case_form({**FORM, "subject": f"Case number {n}"}, load_service_model())
    assert not errors
    return clean


def rows(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of the tables that hold what a service desk cannot lose, in a stable order."""
    with engine.connect() as conn:
        return {t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1"))] for t in TABLES}


def raise_some(store: CaseStore, count: int, start: int = 0) -> list[tuple[str, str]]:
    made = []
    for n in range(start, start + count):
        case, token = store.create_case(clean_form(n))
        store.add_comment(case.reference, f"More detail {n}", author_kind=AuthorKind.RAISER, token=token)
        store.record_vote(f"article-{n % 3}", n % 2 == 0, f"reason {n}")
        made.append((case.reference, token))
    return made


def test_online_backup_restores_every_case_event_and_vote(app, app_config, tmp_path: Path) -> None:
    kb = app.extensions["kb"]
    store: CaseStore = kb.case_store
    raiser = app.test_client()
    use_token(app, raiser, gen_account(app))
    api = raiser.post("/api/cases", json=FORM)  # one through the API, as raisers do
    assert api.status_code == 201
    before = raise_some(store, 12)
    acknowledged_before_backup = dict(before)

    stop = threading.Event()
    during: list[tuple[str, str]] = []
    errors: list[BaseException] = []

    def keep_writing() -> None:  # the site keeps taking cases while the backup runs
        n = 1000
        try:
            while not stop.is_set():
                during.extend(raise_some(store, 1, n))
                n += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while len(during) < 3:  # writes are really in flight
            stop.wait(0.01)
        result = app.test_cli_runner().invoke(args=["cases", "backup", str(tmp_path / "online.sqlite3")])
    finally:
        stop.set()
        writer.join(timeout=30)
    assert not errors
    assert result.exit_code == 0, result.output
    assert "Backed up to" in result.output and "cases" in result.output

    fresh = create_app({**app_config, "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh' / 'kb.sqlite3'}"})
    restored = fresh.test_cli_runner().invoke(args=["cases", "restore", str(tmp_path / "online.sqlite3")])
    assert restored.exit_code == 0, restored.output
    copy: CaseStore = fresh.extensions["kb"].case_store
    for reference, token in acknowledged_before_backup.items():  # every acknowledged case, found by its raiser
        original, found = store.get_case_for_staff(reference), copy.get_case_for_staff(reference)
        assert found == original
        assert copy.get_case(reference, token).reference == reference
    # A consistent snapshot: every case has its history and the reference counter matches.
    snapshot = rows(copy.engine)
    cases = {r[0] for r in snapshot["cases"]}
    assert {r[1] for r in snapshot["case_events"]} == cases
    assert ("case", len(cases)) in snapshot["counters"]
    assert len(snapshot["votes"]) >= len(before)

    # Once writes stop, a second backup and restore is identical, row for row, in every table.
    assert app.test_cli_runner().invoke(args=["cases", "backup", str(tmp_path / "quiet.sqlite3")]).exit_code == 0
    other = make_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    restore(other, tmp_path / "quiet.sqlite3")
    assert rows(other) == rows(store.engine)
    assert len(rows(other)["cases"]) == 1 + len(before) + len(during)
    other.dispose()


def test_backup_is_one_self_contained_file(app, tmp_path: Path) -> None:
    raise_some(app.extensions["kb"].case_store, 2)
    report = backup(app.extensions["kb"].case_store.engine, tmp_path / "b.sqlite3")
    assert report.rows["cases"] == 2 and report.rows["case_events"] == 4 and report.rows["votes"] == 2
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("b.")) == ["b.sqlite3"]


def test_restore_refuses_to_overwrite_a_database_with_data_without_yes(app, app_config, tmp_path: Path) -> None:
    raise_some(app.extensions["kb"].case_store, 3)
    assert app.test_cli_runner().invoke(args=["cases", "backup", str(tmp_path / "b.sqlite3")]).exit_code == 0
    busy = create_app({**app_config, "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'busy.sqlite3'}"})
    raise_some(busy.extensions["kb"].case_store, 1, start=50)
    runner = busy.test_cli_runner()

    refused = runner.invoke(args=["cases", "restore", str(tmp_path / "b.sqlite3")])
    assert refused.exit_code != 0 and "--yes" in refused.output
    assert busy.extensions["kb"].case_store.list_cases().total == 1  # untouched

    replaced = runner.invoke(args=["cases", "restore", "--yes", str(tmp_path / "b.sqlite3")])
    assert replaced.exit_code == 0, replaced.output
    assert "3 cases" in replaced.output
    assert busy.extensions["kb"].case_store.list_cases().total == 3


def test_backup_refuses_to_replace_an_existing_file_without_yes(app, tmp_path: Path) -> None:
    target = tmp_path / "b.sqlite3"
    target.write_text("precious")
    refused = app.test_cli_runner().invoke(args=["cases", "backup", str(target)])
    assert refused.exit_code != 0 and "already exists" in refused.output and target.read_text() == "precious"
    assert app.test_cli_runner().invoke(args=["cases", "backup", "--yes", str(target)]).exit_code == 0


@pytest.mark.parametrize("content", [b"not a database at all", b""])
def test_restore_rejects_a_file_that_is_not_a_backup(app, tmp_path: Path, content: bytes) -> None:
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_bytes(content)
    result = app.test_cli_runner().invoke(args=["cases", "restore", str(bogus)])
    assert result.exit_code != 0 and "bogus.sqlite3" in result.output


def test_postgres_backup_without_pg_dump_says_what_to_install(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump anywhere
    engine = make_engine("postgresql+psycopg://app@127.0.0.1:9/nowhere")
    with pytest.raises(BackupError, match="pg_dump is not on PATH.*postgresql-client"):
        backup(engine, tmp_path / "kb.dump")
    assert not (tmp_path / "kb.dump").exists()


@pytest.mark.postgres
def test_postgres_backup_and_restore_round_trip(tmp_path: Path) -> None:
    admin_url = os.environ.get("KB_TEST_POSTGRES_URL")
    if not admin_url:
        pytest.skip("set KB_TEST_POSTGRES_URL to run the PostgreSQL backup test")
    names = [f"kb_backup_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    source = make_engine(make_url(admin_url).set(database=names[0]))
    target = make_engine(make_url(admin_url).set(database=names[1]))
    try:
        upgrade(source)
        upgrade(target)
        store = CaseStore(source)
        made = raise_some(store, 5)
        report = backup(source, tmp_path / "kb.dump")
        assert report.backend == "postgresql" and report.rows["cases"] == 5
        restore(target, tmp_path / "kb.dump")
        assert rows(target) == rows(source)
        copy = CaseStore(target)
        for reference, token in made:
            assert copy.get_case(reference, token) == store.get_case(reference, token)
        with pytest.raises(BackupError, match="--yes"):
            restore(target, tmp_path / "kb.dump")
    finally:
        source.dispose()
        target.dispose()
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
