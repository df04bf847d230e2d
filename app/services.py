"""The composition root: builds every service from settings. No Flask here."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.content.repository import ContentRepository
from app.search.service import SearchService
from app.search.store import IndexStore
from app.servicemodel import ServiceModel, load_service_model


@dataclass
class Services:
    config: dict[str, Any]
    model: ServiceModel
    content: ContentRepository
    index_store: IndexStore
    search: SearchService


def build_services(config: dict[str, Any]) -> Services:
    content = ContentRepository(Path(config["KB_CONTENT_DIR"]))
    store = IndexStore(Path(config["KB_INDEX_DIR"]))
    search = SearchService(content, store)
    return Services(config=config, model=load_service_model(), content=content, index_store=store, search=search)
