"""Reports break the cases down by grid and by each level above it, with the triage desk's apart."""

from __future__ import annotations

from datetime import date, timedelta

from cases import lifecycle
from cases.reporting import figures
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
    csv = figures.report_csv(march(db))
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
