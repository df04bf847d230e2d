"""Fixtures for the incidents layer: a migrated SQLite database, a fake clock, the real catalogue and service model."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.cases.db import make_engine, upgrade
from app.cases.mail import Mailer
from app.cases.store import CaseStore
from app.incidents.catalogue import load_catalogue
from app.incidents.notify import IncidentNotifier
from app.incidents.service import IncidentService
from app.incidents.store import IncidentStore
from app.servicemodel import load_service_model


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'incidents.sqlite3'}")
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def case_store(engine, clock) -> CaseStore:
    return CaseStore(engine, clock=clock)


@pytest.fixture
def incidents(engine, clock, case_store, outbox) -> IncidentService:
    mailer = Mailer(None, outbox, "Desk <desk@example.com>")
    return IncidentService(IncidentStore(engine, clock=clock), case_store, load_service_model(), load_catalogue(),
                           IncidentNotifier(mailer, "https://kb.example.org"))
