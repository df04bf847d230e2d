from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine

from app.cases import AuthorKind, CaseClosed, CaseNotFound, CaseStatus, InvalidTransition, SlaState, Turn
from app.cases.forms import validate_case_form
from app.cases.sla import LONDON
from app.cases.store import CaseQuery, CaseStore

Form = Callable[..., dict[str, Any]]


def raise_case(store: CaseStore, gen_case_form: Form, **overrides: Any) -> tuple[Any, str]:
    clean, errors = validate_case_form(gen_case_form(**overrides))
    assert errors == {}
    return store.create_case(clean)


def test_case_references_are_sequential_and_unique(store: CaseStore, gen_case_form: Form) -> None:
    refs = [raise_case(store, gen_case_form)[0].reference for _ in range(3)]
    assert refs == ["CS0000001", "CS0000002", "CS0000003"]


def test_new_case_stores_form_routing_and_target(store: CaseStore, gen_case_form: Form, clock: Any) -> None:
    case, token = raise_case(store, gen_case_form, url="https://example.com/page")
    assert case.status == CaseStatus.NEW
    assert (case.type, case.report_to, case.priority, case.scenario_id) == (
        "Service Request", "DIP Manager via Elexon Portal", "P3", "DIP-REG-01",
    )  # fmt: skip
    assert case.created_at == clock.now
    assert case.sla_due_at.astimezone(LONDON).date().isoformat() == "2025-12-01"  # Mon + 5 business days
    got = store.get_case(case.reference, token)
    assert got.subject == "No DIP invitation link yet"
    assert got.url == "https://example.com/page"
    assert got.steps == case.steps and len(got.steps) == 1
    assert [e.body for e in got.events] == ["Case raised"]


def test_token_is_long_random_and_not_stored_in_clear(store: CaseStore, gen_case_form: Form, engine: Engine) -> None:
    case, token = raise_case(store, gen_case_form)
    assert len(token) >= 40
    with engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT token_hash FROM cases").scalar_one()
    assert token not in stored


def test_wrong_token_and_missing_case_raise_the_same_error(store: CaseStore, gen_case_form: Form) -> None:
    case, token = raise_case(store, gen_case_form)
    for ref, tok in [
        (case.reference, token[:-1] + "x"),
        (case.reference, ""),
        ("CS9999999", token),
        ("nonsense", token),
    ]:
        with pytest.raises(CaseNotFound):
            store.get_case(ref, tok)


def test_reference_lookup_is_case_insensitive(store: CaseStore, gen_case_form: Form) -> None:
    case, token = raise_case(store, gen_case_form)
    assert store.get_case(case.reference.lower(), token).id == case.id


def test_raiser_comment_is_recorded_and_visible(store: CaseStore, gen_case_form: Form) -> None:
    case, token = raise_case(store, gen_case_form)
    updated, event = store.add_comment(case.reference, "  Any news?  ", author_kind=AuthorKind.RAISER, token=token)
    assert event.body == "Any news?" and event.author_kind == AuthorKind.RAISER
    assert updated.events[-1].body == "Any news?"


def test_raiser_comment_needs_the_token(store: CaseStore, gen_case_form: Form) -> None:
    case, _ = raise_case(store, gen_case_form)
    with pytest.raises(CaseNotFound):
        store.add_comment(case.reference, "hi", author_kind=AuthorKind.RAISER, token="guess")


def test_internal_notes_are_hidden_from_the_raiser(store: CaseStore, gen_case_form: Form) -> None:
    case, token = raise_case(store, gen_case_form)
    store.add_comment(case.reference, "check the DIP logs", author_kind=AuthorKind.STAFF, author="agent", internal=True)
    seen = store.get_case(case.reference, token).events
    assert seen and all(not e.internal for e in seen)  # the raiser still sees the case's own history
    assert store.get_case_for_staff(case.reference).events[-1].body == "check the DIP logs"


