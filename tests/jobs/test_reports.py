"""Report figures against values computed by hand for a month of known cases (October 2026, Shanghai time).

The month's cases (R* Roads and Highways / pothole, due after 7 days; S* Sanitation / garbage, 3 days):
  case  created (local)  first response  first resolved  on time?  other
  R1    Oct 1 09:00      +2 h            Oct 3 09:00     yes       rated 5 Oct 3 -> closed_fixed
  R2    Oct 2 10:00      +4 h            Oct 12 10:00    no        still resolved
  R3    Oct 5 08:00      +1 h            Oct 6 08:00     yes       rated 1 Oct 6 -> reopened, resolved again Oct 8
  R4    Oct 10 09:00     -               -                         escalated Oct 17, chased Oct 18 and 19
  R5    Oct 20 09:00     +6 h            -                         in_progress
  R6    Oct 31 23:30     -               -                         submitted
  S1    Oct 3 09:00      +1 h            Oct 4 09:00     yes       rated 4 -> closed_fixed
  S2    Oct 7 09:00      +3 h            Oct 11 09:00    no        rated 3 -> closed_fixed
  S3    Oct 15 09:00     +8 h            -                         scheduled
  S4    Oct 22 09:00     -               -                         cancelled by the resident
  S5    Oct 25 09:00     +0.5 h          Oct 26 09:00    yes       no answer: still resolved
  S6    Oct 28 09:00     +1 h (rejected) -
Around the month: X1 (Roads, Sep 28, first resolved Oct 2 09:00: counts as resolved in October, 96 h, on
time), X2 (Sanitation, Sep 30 23:00, open, escalated Oct 17, chased Nov 2), X3 (Roads, Nov 1 00:30).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cases import lifecycle
from cases.followup import chase, escalation, survey
from cases.reporting import export
from cases.reporting import figures as reports
from cases.reporting.figures import OpenCaseLine
from tests.cases.builders import TZ, case, resident, staff
from tests.city import CITY, NO_QUIET_HOURS

ZONE = ZoneInfo(TZ)
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=ZONE)  # when the report is built
ROADS, SANITATION = "Roads and Highways", "Sanitation"


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A moment in city time, 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=ZONE)


def build_month(db) -> dict[str, str]:
    """Create the cases of the docstring; returns name -> reference."""
    refs: dict[str, str] = {}
    with db.transaction() as s:
        agents = {ROADS: staff(s, "rob", department=ROADS), SANITATION: staff(s, "sam", department=SANITATION)}

        def new(name, kind, created):
            refs[name] = lifecycle.open_case(
                s,
                resident=resident(s, name),
                request_type=kind,
                description="x",
                address="1 Main St",
                now=created,
                reference_prefix="HY",
            ).reference
            return case(s, refs[name])

        def move(name, to, when, **kwargs):
            c = case(s, refs[name])
            lifecycle.change_status(
                s,
                case=c,
                to_status=to,
                actor="staff",
                staff=agents[c.department],
                now=when,
                timezone=TZ,
                **kwargs,
                quiet_hours=NO_QUIET_HOURS,
            )

        def rated(name, rating, resolved_at):
            survey.send_due_surveys(
                s, delay_hours=2, timezone=TZ, now=resolved_at + timedelta(hours=2), quiet_hours=NO_QUIET_HOURS
            )
            survey.record_rating(
                s,
                resident=resident(s, name),
                reference=refs[name],
                rating=rating,
                now=resolved_at + timedelta(hours=3),
                **CITY,
            )

        new("X1", "pothole", at(9, 28))
        move("X1", "in_progress", at(9, 28, 10))
        move("X1", "resolved", at(10, 2))
        new("X2", "garbage", at(9, 30, 23))
        new("R1", "pothole", at(10, 1))
        move("R1", "in_progress", at(10, 1, 11))
        move("R1", "resolved", at(10, 3))
        rated("R1", 5, at(10, 3))
        new("R2", "pothole", at(10, 2, 10))
        move("R2", "acknowledged", at(10, 2, 14))
        move("R2", "resolved", at(10, 12, 10))
        new("S1", "garbage", at(10, 3))
        move("S1", "in_progress", at(10, 3, 10))
        move("S1", "resolved", at(10, 4))
        rated("S1", 4, at(10, 4))
        new("R3", "pothole", at(10, 5, 8))
        move("R3", "in_progress", at(10, 5, 9))
        move("R3", "resolved", at(10, 6, 8))
        rated("R3", 1, at(10, 6, 8))  # reopened at 11:00
        move("R3", "resolved", at(10, 8, 8))
        new("S2", "garbage", at(10, 7))
        move("S2", "in_progress", at(10, 7, 12))
        move("S2", "resolved", at(10, 11))
        rated("S2", 3, at(10, 11))
        new("R4", "pothole", at(10, 10))
        new("S3", "garbage", at(10, 15))
        move("S3", "scheduled", at(10, 15, 17), scheduled_for=date(2026, 10, 25))
        new("R5", "pothole", at(10, 20))
        move("R5", "in_progress", at(10, 20, 15))
        new("S4", "garbage", at(10, 22))
        lifecycle.cancel_by_resident(s, resident=resident(s, "S4"), reference=refs["S4"], now=at(10, 22, 10), **CITY)
        new("S5", "garbage", at(10, 25))
        move("S5", "in_progress", at(10, 25, 9, 30))
        move("S5", "resolved", at(10, 26))
        new("S6", "garbage", at(10, 28))
        move("S6", "rejected", at(10, 28, 10))
        new("R6", "pothole", at(10, 31, 23, 30))
        new("X3", "pothole", at(11, 1, 0, 30))
    with db.transaction() as s:  # R4 (due Oct 17 09:00) reaches level 1, X2 (due Oct 3 23:00) levels 1 and 2
        assert escalation.escalate_overdue(
            s, step_hours=48, timezone=TZ, now=at(10, 17), quiet_hours=NO_QUIET_HOURS
        ) == [(refs["X2"], 1), (refs["X2"], 2), (refs["R4"], 1)]
    with db.transaction() as s:
        for name, day in (("R4", at(10, 18, 10)), ("R4", at(10, 19, 10)), ("X2", at(11, 2, 8))):
            chase.chase_case(s, resident=resident(s, name), reference=refs[name], timezone=TZ, now=day)
    return refs


@pytest.fixture
def month(db):
    return db, build_month(db)


def report(db, department=None, period="monthly", start=date(2026, 10, 1), end=date(2026, 11, 1)):
    with db.transaction() as s:
        return reports.build_report(s, period=period, start=start, end=end, department=department, timezone=TZ, now=NOW)


def test_city_figures(month):
    db, refs = month
    r = report(db)
    assert (r.period, r.start, r.end, r.department) == ("monthly", date(2026, 10, 1), date(2026, 11, 1), None)
    assert (r.received, r.resolved) == (12, 7)
    assert r.on_time_percent == 71.4  # 5 of 7
    assert r.median_first_response_hours == 2.0  # 0.5 1 1 1 [2] 3 4 6 8
    assert r.median_resolution_hours == 48.0  # 24 24 24 [48] 96 96 240
    assert (r.reopened, r.escalated, r.chased) == (1, 2, 2)
    assert r.satisfaction_average == 3.25  # (5 + 4 + 1 + 3) / 4
    assert r.satisfaction_counts == {1: 1, 2: 0, 3: 1, 4: 1, 5: 1}
    assert r.open_by_status == {"submitted": 3, "acknowledged": 0, "in_progress": 1, "scheduled": 1, "resolved": 4}
    assert r.by_type == [("Pothole or damaged road", 6, 4), ("Rubbish and litter", 6, 3)]
    busy_days = {1, 2, 3, 5, 7, 10, 15, 20, 22, 25, 28, 31}
    assert r.daily_received == [(date(2026, 10, d), 1 if d in busy_days else 0) for d in range(1, 32)]
    assert [(line.reference, line.status, line.days_open, line.overdue) for line in r.oldest_open] == [
        (refs["X1"], "resolved", 35.0, False),
        (refs["X2"], "submitted", 32.4, True),
        (refs["R2"], "resolved", 31.0, False),
        (refs["R3"], "resolved", 28.0, False),
        (refs["R4"], "submitted", 23.0, True),
        (refs["S3"], "scheduled", 18.0, True),
        (refs["R5"], "in_progress", 13.0, True),
        (refs["S5"], "resolved", 8.0, False),
        (refs["R6"], "submitted", 1.4, False),
    ]
    assert r.oldest_open[1] == OpenCaseLine(
        reference=refs["X2"],
        request_type="garbage",
        type_name="Rubbish and litter",
        department=SANITATION,
        status="submitted",
        created_at=at(9, 30, 23),
        due_at=at(10, 3, 23),
        days_open=32.4,
        overdue=True,
    )


def test_department_filter(month):
    db, refs = month
    roads = report(db, ROADS)
    assert (roads.department, roads.received, roads.resolved, roads.on_time_percent) == (ROADS, 6, 4, 75.0)
    assert (roads.median_first_response_hours, roads.median_resolution_hours) == (3.0, 72.0)  # 1 2 4 6; 24 48 96 240
    assert (roads.reopened, roads.escalated, roads.chased) == (1, 1, 2)
    assert (roads.satisfaction_average, roads.satisfaction_counts) == (3.0, {1: 1, 2: 0, 3: 0, 4: 0, 5: 1})
    assert roads.open_by_status == {"submitted": 2, "acknowledged": 0, "in_progress": 1, "scheduled": 0, "resolved": 3}
    assert roads.by_type == [("Pothole or damaged road", 6, 4)]
    assert [line.reference for line in roads.oldest_open] == [refs[n] for n in ("X1", "R2", "R3", "R4", "R5", "R6")]
    sanitation = report(db, SANITATION)
    assert (sanitation.received, sanitation.resolved, sanitation.on_time_percent) == (6, 3, 66.7)
    nobody = report(db, "Street Lighting")
    assert (nobody.received, nobody.resolved, nobody.on_time_percent, nobody.median_resolution_hours) == (
        0,
        0,
        None,
        None,
    )
    assert (nobody.satisfaction_average, nobody.oldest_open, nobody.by_type) == (None, [], [])


def test_csv_of_a_department(month):
    db, refs = month
    daily = "".join(f"daily_received,2026-10-{d:02d},{1 if d in {3, 7, 15, 22, 25, 28} else 0}\n" for d in range(1, 32))
    assert export.report_csv(report(db, SANITATION)) == (
        "section,metric,value\n"
        "summary,period,monthly\n"
        "summary,start,2026-10-01\n"
        "summary,last_day,2026-10-31\n"
        "summary,department,Sanitation\n"
        "summary,area,All areas\n"
        "summary,received,6\n"
        "summary,resolved,3\n"
        "summary,on_time_percent,66.7\n"
        "summary,median_first_response_hours,1.0\n"
        "summary,median_resolution_hours,24.0\n"
        "summary,reopened,0\n"
        "summary,escalated,1\n"
        "summary,chased,0\n"
        "summary,satisfaction_average,3.5\n"
        "satisfaction_count,1,0\n"
        "satisfaction_count,2,0\n"
        "satisfaction_count,3,1\n"
        "satisfaction_count,4,1\n"
        "satisfaction_count,5,0\n"
        "open_by_status,submitted,1\n"
        "open_by_status,acknowledged,0\n"
        "open_by_status,in_progress,0\n"
        "open_by_status,scheduled,1\n"
        "open_by_status,resolved,1\n"
        "received_by_type,Rubbish and litter,6\n"
        "resolved_by_type,Rubbish and litter,3\n" + daily + f"oldest_open_days,{refs['X2']},32.4\n"
        f"oldest_open_days,{refs['S3']},18.0\n"
        f"oldest_open_days,{refs['S5']},8.0\n"
        "received_by_triage,triage,6\n"  # their addresses name no street of the sample city
        "open_by_triage,triage,3\n"
    )


def test_summary_text(month):
    db, _ = month
    link = "https://console.example/reports?period=monthly&start=2026-10-01&department="
    assert export.report_summary(report(db), link) == (
        "Monthly report, all departments: 1 Oct 2026 to 31 Oct 2026\n"  # dates and numbers as en_GB writes them
        "Received 12, resolved 7 (on time: 71.4%).\n"
        "Median first response 2 h, median resolution 48 h.\n"
        "Reopened 1, escalated 2, chased 2.\n"
        "Satisfaction 3.25/5 (4 answers).\n"
        "Open at report time: 9, the oldest 35 days old.\n"
        "Full report: https://console.example/reports?period=monthly&start=2026-10-01&department="
    )


def test_a_week(month):
    db, _ = month
    start, end = reports.period_bounds("weekly", date(2026, 10, 7))
    assert (start, end) == (date(2026, 10, 5), date(2026, 10, 12))
    week = report(db, period="weekly", start=start, end=end)
    assert (week.received, week.resolved, week.on_time_percent, week.reopened) == (3, 2, 50.0, 1)  # R3 S2 R4; R3 S2
    assert (week.median_resolution_hours, week.satisfaction_average) == (60.0, 2.0)  # (24 + 96) / 2; (1 + 3) / 2
    assert week.daily_received == [
        (date(2026, 10, 5), 1),
        (date(2026, 10, 6), 0),
        (date(2026, 10, 7), 1),
        (date(2026, 10, 8), 0),
        (date(2026, 10, 9), 0),
        (date(2026, 10, 10), 1),
        (date(2026, 10, 11), 0),
    ]


def test_period_bounds():
    assert reports.period_bounds("weekly", date(2026, 10, 5)) == (date(2026, 10, 5), date(2026, 10, 12))
    assert reports.period_bounds("weekly", date(2026, 10, 11)) == (date(2026, 10, 5), date(2026, 10, 12))
    assert reports.period_bounds("monthly", date(2026, 2, 28)) == (date(2026, 2, 1), date(2026, 3, 1))
    assert reports.previous_period("weekly", date(2026, 10, 12)) == (date(2026, 10, 5), date(2026, 10, 12))
    assert reports.previous_period("weekly", date(2026, 10, 14)) == (date(2026, 10, 5), date(2026, 10, 12))
    assert reports.previous_period("monthly", date(2027, 1, 1)) == (date(2026, 12, 1), date(2027, 1, 1))
    assert reports.previous_period("monthly", date(2026, 3, 31)) == (date(2026, 2, 1), date(2026, 3, 1))
    with pytest.raises(ValueError):
        reports.period_bounds("daily", date(2026, 10, 5))
