"""Staff-side service functions: assignment, re-routing, duplicates, chases and alerts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases import lifecycle, queries
from cases.followup import chase as chasing
from cases.staff import alerts
from tests.cases.builders import T0, TZ, case, notifications, open_case, resident, staff, staff_alerts
from tests.city import CITY, NO_QUIET_HOURS

ROADS = "Roads and Highways"


def test_assign_records_who_and_counts_as_first_response(db):
    with db.transaction() as s:
        ref = open_case(s).reference
        sue = staff(s, "sue", role="supervisor", department=ROADS)
        amy = staff(s, "amy", department=ROADS)
        event = lifecycle.assign(s, case=case(s, ref), staff=sue, assignee=amy, internal_note="urgent one",
                               now=T0 + timedelta(hours=2))
        assert (event.kind, event.actor, event.staff_id) == ("assignment", "staff", sue.id)
        assert event.internal_note == "Assigned: Roads and Highways / - -> Roads and Highways / Amy. urgent one"
        gone = staff(s, "gone", department=ROADS, active=False)
        with pytest.raises(ValueError):
            lifecycle.assign(s, case=case(s, ref), staff=sue, assignee=gone)
    with db.transaction() as s:
        c = case(s, ref)
        assert (c.assignee.username, c.first_response_at, c.status) == ("amy", T0 + timedelta(hours=2), "submitted")
        assert notifications(s) == []  # staff's internal business: no push


def test_change_request_type_moves_department_and_due_date_and_tells_the_resident(db):
    with db.transaction() as s:
        ref = open_case(s).reference
        sue = staff(s, "sue", role="supervisor", department=ROADS)
        c = case(s, ref)
        lifecycle.assign(s, case=c, staff=sue, assignee=sue, now=T0)
        c.escalation_level = 1
        lifecycle.change_request_type(s, case=c, request_type="streetlight", staff=sue, timezone=TZ,
                                    now=T0 + timedelta(days=1), quiet_hours=NO_QUIET_HOURS)
        with pytest.raises(ValueError):
            lifecycle.change_request_type(s, case=c, request_type="streetlight", staff=sue, **CITY)
    with db.transaction() as s:
        c = case(s, ref)
        assert (c.request_type, c.department, c.assignee_id, c.escalation_level) == (
            "streetlight", "Street Lighting", None, 0)
        assert c.due_at == T0 + timedelta(days=5)  # counted from when the resident filed it
        assert c.events[-1].internal_note == "Request type: Pothole or damaged road -> Street light problem"
        [push] = notifications(s)
        assert push.text == (f"Your request {ref} is now handled as Street light problem by Street Lighting. "
                             f"Expected resolution by 2026-03-07.")


def test_duplicate_follower_hears_the_originals_news_and_chains_collapse(db):
    with db.transaction() as s:
        sue = staff(s, "sue", role="supervisor", department=ROADS)
        original = open_case(s, resident(s, "1")).reference
        middle = open_case(s, resident(s, "2")).reference
        last = open_case(s, resident(s, "3")).reference
        lifecycle.mark_duplicate(s, case=case(s, last), original_reference=middle, staff=sue, now=T0, **CITY)
        lifecycle.mark_duplicate(s, case=case(s, middle), original_reference=original, staff=sue, now=T0, **CITY)
    with db.transaction() as s:
        assert case(s, last).duplicate_of.reference == original  # the chain collapsed onto the worked case
        assert [r.external_id for r in queries.followers(s, case(s, original))] == ["2", "3"]
        before = len(notifications(s))
        lifecycle.change_status(s, case=case(s, original), to_status="in_progress", actor="staff", staff=sue,
                              public_note="crew on the way", now=T0 + timedelta(hours=1), **CITY)
    with db.transaction() as s:
        news = notifications(s)[before:]
        assert sorted(n.chat_id for n in news) == ["1", "2", "3"]
        follower = next(n for n in news if n.chat_id == "3")
        assert follower.text.startswith(f"Update on {original}, the report yours was merged with")
        assert "crew on the way" in follower.text
        with pytest.raises(lifecycle.InvalidDuplicate):
            lifecycle.mark_duplicate(s, case=case(s, original), original_reference="HY-2026-99999", staff=sue, **CITY)
        with pytest.raises(lifecycle.InvalidDuplicate):  # itself, through the chain
            lifecycle.mark_duplicate(s, case=case(s, original), original_reference=last, staff=sue, **CITY)


def chase(s, ref, when, who="100"):
    return chasing.chase_case(s, resident=resident(s, who), reference=ref, timezone=TZ, now=when)


def test_chase_only_when_overdue_once_per_city_day_and_not_when_closed(db):
    due = T0 + timedelta(days=7)  # Monday 9 March, 10:00 in Shanghai
    with db.transaction() as s:
        ref = open_case(s).reference
        amy = staff(s, "amy", department=ROADS)
        with pytest.raises(chasing.CannotChase) as refused:
            chase(s, ref, due - timedelta(minutes=1))
        assert refused.value.reason == "not_overdue"
        with pytest.raises(queries.CaseNotFound):
            chase(s, ref, due, who="someone-else")
        first = chase(s, ref, due)
        assert first.local_day.isoformat() == "2026-03-09"
        with pytest.raises(chasing.CannotChase) as refused:
            chase(s, ref, due + timedelta(hours=13))  # 23:00, still the 9th in the city
        assert refused.value.reason == "already_today"
        chase(s, ref, due + timedelta(hours=14))  # past midnight in the city: the 10th
        [a1, a2] = staff_alerts(s)
        assert (a1.key, a1.kind, a1.role, a1.department) == (f"chase:{case(s, ref).id}:2026-03-09", "chase", "agent",
                                                             ROADS)
        assert a2.key.endswith("2026-03-10")
        assert [e.kind for e in case(s, ref).events].count("chase") == 2
        lifecycle.change_status(s, case=case(s, ref), to_status="rejected", actor="staff", staff=amy, now=due, **CITY)
        with pytest.raises(chasing.CannotChase) as refused:
            chase(s, ref, due + timedelta(days=2))
        assert refused.value.reason == "closed"


def test_alert_happens_once_per_key(db):
    with db.transaction() as s:
        amy = staff(s, "amy", department=ROADS)
        first = alerts.alert(s, key="k", kind="chase", text="one", staff=amy, now=T0)
        assert (first.staff_id, first.role) == (amy.id, None)
        assert alerts.alert(s, key="k", kind="chase", text="two", role="supervisor", now=T0) is None
        city = alerts.alert(s, key="k2", kind="handoff_wait", text="waiting", now=T0)
        assert (city.role, city.department) == ("supervisor", None)  # no addressee given: supervisors
    with db.transaction() as s:
        assert [(a.key, a.text) for a in staff_alerts(s)] == [("k", "one"), ("k2", "waiting")]
