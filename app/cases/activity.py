"""Store parts for the assistant and reports: conversations, article votes, rate limits."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.cases.errors import ConversationNotFound
from app.cases.models import ConversationRow, RateLimitRow, VoteRow
from app.cases.records import Conversation, Turn, Vote
from app.cases.storebase import StoreBase

logger = logging.getLogger(__name__)

MAX_TURNS = 100  # a conversation keeps its latest turns only
MAX_QUESTION = 2000
RATE_LIMIT_RETENTION = timedelta(days=2)


def _to_conversation(row: ConversationRow) -> Conversation:
    return Conversation(
        id=row.id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        turns=tuple(Turn.from_json(t) for t in row.turns),
        feedback=row.feedback,
        case_reference=row.case_reference,
    )


def _turn_json(turn: Turn) -> dict[str, object]:
    data = turn.as_json()
    data["question"] = str(data["question"])[:MAX_QUESTION]
    return data


class ConversationMixin(StoreBase):
    def save_turn(self, conversation_id: str | None, turn: Turn) -> Conversation:
        """Append a turn; starts a new conversation (with a fresh id) when the id is None or unknown.

        A chat turn is not worth an fsync (app.cases.db.LAZY_COMMIT), which costs milliseconds on every answer while
        the disk is busy; a case raised from the chat is written durably, with the conversation's text.
        """
        now = self.now()
        with self._write(durable=False) as s:
            row = None
            if conversation_id:
                row = s.get(ConversationRow, conversation_id, with_for_update=True)
            if row is None:
                row = ConversationRow(id=str(uuid.uuid4()), created_at=now, turns=[])
                s.add(row)
            row.turns = [*row.turns, _turn_json(turn)][-MAX_TURNS:]
            row.updated_at = now
            s.flush()
            return _to_conversation(row)

    def get_conversation(self, conversation_id: str) -> Conversation | None:
        with self._read() as s:
            row = s.get(ConversationRow, conversation_id)
            return None if row is None else _to_conversation(row)

    def set_last_answer(self, conversation_id: str, action: str, answer: dict[str, Any]) -> bool:
        """Replace the latest turn's action and answer by what the user was shown; False without such a turn."""
        with self._write() as s:
            row = s.get(ConversationRow, conversation_id, with_for_update=True)
            if row is None or not row.turns:
                return False
            row.turns = [*row.turns[:-1], {**row.turns[-1], "action": action, "answer": answer}]
            row.updated_at = self.now()
            return True

    def set_feedback(self, conversation_id: str, feedback: str) -> Conversation:
        """Record the answer to 'Did this solve it?' ('yes' | 'no'); the last answer counts."""
        if feedback not in ("yes", "no"):
            raise ValueError("feedback must be 'yes' or 'no'")
        with self._write() as s:
            row = s.get(ConversationRow, conversation_id, with_for_update=True)
            if row is None:
                raise ConversationNotFound(conversation_id)
            row.feedback = feedback
            row.updated_at = self.now()
            s.flush()
            return _to_conversation(row)

    def list_conversations(self, since: datetime | None = None, limit: int = 10_000) -> list[Conversation]:
        with self._read() as s:
            stmt = select(ConversationRow).order_by(ConversationRow.created_at)
            if since is not None:
                stmt = stmt.where(ConversationRow.created_at >= since)
            return [_to_conversation(r) for r in s.scalars(stmt.limit(limit))]


class ActivityMixin(StoreBase):
    def record_vote(self, slug: str, helpful: bool, reason: str | None = None, commit: str | None = None) -> None:
        """One 'Was this helpful?' answer for an article (as of a content commit, when known)."""
        with self._write() as s:
            s.add(
                VoteRow(
                    slug=slug[:200],
                    commit=commit[:64] if commit else None,
                    helpful=bool(helpful),
                    reason=reason[:1000] if reason else None,
                    created_at=self.now(),
                )
            )

    def list_votes(self, since: datetime | None = None, slug: str | None = None) -> list[Vote]:
        """Votes, oldest first, optionally since a time or for one article."""
        with self._read() as s:
            stmt = select(VoteRow).order_by(VoteRow.id)
            if since is not None:
                stmt = stmt.where(VoteRow.created_at >= since)
            if slug is not None:
                stmt = stmt.where(VoteRow.slug == slug)
            return [Vote(r.slug, r.commit, r.helpful, r.reason, r.created_at) for r in s.scalars(stmt)]


class RateLimitMixin(StoreBase):
    def hit(self, key: str, limit: int, window_seconds: int) -> bool:
        """Count one hit for ``key``; False once it exceeds ``limit`` in the current fixed window.

        The counter lives in the database, so every worker and web server sharing it shares the limit.
        """
        now = self.now()
        epoch = int(now.timestamp())
        window_start = epoch - epoch % window_seconds
        key = key[:200]
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(RateLimitRow).values(key=key, window_start=window_start, count=1)
        stmt = stmt.on_conflict_do_update(
            index_elements=[RateLimitRow.key, RateLimitRow.window_start],
            set_={"count": RateLimitRow.count + 1},
        ).returning(RateLimitRow.count)
        with self._write(durable=False) as s:  # a counter is not worth an fsync (app.cases.db.LAZY_COMMIT)
            count = s.execute(stmt).scalar_one()
            if count == 1:  # first hit of a window: forget this key's older windows and anyone's stale ones
                # (never this window: one longer than the retention starts before the cutoff)
                cutoff = min(int((now - RATE_LIMIT_RETENTION).timestamp()), window_start)
                s.execute(
                    delete(RateLimitRow).where(
                        ((RateLimitRow.key == key) & (RateLimitRow.window_start < window_start))
                        | (RateLimitRow.window_start < cutoff)
                    )
                )
        allowed = count <= limit
        if not allowed:
            logger.info("rate limit reached for %s (%d in %ds)", key.split(":", 1)[0], limit, window_seconds)
        return allowed

    def hits(self, key: str, window_seconds: int) -> int:
        """Hits counted for ``key`` in the current fixed window, without counting one."""
        epoch = int(self.now().timestamp())
        with self._read() as s:
            count = s.scalar(select(RateLimitRow.count).where(
                RateLimitRow.key == key[:200], RateLimitRow.window_start == epoch - epoch % window_seconds))
        return int(count or 0)
