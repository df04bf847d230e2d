"""Fixtures for the cases layer: an engine per backend (SQLite always, PostgreSQL when
KB_TEST_POSTGRES_URL is set) and a factory for valid case forms."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine, text

from app.cases.db import make_engine, upgrade
from app.cases.store import CaseStore

if TYPE_CHECKING:
    from tests.conftest import FakeClock

POSTGRES_URL = os.environ.get("KB_TEST_POSTGRES_URL")




def _sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'instance' / 'cases.sqlite3'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def _postgres_engine() -> Iterator[Engine]:
    if not POSTGRES_URL:
        pytest.skip("set KB_TEST_POSTGRES_URL to run the case store against PostgreSQL")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        yield from _sqlite_engine(tmp_path)
    else:
        yield from _postgres_engine()


@pytest.fixture
def store(engine: Engine, clock: FakeClock) -> CaseStore:
    return CaseStore(engine, clock=clock)


def make_case_form(**overrides: Any) -> dict[str, Any]:
    """A valid case form (a DIP scenario raised through the assistant); override any field."""
    form: dict[str, Any] = {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "party_id": "ADAPWR",
        "market_participant_id": "ADAP",
        "cra_market_role": "Supplier",
        "category": "DIP – Registration / General Portal",
        "scenario_id": "DIP-REG-01",
        "subject": "No DIP invitation link yet",
        "description": "We requested onboarding on the 3rd and have had nothing.",
    }
    form.update(overrides)
    return form


@pytest.fixture
def gen_case_form() -> Callable[..., dict[str, Any]]:
    """The form factory, as a fixture (test modules here are not a package)."""
    return make_case_form
