from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from app.cases.records import CaseStatus, SlaState
from app.cases.sla import (
    LONDON,
    TARGETS,
    add_clock_time,
    clock_time_between,
    describe_due,
    due_with_pauses,
    extend_for_pause,
    is_business_day,
    resolution_due,
    sla_state,
)
from app.servicemodel import load_service_model


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("priority", "raised", "due"),
    [
        # Friday evening: business time resumes on Monday
        ("P2", london(2025, 11, 28, 18, 30), london(2025, 12, 1, 18, 30)),
        ("P3", london(2025, 11, 28, 18, 30), london(2025, 12, 5, 18, 30)),
        ("P4", london(2025, 11, 28, 18, 30), london(2025, 12, 30, 18, 30)),  # skips 25, 26 Dec
        # P1 is 24x7, weekend or not
        ("P1", london(2025, 11, 28, 18, 30), london(2025, 11, 29, 0, 30)),
    ],
)
def test_case_raised_friday_evening_is_due(priority: str, raised: datetime, due: datetime) -> None:
    assert resolution_due(priority, raised) == due


def test_case_raised_on_saturday_starts_its_clock_on_monday() -> None:
    due = resolution_due("P2", london(2025, 11, 29, 10, 0))
    assert due == london(2025, 12, 2, 0, 0)  # the whole of Monday 1 December
    assert describe_due(due) == "end of Monday 1 December 2025 (UK time)"


def test_christmas_and_boxing_day_are_not_business_days() -> None:
    assert resolution_due("P2", london(2025, 12, 24, 10, 0)) == london(2025, 12, 29, 10, 0)


def test_substitute_bank_holidays_count_when_christmas_falls_at_a_weekend() -> None:
    # 25/26 Dec 2027 are Sat/Sun; the bank holidays move to Mon 27 and Tue 28.
    assert not is_business_day(london(2027, 12, 27).date())
    assert not is_business_day(london(2027, 12, 28).date())
    assert resolution_due("P2", london(2027, 12, 24, 9, 0)) == london(2027, 12, 29, 9, 0)


def test_easter_good_friday_and_easter_monday_are_skipped() -> None:
    # Thursday before Easter 2025 -> Good Friday, weekend, Easter Monday -> Tuesday
    assert resolution_due("P2", london(2025, 4, 17, 18, 30)) == london(2025, 4, 22, 18, 30)
    assert resolution_due("P3", london(2025, 4, 17, 12, 0)) == london(2025, 4, 28, 12, 0)


def test_early_may_and_late_summer_bank_holidays_are_skipped() -> None:
    assert not is_business_day(london(2025, 5, 5).date())
    assert not is_business_day(london(2025, 8, 25).date())
    assert is_business_day(london(2025, 8, 26).date())


def test_business_days_across_the_clocks_going_back_stay_at_the_same_local_time() -> None:
    # BST ends Sunday 26 October 2025
    due = resolution_due("P3", london(2025, 10, 24, 15, 0))
    assert due == london(2025, 10, 31, 15, 0)
    assert due.astimezone(LONDON).utcoffset() == timedelta(0)


def test_p1_counts_wall_clock_hours_across_the_clocks_going_forward() -> None:
    # 30 March 2025 01:00 GMT -> 02:00 BST: 6 real hours from 00:30 GMT is 07:30 BST
    assert resolution_due("P1", london(2025, 3, 30, 0, 30)) == london(2025, 3, 30, 7, 30)


def test_business_time_between_excludes_weekend() -> None:
    friday, monday = london(2025, 11, 28, 18, 0), london(2025, 12, 1, 10, 0)
    assert clock_time_between(friday, monday, business=True) == 16 * 3600
    assert clock_time_between(friday, monday, business=False) == 64 * 3600
    assert add_clock_time(friday, 16 * 3600, business=True) == monday


