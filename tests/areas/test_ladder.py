"""Overdue cases climb their ladder with the clock: grid-first types up the areas, department-first types
through the department to the district, each rung alerted once to that area's people."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml

from cases import lifecycle
from cases.catalog import CATALOG_FILE, parse_catalog
from cases.followup import escalation
from cases.staff import alerts
from tests.cases.builders import T0, TZ, case, notifications, resident, staff, staff_alerts
from tests.city import CITY, NO_QUIET_HOURS

STEP = 48.0
GRID = "D01-S01-C02-G06"  # holds People's Square


def sweep(db, at, times: int = 3):
    """The escalation sweep `times` times at one moment, each in its own transaction."""
    taken = []
    for _ in range(times):
        with db.transaction() as s:
            taken += escalation.escalate_overdue(s, step_hours=STEP, timezone=TZ, now=at, quiet_hours=NO_QUIET_HOURS)
    return taken


def file(s, request_type, *, language="en", lat=31.2304, lon=121.4737):
    """A case at People's Square, being worked on."""
    filed = lifecycle.open_case(s, resident=resident(s, language=language), request_type=request_type,
                                description="a problem", latitude=lat, longitude=lon, now=T0, reference_prefix="HY")
    lifecycle.change_status(s, case=filed, to_status="in_progress", actor="staff", now=T0 + timedelta(hours=1), **CITY)
    return filed.reference, filed.due_at


def area_people(s):
    """A grid worker, the supervisors of its community, sub-district and district, a city supervisor, and the
    supervisor of a neighbouring community who must hear nothing."""
    for username, role, area in [("gw", "agent", GRID), ("comm", "supervisor", "D01-S01-C02"),
                                 ("sub", "supervisor", "D01-S01"), ("dist", "supervisor", "D01"),
                                 ("city", "supervisor", None), ("other", "supervisor", "D01-S01-C01")]:
        person = staff(s, username, role=role, chat_id=f"chat-{username}")
        person.area_code = area
    s.flush()


def seen_by(s, username):
    from sqlalchemy import select

    from cases.models import StaffUser
    person = s.scalar(select(StaffUser).where(StaffUser.username == username))
    return [a.text.split("Escalated to ")[1] for a in alerts.alerts_for(s, person)]


def test_a_grid_first_case_climbs_grid_community_subdistrict_district_city(db):
    with db.transaction() as s:
        area_people(s)
        ref, due = file(s, "garbage", language="zh")
        assert case(s, ref).grid_code == GRID
    assert sweep(db, due - timedelta(seconds=1)) == []
    assert sweep(db, due) == [(ref, 1)]
    assert sweep(db, due + timedelta(hours=STEP)) == [(ref, 2)]
    assert sweep(db, due + timedelta(hours=2 * STEP)) == [(ref, 3)]
    assert sweep(db, due + timedelta(hours=3 * STEP)) == [(ref, 4)]
    assert sweep(db, due + timedelta(days=90)) == []  # the city is the top
    with db.transaction() as s:
        assert case(s, ref).escalation_level == 4
        assert [(a.role, a.department, a.area_code) for a in staff_alerts(s)] == [
            ("supervisor", None, "D01-S01-C02"), ("supervisor", None, "D01-S01"), ("supervisor", None, "D01"),
            ("supervisor", None, None)]
        assert seen_by(s, "comm") == ["level 1 (the supervisors of Jing'an Temple Community 2 (D01-S01-C02))."]
        assert seen_by(s, "sub") == ["level 2 (the supervisors of Jing'an Temple (D01-S01))."]
        assert seen_by(s, "dist") == ["level 3 (the supervisors of Jing'an (D01))."]
        assert seen_by(s, "city") == ["level 4 (the city's supervisors)."]
        assert seen_by(s, "other") == [] and seen_by(s, "gw") == []
        # each rung's people got their Telegram copy once
        staff_pushes = [n for n in notifications(s) if n.kind == "staff_alert"]
        assert sorted(n.chat_id for n in staff_pushes) == ["chat-city", "chat-comm", "chat-dist", "chat-sub"]
        # the resident was told at each rung, in Chinese, with the rung's name
        told = [n.text for n in notifications(s, resident_external_id="100") if "超期" in n.text]
        assert [t.split("现已提交")[1] for t in told] == [
            "社区负责人督办。", "街道负责人督办。", "区级督办。", "市级督办。"]


