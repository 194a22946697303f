"""The responsiveness record: each figure per official, department and area, checked by hand, and its scopes."""

from __future__ import annotations

from dataclasses import astuple
from datetime import date, timedelta

import pytest

from cases.reporting import export, figures
from cases.reporting.responsiveness import responsiveness
from tests.cases.builders import T0, TZ
from tests.reporting.city_month import fill

NOW = T0 + timedelta(days=40)


def march(db, by, **scope):
    with db.transaction() as s:
        return responsiveness(s, period="monthly", start=date(2026, 3, 1), end=date(2026, 4, 1), timezone=TZ,
                              by=by, now=NOW, **scope)


def figures_of(row):
    """(handled, received, median first response h, resolved, on time %, reopened, reopen %, chased,
    satisfaction average, answers)."""
    return astuple(row)[3:]


def test_per_official(db):
    ids = fill(db)
    rows = march(db, "staff")
    assert [(row.level, row.key, row.name) for row in rows] == [
        ("staff", str(ids["bob"]), "Bob"), ("staff", str(ids["ann"]), "Ann")]  # most cases handled first
    bob, ann = rows
    # Ann moved A and B: 2 handled, both received in March. First responses 2 h (A) and 6 h (B): median 4.
    # First resolved in March: A on time, B 2 h late: 1/2 = 50%. A was reopened ("not fixed"): 1/2 = 50%.
    # B was chased once. A's resident answered 2/5.
    assert figures_of(ann) == (2, 2, 4.0, 2, 50.0, 1, 50.0, 1, 2.0, 1)
    # Bob moved B, C and D: 3 handled; B and C received in March (D in January). First responses: C 1 h,
    # B 6 h (the case's first response, Ann's): median 3.5. Resolved: C on time, B and D late: 1/3 = 33.3%.
    # None reopened: 0/3 = 0%. B's chase. C's resident answered 5/5.
    assert figures_of(bob) == (3, 2, 3.5, 3, 33.3, 0, 0.0, 1, 5.0, 1)


def test_per_department_says_what_the_departments_report_says(db):
    fill(db)
    roads, sanitation = march(db, "department")
    # Roads: A and B, as Ann's figures. Sanitation: C, D, E; C and D handled; C, E received (E unanswered):
    # first response C's 1 h; resolved C (on time) and D (late): 50%; no reopening, chase; C's 5/5.
    assert (roads.key, figures_of(roads)) == ("Roads and Highways", (2, 2, 4.0, 2, 50.0, 1, 50.0, 1, 2.0, 1))
    assert (sanitation.key, figures_of(sanitation)) == ("Sanitation", (2, 2, 1.0, 2, 50.0, 0, 0.0, 0, 5.0, 1))
    for row in (roads, sanitation):
        with db.transaction() as s:
            report = figures.build_report(s, period="monthly", start=date(2026, 3, 1), end=date(2026, 4, 1),
                                          department=row.key, timezone=TZ, now=NOW)
        assert (report.received, report.median_first_response_hours, report.resolved, report.on_time_percent,
                report.chased, report.satisfaction_average) == (
            row.received, row.median_first_response_hours, row.resolved, row.on_time_percent, row.chased,
            row.satisfaction_average)


def test_per_grid_and_the_levels_above(db):
    fill(db)
    rows = {row.key: (row.level, *figures_of(row)) for row in march(db, "grid")}
    # G06 holds A and D: 2 handled, A received (2 h); A on time, D late; A reopened; A's 2/5.
    g06 = ("grid", 2, 1, 2.0, 2, 50.0, 1, 50.0, 0, 2.0, 1)
    # G05 holds B: 6 h, late, chased once, no answer.
    g05 = ("grid", 1, 1, 6.0, 1, 0.0, 0, 0.0, 1, None, 0)
    # Their community (and sub-district, district): A, B, D: received A, B (2 h, 6 h: median 4); A of A, B, D on
    # time: 33.3%; A reopened: 33.3%.
    c02 = (3, 2, 4.0, 3, 33.3, 1, 33.3, 1, 2.0, 1)
    c = (1, 1, 1.0, 1, 100.0, 0, 0.0, 0, 5.0, 1)  # C alone, in D02: 1 h, on time, 5/5
    assert rows == {
        "D01": ("district", *c02), "D02": ("district", *c),
        "D01-S01": ("subdistrict", *c02), "D02-S02": ("subdistrict", *c),
        "D01-S01-C02": ("community", *c02), "D02-S02-C01": ("community", *c),
        "D01-S01-C02-G06": g06, "D01-S01-C02-G05": g05, "D02-S02-C01-G02": ("grid", *c),
        "triage": ("triage", 0, 1, None, 0, None, 0, None, 0, None, 0)}  # E: received, never answered
    assert list(rows)[:2] == ["D01", "D02"] and list(rows)[-4:] == [
        "D01-S01-C02-G06", "D01-S01-C02-G05", "D02-S02-C01-G02", "triage"]


def test_an_area_and_a_department_see_only_their_own_rows(db):
    ids = fill(db)
    # The community D01-S01-C02 holds A, B, D. Bob's there: B and D handled, B received (6 h), both late.
    area = {row.key: figures_of(row) for row in march(db, "staff", area="D01-S01-C02")}
    assert area == {str(ids["ann"]): (2, 2, 4.0, 2, 50.0, 1, 50.0, 1, 2.0, 1),
                    str(ids["bob"]): (2, 1, 6.0, 2, 0.0, 0, 0.0, 1, None, 0)}
    assert [row.key for row in march(db, "grid", area="D01-S01-C02")] == [
        "D01-S01-C02", "D01-S01-C02-G06", "D01-S01-C02-G05"]  # nothing above the area, nothing outside it
    assert [row.key for row in march(db, "department", area="D01-S01-C02")] == ["Roads and Highways", "Sanitation"]
    # Sanitation's cases are C, D, E: only Bob moved them.
    sanitation = march(db, "staff", department="Sanitation")
    assert [(row.name, figures_of(row)) for row in sanitation] == [("Bob", (2, 1, 1.0, 2, 50.0, 0, 0.0, 0, 5.0, 1))]
    assert [row.key for row in march(db, "department", department="Sanitation")] == ["Sanitation"]
    assert [row.key for row in march(db, "grid", area="triage")] == ["triage"]


def test_the_reopen_rate_is_as_of_now_and_the_csv_has_every_row(db):
    fill(db)
    # Before the resident's "not fixed" (T0 + 8 h), A was not reopened yet.
    with db.transaction() as s:
        before = responsiveness(s, period="monthly", start=date(2026, 3, 1), end=date(2026, 4, 1), timezone=TZ,
                                by="department", department="Roads and Highways", now=T0 + timedelta(hours=7))
    assert (before[0].reopened, before[0].reopen_rate_percent) == (0, 0.0)
    csv = export.responsiveness_csv(march(db, "department"))
    assert csv.splitlines()[0].startswith("level,key,name,handled,received,median_first_response_hours")
    assert "department,Sanitation,Sanitation,2,2,1.0,2,50.0,0,0.0,0,5.0,1" in csv.splitlines()


def test_a_period_with_nothing_and_a_bad_request(db):
    fill(db)
    with db.transaction() as s:
        assert responsiveness(s, period="weekly", start=date(2026, 5, 4), end=date(2026, 5, 11), timezone=TZ,
                              by="staff", now=NOW) == []
        with pytest.raises(ValueError):
            responsiveness(s, period="weekly", start=date(2026, 5, 4), end=date(2026, 5, 11), timezone=TZ,
                           by="everyone", now=NOW)