def test_status_changes_follow_the_lifecycle(store: CaseStore, gen_case_form: Form, clock: Any) -> None:
    case, _ = raise_case(store, gen_case_form)
    store.change_status(case.reference, CaseStatus.IN_PROGRESS, author="agent")
    clock.advance(hours=1)
    with pytest.raises(InvalidTransition):
        store.change_status(case.reference, CaseStatus.RESOLVED, author="agent")  # no resolution note
    resolved, event = store.change_status(case.reference, CaseStatus.RESOLVED, author="agent", note="Re-sent invite")
    assert resolved.resolved_at == clock.now and event.to_status == CaseStatus.RESOLVED
    assert resolved.sla_state(clock.now) == SlaState.MET
    closed, _ = store.change_status(case.reference, CaseStatus.CLOSED, author="agent")
    with pytest.raises(InvalidTransition):
        store.change_status(case.reference, CaseStatus.IN_PROGRESS, author="agent")
    with pytest.raises(CaseClosed):
        store.add_comment(case.reference, "reopen?", author_kind=AuthorKind.STAFF, author="agent")
    assert closed.closed_at == clock.now


def test_awaiting_information_pauses_and_reply_resumes_the_clock(
    store: CaseStore, gen_case_form: Form, clock: Any
) -> None:
    case, token = raise_case(store, gen_case_form)  # Monday 09:00 UTC, P3
    due = case.sla_due_at
    paused, _ = store.change_status(case.reference, CaseStatus.AWAITING_INFORMATION, author="agent", note="Which ID?")
    assert paused.sla_state(clock.now) == SlaState.PAUSED
    clock.advance(hours=5)
    resumed, _ = store.add_comment(case.reference, "It is ADAP", author_kind=AuthorKind.RAISER, token=token)
    assert resumed.status == CaseStatus.IN_PROGRESS
    assert resumed.paused_at is None and resumed.paused_seconds == 5 * 3600
    assert (resumed.sla_due_at - due).total_seconds() == 5 * 3600
    assert [e.to_status for e in resumed.events if e.to_status][-1] == CaseStatus.IN_PROGRESS


def test_assignment_is_recorded_as_an_internal_event(store: CaseStore, gen_case_form: Form) -> None:
    case, _ = raise_case(store, gen_case_form)
    assigned = store.assign(case.reference, "DIP Monitoring Team", author="agent")
    assert assigned.resolver_group == "DIP Monitoring Team"
    assert assigned.events[-1].internal


def test_list_cases_filters_and_sorts_by_sla_due(store: CaseStore, gen_case_form: Form, clock: Any) -> None:
    p3, _ = raise_case(store, gen_case_form)
    p1, _ = raise_case(store, gen_case_form, category="Choreography", scenario_id="", impact="High", urgency="High")
    sr, _ = raise_case(store, gen_case_form, category="Service Users", scenario_id="SR-01")
    page = store.list_cases()
    assert [c.reference for c in page.items] == [p1.reference, p3.reference, sr.reference] and page.total == 3
    assert store.list_cases(CaseQuery(priorities=("P4",))).items[0].reference == sr.reference
    assert store.list_cases(CaseQuery(text=p3.reference.lower())).total == 1
    assert store.list_cases(CaseQuery(limit=1, offset=1)).items[0].reference == p3.reference
    clock.advance(hours=7)
    breached = store.list_cases(CaseQuery(sla_states=(SlaState.BREACHED,)))
    assert [c.reference for c in breached.items] == [p1.reference]
    assert store.status_counts()[CaseStatus.NEW] == 3


def test_case_links_to_its_conversation(store: CaseStore, gen_case_form: Form) -> None:
    conv = store.save_turn(None, Turn("no invite yet", "raise_case", "DIP-REG-01", ("raise-and-track-a-case",), 0.8))
    case, _ = raise_case(store, gen_case_form, conversation_id=conv.id)
    assert case.conversation_id == conv.id
    assert store.get_conversation(conv.id).case_reference == case.reference  # type: ignore[union-attr]


def test_unknown_conversation_is_not_linked(store: CaseStore, gen_case_form: Form) -> None:
    case, _ = raise_case(store, gen_case_form, conversation_id="2b0c1c53-53e2-4c8a-9d39-5d6d8d1f3a11")
    assert case.conversation_id is None


