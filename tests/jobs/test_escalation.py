"""Overdue cases escalate once per level as the clock moves; resolved and merged cases do not."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from cases import lifecycle
from cases.followup import escalation
from cases.handoff import waits
from cases.hours import OfficeHours, QuietHours
from cases.models import CaseEvent, HandoffRequest
from tests.cases.builders import T0, TZ, case, notifications, open_case, resident, staff, staff_alerts
from tests.city import CITY, NO_QUIET_HOURS

DUE = T0 + timedelta(days=7)  # a pothole is due 7 days after it was filed
STEP = 48.0


def sweep(db, at, times: int = 3):
    """Run the escalation sweep `times` times at the same moment, each in its own transaction."""
    taken = []
    for _ in range(times):
        with db.transaction() as s:
            taken += escalation.escalate_overdue(s, step_hours=STEP, timezone=TZ, now=at, quiet_hours=NO_QUIET_HOURS)
    return taken


def escalation_events(s, reference):
    return [e for e in case(s, reference).events if e.kind == "escalation"]


def test_overdue_case_escalates_once_per_level_as_time_passes(db):
    with db.transaction() as s:
        ref = open_case(s).reference
        lifecycle.change_status(
            s, case=case(s, ref), to_status="in_progress", actor="staff", now=T0 + timedelta(hours=1), **CITY
        )
    assert sweep(db, DUE - timedelta(minutes=1)) == []
    assert sweep(db, DUE) == [(ref, 1)]
    assert sweep(db, DUE + timedelta(hours=STEP) - timedelta(seconds=1)) == []
    assert sweep(db, DUE + timedelta(hours=STEP)) == [(ref, 2)]
    assert sweep(db, DUE + timedelta(days=60)) == []  # level 2 is the top
    with db.transaction() as s:
        c = case(s, ref)
        assert (c.escalation_level, c.escalated_at, c.status) == (2, DUE + timedelta(hours=STEP), "in_progress")
        events = escalation_events(s, ref)
        assert [(e.actor, e.created_at) for e in events] == [("system", DUE), ("system", DUE + timedelta(hours=STEP))]
        assert "level 1, the supervisor of Roads and Highways" in events[0].internal_note
        assert "level 2, the city's supervisors" in events[1].internal_note
        assert events[0].public_note is None
        alerts = staff_alerts(s)
        assert [(a.kind, a.role, a.department, a.staff_id, a.case_id) for a in alerts] == [
            ("escalation", "supervisor", "Roads and Highways", None, c.id),
            ("escalation", "supervisor", None, None, c.id),
        ]
        assert ref in alerts[0].text and "it was due 9 Mar 2026" in alerts[0].text  # in the reader's locale (en_GB)
        # the resident was told once per level (plus the in_progress push), honestly
        texts = [n.text for n in notifications(s)]
        assert len(texts) == 3
        assert texts[1] == (
            f"We are sorry: your request {ref} (Pothole or damaged road) is late. It was due on "
            f"2026-03-09 and has been passed to the department's supervisor to be dealt with."
        )
        assert "the city's supervisors" in texts[2]


def test_a_sweep_that_missed_a_level_records_both_and_tells_the_resident_once(db):
    with db.transaction() as s:
        ref = open_case(s, resident(s, "zh", language="zh")).reference
    assert sweep(db, DUE + timedelta(hours=STEP + 5)) == [(ref, 1), (ref, 2)]
    with db.transaction() as s:
        assert len(escalation_events(s, ref)) == 2 and len(staff_alerts(s)) == 2
        [push] = notifications(s)
        assert "市级督办" in push.text and ref in push.text


def test_resolved_closed_and_merged_cases_are_not_escalated(db):
    with db.transaction() as s:
        resolved = open_case(s).reference
        lifecycle.change_status(s, case=case(s, resolved), to_status="resolved", actor="staff", now=T0, **CITY)
        original = open_case(s, resident(s, "2")).reference
        follower = open_case(s, resident(s, "3")).reference
        supervisor = staff(s, "sue", role="supervisor", department="Roads and Highways")
        lifecycle.mark_duplicate(s, case=case(s, follower), original_reference=original, staff=supervisor, now=T0,
                                 **CITY)
    assert sweep(db, DUE + timedelta(hours=1)) == [(original, 1)]
    with db.transaction() as s:
        assert escalation_events(s, resolved) == [] and escalation_events(s, follower) == []
        assert case(s, resolved).escalation_level == 0 and case(s, follower).escalation_level == 0
        # the follower follows the original: they hear it is late too, once
        late = [n for n in notifications(s) if "is late" in n.text]
        assert sorted(n.chat_id for n in late) == ["2", "3"]


def test_reopened_case_keeps_its_due_date_and_goes_on_escalating(db):
    with db.transaction() as s:
        ref = open_case(s).reference
        lifecycle.change_status(
            s, case=case(s, ref), to_status="resolved", actor="staff", now=DUE - timedelta(hours=1), **CITY
        )
        lifecycle.change_status(
            s, case=case(s, ref), to_status="in_progress", actor="resident", now=DUE + timedelta(hours=1), **CITY
        )
    assert sweep(db, DUE + timedelta(hours=2)) == [(ref, 1)]


def test_escalation_push_waits_for_the_end_of_quiet_hours(db):
    quiet = QuietHours(time(21, 0), time(8, 0), TZ)
    night = T0.replace(hour=15)  # 23:00 in Shanghai
    with db.transaction() as s:
        ref = open_case(s, now=night - timedelta(days=7)).reference
    with db.transaction() as s:
        escalation.escalate_overdue(s, step_hours=STEP, timezone=TZ, quiet_hours=quiet, now=night)
    with db.transaction() as s:
        [push] = notifications(s)
        assert ref in push.text and push.next_attempt_at == T0.replace(hour=0) + timedelta(days=1)  # 08:00 local


def test_long_waits_are_flagged_once_to_city_supervisors_in_office_hours(db):
    office = OfficeHours(frozenset(range(5)), time(9, 0), time(18, 0), TZ)
    with db.transaction() as s:
        early = service_handoff(s, "w1", at=T0 - timedelta(hours=13))  # Sunday 21:00, office closed
        late = service_handoff(s, "w2", at=T0 + timedelta(minutes=5))
    opening = T0 - timedelta(hours=1)  # Monday 09:00
    with db.transaction() as s:  # Monday 09:05: the overnight chat has waited 5 office minutes only
        assert waits.flag_long_waits(s, minutes=10, office_hours=office, now=opening + timedelta(minutes=5)) == []
    for _ in range(2):
        with db.transaction() as s:
            flagged = waits.flag_long_waits(s, minutes=10, office_hours=office, now=T0 + timedelta(minutes=10))
            assert [h.id for h in flagged] == ([early] if _ == 0 else [])
    with db.transaction() as s:
        flagged = waits.flag_long_waits(s, minutes=10, office_hours=office, now=T0 + timedelta(minutes=15))
        assert [h.id for h in flagged] == [late]
        assert [(a.key, a.kind, a.role, a.department, a.handoff_id) for a in staff_alerts(s)] == [
            (f"handoff_wait:{early}", "handoff_wait", "supervisor", None, early),
            (f"handoff_wait:{late}", "handoff_wait", "supervisor", None, late),
        ]
        assert s.get(HandoffRequest, early).flagged_at == T0 + timedelta(minutes=10)
        # at night nobody is paged
        assert waits.flag_long_waits(s, minutes=10, office_hours=office, now=T0 + timedelta(hours=12)) == []


def service_handoff(s, external_id, *, at):
    from cases.handoff import handoff

    return handoff.request_handoff(s, resident=resident(s, external_id), reason="help", now=at).id


def test_no_escalation_event_without_a_level_change(db):
    with db.transaction() as s:
        open_case(s)
    sweep(db, DUE, times=5)
    with db.transaction() as s:
        assert len(list(s.scalars(select(CaseEvent).where(CaseEvent.kind == "escalation")))) == 1


def test_two_schedulers_at_once_escalate_once(db):
    """A second sweep running while the first has not committed yet takes nothing (or fails and rolls back)."""
    import threading

    from sqlalchemy.exc import OperationalError

    with db.transaction() as s:
        ref = open_case(s).reference
    outcome = {}

    def second():
        try:
            outcome["taken"] = sweep(db, DUE, times=1)
        except OperationalError as exc:  # SQLite: the writer's snapshot is stale; nothing was written
            outcome["error"] = exc

    with db.transaction() as s:
        assert escalation.escalate_overdue(s, step_hours=STEP, timezone=TZ, now=DUE, quiet_hours=NO_QUIET_HOURS) == [
            (ref, 1)
        ]
        other = threading.Thread(target=second)
        other.start()
        other.join(0.5)  # it waits for our write lock
        assert other.is_alive() or outcome
    other.join(10)
    assert outcome.get("taken", []) == []
    with db.transaction() as s:
        assert len(escalation_events(s, ref)) == 1 and len(staff_alerts(s)) == 1 and len(notifications(s)) == 1
