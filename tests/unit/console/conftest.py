"""Fixtures for the console layer: a migrated database per backend, a fake clock, case factories."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from app.cases.db import make_engine, upgrade
from app.cases.records import Case, CaseStatus, Conversation, Turn

POSTGRES_URL = os.environ.get("KB_TEST_POSTGRES_URL")


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    """A low scrypt work factor keeps these tests quick (production uses werkzeug's default cost)."""
    monkeypatch.setattr("app.console.accounts.HASH_METHOD", "scrypt:1024:8:1")




@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'console.sqlite3'}")
        upgrade(eng)
        yield eng
        eng.dispose()
        return
    if not POSTGRES_URL:
        pytest.skip("set KB_TEST_POSTGRES_URL to run the console store against PostgreSQL")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(eng)
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


T0 = datetime(2025, 11, 3, 10, 0, tzinfo=UTC)  # a Monday


def gen_case(**overrides: Any) -> Case:
    """A Case value for report tests (no database)."""
    values: dict[str, Any] = dict(
        id=1, reference="CS0000001", name="Ada", email="ada@example.com", organisation=None, party_id="ADAPWR",
        no_party_id=False, unregistered_organisation=None, no_organisation_name=False, market_participant_id=None,
        no_market_participant_id=True, cra_market_role="Supplier", category="DIP – Messaging", subcategory=None,
        subject="Webhook not receiving", description="Nothing arrives.", url=None, type="Incident",
        report_to="DIP Manager", priority="P3", channel=None, steps=(), impact=None, urgency=None, scenario_id=None,
        status=CaseStatus.NEW, resolver_group=None, created_at=T0, updated_at=T0,
        sla_due_at=T0 + timedelta(days=7), paused_seconds=0, paused_at=None, resolved_at=None, closed_at=None,
        conversation_id=None,
    )
    values.update(overrides)
    return Case(**values)


def gen_conversation(cid: str = "c1", *, created_at: datetime = T0, updated_at: datetime | None = None,
                     actions: tuple[str, ...] = ("self_help",), question: str = "How do I fix my webhook?",
                     feedback: str | None = None, case_reference: str | None = None) -> Conversation:
    turns = tuple(Turn(question=question, action=a) for a in actions)
    return Conversation(cid, created_at, updated_at or created_at, turns, feedback, case_reference)
