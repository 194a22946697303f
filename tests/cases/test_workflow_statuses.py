"""The transition table: who may move a case from where to where."""

from __future__ import annotations

from datetime import date

import pytest

from cases import lifecycle, workflow
from cases.workflow import FINAL_STATUSES, Actor, Status, TransitionNotAllowed, allowed, next_statuses
from tests.cases.builders import T0, case, open_case
from tests.city import CITY

S, A = Status, Actor


def test_resident_may_only_cancel_an_open_case_and_answer_after_resolved():
    assert next_statuses(S.SUBMITTED, A.RESIDENT) == [S.CANCELLED]
    assert next_statuses(S.IN_PROGRESS, A.RESIDENT) == [S.CANCELLED]
    assert not allowed(S.IN_PROGRESS, S.RESOLVED, A.RESIDENT)
    assert next_statuses(S.RESOLVED, A.RESIDENT) == [S.IN_PROGRESS, S.CLOSED_FIXED]


def test_staff_moves_forward_rules_and_reschedules():
    assert next_statuses(S.SUBMITTED, A.STAFF) == [
        S.ACKNOWLEDGED, S.IN_PROGRESS, S.SCHEDULED, S.RESOLVED, S.CLOSED_NOT_FIXED, S.DUPLICATE, S.CANCELLED,
        S.REJECTED]
    assert allowed(S.SCHEDULED, S.SCHEDULED, A.STAFF)
    assert allowed(S.SCHEDULED, S.IN_PROGRESS, A.STAFF)
    assert not allowed(S.IN_PROGRESS, S.ACKNOWLEDGED, A.STAFF)
    assert not allowed(S.ACKNOWLEDGED, S.SUBMITTED, A.STAFF)
    assert not allowed(S.IN_PROGRESS, S.CLOSED_FIXED, A.STAFF)  # "fixed" is for after resolved
    assert next_statuses(S.RESOLVED, A.STAFF) == [S.IN_PROGRESS, S.CLOSED_FIXED, S.CLOSED_NOT_FIXED, S.DUPLICATE]


def test_the_system_only_closes_an_unanswered_resolution():
    assert [(frm, to) for (frm, to), actors in workflow.TRANSITIONS.items() if A.SYSTEM in actors] == [
        (S.RESOLVED, S.CLOSED_FIXED)]


@pytest.mark.parametrize("status", sorted(FINAL_STATUSES))
def test_final_statuses_have_no_exits(status):
    assert all(next_statuses(status, actor) == [] for actor in Actor)
    assert not workflow.is_active(status) and not workflow.is_working(status)


def test_working_and_active():
    assert [s for s in Status if workflow.is_working(s)] == [S.SUBMITTED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.SCHEDULED]
    assert workflow.is_active(S.RESOLVED) and not workflow.is_working(S.RESOLVED)


def test_change_status_enforces_the_table_and_the_schedule_date(db):
    with db.transaction() as s:
        ref = open_case(s).reference
    with pytest.raises(TransitionNotAllowed), db.transaction() as s:
        lifecycle.change_status(s, case=case(s, ref), to_status="resolved", actor="resident", now=T0, **CITY)
    with pytest.raises(lifecycle.ScheduleDateRequired), db.transaction() as s:
        lifecycle.change_status(s, case=case(s, ref), to_status="scheduled", actor="staff", now=T0, **CITY)
    with db.transaction() as s:
        lifecycle.change_status(s, case=case(s, ref), to_status="scheduled", actor="staff",
                              scheduled_for=date(2026, 3, 5), now=T0, **CITY)
        lifecycle.change_status(s, case=case(s, ref), to_status="scheduled", actor="staff",
                              scheduled_for=date(2026, 3, 6), now=T0, **CITY)
    with db.transaction() as s:
        c = case(s, ref)
        assert (c.status, c.scheduled_for, c.first_response_at) == ("scheduled", date(2026, 3, 6), T0)
        assert [(e.from_status, e.to_status) for e in c.events] == [
            (None, "submitted"), ("submitted", "scheduled"), ("scheduled", "scheduled")]