def test_conversation_turns_and_feedback(store: CaseStore) -> None:
    conv = store.save_turn(None, Turn("how do I register?", "self_help", None, ("register-and-log-in",), 0.9))
    conv = store.save_turn(conv.id, Turn("thanks, and my keys?", "self_help"))
    assert [t.question for t in conv.turns] == ["how do I register?", "thanks, and my keys?"]
    assert conv.turns[0].articles == ("register-and-log-in",)
    assert store.set_feedback(conv.id, "yes").feedback == "yes"
    assert store.get_conversation("00000000-0000-0000-0000-000000000000") is None
    other = store.save_turn("not-a-real-id", Turn("q", "out_of_scope"))
    assert other.id != "not-a-real-id"
    assert len(store.list_conversations()) == 2


def test_votes_are_recorded(store: CaseStore) -> None:
    store.record_vote("dip-back-off-and-retry", False, reason="too vague", commit="abc123")
    store.record_vote("dip-back-off-and-retry", True)
    votes = store.list_votes(slug="dip-back-off-and-retry")
    assert [(v.helpful, v.reason) for v in votes] == [(False, "too vague"), (True, None)]


def test_rate_limit_allows_up_to_the_limit_per_window(store: CaseStore, clock: Any) -> None:
    assert all(store.hit("case:create:1.2.3.4", 3, 3600) for _ in range(3))
    assert not store.hit("case:create:1.2.3.4", 3, 3600)
    assert store.hit("case:create:5.6.7.8", 3, 3600)  # per key
    clock.advance(hours=1)
    assert store.hit("case:create:1.2.3.4", 3, 3600)  # a new window


def test_a_rate_limit_window_longer_than_the_counters_are_kept_still_limits(store: CaseStore, clock: Any) -> None:
    week = 7 * 24 * 3600
    assert all(store.hit("case:create:1.2.3.4", 2, week) for _ in range(2))
    assert not store.hit("case:create:1.2.3.4", 2, week)


def test_rate_limit_is_shared_between_store_instances(engine: Engine, clock: Any) -> None:
    """Two stores on one database stand for two workers."""
    a, b = CaseStore(engine, clock=clock), CaseStore(engine, clock=clock)
    assert a.hit("k", 2, 60) and b.hit("k", 2, 60)
    assert not a.hit("k", 2, 60) and not b.hit("k", 2, 60)


def test_concurrent_case_creation_gives_distinct_references(store: CaseStore, gen_case_form: Form) -> None:
    clean, _ = validate_case_form(gen_case_form())
    refs: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                refs.append(store.create_case(clean)[0].reference)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(refs) == [f"CS{n:07d}" for n in range(1, 21)]


def test_concurrent_rate_limit_hits_are_all_counted(store: CaseStore) -> None:
    results: list[bool] = []

    def worker() -> None:
        for _ in range(10):
            results.append(store.hit("burst", 25, 3600))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 25 and results.count(False) == 15


def test_reissued_token_replaces_the_old_one(store: CaseStore, gen_case_form: Form) -> None:
    case, old = raise_case(store, gen_case_form)
    assert store.reissue_token(case.reference, "someone@else.com") is None
    reissued = store.reissue_token(case.reference, " ADA@example.com ")
    assert reissued is not None
    _, new = reissued
    assert store.get_case(case.reference, new).id == case.id
    with pytest.raises(CaseNotFound):
        store.get_case(case.reference, old)


def _commit_waits_for_disk(conn: Any) -> bool:
    if conn.dialect.name == "sqlite":
        return conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    return conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"


def test_only_chat_turns_and_rate_limits_commit_without_waiting_for_the_disk(
        store: CaseStore, engine: Engine, gen_case_form: Form) -> None:
    """A case is on disk before it is acknowledged; a chat turn or a rate-limit count is not worth an fsync."""
    from sqlalchemy import event

    waited: list[bool] = []
    event.listen(engine, "commit", lambda conn: waited.append(_commit_waits_for_disk(conn)))
    conv = store.save_turn(None, Turn("no invite yet", "raise_case"))
    store.hit("assist:1.2.3.4", 30, 60)
    raise_case(store, gen_case_form, conversation_id=conv.id)
    store.save_turn(conv.id, Turn("still nothing", "raise_case"))
    store.set_feedback(conv.id, "no")
    assert waited == [False, False, True, False, True]
    assert [t.question for t in store.get_conversation(conv.id).turns] == ["no invite yet", "still nothing"]