def catalog_with(**ladders):
    """The catalog with `ladder:` set for some types, as a city would write it in catalog.yml."""
    data = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))
    for entry in data["request_types"]:
        if entry["code"] in ladders:
            entry["ladder"] = ladders[entry["code"]]
    return parse_catalog(yaml.safe_dump(data, allow_unicode=True))


def test_a_ladder_set_in_the_catalog_is_the_one_climbed(db):
    short = catalog_with(garbage=["grid", "subdistrict", "city"])
    with db.transaction() as s:
        area_people(s)
        ref, due = file(s, "garbage")
    levels = []
    for step in range(4):
        with db.transaction() as s:
            levels += escalation.escalate_overdue(s, step_hours=STEP, timezone=TZ, catalog=short,
                                                  now=due + timedelta(hours=step * STEP), quiet_hours=NO_QUIET_HOURS)
    assert levels == [(ref, 1), (ref, 2)]  # two rungs above the grid, then nothing more
    with db.transaction() as s:
        assert seen_by(s, "sub") == ["level 1 (the supervisors of Jing'an Temple (D01-S01))."]
        assert seen_by(s, "city") == ["level 2 (the city's supervisors)."]
        assert seen_by(s, "comm") == [] and seen_by(s, "dist") == []
        assert alerts.responsible(case(s, ref), catalog=short) == {"role": "supervisor", "department": None}


@pytest.mark.parametrize("rungs, problem", [
    (["grid", "mayor"], "unknown ladder rungs"),
    (["department", "community"], "starts with its first_handler"),
    (["grid", "district", "community"], "go up once each"),
    (["grid", "city", "city"], "go up once each"),
])
def test_a_ladder_that_cannot_be_climbed_is_refused_when_the_catalog_loads(rungs, problem):
    with pytest.raises(ValueError, match=problem):
        catalog_with(garbage=rungs)


def test_a_department_first_case_goes_department_supervisor_district_city(db):
    with db.transaction() as s:
        area_people(s)
        roads = staff(s, "roads", role="supervisor", department="Roads and Highways")
        ref, due = file(s, "pothole")
    assert sweep(db, due + timedelta(hours=STEP)) == [(ref, 1), (ref, 2)]  # a missed rung is recorded too
    assert sweep(db, due + timedelta(hours=10 * STEP)) == [(ref, 3)]
    with db.transaction() as s:
        assert [(a.role, a.department, a.area_code) for a in staff_alerts(s)] == [
            ("supervisor", "Roads and Highways", None), ("supervisor", None, "D01"), ("supervisor", None, None)]
        assert roads.id and seen_by(s, "roads") == ["level 1 (the supervisor of Roads and Highways)."]
        assert seen_by(s, "comm") == [] and seen_by(s, "dist") == ["level 2 (the supervisors of Jing'an (D01))."]
        told = [n.text for n in notifications(s, resident_external_id="100") if "late" in n.text]
        assert [t.split("passed to ")[1] for t in told] == ["the district's supervisors to be dealt with.",
                                                           "the city's supervisors to be dealt with."]


def test_a_case_outside_every_grid_keeps_the_department_ladder(db):
    with db.transaction() as s:
        area_people(s)
        ref, due = file(s, "garbage", lat=31.40, lon=121.47)
        assert case(s, ref).grid_code is None
    assert sweep(db, due + timedelta(days=60)) == [(ref, 1), (ref, 2)]
    with db.transaction() as s:
        assert [(a.role, a.department, a.area_code) for a in staff_alerts(s)] == [
            ("supervisor", "Sanitation", None), ("supervisor", None, None)]


def test_whoever_answers_now_follows_the_ladder(db):
    """Chases and survey alerts go to whoever answers for the case at its rung (alerts.responsible)."""
    with db.transaction() as s:
        area_people(s)
        garbage = case(s, file(s, "garbage")[0])
        assert alerts.responsible(garbage) == {"role": "agent", "area": GRID}  # the grid worker
        assert alerts.responsible(garbage, 2) == {"role": "supervisor", "area": "D01-S01"}
        assert alerts.responsible(garbage, 9) == {"role": "supervisor", "department": None}  # past the top: city
        pothole = case(s, file(s, "pothole")[0])
        assert alerts.responsible(pothole) == {"role": "agent", "department": "Roads and Highways"}
        assert alerts.responsible(pothole, 2) == {"role": "supervisor", "area": "D01"}
        garbage.assignee = staff(s, "wang", role="agent")
        assert alerts.responsible(garbage) == {"staff": garbage.assignee}
