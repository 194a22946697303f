"""The triage desk places a case in a grid: the grid is checked, the ladder starts again at its first rung, whoever
answers there is alerted, an assignee of another area lets it go, and the resident hears nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from cases import lifecycle
from cases.areas.placing import PlacementRefused, place_in_grid
from cases.events import ASSIGNMENT
from cases.followup import escalation
from cases.models import Case, Notification, StaffUser
from cases.staff import alerts
from tests.cases.builders import T0, TZ, case, notifications, resident, staff, staff_alerts
from tests.city import CITY, NO_QUIET_HOURS

GRID = "D01-S01-C02-G06"  # holds People's Square
NEXT_DOOR = "D01-S01-C02-G05"  # the same community
ELSEWHERE = "D02-S02-C01-G02"  # another district
SQUARE = {"latitude": 31.2304, "longitude": 121.4737}


def file(s, request_type="garbage", **where) -> Case:
    """A case filed by the resident, by default at an address no gazetteer knows: the triage desk's."""
    return lifecycle.open_case(s, resident=resident(s), request_type=request_type, description="a problem",
                               **(where or {"address": "1 Nowhere Street"}), now=T0, reference_prefix="HY")


def person(s, username, role, *, area=None, department=None) -> StaffUser:
    """A staff member answering for an area (or a department), with a Telegram chat."""
    member = staff(s, username, role=role, department=department, chat_id=f"chat-{username}")
    member.area_code = area
    s.flush()
    return member


def resident_pushes(s) -> list[Notification]:
    """The outbox rows for residents (staff alerts' Telegram copies are not theirs)."""
    return [n for n in notifications(s) if n.resident_id is not None]


def test_a_triage_case_placed_in_a_grid_starts_its_grid_ladder_and_alerts_the_grid_worker(db):
    with db.transaction() as s:
        worker = person(s, "gw", "agent", area=GRID)
        desk = person(s, "tri", "agent", department="Triage Desk")
        filed = file(s)
        assert filed.grid_code is None
        filed.escalation_level, filed.escalated_at = 2, T0  # it had climbed the triage ladder
        pushes = len(resident_pushes(s))
        event = place_in_grid(s, case=filed, grid_code=GRID, staff=desk, internal_note="  the photo shows the square ",
                              now=T0 + timedelta(hours=1))
        placed = case(s, filed.reference)
        assert (placed.grid_code, placed.escalation_level, placed.escalated_at) == (GRID, 0, None)
        assert placed.first_response_at == T0 + timedelta(hours=1)
        assert (event.kind, event.actor, event.staff_id, event.public_note) == (ASSIGNMENT, "staff", desk.id, None)
        assert event.internal_note == ("Placed in grid: the triage desk -> Grid 6 (D01-S01-C02-G06). "
                                       "escalation level 2 reset to 0. the photo shows the square")
        [alert] = staff_alerts(s)
        assert (alert.kind, alert.role, alert.area_code, alert.case_id) == ("placed", "agent", GRID, filed.id)
        assert alert.text == f"Case {filed.reference} was placed in grid Grid 6 ({GRID}) by tri."
        assert [a.id for a in alerts.alerts_for(s, worker)] == [alert.id]
        assert alerts.alerts_for(s, desk) == []
        assert [n.chat_id for n in notifications(s) if n.kind == "staff_alert"] == ["chat-gw"]
        assert len(resident_pushes(s)) == pushes  # the resident is not told


def test_a_department_first_case_placed_in_a_grid_alerts_the_departments_agents(db):
    with db.transaction() as s:
        roads = person(s, "roads", "agent", department="Roads and Highways")
        worker = person(s, "gw", "agent", area=GRID)
        desk = person(s, "tri", "supervisor")
        filed = file(s, "pothole")
        place_in_grid(s, case=filed, grid_code=GRID, staff=desk, now=T0)
        [alert] = staff_alerts(s)
        assert (alert.role, alert.department, alert.area_code) == ("agent", "Roads and Highways", None)
        assert [a.id for a in alerts.alerts_for(s, roads)] == [alert.id]
        assert alerts.alerts_for(s, worker) == []
        assert resident_pushes(s) == []


@pytest.mark.parametrize("code, message", [
    ("D09-S01-C01-G01", "there is no grid D09-S01-C01-G01"),
    ("D01-S01-C02", "there is no grid D01-S01-C02 (it is a community)"),
    ("", "there is no grid (none chosen)"),
])
def test_only_a_grid_of_the_map_is_a_place(db, code, message):
    with db.transaction() as s:
        desk = person(s, "tri", "agent", department="Triage Desk")
        filed = file(s)
        with pytest.raises(PlacementRefused, match=f"^{re.escape(message)}$"):
            place_in_grid(s, case=filed, grid_code=code, staff=desk, now=T0)
        assert filed.grid_code is None and len(filed.events) == 1 and staff_alerts(s) == []


