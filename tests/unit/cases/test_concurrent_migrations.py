"""Several server workers starting at once all migrate the same fresh database: exactly one does the work,
the others wait for it (advisory lock on PostgreSQL, BEGIN IMMEDIATE on SQLite) and none fails."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import inspect, make_url, text

from app.cases.db import current_revision, make_engine

ROOT = Path(__file__).resolve().parents[3]
WORKERS = 4
WORKER = """
import sys, time
from app.cases.db import make_engine, upgrade, current_revision
url, start = sys.argv[1], float(sys.argv[2])
engine = make_engine(url)
time.sleep(max(0.0, start - time.time()))  # every worker starts migrating at the same moment
upgrade(engine)
print(current_revision(engine))
"""


def migrate_at_once(url: str) -> list[str]:
    start = time.time() + 1.5  # after every interpreter has started and imported
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER, url, str(start)], cwd=ROOT, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(WORKERS)
    ]  # fmt: skip
    results = [p.communicate(timeout=120) for p in procs]
    for p, (_, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err[-3000:]
    return [out.strip() for out, _ in results]


def test_workers_migrating_a_fresh_sqlite_database_at_once_all_succeed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'instance' / 'kb.sqlite3'}"
    revisions = migrate_at_once(url)
    engine = make_engine(url)
    assert len(set(revisions)) == 1 and revisions[0] == current_revision(engine) is not None
    assert {"cases", "case_events", "votes", "staff"} <= set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        # seeded once, not per worker
        assert conn.execute(text("SELECT count(*) FROM counters WHERE name = 'case'")).scalar() == 1
    engine.dispose()


@pytest.mark.postgres
def test_workers_migrating_a_fresh_postgres_database_at_once_all_succeed() -> None:
    admin_url = os.environ.get("KB_TEST_POSTGRES_URL")
    if not admin_url:
        pytest.skip("set KB_TEST_POSTGRES_URL to run against PostgreSQL")
    name = f"kb_migrate_{uuid.uuid4().hex[:10]}"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name)
    try:
        revisions = migrate_at_once(url.render_as_string(hide_password=False))
        engine = make_engine(url)
        assert len(set(revisions)) == 1 and revisions[0] == current_revision(engine) is not None
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM counters WHERE name = 'case'")).scalar() == 1
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_threads_of_one_process_migrating_different_databases_each_reach_head(tmp_path: Path) -> None:
    """Alembic keeps one migration context per process: a background start-up migrating its database while another
    app in the process migrates another must not run either's steps on the other's database."""
    import threading

    from app.cases.db import script_head, upgrade

    engines = [make_engine(f"sqlite:///{tmp_path / f'kb{i}.sqlite3'}") for i in range(WORKERS)]
    errors: list[BaseException] = []

    def migrate(engine) -> None:
        try:
            upgrade(engine)
        except BaseException as exc:  # noqa: BLE001  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=migrate, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert [current_revision(e) for e in engines] == [script_head()] * WORKERS
    assert len({tuple(sorted(inspect(e).get_table_names())) for e in engines}) == 1
