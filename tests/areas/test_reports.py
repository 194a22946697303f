"""Reports break the cases down by grid and by each level above it, with the triage desk's apart."""

from __future__ import annotations

from datetime import date, timedelta

from cases import lifecycle
from cases.reporting import export, figures
from tests.cases.builders import T0, TZ, resident
from tests.city import CITY
from tests.web.conftest import add_staff, login

SQUARE = (31.2304, 121.4737)  # D01-S01-C02-G06
NEXT_DOOR = (31.2255, 121.4655)  # D01-S01-C02-G05
OTHER_DISTRICT = (31.2404, 121.4937)  # D02-S02-C01-G02


def file(s, n, where=None, *, request_type="garbage", address=None, at=T0):
    lat, lon = where or (None, None)
    return lifecycle.open_case(s, resident=resident(s, str(n)), request_type=request_type, description="x",
                               latitude=lat, longitude=lon, address=address, now=at, reference_prefix="HY")


def march(db, department=None):
    with db.transaction() as s:
        return figures.build_report(s, period="monthly", start=date(2026, 3, 1), end=date(2026, 4, 1),
                                    department=department, timezone=TZ, now=T0 + timedelta(days=40))


def fill(db):
    with db.transaction() as s:
        file(s, 1, SQUARE)
        done = file(s, 2, SQUARE)
        file(s, 3, NEXT_DOOR, request_type="pothole")
        file(s, 4, OTHER_DISTRICT)
        file(s, 5, address="somewhere unknown")
        file(s, 6, SQUARE, at=T0 - timedelta(days=30))  # February: open in March, not received in it
        lifecycle.change_status(s, case=done, to_status="resolved", actor="staff", now=T0 + timedelta(hours=2), **CITY)


def test_figures_by_grid_and_level(db):
    fill(db)
    lines = {(line.level, line.code): (line.received, line.open) for line in march(db).by_area}
    # open: still active at the end, "resolved" (awaiting the resident's word) included, as in open_by_status
    assert lines == {
        ("district", "D01"): (3, 4), ("district", "D02"): (1, 1),
        ("subdistrict", "D01-S01"): (3, 4), ("subdistrict", "D02-S02"): (1, 1),
        ("community", "D01-S01-C02"): (3, 4), ("community", "D02-S02-C01"): (1, 1),
        ("grid", "D01-S01-C02-G05"): (1, 1), ("grid", "D01-S01-C02-G06"): (2, 3), ("grid", "D02-S02-C01-G02"): (1, 1),
        ("triage", "triage"): (1, 1)}
    assert [line.level for line in march(db).by_area][:2] == ["district", "district"]
    # a department's report counts only its cases
    roads = {(line.level, line.code): (line.received, line.open) for line in march(db, "Roads and Highways").by_area}
    assert roads == {("district", "D01"): (1, 1), ("subdistrict", "D01-S01"): (1, 1),
                     ("community", "D01-S01-C02"): (1, 1), ("grid", "D01-S01-C02-G05"): (1, 1)}
    csv = export.report_csv(march(db))
    assert "received_by_grid,D01-S01-C02-G06,2\n" in csv and "open_by_district,D01,4\n" in csv
    assert "received_by_triage,triage,1\n" in csv


async def test_the_report_page_shows_the_areas(app, db):
    fill(db)
    add_staff(db, "sup", "supervisor")
    page = await (await login(app, "sup")).get("/reports", params={"period": "monthly", "start": "2026-03-01"})
    assert page.status_code == 200, page.text
    block = page.text.split('id="by-area"', 1)[1]
    assert 'data-area="D01-S01-C02"><td>community</td>' in block
    assert '<a href="/cases?area=D01">Jing&#39;an</a> (D01)</td><td class="received">3</td>' in block


def test_an_areas_report_counts_only_its_cases(db):
    fill(db)
    with db.transaction() as s:
        community = figures.build_report(s, period="monthly", start=date(2026, 3, 1), end=date(2026, 4, 1),
                                         area="D01-S01-C02", timezone=TZ, now=T0 + timedelta(days=40))
        triage = figures.build_report(s, period="monthly", start=date(2026, 3, 1), end=date(2026, 4, 1),
                                      area="triage", timezone=TZ, now=T0 + timedelta(days=40))
    assert (community.received, community.resolved, sum(community.open_by_status.values())) == (3, 1, 4)
    assert {line.code for line in community.by_area} == {"D01", "D01-S01", "D01-S01-C02", "D01-S01-C02-G05",
                                                          "D01-S01-C02-G06"}
    assert community.area_name == "Jing'an Temple Community 2 (D01-S01-C02)"
    assert "summary,area,Jing'an Temple Community 2 (D01-S01-C02)\n" in export.report_csv(community)
    assert "Jing'an Temple Community 2 (D01-S01-C02): 1 Mar 2026" in export.report_summary(community, "link")
    assert (triage.received, triage.area_name) == (1, "the triage desk")


async def test_an_areas_supervisor_reads_their_areas_report_and_no_wider_one(app, db):
    fill(db)
    add_staff(db, "comm", "supervisor")
    with db.transaction() as s:
        from sqlalchemy import select

        from cases.models import StaffUser
        s.scalar(select(StaffUser).where(StaffUser.username == "comm")).area_code = "D01-S01-C02"
    comm = await login(app, "comm")
    march_params = {"period": "monthly", "start": "2026-03-01"}
    page = await comm.get("/reports", params=march_params)
    assert page.status_code == 200, page.text
    assert "Jing&#39;an Temple Community 2 (D01-S01-C02)" in page.text.split("</h1>")[0]
    assert '<tr><th>Received</th><td>3</td></tr>' in page.text
    grid = await comm.get("/reports", params={**march_params, "area": "D01-S01-C02-G06"})  # narrower: fine
    assert grid.status_code == 200 and '<tr><th>Received</th><td>2</td></tr>' in grid.text
    for wider in ("D01-S01", "D02", "triage"):
        assert (await comm.get("/reports", params={**march_params, "area": wider})).status_code == 403, wider
    csv = await comm.get("/reports.csv", params=march_params)
    assert csv.status_code == 200 and "summary,received,3\n" in csv.text
    assert "d01-s01-c02" in csv.headers["content-disposition"]
    # The city's supervisors still read the whole city, and any area they pick.
    add_staff(db, "city", "supervisor")
    city = await login(app, "city")
    assert '<tr><th>Received</th><td>5</td></tr>' in (await city.get("/reports", params=march_params)).text
    assert '<tr><th>Received</th><td>1</td></tr>' in (
        await city.get("/reports", params={**march_params, "area": "D02"})).text


def test_the_citys_report_goes_to_city_supervisors_not_to_an_areas(db):
    from cases.reporting import runs

    with db.transaction() as s:
        from tests.cases.builders import staff

        staff(s, "city", role="supervisor", chat_id="chat-city")
        staff(s, "comm", role="supervisor", chat_id="chat-comm").area_code = "D01-S01-C02"
        s.flush()
        assert [member.username for member in runs.report_recipients(s, None)] == ["city"]
