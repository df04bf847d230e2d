"""What the chat page shows: the conversation as a thread, each answer's parts, and the case hand-over."""
from __future__ import annotations

from typing import Any

from app.assistant.conversations import ConversationRecord
from app.assistant.service import shorten
from app.cases.sla import target_for
from app.content.repository import ContentRepository
from app.servicemodel import LEVELS, ServiceModel

ARTICLE_LINKS = 3


def thread(conversation: ConversationRecord | None, repo: ContentRepository, limit: int) -> list[dict[str, Any]]:
    """The last ``limit`` exchanges: the question and the whole answer as it was given (stored with the turn,
    so any worker shows it); a turn recorded before answers were stored shows its action and articles."""
    if conversation is None:
        return []
    items = []
    first = max(0, len(conversation.turns) - limit)
    for index, turn in enumerate(conversation.turns[first:], start=first):
        answer = {**turn.answer, "conversation_id": conversation.id} if turn.answer else None
        links = []
        if answer is None:
            for slug in turn.articles[:ARTICLE_LINKS]:
                article = repo.get_article(slug)
                term = repo.get_term(slug) if article is None else None
                if article is not None:
                    links.append({"title": article.title, "url": article.url})
                elif term is not None:
                    links.append({"title": term.term, "url": term.url})
        items.append({"index": index, "question": turn.question, "answer": answer, "action": turn.action,
                      "links": links})
    return items


def routing_detail(draft: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The case draft's routing as labelled plain words for "Why this answer?"."""
    if not draft:
        return []
    rows = [("Category", draft.get("category") or "")]
    if draft.get("subcategory"):
        rows.append(("Subcategory", draft["subcategory"]))
    rows += [("Type", draft.get("type") or ""), ("Who handles it", draft.get("report_to") or "")]
    priority = draft.get("priority") or ""
    try:
        rows.append(("Priority", f"{priority}: resolution target {target_for(priority).text}"))
    except ValueError:
        rows.append(("Priority", priority))
    return [(label, value) for label, value in rows if value]


def topic_questions(answer: dict[str, Any], conversation: ConversationRecord | None) -> list[str]:
    """What the user typed about the current topic: its last ``topic.turns`` messages (the latest alone when
    the answer names no topic), never an earlier topic's."""
    questions = [t.question for t in conversation.turns] if conversation else []
    topic = answer.get("topic") or {}
    turns = topic.get("turns") if isinstance(topic.get("turns"), int) else 1
    return questions[-max(1, turns):] if questions else []


def handover_fields(answer: dict[str, Any], conversation: ConversationRecord | None,
                    model: ServiceModel) -> dict[str, str]:
    """The case form's fields for the current topic: the draft's routing, its subject and description (the
    draft's own, else built from the topic's messages), the scenario or request id the form knows, and the
    impact and urgency the priority came from."""
    draft = answer.get("case_draft") or {}
    questions = topic_questions(answer, conversation)
    fields = {
        "category": draft.get("category") or "",
        "subcategory": draft.get("subcategory") or "",
        "subject": draft.get("subject") or (shorten(questions[0]) if questions else ""),
        "description": draft.get("description") or "\n\n".join(questions),
        "conversation_id": answer.get("conversation_id") or "",
    }
    sid = (answer.get("scenario") or {}).get("id") or ""
    if sid in model.scenarios or sid in model.service_requests:
        fields["scenario"] = sid
    impact, urgency = draft.get("impact"), draft.get("urgency")
    if impact in LEVELS and urgency in LEVELS:
        fields.update(impact=impact, urgency=urgency)
    return {k: v for k, v in fields.items() if v}