def test_targets_agree_with_the_service_definition() -> None:
    model = load_service_model()
    assert set(TARGETS) == set(model.targets)
    for priority, target in TARGETS.items():
        written = model.targets[priority]
        assert target.seconds == written.value * (3600 if written.unit == "hours" else 86400)
        assert target.business == (written.unit != "hours")


def test_pause_extends_the_due_time_by_the_business_time_paused() -> None:
    due = london(2025, 12, 5, 12, 0)
    # paused Friday 28 Nov 17:00 to Monday 1 Dec 09:00: 7 + 9 = 16 business hours
    extended = extend_for_pause(due, "P3", london(2025, 11, 28, 17, 0), london(2025, 12, 1, 9, 0))
    assert extended == london(2025, 12, 8, 4, 0)  # Friday 12:00 + 12 h -> midnight, weekend, +4 h


def test_pause_extends_p1_by_wall_clock_time() -> None:
    due = london(2025, 11, 24, 15, 0)
    assert extend_for_pause(due, "P1", london(2025, 11, 24, 10, 0), london(2025, 11, 24, 12, 30)) == london(
        2025, 11, 24, 17, 30
    )


def test_pause_after_a_breach_does_not_extend() -> None:
    due = london(2025, 11, 24, 15, 0)
    assert extend_for_pause(due, "P1", london(2025, 11, 24, 16, 0), london(2025, 11, 24, 18, 0)) == due


def test_due_with_pauses_replays_every_pause() -> None:
    raised = london(2025, 11, 24, 9, 0)  # Monday, P2 -> Tuesday 09:00
    pauses = [
        (london(2025, 11, 24, 10, 0), london(2025, 11, 24, 11, 0)),
        (london(2025, 11, 24, 12, 0), london(2025, 11, 24, 14, 0)),
    ]
    assert due_with_pauses("P2", raised, pauses) == london(2025, 11, 25, 12, 0)


def _case(**kw: object) -> SimpleNamespace:
    base: dict[str, object] = dict(
        status=CaseStatus.IN_PROGRESS,
        priority="P3",
        sla_due_at=london(2025, 12, 5, 18, 30),
        paused_at=None,
        resolved_at=None,
        closed_at=None,
    )
    base.update(kw)
    return SimpleNamespace(**base)


@pytest.mark.parametrize(
    ("now", "case_kw", "state"),
    [
        (london(2025, 12, 1, 9, 0), {}, SlaState.IN_SLA),
        # one business day left of five is exactly the last 20%
        (london(2025, 12, 4, 18, 30), {}, SlaState.NEARLY_BREACHED),
        (london(2025, 12, 4, 18, 0), {}, SlaState.IN_SLA),
        (london(2025, 12, 5, 18, 30), {}, SlaState.BREACHED),
        (
            london(2025, 12, 9),
            {"status": CaseStatus.AWAITING_INFORMATION, "paused_at": london(2025, 12, 2)},
            SlaState.PAUSED,
        ),
        (
            london(2025, 12, 9),
            {"status": CaseStatus.AWAITING_INFORMATION, "paused_at": london(2025, 12, 6)},
            SlaState.BREACHED,
        ),
        (london(2025, 12, 9), {"status": CaseStatus.RESOLVED, "resolved_at": london(2025, 12, 5, 9)}, SlaState.MET),
        (
            london(2025, 12, 9),
            {"status": CaseStatus.CLOSED, "resolved_at": london(2025, 12, 8), "closed_at": london(2025, 12, 9)},
            SlaState.BREACHED,
        ),
    ],
)
def test_sla_state(now: datetime, case_kw: dict[str, object], state: SlaState) -> None:
    assert sla_state(_case(**case_kw), now) == state


def test_sla_functions_refuse_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        resolution_due("P1", datetime(2025, 1, 1))


def test_unknown_priority_is_an_error() -> None:
    with pytest.raises(ValueError):
        resolution_due("P9", datetime(2025, 1, 1, tzinfo=UTC))