def test_a_closed_case_and_the_grid_a_case_is_in_are_refused(db):
    with db.transaction() as s:
        desk = person(s, "tri", "agent", department="Triage Desk")
        in_grid = file(s, **SQUARE)
        assert in_grid.grid_code == GRID
        with pytest.raises(PlacementRefused, match=r"the case is already in grid Grid 6 \(D01-S01-C02-G06\)"):
            place_in_grid(s, case=in_grid, grid_code=GRID, staff=desk, now=T0)
        closed = file(s)
        lifecycle.change_status(s, case=closed, to_status="rejected", actor="staff", staff=desk, now=T0, **CITY)
        with pytest.raises(PlacementRefused, match="is closed"):
            place_in_grid(s, case=closed, grid_code=GRID, staff=desk, now=T0)
        assert closed.grid_code is None and staff_alerts(s) == []


def test_an_areas_person_places_only_inside_their_area(db):
    with db.transaction() as s:
        community = person(s, "comm", "supervisor", area="D01-S01-C02")
        filed = file(s, **SQUARE)
        with pytest.raises(PlacementRefused, match=r"only in the grids of Jing'an Temple Community 2 \(D01-S01-C02\)"):
            place_in_grid(s, case=filed, grid_code=ELSEWHERE, staff=community, now=T0)
        assert filed.grid_code == GRID
        place_in_grid(s, case=filed, grid_code=NEXT_DOOR, staff=community, now=T0)
        assert case(s, filed.reference).grid_code == NEXT_DOOR
        # department staff, city supervisors and admins place anywhere
        for n, anyone in enumerate([person(s, "ann", "agent", department="Sanitation"), person(s, "city", "supervisor"),
                                    person(s, "root", "admin", area=GRID)]):
            place_in_grid(s, case=filed, grid_code=[ELSEWHERE, GRID, NEXT_DOOR][n], staff=anyone, now=T0)
        assert case(s, filed.reference).grid_code == NEXT_DOOR


def test_an_assignee_of_another_area_lets_the_case_go_and_department_staff_keep_it(db):
    with db.transaction() as s:
        worker = person(s, "gw", "agent", area=GRID)
        neighbour = person(s, "nb", "agent", area=NEXT_DOOR)
        ann = person(s, "ann", "agent", department="Sanitation")
        desk = person(s, "tri", "supervisor")
        filed = file(s, **SQUARE)
        lifecycle.assign(s, case=filed, staff=desk, assignee=worker, now=T0)
        event = place_in_grid(s, case=filed, grid_code=NEXT_DOOR, staff=desk, now=T0)
        assert filed.assignee is None and filed.assignee_id is None
        assert "Gw answers for another area and no longer has it" in (event.internal_note or "")
        assert alerts.alerts_for(s, neighbour)[0].text.startswith(f"Case {filed.reference} was placed in grid Grid 5")
        # someone who answers for a department follows the case wherever it goes, and hears of it first
        lifecycle.assign(s, case=filed, staff=desk, assignee=ann, now=T0)
        place_in_grid(s, case=filed, grid_code=ELSEWHERE, staff=desk, now=T0 + timedelta(minutes=1))
        assert filed.assignee_id == ann.id
        assert alerts.alerts_for(s, ann)[0].text.endswith(f"placed in grid Grid 2 ({ELSEWHERE}) by tri.")
        # placed back where it was: a new alert, not one swallowed by the first one's key
        place_in_grid(s, case=filed, grid_code=NEXT_DOOR, staff=desk, now=T0 + timedelta(minutes=2))
        assert len(staff_alerts(s)) == 3


def test_an_overdue_case_placed_in_a_grid_climbs_its_new_ladder_again(db):
    with db.transaction() as s:
        desk = person(s, "tri", "supervisor")
        community = person(s, "comm", "supervisor", area="D01-S01-C02")
        filed = file(s)
        reference, due = filed.reference, filed.due_at
    with db.transaction() as s:
        assert escalation.escalate_overdue(s, step_hours=48, timezone=TZ, quiet_hours=NO_QUIET_HOURS,
                                           now=due) == [(reference, 1)]
        place_in_grid(s, case=case(s, reference), grid_code=GRID, staff=s.get(StaffUser, desk.id), now=due)
        assert case(s, reference).escalation_level == 0
    with db.transaction() as s:
        assert escalation.escalate_overdue(s, step_hours=48, timezone=TZ, quiet_hours=NO_QUIET_HOURS,
                                           now=due + timedelta(hours=1)) == [(reference, 1)]
        assert s.scalar(select(Case.escalation_level).where(Case.reference == reference)) == 1
        # level 1 of the grid ladder is the community's supervisors: they are alerted, although the case had
        # been at level 1 of the triage ladder (the department's supervisors) before it was placed
        [escalated] = [a for a in alerts.alerts_for(s, s.get(StaffUser, community.id)) if a.kind == "escalation"]
        assert "Escalated to level 1" in escalated.text
