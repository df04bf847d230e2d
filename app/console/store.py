"""What agents learn from cases: articles linked to resolutions, and knowledge requests (gaps)."""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.cases.store import MAX_COMMENT
from app.cases.storebase import StoreBase
from app.console.models import CaseLinkRow, KnowledgeRequestRow

logger = logging.getLogger(__name__)

@dataclass(frozen=True)
class CaseLink:
    case_id: int
    slug: str
    linked_by: str | None
    created_at: datetime


@dataclass(frozen=True)
class KnowledgeRequest:
    id: int
    case_id: int | None
    case_reference: str | None
    text: str
    note: str | None
    created_by: str | None
    created_at: datetime


def _link(row: CaseLinkRow) -> CaseLink:
    return CaseLink(row.case_id, row.slug, row.linked_by, row.created_at)


def _request(row: KnowledgeRequestRow) -> KnowledgeRequest:
    return KnowledgeRequest(row.id, row.case_id, row.case_reference, row.text, row.note, row.created_by,
                            row.created_at)


class ConsoleStore(StoreBase):
    """Case-article links and knowledge requests, in the cases database."""

    def link_articles(self, case_id: int, slugs: Iterable[str], linked_by: str | None) -> list[CaseLink]:
        """Link articles to a case; a slug already linked to it is kept once. Returns the case's links."""
        now = self.now()
        with self._write() as s:
            have = set(s.scalars(select(CaseLinkRow.slug).where(CaseLinkRow.case_id == case_id)))
            for slug in dict.fromkeys(slugs):
                if slug not in have:
                    s.add(CaseLinkRow(case_id=case_id, slug=slug[:200], linked_by=linked_by, created_at=now))
            s.flush()
            rows = s.scalars(select(CaseLinkRow).where(CaseLinkRow.case_id == case_id).order_by(CaseLinkRow.id))
            links = [_link(r) for r in rows]
        logger.info("case id %d linked to %d article(s)", case_id, len(links))
        return links

    def links_for_case(self, case_id: int) -> list[CaseLink]:
        with self._read() as s:
            rows = s.scalars(select(CaseLinkRow).where(CaseLinkRow.case_id == case_id).order_by(CaseLinkRow.id))
            return [_link(r) for r in rows]

    def list_links(self) -> list[CaseLink]:
        with self._read() as s:
            return [_link(r) for r in s.scalars(select(CaseLinkRow).order_by(CaseLinkRow.id))]

    def cases_resolved_by(self, slug: str) -> int:
        """How many cases an article was linked to."""
        with self._read() as s:
            return int(s.scalar(select(func.count()).where(CaseLinkRow.slug == slug)) or 0)

    def link_counts(self) -> Counter[str]:
        with self._read() as s:
            rows = s.execute(select(CaseLinkRow.slug, func.count()).group_by(CaseLinkRow.slug)).all()
        return Counter({slug: int(n) for slug, n in rows})

    def add_request(self, text: str, *, case_id: int | None = None, case_reference: str | None = None,
                    note: str | None = None, created_by: str | None = None) -> KnowledgeRequest:
        text = (text or "").strip()
        if not text:
            raise ValueError("a knowledge request needs some text")
        with self._write() as s:
            row = KnowledgeRequestRow(case_id=case_id, case_reference=case_reference, text=text[:MAX_COMMENT],
                                      note=(note or "").strip()[:MAX_COMMENT] or None, created_by=created_by,
                                      created_at=self.now())
            s.add(row)
            s.flush()
            request = _request(row)
        logger.info("knowledge request %d recorded (case %s)", request.id, case_reference or "-")
        return request

    def list_requests(self, since: datetime | None = None) -> list[KnowledgeRequest]:
        with self._read() as s:
            stmt = select(KnowledgeRequestRow).order_by(KnowledgeRequestRow.id)
            if since is not None:
                stmt = stmt.where(KnowledgeRequestRow.created_at >= since)
            return [_request(r) for r in s.scalars(stmt)]

    def requests_for_case(self, case_id: int) -> list[KnowledgeRequest]:
        with self._read() as s:
            stmt = select(KnowledgeRequestRow).where(KnowledgeRequestRow.case_id == case_id)
            return [_request(r) for r in s.scalars(stmt.order_by(KnowledgeRequestRow.id))]
